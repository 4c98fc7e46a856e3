-- «Замечаний нет» rounds by kind: the kind of draft (or a «замечаний нет» answer on an
-- assignment or request) sets the round's default due date and whether silence is consent.
-- Rounds started before kinds existed become "other_draft", which keeps their behaviour in
-- every profile (same due date, silent consent where the profile gave it to every round).
ALTER TABLE remark_rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'other_draft'
    CHECK (kind IN ('resolution', 'decision', 'order', 'emergency', 'other_draft', 'reply'));

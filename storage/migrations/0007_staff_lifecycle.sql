-- Staff lifecycle: a person who left is deactivated, never deleted (their history stays);
-- whether the directory gave the person's language (else Telegram's fills it at joining);
-- an invitation replaced by a newer one is voided (told apart from one that expired).
ALTER TABLE people ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
ALTER TABLE people ADD COLUMN left_at TEXT;  -- UTC ISO: when the person was removed
-- 1: the staff CSV named the language (rows imported before this migration count as given)
ALTER TABLE people ADD COLUMN language_given INTEGER NOT NULL DEFAULT 1
    CHECK (language_given IN (0, 1));
ALTER TABLE invitations ADD COLUMN voided_at TEXT;  -- UTC ISO: a newer link replaced it

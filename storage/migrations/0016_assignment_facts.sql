-- The facts reports count: when an item was accepted, reported, removed from control (with the
-- ground), returned for rework, extended or had its deadline changed (from → to).
--
-- Every step on an item already writes one audit row (entity 'assignment', entity_id the
-- registration number) in its own unit of work; a trigger turns the rows that are facts into
-- `assignment_facts` rows in that same transaction, so no path can forget them. The mapping is
-- written once, as the view `audit_assignment_facts`, and used both by the trigger and by the
-- backfill of existing databases at the end of this file. The item's last report and its
-- removal are kept on the item too (`assignments.reported_at`, `removed_at`: UTC, as the
-- facts), so a report over a year of items reads one row per item.
CREATE TABLE assignment_facts (
    id             INTEGER PRIMARY KEY,
    audit_id       INTEGER NOT NULL UNIQUE,  -- the audit row it comes from
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('accepted', 'reported', 'removed', 'returned',
                   'extended', 'deadline_changed')),
    at             TEXT NOT NULL,   -- UTC, 'YYYY-MM-DDTHH:MM:SS.SSS': compares as text
    department     TEXT,            -- accepted, reported: the department's name
    ground         TEXT,            -- removed: 'executed' or 'impossible'
    old_deadline   TEXT,            -- extended, deadline_changed: ISO dates
    new_deadline   TEXT
);
CREATE INDEX assignment_facts_item ON assignment_facts(assignment_id, kind);

ALTER TABLE assignments ADD COLUMN reported_at TEXT;  -- the last final report (UTC)
ALTER TABLE assignments ADD COLUMN removed_at TEXT;   -- removed from control (UTC)
CREATE INDEX assignment_facts_kind_at ON assignment_facts(kind, at);

CREATE VIEW audit_assignment_facts AS
SELECT
    u.id AS audit_id,
    a.id AS assignment_id,
    CASE u.action
        WHEN 'accept' THEN 'accepted'
        WHEN 'report' THEN 'reported'
        WHEN 'remove' THEN 'removed'
        WHEN 'return' THEN 'returned'
        WHEN 'extension_approved' THEN 'extended'
        WHEN 'deadline' THEN 'deadline_changed'
    END AS kind,
    strftime('%Y-%m-%dT%H:%M:%f', u.at) AS at,
    CASE WHEN json_valid(u.new_value) THEN json_extract(u.new_value, '$.department') END
        AS department,
    CASE WHEN json_valid(u.new_value) THEN json_extract(u.new_value, '$.ground') END AS ground,
    CASE WHEN json_valid(u.old_value) THEN json_extract(u.old_value, '$.deadline') END
        AS old_deadline,
    CASE WHEN json_valid(u.new_value) THEN json_extract(u.new_value, '$.deadline') END
        AS new_deadline
FROM audit u
JOIN assignments a ON a.reg_number = u.entity_id
WHERE u.entity = 'assignment'
  AND u.action IN ('accept', 'report', 'remove', 'return', 'extension_approved', 'deadline');

CREATE TRIGGER audit_assignment_facts_insert AFTER INSERT ON audit
WHEN NEW.entity = 'assignment'
  AND NEW.action IN ('accept', 'report', 'remove', 'return', 'extension_approved', 'deadline')
BEGIN
    INSERT INTO assignment_facts (audit_id, assignment_id, kind, at, department, ground,
                                  old_deadline, new_deadline)
    SELECT audit_id, assignment_id, kind, at, department, ground, old_deadline, new_deadline
    FROM audit_assignment_facts WHERE audit_id = NEW.id;
END;

CREATE TRIGGER assignment_facts_on_item AFTER INSERT ON assignment_facts
WHEN NEW.kind IN ('reported', 'removed')
BEGIN
    UPDATE assignments SET reported_at = NEW.at
    WHERE id = NEW.assignment_id AND NEW.kind = 'reported';
    UPDATE assignments SET removed_at = NEW.at
    WHERE id = NEW.assignment_id AND NEW.kind = 'removed';
END;

-- Existing databases (the trigger above keeps the items' columns as it goes): the facts from the audit trail as it stands.
INSERT INTO assignment_facts (audit_id, assignment_id, kind, at, department, ground,
                              old_deadline, new_deadline)
SELECT audit_id, assignment_id, kind, at, department, ground, old_deadline, new_deadline
FROM audit_assignment_facts ORDER BY audit_id;

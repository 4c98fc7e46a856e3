-- Fast under load (issue 17).
--
-- The working-day calendar is built once per process and rebuilt only when an override
-- changes: every change to calendar_overrides (from the bot or another process, e.g.
-- `python -m bot calendar set`) bumps this one-row counter, which the bot reads instead of
-- the overrides.
CREATE TABLE calendar_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO calendar_version (id, version) VALUES (1, 0);
CREATE TRIGGER calendar_overrides_inserted AFTER INSERT ON calendar_overrides
BEGIN
    UPDATE calendar_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER calendar_overrides_updated AFTER UPDATE ON calendar_overrides
BEGIN
    UPDATE calendar_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER calendar_overrides_deleted AFTER DELETE ON calendar_overrides
BEGIN
    UPDATE calendar_version SET version = version + 1 WHERE id = 1;
END;

-- Lists of open items (/my, /control, the leaders' department lists, the sweep) read one page
-- by key in (deadline, number) order and count from these indexes, never the whole table.
-- Open is every status but 'removed': the lists' WHERE says exactly `status <> 'removed'`.
CREATE INDEX assignments_open_by_deadline ON assignments(deadline, reg_number)
    WHERE status <> 'removed';
CREATE INDEX assignments_open_by_source ON assignments(source, deadline, reg_number)
    WHERE status <> 'removed';
-- A department's items it still holds, without reading the executor rows themselves.
DROP INDEX assignment_executors_department;
CREATE INDEX assignment_executors_held
    ON assignment_executors(department_id, declined_at, assignment_id);

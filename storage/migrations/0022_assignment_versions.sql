-- Each assignment's version (issue 17): a number that moves, in the changing transaction, on
-- every change of the item's row or of its executors' rows, whatever process or path makes it
-- (the bot, a CLI import, a hand-made fix in the sqlite3 shell). `AssignmentReading` keeps the
-- items it has read in memory and serves one again only while its version (and the directory's,
-- for the departments' names) is still the one it was read under (see
-- `storage/assignments/kept.py`).
--
-- Versions come from one clock for the whole table, so no two states of any item ever share a
-- version: not an item's old and new states, nor a deleted item's and a new item given its id.
CREATE TABLE assignment_clock (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    tick  INTEGER NOT NULL
);
INSERT INTO assignment_clock (id, tick) VALUES (1, 0);

ALTER TABLE assignments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- The one trigger that takes a version from the clock: it fires on any change of the item's
-- row (its own UPDATE changes the version, so it does not fire it again).
CREATE TRIGGER assignment_version_updated AFTER UPDATE ON assignments
WHEN NEW.version = OLD.version
BEGIN
    UPDATE assignment_clock SET tick = tick + 1 WHERE id = 1;
    UPDATE assignments SET version = (SELECT tick FROM assignment_clock WHERE id = 1)
    WHERE id = NEW.id;
END;

-- Everything else touches the item's row, and the trigger above gives it a new version: a new
-- item (which would otherwise keep the default 0, the version a deleted item of the same id may
-- have been kept under), and any change of an executor's row as an `Executor` reads it
-- (open_deadline and reg_number, which migration 0019's triggers copy from the item, are not
-- part of it).
CREATE TRIGGER assignment_version_inserted AFTER INSERT ON assignments
BEGIN
    UPDATE assignments SET version = version WHERE id = NEW.id;
END;

CREATE TRIGGER assignment_version_executor_inserted AFTER INSERT ON assignment_executors
BEGIN
    UPDATE assignments SET version = version WHERE id = NEW.assignment_id;
END;

CREATE TRIGGER assignment_version_executor_updated AFTER UPDATE OF
    assignment_id, department_id, is_main, position, accepted_at, accepted_by, declined_at,
    decline_reason ON assignment_executors
BEGIN
    UPDATE assignments SET version = version WHERE id IN (NEW.assignment_id, OLD.assignment_id);
END;

CREATE TRIGGER assignment_version_executor_deleted AFTER DELETE ON assignment_executors
BEGIN
    UPDATE assignments SET version = version WHERE id = OLD.assignment_id;
END;

-- Views in O(page) and files computed once (issue 17).
--
-- A department's open items in list order, read from one index: each executor row carries its
-- item's list key (the deadline while the item is open, NULL once it is removed from control,
-- and the registration number). Triggers keep the copy: a new executor row takes its item's key,
-- and a change of an item's deadline, status or number is written to its executor rows in the
-- same transaction, so no path can forget it. /my, a leader's department list and the
-- overview's counts read `assignment_executors_open` (a covering partial index: only the rows
-- of departments that still hold an open item) and never the items table to find or sort.
ALTER TABLE assignment_executors ADD COLUMN open_deadline TEXT;  -- the item's deadline; NULL: removed
ALTER TABLE assignment_executors ADD COLUMN reg_number TEXT;     -- the item's number

CREATE TRIGGER assignment_executors_keyed AFTER INSERT ON assignment_executors
BEGIN
    UPDATE assignment_executors
    SET open_deadline = (SELECT CASE WHEN a.status <> 'removed' THEN a.deadline END
                         FROM assignments a WHERE a.id = NEW.assignment_id),
        reg_number = (SELECT a.reg_number FROM assignments a WHERE a.id = NEW.assignment_id)
    WHERE assignment_id = NEW.assignment_id AND department_id = NEW.department_id;
END;

CREATE TRIGGER assignments_key_changed AFTER UPDATE OF deadline, status, reg_number ON assignments
BEGIN
    UPDATE assignment_executors
    SET open_deadline = CASE WHEN NEW.status <> 'removed' THEN NEW.deadline END,
        reg_number = NEW.reg_number
    WHERE assignment_id = NEW.id;
END;

UPDATE assignment_executors
SET open_deadline = (SELECT CASE WHEN a.status <> 'removed' THEN a.deadline END
                     FROM assignments a WHERE a.id = assignment_executors.assignment_id),
    reg_number = (SELECT a.reg_number FROM assignments a
                  WHERE a.id = assignment_executors.assignment_id);

CREATE INDEX assignment_executors_open
    ON assignment_executors(department_id, open_deadline, reg_number, assignment_id)
    WHERE declined_at IS NULL AND open_deadline IS NOT NULL;
-- The overview's totals per deadline over every department (each item once), in deadline order.
CREATE INDEX assignment_executors_open_by_deadline
    ON assignment_executors(open_deadline, assignment_id)
    WHERE declined_at IS NULL AND open_deadline IS NOT NULL;

-- A generated file many people get (the weekly list's workbook and chart, a meeting's calendar
-- file) is uploaded once and re-sent by Telegram's file_id: `digest` fingerprints the content
-- the file_id was uploaded with, so a changed content (a new digest under the same key) is
-- built and uploaded anew, and a restart reuses a file_id only for the very same content.
ALTER TABLE file_cache ADD COLUMN digest TEXT NOT NULL DEFAULT '';

-- How many open items have each deadline and source (issue 17): `/control`'s count without a
-- department («На контроле: 10000», its filters by deadline and by source) is a sum over these
-- rows, one per day and source that has open items, instead of a count over the open items'
-- index, which grows with them. Triggers keep it in the changing transaction, from any process
-- or path, on every change that moves an item in or out of the open items (its status to or
-- from «removed»), to another deadline or source, and on insert and delete.
CREATE TABLE open_counts (
    deadline  TEXT NOT NULL,
    source    TEXT NOT NULL,
    n         INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (deadline, source)
) WITHOUT ROWID;

INSERT INTO open_counts (deadline, source, n)
SELECT deadline, source, COUNT(*) FROM assignments WHERE status <> 'removed'
GROUP BY deadline, source;

CREATE TRIGGER open_counts_inserted AFTER INSERT ON assignments
WHEN NEW.status <> 'removed'
BEGIN
    INSERT INTO open_counts (deadline, source, n) VALUES (NEW.deadline, NEW.source, 1)
    ON CONFLICT (deadline, source) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER open_counts_deleted AFTER DELETE ON assignments
WHEN OLD.status <> 'removed'
BEGIN
    UPDATE open_counts SET n = n - 1 WHERE deadline = OLD.deadline AND source = OLD.source;
    DELETE FROM open_counts WHERE deadline = OLD.deadline AND source = OLD.source AND n = 0;
END;

-- An update takes the item out of its old row (if it was open) and puts it in its new one (if
-- it is open now): a status, deadline or source changed, in any combination.
CREATE TRIGGER open_counts_updated_out AFTER UPDATE OF status, deadline, source ON assignments
WHEN OLD.status <> 'removed'
BEGIN
    UPDATE open_counts SET n = n - 1 WHERE deadline = OLD.deadline AND source = OLD.source;
    DELETE FROM open_counts WHERE deadline = OLD.deadline AND source = OLD.source AND n = 0;
END;

CREATE TRIGGER open_counts_updated_in AFTER UPDATE OF status, deadline, source ON assignments
WHEN NEW.status <> 'removed'
BEGIN
    INSERT INTO open_counts (deadline, source, n) VALUES (NEW.deadline, NEW.source, 1)
    ON CONFLICT (deadline, source) DO UPDATE SET n = n + 1;
END;

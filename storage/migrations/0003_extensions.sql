-- Extension requests (продление срока): asked by the main executor, decided once.
CREATE TABLE extension_requests (
    id                    INTEGER PRIMARY KEY,
    assignment_id         INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    department_id         INTEGER NOT NULL REFERENCES departments(id),
    requested_by          TEXT NOT NULL,          -- staff code of whoever asked
    on_behalf_of          TEXT,                   -- the absent head, when a substitute asked
    old_deadline          TEXT NOT NULL,          -- ISO date: the deadline when asked
    new_deadline          TEXT NOT NULL,          -- ISO date asked for
    reasons               TEXT NOT NULL,
    exceptional           INTEGER NOT NULL CHECK (exceptional IN (0, 1)),  -- beyond the limit
    status                TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by            TEXT,
    decided_on_behalf_of  TEXT,
    decided_at            TEXT,                   -- UTC ISO, microseconds
    granted_deadline      TEXT,                   -- ISO date, when approved
    reject_reason         TEXT,
    created_at            TEXT NOT NULL           -- UTC ISO, microseconds: compares as text
);
-- At most one request per assignment waits for a decision.
CREATE UNIQUE INDEX extension_requests_one_pending ON extension_requests(assignment_id)
    WHERE status = 'pending';
CREATE INDEX extension_requests_status_created ON extension_requests(status, created_at);
CREATE INDEX extension_requests_assignment ON extension_requests(assignment_id);

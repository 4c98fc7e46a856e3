-- Removal from control under the consent rule (Baidibek 2025 §12.14, seed 003 l.1326-1328:
-- «при согласии акима района или руководителя аппарата»): the controller's removal (ground and
-- note) waits here until the akim or the head of apparatus (or whoever acts for them) agrees or
-- refuses; the first decision wins. One pending request per assignment.
CREATE TABLE removal_requests (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    ground         TEXT NOT NULL CHECK (ground IN ('executed', 'impossible')),
    note           TEXT NOT NULL,
    requested_by   TEXT NOT NULL,          -- staff code of the controller
    status         TEXT NOT NULL CHECK (status IN ('pending', 'agreed', 'refused', 'lapsed')),
    decided_by     TEXT,                   -- staff code of the akim / head of apparatus (or acting)
    on_behalf_of   TEXT,                   -- whom the decider acted for
    refuse_reason  TEXT,
    created_at     TEXT NOT NULL,
    decided_at     TEXT
);
CREATE UNIQUE INDEX removal_requests_pending ON removal_requests(assignment_id)
    WHERE status = 'pending';

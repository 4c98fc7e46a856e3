-- Executors (staff of a department): the head passes an item to them (Baidibek 2025 §12.17,
-- L1353–1357: the first head organises execution and answers for it); an executor drafts the
-- report, the head sends it on as the department's (§12.13, L1320–1323: signed by the head).
CREATE TABLE assignment_passes (
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    passed_by      TEXT NOT NULL,          -- staff code of the head (or acting head)
    passed_at      TEXT NOT NULL,          -- UTC ISO
    PRIMARY KEY (assignment_id, department_id, person_id)
);
CREATE INDEX assignment_passes_person ON assignment_passes(person_id);

CREATE TABLE executor_drafts (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    author_id      INTEGER NOT NULL REFERENCES people(id),
    text           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'returned',
                   'superseded')),
    comment        TEXT,                   -- the head's comment when returned
    decided_by     TEXT,                   -- staff code
    decided_at     TEXT,
    report_id      INTEGER REFERENCES reports(id),  -- the department's report it became
    created_at     TEXT NOT NULL
);
CREATE INDEX executor_drafts_assignment ON executor_drafts(assignment_id, department_id);

CREATE TABLE executor_draft_files (
    draft_id   INTEGER NOT NULL REFERENCES executor_drafts(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    file_id    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    PRIMARY KEY (draft_id, position)
);

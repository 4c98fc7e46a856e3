-- «Замечаний нет» rounds: an initiator asks addressees for remarks by a due date.
CREATE TABLE remark_rounds (
    id            INTEGER PRIMARY KEY,
    subject       TEXT NOT NULL,
    initiator_id  INTEGER NOT NULL REFERENCES people(id),
    restricted    INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    due           TEXT NOT NULL,          -- ISO date: answers are taken until its end
    created_at    TEXT NOT NULL,          -- UTC ISO, microseconds
    closed_at     TEXT                    -- UTC ISO, microseconds: the due date was processed
);
CREATE INDEX remark_rounds_open_due ON remark_rounds(closed_at, due);
CREATE INDEX remark_rounds_initiator ON remark_rounds(initiator_id, created_at);

CREATE TABLE remark_round_files (
    round_id   INTEGER NOT NULL REFERENCES remark_rounds(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    file_id    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    PRIMARY KEY (round_id, position)
);

CREATE TABLE remark_addressees (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES remark_rounds(id) ON DELETE CASCADE,
    person_id      INTEGER NOT NULL REFERENCES people(id),  -- who answers
    department_id  INTEGER REFERENCES departments(id),     -- set when addressed through it
    answer         TEXT NOT NULL CHECK (answer IN ('pending', 'no_remarks', 'remarks',
                   'agreed_by_default', 'no_answer')),
    answered_at    TEXT,                  -- UTC ISO, microseconds
    answered_by    TEXT,                  -- staff code (an acting substitute may answer)
    text           TEXT,
    UNIQUE (round_id, person_id)
);
CREATE INDEX remark_addressees_person ON remark_addressees(person_id, answer);

CREATE TABLE remark_answer_files (
    addressee_id  INTEGER NOT NULL REFERENCES remark_addressees(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    file_id       TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    PRIMARY KEY (addressee_id, position)
);

-- A third answer in «Замечаний нет» rounds: «в согласовании отказано» with typed reasons
-- (Almaty 2016 п.24 3), seed 001 l.277; a reasoned «не согласовано», Baidibek 2025 §10.3-10.4).
-- SQLite cannot change a CHECK in place, so remark_addressees is rebuilt. Foreign keys are on
-- during migrations and dropping a table deletes its rows first, which would cascade to
-- remark_answer_files: the answer files are set aside, their table dropped before the
-- addressees', and both are rebuilt with the same ids, so every answer keeps its files.
CREATE TABLE remark_addressees_new (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES remark_rounds(id) ON DELETE CASCADE,
    person_id      INTEGER NOT NULL REFERENCES people(id),  -- who answers
    department_id  INTEGER REFERENCES departments(id),     -- set when addressed through it
    answer         TEXT NOT NULL CHECK (answer IN ('pending', 'no_remarks', 'remarks',
                   'refused', 'agreed_by_default', 'no_answer')),
    answered_at    TEXT,                  -- UTC ISO, microseconds
    answered_by    TEXT,                  -- staff code (an acting substitute may answer)
    text           TEXT,                  -- the remarks, or the reasons of a refusal
    UNIQUE (round_id, person_id)
);
INSERT INTO remark_addressees_new
    (id, round_id, person_id, department_id, answer, answered_at, answered_by, text)
    SELECT id, round_id, person_id, department_id, answer, answered_at, answered_by, text
    FROM remark_addressees;

CREATE TEMP TABLE remark_answer_files_kept AS SELECT * FROM remark_answer_files;
DROP TABLE remark_answer_files;
DROP TABLE remark_addressees;
ALTER TABLE remark_addressees_new RENAME TO remark_addressees;
CREATE INDEX remark_addressees_person ON remark_addressees(person_id, answer);

CREATE TABLE remark_answer_files (
    addressee_id  INTEGER NOT NULL REFERENCES remark_addressees(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    file_id       TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    PRIMARY KEY (addressee_id, position)
);
INSERT INTO remark_answer_files (addressee_id, position, file_id, file_name)
    SELECT addressee_id, position, file_id, file_name FROM remark_answer_files_kept;
DROP TABLE temp.remark_answer_files_kept;

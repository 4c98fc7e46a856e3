-- Assignments on control: executors, reports and their files, posted cards, the outbox.
CREATE TABLE assignments (
    id                 INTEGER PRIMARY KEY,
    reg_number         TEXT NOT NULL UNIQUE,
    received           TEXT NOT NULL,          -- ISO date
    registered_on      TEXT NOT NULL,          -- ISO date (local): the departments' day of receipt
    source             TEXT NOT NULL CHECK (source IN ('president',
                       'presidential_administration', 'government', 'prime_minister',
                       'oblast_akim', 'akim', 'akimat', 'deputy_akim', 'head_of_apparatus',
                       'other')),
    issuer_id          INTEGER REFERENCES people(id),
    summary            TEXT NOT NULL,
    deadline           TEXT NOT NULL,          -- ISO date, the current one
    original_deadline  TEXT NOT NULL,          -- ISO date, as registered
    mark               TEXT NOT NULL CHECK (mark IN ('', 'urgent', 'very_urgent')),
    control_type       TEXT NOT NULL CHECK (control_type IN ('urgent', 'short', 'medium',
                       'long')),
    restricted         INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    status             TEXT NOT NULL CHECK (status IN ('registered', 'accepted',
                       'report_submitted', 'returned', 'removed')),
    removal_ground     TEXT CHECK (removal_ground IN ('executed', 'impossible')),
    extensions         INTEGER NOT NULL DEFAULT 0,
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX assignments_status_deadline ON assignments(status, deadline);

CREATE TABLE assignment_executors (
    assignment_id   INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    department_id   INTEGER NOT NULL REFERENCES departments(id),
    is_main         INTEGER NOT NULL CHECK (is_main IN (0, 1)),
    position        INTEGER NOT NULL,  -- a replacement takes the declined row's position
    accepted_at     TEXT,
    accepted_by     TEXT,              -- staff code of whoever pressed «accept»
    declined_at     TEXT,              -- «not ours»: the row stays, inactive
    decline_reason  TEXT,
    PRIMARY KEY (assignment_id, department_id)
);
CREATE INDEX assignment_executors_department ON assignment_executors(department_id);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    author_code    TEXT NOT NULL,
    on_behalf_of   TEXT,
    text           TEXT NOT NULL,
    final          INTEGER NOT NULL CHECK (final IN (0, 1)),
    created_at     TEXT NOT NULL
);
CREATE INDEX reports_assignment ON reports(assignment_id);

CREATE TABLE report_files (
    report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    file_id    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    PRIMARY KEY (report_id, position)
);

CREATE TABLE card_messages (
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    person_id      INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    chat_id        INTEGER NOT NULL,
    message_id     INTEGER NOT NULL,
    PRIMARY KEY (assignment_id, person_id, message_id)
);

CREATE TABLE outbox (
    id                   INTEGER PRIMARY KEY,
    key                  TEXT NOT NULL UNIQUE,  -- the message's identity: never sent twice
    person_id            INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    kind                 TEXT NOT NULL,
    payload              TEXT NOT NULL,         -- JSON object
    not_before           TEXT NOT NULL,         -- UTC ISO, microseconds: compares as text
    status               TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent',
                         'failed', 'cancelled')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    claimed_at           TEXT,
    sent_at              TEXT,
    chat_id              INTEGER,
    telegram_message_id  INTEGER,
    last_error           TEXT,
    created_at           TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox(status, not_before);

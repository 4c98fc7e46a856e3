-- Meetings: agenda items with their materials, recipients with their attendance, changes,
-- protocols; saved distribution lists (указатель рассылки); a cache of uploaded files.
CREATE TABLE meetings (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('session', 'apparatus', 'other')),
    title                TEXT NOT NULL DEFAULT '',
    starts_at            TEXT NOT NULL,      -- local wall time 'YYYY-MM-DDTHH:MM:SS'
    duration             INTEGER NOT NULL CHECK (duration > 0),  -- minutes
    format               TEXT NOT NULL CHECK (format IN ('in_person', 'mixed', 'video')),
    place                TEXT NOT NULL DEFAULT '',
    link                 TEXT NOT NULL DEFAULT '',
    chair_id             INTEGER REFERENCES people(id),
    organizer_id         INTEGER NOT NULL REFERENCES people(id),
    restricted           INTEGER NOT NULL CHECK (restricted IN (0, 1)),
    status               TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'distributed',
                         'held', 'cancelled')),
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,      -- UTC ISO, microseconds
    approved_at          TEXT,
    approved_by          TEXT,               -- staff code
    approved_on_paper    INTEGER NOT NULL DEFAULT 0 CHECK (approved_on_paper IN (0, 1)),
    distributed_version  INTEGER,
    distributed_at       TEXT
);
CREATE INDEX meetings_open ON meetings(status, starts_at);

CREATE TABLE meeting_items (
    id              INTEGER PRIMARY KEY,
    meeting_id      INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,        -- from 1
    title           TEXT NOT NULL,
    speaker         TEXT NOT NULL DEFAULT '',
    department_id   INTEGER REFERENCES departments(id),
    materials_at    TEXT,                    -- UTC ISO: when the materials came in
    materials_by    TEXT,                    -- staff code
    on_paper        INTEGER NOT NULL DEFAULT 0 CHECK (on_paper IN (0, 1))
);
CREATE INDEX meeting_items_meeting ON meeting_items(meeting_id, position);

CREATE TABLE meeting_item_files (
    item_id    INTEGER NOT NULL REFERENCES meeting_items(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    file_id    TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    PRIMARY KEY (item_id, position)
);

CREATE TABLE meeting_recipients (
    id                INTEGER PRIMARY KEY,
    meeting_id        INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    person_id         INTEGER NOT NULL REFERENCES people(id),
    member            INTEGER NOT NULL CHECK (member IN (0, 1)),
    answer            TEXT NOT NULL CHECK (answer IN ('pending', 'attend', 'absent',
                      'substitute')),
    reason            TEXT,
    answered_at       TEXT,
    answered_by       TEXT,
    answered_version  INTEGER,
    UNIQUE (meeting_id, person_id)
);
CREATE INDEX meeting_recipients_person ON meeting_recipients(person_id);

CREATE TABLE meeting_changes (
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,            -- the version this change made
    changes     TEXT NOT NULL,               -- JSON: field -> [old, new]
    at          TEXT NOT NULL,
    by          TEXT NOT NULL,
    PRIMARY KEY (meeting_id, version)
);

CREATE TABLE protocols (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL UNIQUE REFERENCES meetings(id),
    year        INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    signed_on   TEXT NOT NULL,               -- ISO date
    file_id     TEXT,
    file_name   TEXT,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (year, number)
);

CREATE TABLE protocol_assignments (
    protocol_id    INTEGER NOT NULL REFERENCES protocols(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    assignment_id  INTEGER NOT NULL REFERENCES assignments(id),
    PRIMARY KEY (protocol_id, position)
);

CREATE TABLE distribution_lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE distribution_list_entries (
    list_id    INTEGER NOT NULL REFERENCES distribution_lists(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    member     INTEGER NOT NULL CHECK (member IN (0, 1)),
    PRIMARY KEY (list_id, person_id)
);

-- A generated file (a calendar file) is uploaded once; later sends reuse Telegram's file_id.
CREATE TABLE file_cache (
    key      TEXT PRIMARY KEY,
    file_id  TEXT NOT NULL
);

-- Foundation: staff directory, access, calendar overrides, audit.
CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,  -- casefolded, spaces collapsed (NOCASE folds ASCII only)
    created_at  TEXT NOT NULL
);

CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    full_name        TEXT NOT NULL,
    position         TEXT NOT NULL DEFAULT '',
    department_id    INTEGER REFERENCES departments(id) ON DELETE RESTRICT,
    language         TEXT NOT NULL CHECK (language IN ('kk', 'ru')),
    telegram_id      INTEGER UNIQUE,
    bound_at         TEXT,
    language_chosen  INTEGER NOT NULL DEFAULT 0 CHECK (language_chosen IN (0, 1)),
    unreachable      INTEGER NOT NULL DEFAULT 0 CHECK (unreachable IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX people_department ON people(department_id);

CREATE TABLE person_roles (
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('controller', 'akim', 'head_of_apparatus',
               'deputy_akim', 'head', 'executor', 'organizer', 'member', 'admin')),
    PRIMARY KEY (person_id, role)
) WITHOUT ROWID;
CREATE INDEX person_roles_role ON person_roles(role);

CREATE TABLE curated_departments (
    person_id      INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, department_id)
) WITHOUT ROWID;
CREATE INDEX curated_by_department ON curated_departments(department_id);

CREATE TABLE substitutions (
    id             INTEGER PRIMARY KEY,
    absent_id      INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    substitute_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    CHECK (starts_on <= ends_on),
    CHECK (absent_id <> substitute_id)
);
CREATE INDEX substitutions_absent ON substitutions(absent_id, starts_on, ends_on);

CREATE TABLE invitations (
    token             TEXT PRIMARY KEY,
    person_id         INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    created_at        TEXT NOT NULL,
    expires_at        TEXT NOT NULL,
    used_at           TEXT,
    used_by_telegram  INTEGER
);
CREATE INDEX invitations_person ON invitations(person_id);

CREATE TABLE calendar_overrides (
    day         TEXT PRIMARY KEY,
    working     INTEGER NOT NULL CHECK (working IN (0, 1)),
    reason      TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE audit (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    on_behalf_of    TEXT,
    action          TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    old_value       TEXT,
    new_value       TEXT
);
CREATE INDEX audit_entity ON audit(entity, entity_id);

-- The staff directory's version (issue 17): a number every change of the directory raises, in
-- the changing transaction, whatever process or path makes it (the bot, a CLI import, a
-- hand-made fix in the sqlite3 shell). `StaffRepo` keeps the person of a Telegram account and
-- the code -> name list in memory and serves them only while the version is still the one it
-- read them under (see `storage/staff.py`).
--
-- The triggers cover every table a `Person` (PERSON_SELECT: people, its department, its roles,
-- its curated departments), `StaffRepo.names()` or whom a person acts for (substitutions) is
-- read from. Nothing in them is written on every update (when a person last opened the bot is
-- kept in memory), so the version moves only when the directory does.
CREATE TABLE staff_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO staff_version (id, version) VALUES (1, 0);

CREATE TRIGGER staff_version_people_insert AFTER INSERT ON people
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_people_update AFTER UPDATE ON people
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_people_delete AFTER DELETE ON people
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER staff_version_departments_insert AFTER INSERT ON departments
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_departments_update AFTER UPDATE ON departments
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_departments_delete AFTER DELETE ON departments
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER staff_version_person_roles_insert AFTER INSERT ON person_roles
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_person_roles_update AFTER UPDATE ON person_roles
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_person_roles_delete AFTER DELETE ON person_roles
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER staff_version_curated_departments_insert AFTER INSERT ON curated_departments
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_curated_departments_update AFTER UPDATE ON curated_departments
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_curated_departments_delete AFTER DELETE ON curated_departments
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER staff_version_substitutions_insert AFTER INSERT ON substitutions
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_substitutions_update AFTER UPDATE ON substitutions
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER staff_version_substitutions_delete AFTER DELETE ON substitutions
BEGIN UPDATE staff_version SET version = version + 1 WHERE id = 1; END;

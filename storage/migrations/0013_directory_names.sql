-- Optional names in both languages for the directory (staff CSV `department_kk`,
-- `department_ru`, `position_kk`, `position_ru`): '' means none, and the screens fall back to
-- `name` / `position` as imported.
ALTER TABLE departments ADD COLUMN name_kk TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN name_ru TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN position_kk TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN position_ru TEXT NOT NULL DEFAULT '';

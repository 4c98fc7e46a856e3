-- Optional names in both languages for the directory (staff CSV `department_kk`,
-- `department_ru`, `position_kk`, `position_ru`): '' means none, and the screens fall back to
-- `name` / `position` as imported.
ALTER TABLE departments ADD COLUMN name_kk TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN name_ru TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN position_kk TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN position_ru TEXT NOT NULL DEFAULT '';

-- The dialogs in progress (aiogram's FSM: a state and its data, JSON) by aiogram's storage key
-- (bot, chat, user): a half-written report or a dialog survives a restart.
CREATE TABLE dialogs (
    key         TEXT PRIMARY KEY,
    state       TEXT,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL
);

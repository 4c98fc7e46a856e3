-- The issuer's letter answering an extension asked of it (issue 14): its number stays in
-- letter_ref (free text before this migration: number and date as typed), its date is asked
-- and checked separately and kept here (ISO date), so each reader sees it written in their
-- language. A refusal may come without reasons: reject_reason stays NULL then, and the reader
-- is shown the default in their own language.
ALTER TABLE extension_requests ADD COLUMN letter_date TEXT;

-- A restricted (ДСП) «замечаний нет» round names the document by its registration number (what
-- may travel), never by its subject: NULL for an open round and for the restricted rounds started
-- before this (they keep their internal number).
ALTER TABLE remark_rounds ADD COLUMN reg_number TEXT;

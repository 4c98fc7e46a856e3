-- Extensions asked of the issuing body outside the akimat (Baidibek 2025 §12.6 and §11.6, seed
-- 003 l.1278-1283, l.1143-1144; Almaty 2016 п.45, seed 001 l.465-484): the district cannot
-- grant them; the control department writes to the issuer and records its answer here, with the
-- reference (number and date) of the issuer's letter.
ALTER TABLE extension_requests ADD COLUMN letter_ref TEXT;

-- Reserved: issue 14's other parts take migration 0010 (another branch). This empty stand-in
-- only keeps the numbering whole on this branch; the merge takes theirs and drops this file.
SELECT 1;

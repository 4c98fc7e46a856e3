-- Reserved: another branch of issue 13 ships its own 0008. This empty placeholder keeps this
-- branch's migrations numbered 1..n; delete it when that branch's 0008 is merged.
SELECT 1;

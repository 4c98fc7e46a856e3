-- An item's executors in the order they are shown (issue 17): every card, Accept and list page
-- reads its items' executor rows ordered by position; the primary key (assignment_id,
-- department_id) found them but left the order to a sort of its own on each read.
CREATE INDEX assignment_executors_in_order ON assignment_executors(assignment_id, position);

-- The items' clock (migration 0022) also ticks when an item is deleted (issue 17). A page of a
-- view is kept in memory under the clock (`AssignmentReading.open_page`), so every change a page
-- is chosen from must move it. Deleting an item deletes its executors' rows with it, and their
-- trigger's touch of the item finds no row left to give a new version, so without this the clock
-- would not move. The bot never deletes an item (it removes it from control); a hand-made fix in
-- the sqlite3 shell may.
CREATE TRIGGER assignment_clock_item_deleted AFTER DELETE ON assignments
BEGIN
    UPDATE assignment_clock SET tick = tick + 1 WHERE id = 1;
END;

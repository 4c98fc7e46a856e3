"""Items kept in memory between reads (issue 17).

A card, a list page and Accept each read their items with their executors: the item's row,
its executor rows joined to the departments' names, and the objects built from them (a list
page of ten items: two statements and about thirty objects). Most of those reads find what the
last one found. Every change of an item's row or of its executors' rows moves the item's
`version` (migration 0022, by triggers, whatever process or path writes), and every change of
the directory moves `staff_version` (migration 0020; the executors' department names come from
it). An item read under a version pair is kept, and served again while the database still
gives that pair, instead of being read and built again.

Only what was read outside a unit of work is kept: committed data, never a unit's own changes
that might yet be rolled back. A kept item's content is never older than its version: the
item's row carries its version, and its executors are read after the row.
"""

from __future__ import annotations

from storage.bounded import Bounded
from storage.domain.assignments import Assignment

# How many items one process keeps (a few KB each): past it, the longest kept goes first.
KEEP_ITEMS = 4096


class KeptItems:
    """Items by id, each with the version it was read under, all under one directory
    version (a newer directory version drops them all)."""

    __slots__ = ("_directory", "_items")

    def __init__(self, limit: int = KEEP_ITEMS) -> None:
        self._directory = -1
        self._items: Bounded[int, tuple[int, Assignment]] = Bounded(limit)

    def under(self, directory: int) -> bool:
        """Whether items may be served and kept under the directory's version `directory`:
        a newer one than the kept items' drops them; an older one (a read that began before
        another task saw the newer one) is served nothing and keeps nothing."""
        if directory > self._directory:
            self._items.clear()
            self._directory = directory
        return directory == self._directory

    def get(self, item_id: int, version: int) -> Assignment | None:
        """The item kept under `version`, if it is."""
        kept = self._items.get(item_id)
        if kept is None or kept[0] != version:
            return None
        return kept[1]

    def put(self, item: Assignment, version: int) -> None:
        """Keep `item`, read under `version` (a later version than the kept one's replaces
        it; an earlier one, read by a slower task, does not)."""
        kept = self._items.get(item.id)
        if kept is not None and kept[0] >= version:
            return
        self._items.keep(item.id, (version, item))

    def __len__(self) -> int:
        return len(self._items)

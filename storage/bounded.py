"""A dict of at most `limit` keys, for what is kept in memory between reads (items, pages, list
rows, cards, buttons): a new key past the limit drops the one kept longest."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Bounded(dict[K, V]):
    """A plain dict (its reads are dict's own), filled through `keep`."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: K, value: V) -> V:
        """Keep `value` under `key` (instead of what was kept there); a new key past the
        limit first drops the key kept longest."""
        if key not in self and len(self) >= self.limit:
            del self[next(iter(self))]
        self[key] = value
        return value

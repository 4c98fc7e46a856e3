"""Texts kept as written, while what they were written from is the same.

A list row or a card is written again on every tap that shows it, from objects the rest of the
bot keeps unchanged while their content is: the store serves an unchanged item as the same
object (`storage.assignments.kept`), the calendar is one object until an override changes it
(`bot.services.load_calendar`), the names are one mapping per directory version
(`storage.staff`). A text is kept by a key of plain values (the item, the reader's language,
the day) with the objects it was written from; it is served again only while the caller gives
the very same objects, so a changed item, calendar or directory writes it anew.
"""

from __future__ import annotations

from collections.abc import Hashable

from storage.bounded import Bounded


class Written:
    """Texts by key, each with the objects it was written from; at most `limit` keys (the
    longest kept goes first)."""

    __slots__ = ("_kept",)

    def __init__(self, limit: int = 4096) -> None:
        self._kept: Bounded[Hashable, tuple[tuple[object, ...], str]] = Bounded(limit)

    def get(self, key: Hashable, sources: tuple[object, ...]) -> str | None:
        """The text kept under `key` if it was written from these very objects."""
        kept = self._kept.get(key)
        if kept is None or len(kept[0]) != len(sources):
            return None
        for was, now in zip(kept[0], sources, strict=True):
            if was is not now:
                return None
        return kept[1]

    def put(self, key: Hashable, sources: tuple[object, ...], text: str) -> str:
        """Keep `text`, written from `sources`, under `key` (instead of what was kept there)."""
        self._kept.keep(key, (sources, text))
        return text

    def __len__(self) -> int:
        return len(self._kept)

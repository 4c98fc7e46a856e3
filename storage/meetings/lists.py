"""Saved distribution lists: (person, member) entries under a name."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from storage.domain.meetings import DistributionList
from storage.meetings.reading import LIST_ENTITY, MeetingReading, _merge
from storage.rows import required, unknown_reference, utc_text, written


class DistributionLists(MeetingReading):
    async def _lists(self, where: str, params: Iterable[object]) -> list[DistributionList]:
        rows = await self.fetch_all(
            f"SELECT * FROM distribution_lists WHERE {where} ORDER BY name, id",  # noqa: S608
            tuple(params),
        )
        ids = [row["id"] for row in rows]
        entries: dict[int, list[tuple[int, bool]]] = {list_id: [] for list_id in ids}
        if ids:
            async with self.conn.execute(
                "SELECT * FROM distribution_list_entries"
                " WHERE list_id IN (SELECT value FROM json_each(?)) ORDER BY list_id, person_id",
                (json.dumps(ids),),
            ) as cursor:
                for row in await cursor.fetchall():
                    entries[row["list_id"]].append((row["person_id"], bool(row["member"])))
        return [
            DistributionList(id=row["id"], name=row["name"], entries=tuple(entries[row["id"]]))
            for row in rows
        ]

    async def distribution_lists(self) -> list[DistributionList]:
        return await self._lists("1 = 1", ())

    async def distribution_list(self, list_id: int) -> DistributionList | None:
        found = await self._lists("id = ?", (list_id,))
        return found[0] if found else None

    # --- distribution lists --------------------------------------------------------------------
    async def save_distribution_list(
        self,
        name: str,
        entries: Sequence[tuple[int, bool]],
        *,
        actor: str,
        at: datetime,
    ) -> DistributionList:
        """Save (person id, member) entries under a name; a list of the same name (compared
        without case) is replaced, keeping its id. ValueError: an empty name, an unknown
        person."""
        name = required(name, "the list's name is empty")
        merged = _merge(entries)
        key = name.casefold()
        async with self.db.transaction():
            async with self.conn.execute("SELECT id, name FROM distribution_lists") as cursor:
                existing = next(
                    (row for row in await cursor.fetchall() if row["name"].casefold() == key),
                    None,
                )
            old: dict[str, Any] | None = None
            if existing is None:
                cursor = await self.conn.execute(
                    "INSERT INTO distribution_lists (name, created_by, created_at)"
                    " VALUES (?, ?, ?)",
                    (name, actor, utc_text(at)),
                )
                list_id = cursor.lastrowid
                assert list_id is not None
            else:
                list_id = int(existing["id"])
                before = await self.distribution_list(list_id)
                assert before is not None
                old = {"name": before.name, "entries": [list(e) for e in before.entries]}
                await self.conn.execute(
                    "UPDATE distribution_lists SET name = ?, created_by = ?, created_at = ?"
                    " WHERE id = ?",
                    (name, actor, utc_text(at), list_id),
                )
            with unknown_reference("unknown person"):
                await self.replace_rows(
                    "distribution_list_entries",
                    "list_id",
                    list_id,
                    ["person_id", "member"],
                    [(person_id, int(member)) for person_id, member in merged.items()],
                )
            await self.audit.record(
                actor=actor,
                action="distribution_list_saved",
                entity=LIST_ENTITY,
                entity_id=str(list_id),
                old=old,
                new={"name": name, "entries": [[p, m] for p, m in merged.items()]},
                at=at,
            )
            return written(await self.distribution_list(list_id))

    async def delete_distribution_list(self, list_id: int, *, actor: str, at: datetime) -> bool:
        async with self.db.transaction():
            before = await self.distribution_list(list_id)
            if before is None:
                return False
            await self.conn.execute("DELETE FROM distribution_lists WHERE id = ?", (list_id,))
            await self.audit.record(
                actor=actor,
                action="distribution_list_deleted",
                entity=LIST_ENTITY,
                entity_id=str(list_id),
                old={"name": before.name, "entries": [list(e) for e in before.entries]},
                at=at,
            )
        return True

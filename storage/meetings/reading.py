"""Meetings read back (with their agenda, files and recipients), protocols and the cache of
uploaded generated files; the helpers the writing parts share."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from storage.attachments import attachments_of
from storage.audit import AuditedStore
from storage.domain.meetings import (
    AgendaItem,
    AgendaReturn,
    Meeting,
    MeetingChange,
    MeetingStatus,
    Protocol,
    Recipient,
)
from storage.rows import from_row, utc_text

ENTITY = "meeting"
LIST_ENTITY = "distribution_list"
# Lists go to SQLite as one JSON parameter read through json_each: no SQL is built at run time.
_OPEN = json.dumps(
    [MeetingStatus.DRAFT.value, MeetingStatus.APPROVED.value, MeetingStatus.DISTRIBUTED.value]
)
_CLOSED = json.dumps([MeetingStatus.HELD.value, MeetingStatus.CANCELLED.value])
_CLOSED_STATUSES = frozenset({MeetingStatus.HELD.value, MeetingStatus.CANCELLED.value})


def _local(starts_at: datetime) -> str:
    """A meeting's start is naive local wall time, stored to the second."""
    if starts_at.tzinfo is not None:
        raise ValueError("a meeting's start is naive local time: drop the time zone")
    return starts_at.isoformat(timespec="seconds")


def _merge(entries: Iterable[tuple[int, bool]]) -> dict[int, bool]:
    """(person id, member) without repeats: the first occurrence of a person wins."""
    merged: dict[int, bool] = {}
    for person_id, member in entries:
        merged.setdefault(person_id, bool(member))
    return merged


class MeetingReading(AuditedStore):
    entity = ENTITY

    # --- reading -------------------------------------------------------------------------------
    async def _load(self, rows: Iterable[aiosqlite.Row]) -> list[Meeting]:
        """Meetings with their items (with department names and files) and recipients."""
        rows = list(rows)
        ids = [row["id"] for row in rows]
        items: dict[int, list[AgendaItem]] = {meeting_id: [] for meeting_id in ids}
        recipients: dict[int, list[Recipient]] = {meeting_id: [] for meeting_id in ids}
        returns: dict[int, AgendaReturn] = {}
        if ids:
            wanted = json.dumps(ids)
            item_rows = await self.fetch_all(
                "SELECT i.*, d.name AS department_name,"
                " COALESCE(d.name_kk, '') AS department_name_kk,"
                " COALESCE(d.name_ru, '') AS department_name_ru FROM meeting_items i"
                " LEFT JOIN departments d ON d.id = i.department_id"
                " WHERE i.meeting_id IN (SELECT value FROM json_each(?))"
                " ORDER BY i.meeting_id, i.position, i.id",
                (wanted,),
            )
            files = await attachments_of(
                self.conn, "meeting_item_files", "item_id", [row["id"] for row in item_rows]
            )
            for row in item_rows:
                items[row["meeting_id"]].append(
                    from_row(AgendaItem, row, files=tuple(files[row["id"]]))
                )
            async with self.conn.execute(
                "SELECT * FROM meeting_recipients"
                " WHERE meeting_id IN (SELECT value FROM json_each(?)) ORDER BY meeting_id, id",
                (wanted,),
            ) as cursor:
                for row in await cursor.fetchall():
                    recipients[row["meeting_id"]].append(from_row(Recipient, row))
            async with self.conn.execute(
                "SELECT * FROM meeting_returns"
                " WHERE meeting_id IN (SELECT value FROM json_each(?)) ORDER BY meeting_id, round",
                (wanted,),
            ) as cursor:
                for row in await cursor.fetchall():  # the latest round last: it stays
                    returns[row["meeting_id"]] = from_row(AgendaReturn, row)
        return [
            from_row(
                Meeting,
                row,
                items=tuple(items[row["id"]]),
                recipients=tuple(recipients[row["id"]]),
                last_return=returns.get(row["id"]),
            )
            for row in rows
        ]

    async def _many(
        self, where: str, params: Iterable[object], order: str, limit: int = -1
    ) -> list[Meeting]:
        rows = await self.fetch_all(
            f"SELECT * FROM meetings WHERE {where} ORDER BY {order} LIMIT ?",  # noqa: S608 - fixed
            (*params, limit),
        )
        return await self._load(rows)

    async def get(self, meeting_id: int) -> Meeting | None:
        found = await self._many("id = ?", (meeting_id,), "id")
        return found[0] if found else None

    async def open_meetings(self) -> list[Meeting]:
        """Drafts, approved and distributed meetings, soonest first."""
        return await self._many(
            "status IN (SELECT value FROM json_each(?))", (_OPEN,), "starts_at, id"
        )

    async def recent_closed(self, limit: int = 10) -> list[Meeting]:
        """Held and cancelled meetings, the latest start first."""
        return await self._many(
            "status IN (SELECT value FROM json_each(?))",
            (_CLOSED,),
            "starts_at DESC, id DESC",
            limit,
        )

    async def for_recipient(self, person_id: int) -> list[Meeting]:
        """Open meetings the person is invited to (as a member or not), soonest first."""
        return await self._many(
            "status IN (SELECT value FROM json_each(?)) AND id IN"
            " (SELECT meeting_id FROM meeting_recipients WHERE person_id = ?)",
            (_OPEN, person_id),
            "starts_at, id",
        )

    async def agenda_return(self, meeting_id: int, round_: int) -> AgendaReturn | None:
        """The return with remarks that ended approval round `round_`."""
        row = await self.fetch_one(
            "SELECT * FROM meeting_returns WHERE meeting_id = ? AND round = ?",
            (meeting_id, round_),
        )
        return None if row is None else from_row(AgendaReturn, row)

    async def change(self, meeting_id: int, version: int) -> MeetingChange | None:
        row = await self.fetch_one(
            "SELECT * FROM meeting_changes WHERE meeting_id = ? AND version = ?",
            (meeting_id, version),
        )
        if row is None:
            return None
        return from_row(MeetingChange, row, changes=json.loads(row["changes"]))

    async def _protocol_where(self, where: str, value: int) -> Protocol | None:
        row = await self.fetch_one(
            f"SELECT * FROM protocols WHERE {where} = ?",  # noqa: S608 - fixed column
            (value,),
        )
        if row is None:
            return None
        async with self.conn.execute(
            "SELECT assignment_id FROM protocol_assignments WHERE protocol_id = ?"
            " ORDER BY position",
            (row["id"],),
        ) as cursor:
            linked = [link["assignment_id"] for link in await cursor.fetchall()]
        return from_row(Protocol, row, assignment_ids=tuple(linked))

    async def protocol_for(self, meeting_id: int) -> Protocol | None:
        return await self._protocol_where("meeting_id", meeting_id)

    async def protocol(self, protocol_id: int) -> Protocol | None:
        return await self._protocol_where("id", protocol_id)

    async def protocols_registered(self, since: datetime, until: datetime) -> list[Protocol]:
        """Protocols registered in [since, until) (aware moments), in the order registered."""
        async with self.conn.execute(
            "SELECT id FROM protocols WHERE created_at >= ? AND created_at < ?"
            " ORDER BY created_at, id",
            (utc_text(since), utc_text(until)),
        ) as cursor:
            ids = [row["id"] for row in await cursor.fetchall()]
        return [found for i in ids if (found := await self.protocol(i)) is not None]

    async def cached_file(self, key: str) -> str | None:
        row = await self.fetch_one("SELECT file_id FROM file_cache WHERE key = ?", (key,))
        return None if row is None else str(row["file_id"])

    async def cache_file(self, key: str, file_id: str) -> None:
        async with self.db.transaction():
            await self.conn.execute(
                "INSERT OR REPLACE INTO file_cache (key, file_id) VALUES (?, ?)", (key, file_id)
            )

    # --- helpers for writing -------------------------------------------------------------------
    async def _status(self, meeting_id: int) -> str | None:
        row = await self.fetch_one("SELECT status FROM meetings WHERE id = ?", (meeting_id,))
        return None if row is None else str(row["status"])

    async def _set_status(
        self,
        meeting_id: int,
        status: MeetingStatus,
        *,
        was: str,
        action: str,
        actor: str,
        at: datetime,
        **details: object,
    ) -> None:
        """The meeting moves from status `was` to `status`, audited as `action` (with the
        `details` of the new state)."""
        await self.conn.execute(
            "UPDATE meetings SET status = ? WHERE id = ?", (status.value, meeting_id)
        )
        await self._record(
            meeting_id,
            action,
            actor=actor,
            at=at,
            old={"status": was},
            new={"status": status.value, **details},
        )

    async def _is_open(self, meeting_id: int) -> bool:
        status = await self._status(meeting_id)
        return status is not None and status not in _CLOSED_STATUSES

    async def _renumber(self, meeting_id: int) -> None:
        async with self.conn.execute(
            "SELECT id FROM meeting_items WHERE meeting_id = ? ORDER BY position, id",
            (meeting_id,),
        ) as cursor:
            ids = [row["id"] for row in await cursor.fetchall()]
        await self.conn.executemany(
            "UPDATE meeting_items SET position = ? WHERE id = ?",
            [(position, item_id) for position, item_id in enumerate(ids, start=1)],
        )

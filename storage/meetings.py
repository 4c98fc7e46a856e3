"""Meetings: agenda and materials, approval, distribution, attendance, changes, protocols;
saved distribution lists; the cache of uploaded generated files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.attachments import attachments_of, save_attachments
from storage.audit import AuditRepo
from storage.db import Database, Store
from storage.domain.meetings import (
    AgendaItem,
    Attendance,
    DistributionList,
    MaterialFile,
    Meeting,
    MeetingChange,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    NewAgendaItem,
    NewMeeting,
    Protocol,
    Recipient,
)
from storage.rows import clean, from_row, is_foreign_key, utc_text

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


def _item(row: aiosqlite.Row, files: Sequence[MaterialFile]) -> AgendaItem:
    return from_row(AgendaItem, row, files=tuple(files))


def _meeting(
    row: aiosqlite.Row, items: Sequence[AgendaItem], recipients: Sequence[Recipient]
) -> Meeting:
    return from_row(Meeting, row, items=tuple(items), recipients=tuple(recipients))


def _protocol(row: aiosqlite.Row, assignment_ids: Sequence[int]) -> Protocol:
    return from_row(Protocol, row, assignment_ids=tuple(assignment_ids))


class MeetingRepo(Store):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.audit = AuditRepo(db)

    # --- reading -------------------------------------------------------------------------------
    async def _load(self, rows: Iterable[aiosqlite.Row]) -> list[Meeting]:
        """Meetings with their items (with department names and files) and recipients."""
        rows = list(rows)
        ids = [row["id"] for row in rows]
        items: dict[int, list[AgendaItem]] = {meeting_id: [] for meeting_id in ids}
        recipients: dict[int, list[Recipient]] = {meeting_id: [] for meeting_id in ids}
        if ids:
            wanted = json.dumps(ids)
            async with self.conn.execute(
                "SELECT i.*, d.name AS department_name FROM meeting_items i"
                " LEFT JOIN departments d ON d.id = i.department_id"
                " WHERE i.meeting_id IN (SELECT value FROM json_each(?))"
                " ORDER BY i.meeting_id, i.position, i.id",
                (wanted,),
            ) as cursor:
                item_rows = await cursor.fetchall()
            files = await attachments_of(
                self.conn, "meeting_item_files", "item_id", [row["id"] for row in item_rows]
            )
            for row in item_rows:
                items[row["meeting_id"]].append(_item(row, files[row["id"]]))
            async with self.conn.execute(
                "SELECT * FROM meeting_recipients"
                " WHERE meeting_id IN (SELECT value FROM json_each(?)) ORDER BY meeting_id, id",
                (wanted,),
            ) as cursor:
                for row in await cursor.fetchall():
                    recipients[row["meeting_id"]].append(from_row(Recipient, row))
        return [_meeting(row, items[row["id"]], recipients[row["id"]]) for row in rows]

    async def _many(
        self, where: str, params: Iterable[object], order: str, limit: int = -1
    ) -> list[Meeting]:
        async with self.conn.execute(
            f"SELECT * FROM meetings WHERE {where} ORDER BY {order} LIMIT ?",  # noqa: S608 - fixed
            (*params, limit),
        ) as cursor:
            rows = await cursor.fetchall()
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

    async def change(self, meeting_id: int, version: int) -> MeetingChange | None:
        async with self.conn.execute(
            "SELECT * FROM meeting_changes WHERE meeting_id = ? AND version = ?",
            (meeting_id, version),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return from_row(MeetingChange, row, changes=json.loads(row["changes"]))

    async def _protocol_where(self, where: str, value: int) -> Protocol | None:
        async with self.conn.execute(
            f"SELECT * FROM protocols WHERE {where} = ?",  # noqa: S608 - fixed column
            (value,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self.conn.execute(
            "SELECT assignment_id FROM protocol_assignments WHERE protocol_id = ?"
            " ORDER BY position",
            (row["id"],),
        ) as cursor:
            linked = [link["assignment_id"] for link in await cursor.fetchall()]
        return _protocol(row, linked)

    async def protocol_for(self, meeting_id: int) -> Protocol | None:
        return await self._protocol_where("meeting_id", meeting_id)

    async def protocol(self, protocol_id: int) -> Protocol | None:
        return await self._protocol_where("id", protocol_id)

    async def _lists(self, where: str, params: Iterable[object]) -> list[DistributionList]:
        async with self.conn.execute(
            f"SELECT * FROM distribution_lists WHERE {where} ORDER BY name, id",  # noqa: S608
            tuple(params),
        ) as cursor:
            rows = await cursor.fetchall()
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

    async def cached_file(self, key: str) -> str | None:
        async with self.conn.execute(
            "SELECT file_id FROM file_cache WHERE key = ?", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row["file_id"])

    async def cache_file(self, key: str, file_id: str) -> None:
        async with self.db.transaction():
            await self.conn.execute(
                "INSERT OR REPLACE INTO file_cache (key, file_id) VALUES (?, ?)", (key, file_id)
            )

    # --- helpers for writing -------------------------------------------------------------------
    async def _status(self, meeting_id: int) -> str | None:
        async with self.conn.execute(
            "SELECT status FROM meetings WHERE id = ?", (meeting_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row["status"])

    async def _is_open(self, meeting_id: int) -> bool:
        status = await self._status(meeting_id)
        return status is not None and status not in _CLOSED_STATUSES

    async def _record(
        self,
        meeting_id: int,
        action: str,
        *,
        actor: str,
        at: datetime,
        old: Any = None,
        new: Any = None,
    ) -> None:
        await self.audit.record(
            actor=actor,
            action=action,
            entity=ENTITY,
            entity_id=str(meeting_id),
            old=old,
            new=new,
            at=at,
        )

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

    # --- creating and editing ------------------------------------------------------------------
    async def create(
        self, new: NewMeeting, *, organizer_id: int, actor: str, at: datetime
    ) -> Meeting:
        """A draft, version 1, with its agenda (positions 1..n) and recipients (answers
        pending; a person listed twice is kept once, the first occurrence wins).

        ValueError: no items, no recipients, or an unknown person or department.
        """
        if not new.items:
            raise ValueError("a meeting needs at least one agenda item")
        recipients = _merge(new.recipients)
        if not recipients:
            raise ValueError("a meeting needs at least one recipient")
        starts_at = _local(new.starts_at)
        title = new.title.strip()
        async with self.db.transaction():
            try:
                cursor = await self.conn.execute(
                    "INSERT INTO meetings (kind, title, starts_at, duration, format, place, link,"
                    " chair_id, organizer_id, restricted, status, version, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                    (
                        MeetingKind(new.kind).value,
                        title,
                        starts_at,
                        new.duration,
                        MeetingFormat(new.format).value,
                        new.place.strip(),
                        new.link.strip(),
                        new.chair_id,
                        organizer_id,
                        int(new.restricted),
                        MeetingStatus.DRAFT.value,
                        utc_text(at),
                    ),
                )
                meeting_id = cursor.lastrowid
                assert meeting_id is not None
                await self.conn.executemany(
                    "INSERT INTO meeting_items (meeting_id, position, title, speaker,"
                    " department_id) VALUES (?, ?, ?, ?, ?)",
                    [
                        (
                            meeting_id,
                            position,
                            item.title.strip(),
                            item.speaker.strip(),
                            item.department_id,
                        )
                        for position, item in enumerate(new.items, start=1)
                    ],
                )
                await self.conn.executemany(
                    "INSERT INTO meeting_recipients (meeting_id, person_id, member, answer)"
                    " VALUES (?, ?, ?, ?)",
                    [
                        (meeting_id, person_id, int(member), Attendance.PENDING.value)
                        for person_id, member in recipients.items()
                    ],
                )
            except aiosqlite.IntegrityError as exc:
                if is_foreign_key(exc):
                    raise ValueError("unknown organizer, chair, person or department") from exc
                raise
            await self._record(
                meeting_id,
                "meeting_created",
                actor=actor,
                at=at,
                new={
                    "kind": MeetingKind(new.kind).value,
                    "title": title,
                    "starts_at": starts_at,
                    "format": MeetingFormat(new.format).value,
                    "items": [item.title.strip() for item in new.items],
                    "recipients": [[person, member] for person, member in recipients.items()],
                },
            )
            created = await self.get(meeting_id)
        assert created is not None
        return created

    async def set_details(
        self,
        meeting_id: int,
        *,
        starts_at: datetime,
        format: MeetingFormat,  # noqa: A002 - the field's name
        place: str,
        link: str,
        actor: str,
        at: datetime,
    ) -> bool:
        """Change the time, format, place and link. False: unknown, held or cancelled."""
        new = {
            "starts_at": _local(starts_at),
            "format": MeetingFormat(format).value,
            "place": place.strip(),
            "link": link.strip(),
        }
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT starts_at, format, place, link, status FROM meetings WHERE id = ?",
                (meeting_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row["status"] in _CLOSED_STATUSES:
                return False
            old = {name: row[name] for name in new}
            await self.conn.execute(
                "UPDATE meetings SET starts_at = ?, format = ?, place = ?, link = ? WHERE id = ?",
                (new["starts_at"], new["format"], new["place"], new["link"], meeting_id),
            )
            await self._record(meeting_id, "details_changed", actor=actor, at=at, old=old, new=new)
        return True

    async def add_item(
        self, meeting_id: int, item: NewAgendaItem, *, actor: str, at: datetime
    ) -> int | None:
        """Append an agenda item; its id, or None when the meeting is unknown or closed.
        ValueError: an unknown department."""
        title, speaker = item.title.strip(), item.speaker.strip()
        async with self.db.transaction():
            if not await self._is_open(meeting_id):
                return None
            try:
                cursor = await self.conn.execute(
                    "INSERT INTO meeting_items (meeting_id, position, title, speaker,"
                    " department_id) VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1"
                    " FROM meeting_items WHERE meeting_id = ?), ?, ?, ?)",
                    (meeting_id, meeting_id, title, speaker, item.department_id),
                )
            except aiosqlite.IntegrityError as exc:
                if is_foreign_key(exc):
                    raise ValueError("unknown department") from exc
                raise
            item_id = cursor.lastrowid
            assert item_id is not None
            await self._record(
                meeting_id,
                "item_added",
                actor=actor,
                at=at,
                new={
                    "item_id": item_id,
                    "title": title,
                    "speaker": speaker,
                    "department_id": item.department_id,
                },
            )
        return item_id

    async def remove_item(
        self, meeting_id: int, item_id: int, *, actor: str, at: datetime
    ) -> bool:
        """Delete an agenda item with its files and renumber the rest 1..n. False: the meeting
        is unknown or closed, the item is not on its agenda, or it is the last item."""
        async with self.db.transaction():
            if not await self._is_open(meeting_id):
                return False
            async with self.conn.execute(
                "SELECT position, title FROM meeting_items WHERE id = ? AND meeting_id = ?",
                (item_id, meeting_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            async with self.conn.execute(
                "SELECT COUNT(*) FROM meeting_items WHERE meeting_id = ?", (meeting_id,)
            ) as cursor:
                count = await cursor.fetchone()
            if count is None or count[0] <= 1:
                return False
            await self.conn.execute("DELETE FROM meeting_item_files WHERE item_id = ?", (item_id,))
            await self.conn.execute("DELETE FROM meeting_items WHERE id = ?", (item_id,))
            await self._renumber(meeting_id)
            await self._record(
                meeting_id,
                "item_removed",
                actor=actor,
                at=at,
                old={"item_id": item_id, "position": row["position"], "title": row["title"]},
            )
        return True

    async def new_version(
        self, meeting_id: int, changes: dict[str, Any], *, actor: str, at: datetime
    ) -> int:
        """Version + 1 with the change recorded (field -> [old, new]); every recipient is asked
        again (answers back to pending). The new version; ValueError: an unknown meeting."""
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE meetings SET version = version + 1 WHERE id = ?", (meeting_id,)
            )
            if cursor.rowcount == 0:
                raise ValueError(f"unknown meeting {meeting_id}")
            async with self.conn.execute(
                "SELECT version FROM meetings WHERE id = ?", (meeting_id,)
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            version = int(row["version"])
            await self.conn.execute(
                "INSERT INTO meeting_changes (meeting_id, version, changes, at, by)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    meeting_id,
                    version,
                    json.dumps(changes, ensure_ascii=False),
                    utc_text(at),
                    actor,
                ),
            )
            await self.conn.execute(
                "UPDATE meeting_recipients SET answer = ?, reason = NULL, answered_at = NULL,"
                " answered_by = NULL, answered_version = NULL WHERE meeting_id = ?",
                (Attendance.PENDING.value, meeting_id),
            )
            await self._record(
                meeting_id,
                "new_version",
                actor=actor,
                at=at,
                old={"version": version - 1},
                new={"version": version, "changes": changes},
            )
        return version

    # --- approval and distribution -------------------------------------------------------------
    async def approve(self, meeting_id: int, *, by: str, on_paper: bool, at: datetime) -> bool:
        """The agenda approved (a draft only; the first approval wins)."""
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE meetings SET approved_at = ?, approved_by = ?, approved_on_paper = ?,"
                " status = ? WHERE id = ? AND approved_at IS NULL AND status = ?",
                (
                    utc_text(at),
                    by,
                    int(on_paper),
                    MeetingStatus.APPROVED.value,
                    meeting_id,
                    MeetingStatus.DRAFT.value,
                ),
            )
            if cursor.rowcount == 0:
                return False
            await self._record(
                meeting_id,
                "approved",
                actor=by,
                at=at,
                old={"status": MeetingStatus.DRAFT.value},
                new={"status": MeetingStatus.APPROVED.value, "on_paper": on_paper},
            )
        return True

    async def mark_distributed(self, meeting_id: int, version: int, *, at: datetime) -> bool:
        """`version` went out to the recipients. False: not approved yet, closed, or this
        version (or a later one) was already distributed."""
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT distributed_version FROM meetings WHERE id = ?", (meeting_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            cursor = await self.conn.execute(
                "UPDATE meetings SET distributed_version = ?,"
                " distributed_at = COALESCE(distributed_at, ?), status = ?"
                " WHERE id = ? AND status IN (?, ?)"
                " AND (distributed_version IS NULL OR distributed_version < ?)",
                (
                    version,
                    utc_text(at),
                    MeetingStatus.DISTRIBUTED.value,
                    meeting_id,
                    MeetingStatus.APPROVED.value,
                    MeetingStatus.DISTRIBUTED.value,
                    version,
                ),
            )
            if cursor.rowcount == 0:
                return False
            await self._record(
                meeting_id,
                "distributed",
                actor="system",
                at=at,
                old={"version": row["distributed_version"]},
                new={"version": version},
            )
        return True

    async def submit_materials(
        self,
        item_id: int,
        files: Sequence[MaterialFile],
        *,
        on_paper: bool,
        by: str,
        at: datetime,
    ) -> bool:
        """The item's materials (replacing any before). False: an unknown item, or its
        meeting is held or cancelled."""
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT i.meeting_id, i.materials_at, m.status FROM meeting_items i"
                " JOIN meetings m ON m.id = i.meeting_id WHERE i.id = ?",
                (item_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row["status"] in _CLOSED_STATUSES:
                return False
            meeting_id = int(row["meeting_id"])
            async with self.conn.execute(
                "SELECT file_name FROM meeting_item_files WHERE item_id = ? ORDER BY position",
                (item_id,),
            ) as cursor:
                previous = [found["file_name"] for found in await cursor.fetchall()]
            await self.conn.execute("DELETE FROM meeting_item_files WHERE item_id = ?", (item_id,))
            await save_attachments(
                self.conn, "meeting_item_files", "item_id", item_id, files, first=1
            )
            await self.conn.execute(
                "UPDATE meeting_items SET materials_at = ?, materials_by = ?, on_paper = ?"
                " WHERE id = ?",
                (utc_text(at), by, int(on_paper), item_id),
            )
            await self._record(
                meeting_id,
                "materials_submitted",
                actor=by,
                at=at,
                old={"item_id": item_id, "files": previous, "materials_at": row["materials_at"]},
                new={
                    "item_id": item_id,
                    "files": [item.file_name for item in files],
                    "on_paper": on_paper,
                },
            )
        return True

    # --- attendance ----------------------------------------------------------------------------
    async def answer(
        self,
        meeting_id: int,
        person_id: int,
        answer: Attendance,
        *,
        reason: str | None,
        version: int,
        by: str,
        at: datetime,
    ) -> bool:
        """A recipient's answer (or a changed one) to the distributed meeting. False: not
        distributed (or closed), or the person is not a recipient. ValueError: pending."""
        answer = Attendance(answer)
        if answer is Attendance.PENDING:
            raise ValueError("a recipient cannot answer 'pending'")
        reason = clean(reason)
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT r.id, r.answer FROM meeting_recipients r"
                " JOIN meetings m ON m.id = r.meeting_id"
                " WHERE r.meeting_id = ? AND r.person_id = ? AND m.status = ?",
                (meeting_id, person_id, MeetingStatus.DISTRIBUTED.value),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            await self.conn.execute(
                "UPDATE meeting_recipients SET answer = ?, reason = ?, answered_at = ?,"
                " answered_by = ?, answered_version = ? WHERE id = ?",
                (answer.value, reason, utc_text(at), by, version, row["id"]),
            )
            await self._record(
                meeting_id,
                "attendance_answer",
                actor=by,
                at=at,
                old={"person_id": person_id, "answer": row["answer"]},
                new={
                    "person_id": person_id,
                    "answer": answer.value,
                    "reason": reason,
                    "version": version,
                },
            )
        return True

    async def add_recipients(
        self,
        meeting_id: int,
        entries: Sequence[tuple[int, bool]],
        *,
        actor: str,
        at: datetime,
    ) -> int:
        """Add (person id, member) entries; people already invited are skipped. How many were
        added (0 when the meeting is unknown or closed). ValueError: an unknown person."""
        merged = _merge(entries)
        async with self.db.transaction():
            if not await self._is_open(meeting_id):
                return 0
            added: list[list[int | bool]] = []
            try:
                for person_id, member in merged.items():
                    cursor = await self.conn.execute(
                        "INSERT OR IGNORE INTO meeting_recipients"
                        " (meeting_id, person_id, member, answer) VALUES (?, ?, ?, ?)",
                        (meeting_id, person_id, int(member), Attendance.PENDING.value),
                    )
                    if cursor.rowcount:
                        added.append([person_id, member])
            except aiosqlite.IntegrityError as exc:
                if is_foreign_key(exc):
                    raise ValueError("unknown person") from exc
                raise
            if added:
                await self._record(
                    meeting_id, "recipients_added", actor=actor, at=at, new={"recipients": added}
                )
        return len(added)

    async def cancel(self, meeting_id: int, *, actor: str, at: datetime) -> bool:
        """False: unknown, already held or cancelled."""
        async with self.db.transaction():
            status = await self._status(meeting_id)
            if status is None or status in _CLOSED_STATUSES:
                return False
            await self.conn.execute(
                "UPDATE meetings SET status = ? WHERE id = ?",
                (MeetingStatus.CANCELLED.value, meeting_id),
            )
            await self._record(
                meeting_id,
                "cancelled",
                actor=actor,
                at=at,
                old={"status": status},
                new={"status": MeetingStatus.CANCELLED.value},
            )
        return True

    # --- the protocol --------------------------------------------------------------------------
    async def register_protocol(
        self,
        meeting_id: int,
        *,
        signed_on: date,
        file_id: str | None,
        file_name: str | None,
        actor: str,
        at: datetime,
    ) -> Protocol | None:
        """Number the protocol (from 1 within the year it was signed) and mark the meeting
        held. None: the meeting is unknown, cancelled or already has a protocol."""
        year = signed_on.year
        async with self.db.transaction():
            status = await self._status(meeting_id)
            if status is None or status == MeetingStatus.CANCELLED.value:
                return None
            if await self.protocol_for(meeting_id) is not None:
                return None
            async with self.conn.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM protocols WHERE year = ?", (year,)
            ) as cursor:
                row = await cursor.fetchone()
            assert row is not None
            number = int(row[0])
            try:
                cursor = await self.conn.execute(
                    "INSERT INTO protocols (meeting_id, year, number, signed_on, file_id,"
                    " file_name, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        meeting_id,
                        year,
                        number,
                        signed_on.isoformat(),
                        file_id,
                        file_name,
                        utc_text(at),
                        actor,
                    ),
                )
            except aiosqlite.IntegrityError as exc:
                if "UNIQUE" in str(exc) and "meeting_id" in str(exc):
                    return None
                raise
            protocol_id = cursor.lastrowid
            assert protocol_id is not None
            await self.conn.execute(
                "UPDATE meetings SET status = ? WHERE id = ?",
                (MeetingStatus.HELD.value, meeting_id),
            )
            await self._record(
                meeting_id,
                "protocol_registered",
                actor=actor,
                at=at,
                old={"status": status},
                new={
                    "status": MeetingStatus.HELD.value,
                    "protocol_id": protocol_id,
                    "number": f"{number}/{year}",
                    "signed_on": signed_on.isoformat(),
                    "file_name": file_name,
                },
            )
            return await self.protocol(protocol_id)

    async def link_assignments(self, protocol_id: int, assignment_ids: Sequence[int]) -> None:
        """The protocol's assignments, in order (positions 1..n; replaces any linked before).
        ValueError: an unknown protocol or assignment."""
        ordered = list(dict.fromkeys(assignment_ids))
        async with self.db.transaction():
            await self.conn.execute(
                "DELETE FROM protocol_assignments WHERE protocol_id = ?", (protocol_id,)
            )
            try:
                await self.conn.executemany(
                    "INSERT INTO protocol_assignments (protocol_id, position, assignment_id)"
                    " VALUES (?, ?, ?)",
                    [
                        (protocol_id, position, assignment_id)
                        for position, assignment_id in enumerate(ordered, start=1)
                    ],
                )
            except aiosqlite.IntegrityError as exc:
                if is_foreign_key(exc):
                    raise ValueError("unknown protocol or assignment") from exc
                raise

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
        name = name.strip()
        if not name:
            raise ValueError("the list's name is empty")
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
                await self.conn.execute(
                    "DELETE FROM distribution_list_entries WHERE list_id = ?", (list_id,)
                )
            try:
                await self.conn.executemany(
                    "INSERT INTO distribution_list_entries (list_id, person_id, member)"
                    " VALUES (?, ?, ?)",
                    [(list_id, person_id, int(member)) for person_id, member in merged.items()],
                )
            except aiosqlite.IntegrityError as exc:
                if is_foreign_key(exc):
                    raise ValueError("unknown person") from exc
                raise
            await self.audit.record(
                actor=actor,
                action="distribution_list_saved",
                entity=LIST_ENTITY,
                entity_id=str(list_id),
                old=old,
                new={"name": name, "entries": [[p, m] for p, m in merged.items()]},
                at=at,
            )
            saved = await self.distribution_list(list_id)
        assert saved is not None
        return saved

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

"""A meeting created and edited, its agenda approved and distributed, materials submitted."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.attachments import save_attachments
from storage.domain.meetings import (
    Attendance,
    MaterialFile,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    NewAgendaItem,
    NewMeeting,
)
from storage.meetings.reading import _CLOSED_STATUSES, MeetingReading, _local, _merge
from storage.rows import unknown_reference, utc_text, written


class MeetingAgenda(MeetingReading):
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
            with unknown_reference("unknown organizer, chair, person or department"):
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
            return written(await self.get(meeting_id))

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
            row = await self.fetch_one(
                "SELECT starts_at, format, place, link, status FROM meetings WHERE id = ?",
                (meeting_id,),
            )
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
            with unknown_reference("unknown department"):
                cursor = await self.conn.execute(
                    "INSERT INTO meeting_items (meeting_id, position, title, speaker,"
                    " department_id) VALUES (?, (SELECT COALESCE(MAX(position), 0) + 1"
                    " FROM meeting_items WHERE meeting_id = ?), ?, ?, ?)",
                    (meeting_id, meeting_id, title, speaker, item.department_id),
                )
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
            row = await self.fetch_one(
                "SELECT position, title FROM meeting_items WHERE id = ? AND meeting_id = ?",
                (item_id, meeting_id),
            )
            if row is None:
                return False
            count = await self.fetch_one(
                "SELECT COUNT(*) FROM meeting_items WHERE meeting_id = ?", (meeting_id,)
            )
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
            row = await self.fetch_one("SELECT version FROM meetings WHERE id = ?", (meeting_id,))
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
    async def approve(
        self,
        meeting_id: int,
        *,
        by: str,
        on_paper: bool,
        at: datetime,
        round_: int | None = None,
    ) -> bool:
        """The agenda approved (a draft only; the first decision wins). With `round_`, only
        while that approval round is still the meeting's (not ended by a return)."""
        async with self.db.transaction():
            if not await self.transition(
                "meetings",
                meeting_id,
                MeetingStatus.DRAFT,
                {
                    "approved_at": utc_text(at),
                    "approved_by": by,
                    "approved_on_paper": int(on_paper),
                    "status": MeetingStatus.APPROVED,
                },
                also=" AND approved_at IS NULL AND approval_round = COALESCE(?, approval_round)",
                also_params=(round_,),
            ):
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

    async def return_agenda(
        self, meeting_id: int, round_: int, *, remarks: str, by: str, at: datetime
    ) -> bool:
        """The agenda returned with remarks in approval round `round_`: the meeting stays a
        draft and its next request for approval is round `round_` + 1. False (nothing
        written): approved, closed, or that round already ended."""
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE meetings SET approval_round = approval_round + 1"
                " WHERE id = ? AND status = ? AND approved_at IS NULL AND approval_round = ?",
                (meeting_id, MeetingStatus.DRAFT.value, round_),
            )
            if cursor.rowcount == 0:
                return False
            row = await self.fetch_one("SELECT version FROM meetings WHERE id = ?", (meeting_id,))
            assert row is not None
            await self.conn.execute(
                "INSERT INTO meeting_returns (meeting_id, round, version, remarks, at, by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (meeting_id, round_, row["version"], remarks, utc_text(at), by),
            )
            await self._record(
                meeting_id,
                "agenda_returned",
                actor=by,
                at=at,
                old={"approval_round": round_},
                new={"approval_round": round_ + 1, "version": row["version"]},
            )
        return True

    async def mark_distributed(self, meeting_id: int, version: int, *, at: datetime) -> bool:
        """`version` went out to the recipients. False: not approved yet, closed, or this
        version (or a later one) was already distributed."""
        async with self.db.transaction():
            row = await self.fetch_one(
                "SELECT distributed_version FROM meetings WHERE id = ?", (meeting_id,)
            )
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
            row = await self.fetch_one(
                "SELECT i.meeting_id, i.materials_at, m.status FROM meeting_items i"
                " JOIN meetings m ON m.id = i.meeting_id WHERE i.id = ?",
                (item_id,),
            )
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

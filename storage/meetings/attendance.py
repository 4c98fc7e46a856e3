"""Who comes (answers, added recipients), cancelling, and the protocol that closes a meeting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from storage.domain.meetings import Attendance, MeetingStatus, Protocol
from storage.meetings.reading import _CLOSED_STATUSES, MeetingReading, _merge
from storage.rows import clean, unknown_reference, utc_text


class MeetingAttendance(MeetingReading):
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
            row = await self.fetch_one(
                "SELECT r.id, r.answer FROM meeting_recipients r"
                " JOIN meetings m ON m.id = r.meeting_id"
                " WHERE r.meeting_id = ? AND r.person_id = ? AND m.status = ?",
                (meeting_id, person_id, MeetingStatus.DISTRIBUTED.value),
            )
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
            with unknown_reference("unknown person"):
                for person_id, member in merged.items():
                    cursor = await self.conn.execute(
                        "INSERT OR IGNORE INTO meeting_recipients"
                        " (meeting_id, person_id, member, answer) VALUES (?, ?, ?, ?)",
                        (meeting_id, person_id, int(member), Attendance.PENDING.value),
                    )
                    if cursor.rowcount:
                        added.append([person_id, member])
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
            await self._set_status(
                meeting_id,
                MeetingStatus.CANCELLED,
                was=status,
                action="cancelled",
                actor=actor,
                at=at,
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
            row = await self.fetch_one(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM protocols WHERE year = ?", (year,)
            )
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
            await self._set_status(
                meeting_id,
                MeetingStatus.HELD,
                was=status,
                action="protocol_registered",
                actor=actor,
                at=at,
                protocol_id=protocol_id,
                number=f"{number}/{year}",
                signed_on=signed_on.isoformat(),
                file_name=file_name,
            )
            return await self.protocol(protocol_id)

    async def link_assignments(self, protocol_id: int, assignment_ids: Sequence[int]) -> None:
        """The protocol's assignments, in order (positions 1..n; replaces any linked before).
        ValueError: an unknown protocol or assignment."""
        ordered = list(dict.fromkeys(assignment_ids))
        async with self.db.transaction():
            with unknown_reference("unknown protocol or assignment"):
                await self.replace_rows(
                    "protocol_assignments",
                    "protocol_id",
                    protocol_id,
                    ["position", "assignment_id"],
                    enumerate(ordered, start=1),
                )

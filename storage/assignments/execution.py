"""Executing an assignment: acceptance, «not ours» and reassignment, reports, the
controller's decision, and the cards posted about it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from storage.assignments.reading import _OPEN, _REPORTABLE, AssignmentReading
from storage.assignments.registration import UnknownDepartment
from storage.attachments import save_attachments
from storage.db import set_clause
from storage.domain.assignments import (
    OPEN_STATUSES,
    Refusal,
    RemovalGround,
    Report,
    ReportFile,
    Status,
)
from storage.domain.refusals import Refused
from storage.rows import required, utc_text, written


class AssignmentExecution(AssignmentReading):
    # --- executors ---------------------------------------------------------------------------
    async def _update_active_executor(
        self,
        assignment_id: int,
        department_id: int,
        values: Mapping[str, object],
    ) -> bool:
        """Set `values` (fixed column names) on the department's active executor row of an
        open item; whether it was."""
        columns, stored = set_clause(values)
        cursor = await self.conn.execute(
            f"UPDATE assignment_executors SET {columns}"  # noqa: S608 - fixed fragments only
            " WHERE assignment_id = ? AND department_id = ? AND declined_at IS NULL"
            " AND EXISTS (SELECT 1 FROM assignments a"
            " WHERE a.id = ? AND a.status IN (SELECT value FROM json_each(?)))",
            (*stored, assignment_id, department_id, assignment_id, _OPEN),
        )
        return cursor.rowcount > 0

    async def _audit_reason(
        self,
        assignment_id: int,
        department_id: int,
        *,
        actor: str,
        action: str,
        reason: str,
        at: datetime,
        on_behalf_of: str | None = None,
    ) -> None:
        """The item is touched and the change of one executor department's row audited, the
        department named with the reason («не наше», or keeping it after all)."""
        await self._touch(assignment_id, at)
        department = written(await self._department(department_id))
        await self._record_item(
            assignment_id,
            action,
            actor=actor,
            on_behalf_of=on_behalf_of,
            new={"department": department.name, "reason": reason},
            at=at,
        )

    async def accept(
        self,
        assignment_id: int,
        department_id: int,
        *,
        person_code: str,
        on_behalf_of: str | None,
        at: datetime,
    ) -> bool:
        """Mark an active, not yet accepted executor row accepted; False when nothing changed.

        The main executor's acceptance moves a registered item to 'accepted'.
        """
        async with self.db.transaction():
            # what the audit row and the status need comes back from the update itself (every
            # Accept ran two more reads for it)
            async with self.conn.execute(
                "UPDATE assignment_executors SET accepted_at = ?, accepted_by = ?"
                " WHERE assignment_id = ? AND department_id = ? AND declined_at IS NULL"
                " AND accepted_at IS NULL AND EXISTS (SELECT 1 FROM assignments a"
                " WHERE a.id = ? AND a.status IN (SELECT value FROM json_each(?)))"
                " RETURNING is_main,"
                " (SELECT d.name FROM departments d WHERE d.id = department_id) AS name,"
                " (SELECT a.reg_number FROM assignments a WHERE a.id = assignment_id)"
                " AS reg_number",
                (utc_text(at), person_code, assignment_id, department_id, assignment_id, _OPEN),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return False
            if row["is_main"]:
                await self.transition(
                    "assignments", assignment_id, Status.REGISTERED, {"status": Status.ACCEPTED}
                )
            await self._touch(assignment_id, at)
            await self._record(
                row["reg_number"],
                "accept",
                actor=person_code,
                on_behalf_of=on_behalf_of,
                new={"department": row["name"]},
                at=at,
            )
        return True

    async def decline(
        self,
        assignment_id: int,
        department_id: int,
        *,
        reason: str,
        actor: str,
        on_behalf_of: str | None,
        at: datetime,
    ) -> bool:
        """«Not ours»: the executor row becomes inactive (kept); False when nothing changed."""
        reason = required(reason, "a reason is required")
        async with self.db.transaction():
            if not await self._update_active_executor(
                assignment_id,
                department_id,
                {"declined_at": utc_text(at), "decline_reason": reason},
            ):
                return False
            await self._audit_reason(
                assignment_id,
                department_id,
                actor=actor,
                on_behalf_of=on_behalf_of,
                action="not_ours",
                reason=reason,
                at=at,
            )
        return True

    async def reassign(
        self, assignment_id: int, old_department_id: int, new_department_id: int, *, actor: str
    ) -> bool:
        """Give a declined executor's place (main flag, position) to another department.

        False when nothing changed: the item is closed, the old row is missing or still active,
        or its place is already taken (a repeated call). ValueError when the new department is
        already an active executor; UnknownDepartment when it does not exist. A department that
        declined earlier and is chosen again gets its row back, active and not accepted.
        """
        if old_department_id == new_department_id:
            raise ValueError("the new department is the one that declined")
        async with self.db.transaction():
            old = await self.fetch_one(
                "SELECT a.reg_number, a.status, e.is_main, e.position, e.declined_at"
                " FROM assignments a JOIN assignment_executors e ON e.assignment_id = a.id"
                " WHERE a.id = ? AND e.department_id = ?",
                (assignment_id, old_department_id),
            )
            if (
                old is None
                or old["declined_at"] is None
                or Status(old["status"]) not in OPEN_STATUSES
            ):
                return False
            async with self.conn.execute(
                "SELECT 1 FROM assignment_executors WHERE assignment_id = ? AND position = ?"
                " AND declined_at IS NULL",
                (assignment_id, old["position"]),
            ) as cursor:
                if await cursor.fetchone():
                    return False
            new_department = await self._department(new_department_id)
            if new_department is None:
                raise UnknownDepartment(str(new_department_id))
            existing = await self.fetch_one(
                "SELECT declined_at FROM assignment_executors"
                " WHERE assignment_id = ? AND department_id = ?",
                (assignment_id, new_department_id),
            )
            if existing is not None and existing["declined_at"] is None:
                raise ValueError(
                    f"department {new_department.name!r} is already an executor of"
                    f" {old['reg_number']}"
                )
            if existing is None:
                await self.conn.execute(
                    "INSERT INTO assignment_executors (assignment_id, department_id, is_main,"
                    " position) VALUES (?, ?, ?, ?)",
                    (assignment_id, new_department_id, old["is_main"], old["position"]),
                )
            else:
                await self.conn.execute(
                    "UPDATE assignment_executors SET is_main = ?, position = ?,"
                    " accepted_at = NULL, accepted_by = NULL, declined_at = NULL,"
                    " decline_reason = NULL WHERE assignment_id = ? AND department_id = ?",
                    (old["is_main"], old["position"], assignment_id, new_department_id),
                )
            if old["is_main"]:
                await self.transition(
                    "assignments", assignment_id, Status.ACCEPTED, {"status": Status.REGISTERED}
                )
            await self._touch(assignment_id)
            old_department = await self._department(old_department_id)
            assert old_department is not None
            await self._record(
                old["reg_number"],
                "reassign",
                actor=actor,
                old={"department": old_department.name},
                new={"department": new_department.name},
            )
        return True

    async def keep(
        self,
        assignment_id: int,
        department_id: int,
        *,
        reason: str,
        actor: str,
        at: datetime,
    ) -> bool:
        """Refuse a «не наше»: the declined row is active again (not accepted), so the
        department keeps the item. False when nothing changed: the item is closed, the row is
        active already, or its place was given to another department (a second controller)."""
        reason = required(reason, "a reason is required")
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE assignment_executors SET declined_at = NULL, decline_reason = NULL,"
                " accepted_at = NULL, accepted_by = NULL"
                " WHERE assignment_id = ? AND department_id = ? AND declined_at IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM assignment_executors o"
                " WHERE o.assignment_id = assignment_executors.assignment_id"
                " AND o.position = assignment_executors.position AND o.declined_at IS NULL)"
                " AND EXISTS (SELECT 1 FROM assignments a"
                " WHERE a.id = ? AND a.status IN (SELECT value FROM json_each(?)))",
                (assignment_id, department_id, assignment_id, _OPEN),
            )
            if cursor.rowcount == 0:
                return False
            await self._audit_reason(
                assignment_id, department_id, actor=actor, action="keep", reason=reason, at=at
            )
        return True

    async def change_deadline(
        self,
        assignment_id: int,
        *,
        old: date,
        new: date,
        reference: str,
        reason: str,
        actor: str,
        at: datetime,
    ) -> bool:
        """Set the deadline of an open item by a decision taken outside the bot (its
        `reference`, such as «протокол №5 от 01.12.2026», and the `reason`). Only when the
        deadline is still `old`: a second controller who drew the same card changes nothing
        (False). The extension count stays: this is not an extension request."""
        missing = "a reference and a reason are required"
        reference, reason = required(reference, missing), required(reason, missing)
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE assignments SET deadline = ?, updated_at = ?"
                " WHERE id = ? AND deadline = ? AND status IN (SELECT value FROM json_each(?))",
                (new.isoformat(), utc_text(at), assignment_id, old.isoformat(), _OPEN),
            )
            if cursor.rowcount == 0:
                return False
            await self._record_item(
                assignment_id,
                "deadline",
                actor=actor,
                old={"deadline": old.isoformat()},
                new={"deadline": new.isoformat(), "reference": reference, "reason": reason},
                at=at,
            )
        return True

    # --- reports and decisions ---------------------------------------------------------------
    async def add_report(
        self,
        assignment_id: int,
        department_id: int,
        *,
        author_code: str,
        on_behalf_of: str | None,
        text: str,
        files: Sequence[ReportFile],
        final: bool,
        at: datetime,
    ) -> Report:
        """Store a report. A final one (main executor only) moves the item to 'report_submitted'.

        Refused: CLOSED (item closed, or a final report already submitted), NOT_EXECUTOR
        (the department is not an active executor), NOT_MAIN (a final report from a
        co-executor). Checked under the write lock, so a double tap cannot file two.
        """
        async with self.db.transaction():
            row = await self.fetch_one(
                "SELECT a.reg_number, a.status, e.is_main, d.name AS department_name"
                " FROM assignments a"
                " LEFT JOIN assignment_executors e ON e.assignment_id = a.id"
                " AND e.department_id = ? AND e.declined_at IS NULL"
                " LEFT JOIN departments d ON d.id = e.department_id"
                " WHERE a.id = ?",
                (department_id, assignment_id),
            )
            if row is None:
                raise ValueError(f"no assignment with id {assignment_id}")
            reg_number = row["reg_number"]
            if Status(row["status"]) not in OPEN_STATUSES:
                raise Refused(Refusal.CLOSED, reg_number=reg_number)
            if row["is_main"] is None:
                raise Refused(Refusal.NOT_EXECUTOR, reg_number=reg_number)
            if final:
                if not row["is_main"]:
                    raise Refused(Refusal.NOT_MAIN, reg_number=reg_number)
                cursor = await self.conn.execute(
                    "UPDATE assignments SET status = ?, updated_at = ?"
                    " WHERE id = ? AND status IN (SELECT value FROM json_each(?))",
                    (Status.REPORTED.value, utc_text(at), assignment_id, _REPORTABLE),
                )
                if cursor.rowcount == 0:
                    raise Refused(Refusal.CLOSED, reg_number=reg_number)
            else:
                await self._touch(assignment_id, at)
            cursor = await self.conn.execute(
                "INSERT INTO reports (assignment_id, department_id, author_code, on_behalf_of,"
                " text, final, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    assignment_id,
                    department_id,
                    author_code,
                    on_behalf_of,
                    text,
                    int(final),
                    utc_text(at),
                ),
            )
            report_id = cursor.lastrowid
            assert report_id is not None
            await save_attachments(self.conn, "report_files", "report_id", report_id, files)
            await self._record(
                reg_number,
                "report" if final else "co_report",
                actor=author_code,
                on_behalf_of=on_behalf_of,
                new={
                    "department": row["department_name"],
                    "text": text,
                    "files": [item.file_name for item in files],
                },
                at=at,
            )
            return written(await self.report(report_id))

    async def _decide(
        self,
        assignment_id: int,
        *,
        to: Status,
        ground: RemovalGround | None,
        action: str,
        new: dict[str, Any],
        actor: str,
        at: datetime,
    ) -> bool:
        async with self.db.transaction():
            reg_number = await self.reg_number(assignment_id)
            if reg_number is None:
                return False
            if not await self.transition(
                "assignments",
                assignment_id,
                Status.REPORTED,
                {"status": to, "removal_ground": ground, "updated_at": utc_text(at)},
            ):
                return False
            await self._record(
                reg_number,
                action,
                actor=actor,
                old={"status": Status.REPORTED.value},
                new=new,
                at=at,
            )
        return True

    async def remove(
        self,
        assignment_id: int,
        *,
        ground: RemovalGround,
        actor: str,
        at: datetime,
        note: str = "",
    ) -> bool:
        """Remove from control, only once the main report is in; False when nothing changed.
        The controller's note (why, in words) goes to the history with the ground."""
        ground = RemovalGround(ground)
        return await self._decide(
            assignment_id,
            to=Status.REMOVED,
            ground=ground,
            action="remove",
            new={"ground": ground.value} | ({"note": note.strip()} if note.strip() else {}),
            actor=actor,
            at=at,
        )

    async def return_for_rework(
        self, assignment_id: int, *, reason: str, actor: str, at: datetime
    ) -> bool:
        """Return the main report for rework; False when there is no report waiting."""
        reason = required(reason, "a reason is required")
        return await self._decide(
            assignment_id,
            to=Status.RETURNED,
            ground=None,
            action="return",
            new={"reason": reason},
            actor=actor,
            at=at,
        )

    # --- cards ---------------------------------------------------------------------------------
    async def save_card(
        self, assignment_id: int, person_id: int, chat_id: int, message_id: int
    ) -> None:
        """Remember a posted card so it can be edited when the item changes (idempotent)."""
        async with self.db.transaction():
            await self.conn.execute(
                "INSERT INTO card_messages (assignment_id, person_id, chat_id, message_id)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (assignment_id, person_id, chat_id, message_id),
            )

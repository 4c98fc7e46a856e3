"""Assignments on control: registration, executors, acceptance, reports, decisions, cards."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from storage.attachments import attachments_of, save_attachments
from storage.audit import AuditRepo, now_utc
from storage.db import Database, Store
from storage.domain.assignments import (
    OPEN_STATUSES,
    Assignment,
    ControlType,
    Executor,
    NewAssignment,
    Refusal,
    RemovalGround,
    Report,
    ReportFile,
    RuleError,
    Status,
)
from storage.domain.enums import Mark, Source
from storage.domain.staff import CsvProblem
from storage.models import AuditEntry, Department
from storage.rows import from_row, utc_text
from storage.staff import name_key

ENTITY = "assignment"
IMPORT_SLICE = 0.5  # seconds an import's unit of work may hold the writer
# Lists go to SQLite as one JSON parameter read through json_each: no SQL is built at run time.
_OPEN = json.dumps(sorted(status.value for status in OPEN_STATUSES))
# Statuses a final report may be submitted from.
_REPORTABLE = json.dumps([Status.REGISTERED.value, Status.ACCEPTED.value, Status.RETURNED.value])


class DuplicateNumber(ValueError):
    def __init__(self, reg_number: str) -> None:
        super().__init__(f"registration number {reg_number} is already registered")
        self.reg_number = reg_number


class UnknownDepartment(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown department {name!r}")
        self.name = name


class UnknownIssuer(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown issuer code {code!r}")
        self.code = code


def _executor(row: aiosqlite.Row) -> Executor:
    return from_row(Executor, row, main=bool(row["is_main"]))


def _assignment(row: aiosqlite.Row, executors: Sequence[Executor]) -> Assignment:
    return from_row(Assignment, row, executors=tuple(executors))


class ImportInterrupted(CsvProblem):
    """A row turned bad after the import was checked; the rows before it were registered."""

    def __init__(self, line: int, reason: str, registered: int) -> None:
        super().__init__(line, reason)
        self.registered = registered


def check_new(new: NewAssignment) -> None:
    """The shape of a new item: a number, executors, no department twice (ValueError)."""
    if not new.reg_number.strip():
        raise ValueError("the registration number is empty")
    if not new.executors:
        raise ValueError("an assignment needs at least one executor department")
    keys = [name_key(name) for name in new.executors]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            first = new.executors[keys.index(key)]
            raise ValueError(f"department {' '.join(first.split())!r} is listed twice")


class AssignmentRepo(Store):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.audit = AuditRepo(db)

    # --- reading -------------------------------------------------------------------------------
    async def _executors(self, assignment_ids: Sequence[int]) -> dict[int, list[Executor]]:
        """Executor rows of several assignments in one query, in position order."""
        found: dict[int, list[Executor]] = {assignment_id: [] for assignment_id in assignment_ids}
        if not assignment_ids:
            return found
        async with self.conn.execute(
            "SELECT e.*, d.name AS department_name FROM assignment_executors e"
            " JOIN departments d ON d.id = e.department_id"
            " WHERE e.assignment_id IN (SELECT value FROM json_each(?))"
            " ORDER BY e.assignment_id, e.position, e.rowid",
            (json.dumps(list(assignment_ids)),),
        ) as cursor:
            for row in await cursor.fetchall():
                found[row["assignment_id"]].append(_executor(row))
        return found

    async def _load(self, rows: Iterable[aiosqlite.Row]) -> list[Assignment]:
        rows = list(rows)
        executors = await self._executors([row["id"] for row in rows])
        return [_assignment(row, executors[row["id"]]) for row in rows]

    async def _one(self, where: str, params: Iterable[object]) -> Assignment | None:
        async with self.conn.execute(
            f"SELECT * FROM assignments WHERE {where}",  # noqa: S608 - fixed fragments only
            tuple(params),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return (await self._load([row]))[0]

    async def get(self, assignment_id: int) -> Assignment | None:
        return await self._one("id = ?", (assignment_id,))

    async def by_number(self, reg_number: str) -> Assignment | None:
        return await self._one("reg_number = ?", (reg_number.strip(),))

    async def list_open(
        self,
        *,
        department_ids: Iterable[int] | None = None,
        overdue_on: date | None = None,
        due_from: date | None = None,
        due_to: date | None = None,
        source: Source | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> tuple[list[Assignment], int]:
        """Open items by deadline then number, one page of them, and how many match in all.

        `department_ids` keeps items where one of them is an active (not declined) executor;
        an empty collection matches nothing. `overdue_on=D` keeps deadlines before D;
        `due_from` / `due_to` are inclusive.
        """
        conditions = ["a.status IN (SELECT value FROM json_each(?))"]
        params: list[object] = [_OPEN]
        if department_ids is not None:
            wanted = sorted(set(department_ids))
            if not wanted:
                return [], 0
            # from the departments' executor rows (indexed), not a check per open item
            conditions.append(
                "a.id IN (SELECT e.assignment_id FROM assignment_executors e"
                " WHERE e.department_id IN (SELECT value FROM json_each(?))"
                " AND e.declined_at IS NULL)"
            )
            params.append(json.dumps(wanted))
        if overdue_on is not None:
            conditions.append("a.deadline < ?")
            params.append(overdue_on.isoformat())
        if due_from is not None:
            conditions.append("a.deadline >= ?")
            params.append(due_from.isoformat())
        if due_to is not None:
            conditions.append("a.deadline <= ?")
            params.append(due_to.isoformat())
        if source is not None:
            conditions.append("a.source = ?")
            params.append(Source(source).value)
        where = " AND ".join(conditions)
        async with self.conn.execute(
            f"SELECT COUNT(*) FROM assignments a WHERE {where}",  # noqa: S608 - fixed fragments
            tuple(params),
        ) as cursor:
            counted = await cursor.fetchone()
        total = int(counted[0]) if counted else 0
        if total == 0 or offset >= total:
            return [], total
        async with self.conn.execute(
            f"SELECT a.* FROM assignments a WHERE {where}"  # noqa: S608 - fixed fragments only
            " ORDER BY a.deadline, a.reg_number LIMIT ? OFFSET ?",
            (*params, max(limit, 0), max(offset, 0)),
        ) as cursor:
            rows = await cursor.fetchall()
        return await self._load(rows), total

    async def removed_since(self, since: datetime) -> list[Assignment]:
        """Items removed from control at or after `since` (for the weekly control list)."""
        async with self.conn.execute(
            "SELECT a.* FROM assignments a WHERE a.status = 'removed' AND a.updated_at >= ?"
            " ORDER BY a.deadline, a.reg_number",
            (utc_text(since),),
        ) as cursor:
            rows = await cursor.fetchall()
        return await self._load(rows)

    async def reports(self, assignment_id: int) -> list[Report]:
        """Every report on the item, with its files, oldest first."""
        async with self.conn.execute(
            "SELECT * FROM reports WHERE assignment_id = ? ORDER BY created_at, id",
            (assignment_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        files = await attachments_of(
            self.conn, "report_files", "report_id", [row["id"] for row in rows]
        )
        return [from_row(Report, row, files=tuple(files[row["id"]])) for row in rows]

    async def cards(self, assignment_id: int) -> list[tuple[int, int, int]]:
        """(person_id, chat_id, message_id) of every card posted about the item."""
        async with self.conn.execute(
            "SELECT person_id, chat_id, message_id FROM card_messages WHERE assignment_id = ?"
            " ORDER BY rowid",
            (assignment_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(row["person_id"], row["chat_id"], row["message_id"]) for row in rows]

    async def history(self, reg_number: str) -> list[AuditEntry]:
        return await self.audit.for_entity(ENTITY, reg_number.strip())

    # --- registration ------------------------------------------------------------------------
    async def _department(self, department_id: int) -> Department | None:
        async with self.conn.execute(
            "SELECT id, name FROM departments WHERE id = ?", (department_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return Department(row["id"], row["name"]) if row else None

    async def _department_named(self, name: str) -> Department:
        async with self.conn.execute(
            "SELECT id, name FROM departments WHERE name_key = ?", (name_key(name),)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise UnknownDepartment(name.strip())
        return Department(row["id"], row["name"])

    async def create(
        self,
        new: NewAssignment,
        *,
        deadline: date,
        control_type: ControlType,
        registered_on: date,
        actor: str,
    ) -> Assignment:
        """Register an item; the first executor is the main one («свод»)."""
        reg_number = new.reg_number.strip()
        check_new(new)
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT 1 FROM assignments WHERE reg_number = ?", (reg_number,)
            ) as cursor:
                if await cursor.fetchone():
                    raise DuplicateNumber(reg_number)
            departments = [await self._department_named(name) for name in new.executors]
            issuer_id: int | None = None
            issuer_code = (new.issuer_code or "").strip()
            if issuer_code:
                async with self.conn.execute(
                    "SELECT id, code FROM people WHERE code = ? COLLATE NOCASE", (issuer_code,)
                ) as cursor:
                    issuer = await cursor.fetchone()
                if issuer is None:
                    raise UnknownIssuer(issuer_code)
                issuer_id = issuer["id"]
                issuer_code = issuer["code"]
            stamp = utc_text(now_utc())
            cursor = await self.conn.execute(
                "INSERT INTO assignments (reg_number, received, registered_on, source, issuer_id,"
                " summary, deadline, original_deadline, mark, control_type, restricted, status,"
                " created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reg_number,
                    new.received.isoformat(),
                    registered_on.isoformat(),
                    Source(new.source).value,
                    issuer_id,
                    new.summary,
                    deadline.isoformat(),
                    deadline.isoformat(),
                    Mark(new.mark).value,
                    ControlType(control_type).value,
                    int(new.restricted),
                    Status.REGISTERED.value,
                    actor,
                    stamp,
                    stamp,
                ),
            )
            assignment_id = cursor.lastrowid
            assert assignment_id is not None
            await self.conn.executemany(
                "INSERT INTO assignment_executors (assignment_id, department_id, is_main,"
                " position) VALUES (?, ?, ?, ?)",
                [
                    (assignment_id, department.id, int(position == 0), position)
                    for position, department in enumerate(departments)
                ],
            )
            await self.audit.record(
                actor=actor,
                action="register",
                entity=ENTITY,
                entity_id=reg_number,
                new={
                    "received": new.received.isoformat(),
                    "registered_on": registered_on.isoformat(),
                    "source": Source(new.source).value,
                    "issuer": issuer_code or None,
                    "summary": new.summary,
                    "deadline": deadline.isoformat(),
                    "control_type": ControlType(control_type).value,
                    "mark": Mark(new.mark).value,
                    "restricted": new.restricted,
                    "executors": [department.name for department in departments],
                },
            )
            created = await self.get(assignment_id)
        assert created is not None
        return created

    async def check_import(self, items: Sequence[tuple[NewAssignment, date, ControlType]]) -> None:
        """Validate a whole import against the file and the database without writing: the
        first bad row raises CsvProblem(line, reason), as registering it would."""
        numbers = [new.reg_number.strip() for new, _, _ in items]
        async with self.conn.execute(
            "SELECT reg_number FROM assignments"
            " WHERE reg_number IN (SELECT value FROM json_each(?))",
            (json.dumps(numbers),),
        ) as cursor:
            registered = {row[0] for row in await cursor.fetchall()}
        async with self.conn.execute("SELECT name_key FROM departments") as cursor:
            departments = {row[0] for row in await cursor.fetchall()}
        async with self.conn.execute("SELECT lower(code) FROM people") as cursor:
            codes = {row[0] for row in await cursor.fetchall()}
        seen: dict[str, int] = {}
        for (new, _, _), number in zip(items, numbers, strict=True):
            if number in seen:
                raise CsvProblem(
                    new.line,
                    f"registration number {number} appears twice in the file"
                    f" (first on line {seen[number]})",
                )
            seen[number] = new.line
            try:
                check_new(new)
                if number in registered:
                    raise DuplicateNumber(number)
                for name in new.executors:
                    if name_key(name) not in departments:
                        raise UnknownDepartment(name.strip())
                issuer = (new.issuer_code or "").strip()
                if issuer and issuer.lower() not in codes:
                    raise UnknownIssuer(issuer)
            except ValueError as exc:
                raise CsvProblem(new.line, str(exc)) from exc

    async def import_many(
        self,
        items: Sequence[tuple[NewAssignment, date, ControlType]],
        *,
        registered_on: date,
        actor: str,
        then: Callable[[Assignment], Awaitable[None]] | None = None,
        slice_seconds: float = IMPORT_SLICE,
        progress: Callable[[int], None] | None = None,
    ) -> list[Assignment]:
        """Register many items: the whole file is validated first (the first bad row raises
        CsvProblem and nothing is written), then written in units of work of at most about
        `slice_seconds` each, so the bot's own steps get the writer in between. `then` runs
        for each item inside its unit (its cards are queued with it); `progress` hears how
        many are registered after each unit.

        Should a row turn bad between the check and its unit (someone registered the same
        number meanwhile), ImportInterrupted says which line and how many went in before it.
        """
        await self.check_import(items)
        created: list[Assignment] = []
        position = 0
        while position < len(items):
            async with self.db.transaction():
                started = time.monotonic()
                while True:  # at least one row a unit, then as many as fit in the slice
                    new, deadline, ctype = items[position]
                    try:
                        item = await self.create(
                            new,
                            deadline=deadline,
                            control_type=ctype,
                            registered_on=registered_on,
                            actor=actor,
                        )
                    except ValueError as exc:
                        raise ImportInterrupted(new.line, str(exc), len(created)) from exc
                    if then is not None:
                        await then(item)
                    created.append(item)
                    position += 1
                    if position == len(items) or time.monotonic() - started >= slice_seconds:
                        break
            if progress is not None:
                progress(len(created))
            await asyncio.sleep(0)  # the writer is free: waiting steps go first
        return created

    # --- executors ---------------------------------------------------------------------------
    async def _reg_number(self, assignment_id: int) -> str | None:
        async with self.conn.execute(
            "SELECT reg_number FROM assignments WHERE id = ?", (assignment_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return str(row["reg_number"]) if row else None

    async def _touch(self, assignment_id: int, at: datetime | None = None) -> None:
        await self.conn.execute(
            "UPDATE assignments SET updated_at = ? WHERE id = ?",
            (utc_text(at or now_utc()), assignment_id),
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
            cursor = await self.conn.execute(
                "UPDATE assignment_executors SET accepted_at = ?, accepted_by = ?"
                " WHERE assignment_id = ? AND department_id = ? AND declined_at IS NULL"
                " AND accepted_at IS NULL AND EXISTS (SELECT 1 FROM assignments a"
                " WHERE a.id = ? AND a.status IN (SELECT value FROM json_each(?)))",
                (utc_text(at), person_code, assignment_id, department_id, assignment_id, _OPEN),
            )
            if cursor.rowcount == 0:
                return False
            async with self.conn.execute(
                "SELECT e.is_main, d.name FROM assignment_executors e"
                " JOIN departments d ON d.id = e.department_id"
                " WHERE e.assignment_id = ? AND e.department_id = ?",
                (assignment_id, department_id),
            ) as rows:
                row = await rows.fetchone()
            assert row is not None
            if row["is_main"]:
                await self.conn.execute(
                    "UPDATE assignments SET status = ? WHERE id = ? AND status = ?",
                    (Status.ACCEPTED.value, assignment_id, Status.REGISTERED.value),
                )
            await self._touch(assignment_id, at)
            reg_number = await self._reg_number(assignment_id)
            assert reg_number is not None
            await self.audit.record(
                actor=person_code,
                on_behalf_of=on_behalf_of,
                action="accept",
                entity=ENTITY,
                entity_id=reg_number,
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
        reason = reason.strip()
        if not reason:
            raise ValueError("a reason is required")
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE assignment_executors SET declined_at = ?, decline_reason = ?"
                " WHERE assignment_id = ? AND department_id = ? AND declined_at IS NULL"
                " AND EXISTS (SELECT 1 FROM assignments a"
                " WHERE a.id = ? AND a.status IN (SELECT value FROM json_each(?)))",
                (utc_text(at), reason, assignment_id, department_id, assignment_id, _OPEN),
            )
            if cursor.rowcount == 0:
                return False
            await self._touch(assignment_id, at)
            department = await self._department(department_id)
            reg_number = await self._reg_number(assignment_id)
            assert department is not None
            assert reg_number is not None
            await self.audit.record(
                actor=actor,
                on_behalf_of=on_behalf_of,
                action="not_ours",
                entity=ENTITY,
                entity_id=reg_number,
                new={"department": department.name, "reason": reason},
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
            async with self.conn.execute(
                "SELECT a.reg_number, a.status, e.is_main, e.position, e.declined_at"
                " FROM assignments a JOIN assignment_executors e ON e.assignment_id = a.id"
                " WHERE a.id = ? AND e.department_id = ?",
                (assignment_id, old_department_id),
            ) as cursor:
                old = await cursor.fetchone()
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
            async with self.conn.execute(
                "SELECT declined_at FROM assignment_executors"
                " WHERE assignment_id = ? AND department_id = ?",
                (assignment_id, new_department_id),
            ) as cursor:
                existing = await cursor.fetchone()
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
                await self.conn.execute(
                    "UPDATE assignments SET status = ? WHERE id = ? AND status = ?",
                    (Status.REGISTERED.value, assignment_id, Status.ACCEPTED.value),
                )
            await self._touch(assignment_id)
            old_department = await self._department(old_department_id)
            assert old_department is not None
            await self.audit.record(
                actor=actor,
                action="reassign",
                entity=ENTITY,
                entity_id=old["reg_number"],
                old={"department": old_department.name},
                new={"department": new_department.name},
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

        RuleError: CLOSED (item closed, or a final report already submitted), NOT_EXECUTOR
        (the department is not an active executor), NOT_MAIN (a final report from a
        co-executor). Checked under the write lock, so a double tap cannot file two.
        """
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT a.reg_number, a.status, e.is_main, d.name AS department_name"
                " FROM assignments a"
                " LEFT JOIN assignment_executors e ON e.assignment_id = a.id"
                " AND e.department_id = ? AND e.declined_at IS NULL"
                " LEFT JOIN departments d ON d.id = e.department_id"
                " WHERE a.id = ?",
                (department_id, assignment_id),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise ValueError(f"no assignment with id {assignment_id}")
            reg_number = row["reg_number"]
            if Status(row["status"]) not in OPEN_STATUSES:
                raise RuleError(Refusal.CLOSED, reg_number=reg_number)
            if row["is_main"] is None:
                raise RuleError(Refusal.NOT_EXECUTOR, reg_number=reg_number)
            if final:
                if not row["is_main"]:
                    raise RuleError(Refusal.NOT_MAIN, reg_number=reg_number)
                cursor = await self.conn.execute(
                    "UPDATE assignments SET status = ?, updated_at = ?"
                    " WHERE id = ? AND status IN (SELECT value FROM json_each(?))",
                    (Status.REPORTED.value, utc_text(at), assignment_id, _REPORTABLE),
                )
                if cursor.rowcount == 0:
                    raise RuleError(Refusal.CLOSED, reg_number=reg_number)
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
            await self.audit.record(
                actor=author_code,
                on_behalf_of=on_behalf_of,
                action="report" if final else "co_report",
                entity=ENTITY,
                entity_id=reg_number,
                new={
                    "department": row["department_name"],
                    "text": text,
                    "files": [item.file_name for item in files],
                },
                at=at,
            )
        return Report(
            id=report_id,
            assignment_id=assignment_id,
            department_id=department_id,
            author_code=author_code,
            text=text,
            final=final,
            created_at=datetime.fromisoformat(utc_text(at)),
            files=tuple(files),
        )

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
            reg_number = await self._reg_number(assignment_id)
            if reg_number is None:
                return False
            cursor = await self.conn.execute(
                "UPDATE assignments SET status = ?, removal_ground = ?, updated_at = ?"
                " WHERE id = ? AND status = ?",
                (
                    to.value,
                    ground.value if ground else None,
                    utc_text(at),
                    assignment_id,
                    Status.REPORTED.value,
                ),
            )
            if cursor.rowcount == 0:
                return False
            await self.audit.record(
                actor=actor,
                action=action,
                entity=ENTITY,
                entity_id=reg_number,
                old={"status": Status.REPORTED.value},
                new=new,
                at=at,
            )
        return True

    async def remove(
        self, assignment_id: int, *, ground: RemovalGround, actor: str, at: datetime
    ) -> bool:
        """Remove from control, only once the main report is in; False when nothing changed."""
        ground = RemovalGround(ground)
        return await self._decide(
            assignment_id,
            to=Status.REMOVED,
            ground=ground,
            action="remove",
            new={"ground": ground.value},
            actor=actor,
            at=at,
        )

    async def return_for_rework(
        self, assignment_id: int, *, reason: str, actor: str, at: datetime
    ) -> bool:
        """Return the main report for rework; False when there is no report waiting."""
        reason = reason.strip()
        if not reason:
            raise ValueError("a reason is required")
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

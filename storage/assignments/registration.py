"""Registering assignments: one from the dialog, or a whole CSV import checked first and
written in short units of work."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from storage.assignments.reading import IMPORT_SLICE, AssignmentReading
from storage.audit import now_utc
from storage.domain.assignments import Assignment, ControlType, NewAssignment, Status
from storage.domain.enums import Mark, Source
from storage.domain.staff import CsvProblem
from storage.models import Department
from storage.rows import utc_text, written
from storage.staff import StaffRepo, name_key


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


class AssignmentRegistration(AssignmentReading):
    # --- registration ------------------------------------------------------------------------
    async def _department_named(self, name: str) -> Department:
        department = await StaffRepo(self.db).department_by_name(name)
        if department is None:
            raise UnknownDepartment(name.strip())
        return department

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
                issuer = await self.fetch_one(
                    "SELECT id, code FROM people WHERE code = ? COLLATE NOCASE", (issuer_code,)
                )
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
            await self._record(
                reg_number,
                "register",
                actor=actor,
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
            return written(await self.get(assignment_id))

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

"""Storage of assignments: registration, listing, executors accepting, declining and reassigned."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from storage.assignments import DuplicateNumber, UnknownDepartment, UnknownIssuer
from storage.domain.assignments import (
    ControlType,
    RemovalGround,
    Status,
)
from storage.domain.enums import Mark, Source
from storage.domain.staff import CsvProblem
from storage.repo import Repos
from tests.helpers import add_report, department_id, found
from tests.stored_assignments import (
    AT,
    CTRL,
    DIGITAL,
    EDU,
    FIN,
    TODAY,
    accept,
    audited,
    decline,
    item,
    register,
    remove,
)

# --- registration ---------------------------------------------------------------------------


async def test_create_with_main_and_co_executors_reads_back(staffed: Repos) -> None:
    created = await staffed.assignments.create(
        item(
            " 12-3/45 ",
            "  отдел   ОБРАЗОВАНИЯ ",
            FIN,
            CTRL,
            issuer="AKIM",
            mark=Mark.URGENT,
            restricted=True,
            source=Source.OBLAST_AKIM,
        ),
        deadline=date(2026, 3, 16),
        control_type=ControlType.URGENT,
        registered_on=TODAY,
        actor="ctrl",
    )
    akim = found(await staffed.staff.by_code("akim"))
    assert created.reg_number == "12-3/45"
    assert created.status is Status.REGISTERED
    assert created.deadline == date(2026, 3, 16)
    assert created.control_type is ControlType.URGENT
    assert created.mark is Mark.URGENT
    assert created.source is Source.OBLAST_AKIM
    assert created.restricted
    assert created.issuer_id == akim.id
    assert created.registered_on == TODAY
    assert created.removal_ground is None
    assert created.extensions == 0
    assert [(e.department_name, e.main) for e in created.executors] == [
        (EDU, True),
        (FIN, False),
        (CTRL, False),
    ]
    assert created.main_executor is not None
    assert created.main_executor.department_name == EDU
    assert await staffed.assignments.get(created.id) == created
    assert await staffed.assignments.by_number("  12-3/45") == created
    assert await staffed.assignments.by_number("12-3/4") is None
    assert await staffed.assignments.get(999) is None

    async with staffed.conn.execute(
        "SELECT original_deadline, created_by FROM assignments WHERE id = ?", (created.id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    assert tuple(row) == ("2026-03-16", "ctrl")

    [entry] = await staffed.assignments.history("12-3/45")
    assert (entry.action, entry.actor, entry.entity) == ("register", "ctrl", "assignment")
    assert entry.new_value is not None
    recorded = json.loads(entry.new_value)
    assert recorded["executors"] == [EDU, FIN, CTRL]
    assert recorded["deadline"] == "2026-03-16"
    assert recorded["issuer"] == "akim"
    assert recorded["mark"] == "urgent"
    assert recorded["source"] == "oblast_akim"
    assert recorded["restricted"] is True


async def test_duplicate_number_is_refused(staffed: Repos) -> None:
    await register(staffed, "12-3/45")
    with pytest.raises(DuplicateNumber, match="12-3/45 is already registered") as caught:
        await register(staffed, " 12-3/45")
    assert caught.value.reg_number == "12-3/45"
    _, total = await staffed.assignments.list_open()
    assert total == 1


async def test_unknown_department_issuer_and_repeated_department(staffed: Repos) -> None:
    with pytest.raises(UnknownDepartment) as department:
        await register(staffed, "1", EDU, "Отдел туризма")
    assert department.value.name == "Отдел туризма"
    with pytest.raises(UnknownIssuer) as issuer:
        await register(staffed, "2", EDU, issuer="nobody")
    assert issuer.value.code == "nobody"
    with pytest.raises(ValueError, match="Отдел финансов"):
        await register(staffed, "3", FIN, EDU, "отдел финансов")
    assert (await staffed.assignments.list_open()) == ([], 0)
    for number in ("1", "2", "3"):
        assert await staffed.assignments.history(number) == []


async def test_import_many_is_all_or_nothing_with_line_numbers(staffed: Repos) -> None:
    deadline = date(2026, 5, 4)
    rows = [
        (item("A-1", EDU, line=2), deadline, ControlType.MEDIUM),
        (item("A-2", FIN, EDU, line=3), deadline, ControlType.MEDIUM),
    ]
    created = await staffed.assignments.import_many(rows, registered_on=TODAY, actor="ctrl")
    assert [a.reg_number for a in created] == ["A-1", "A-2"]
    assert [e.department_name for e in created[1].executors] == [FIN, EDU]

    in_file = [
        (item("B-1", line=2), deadline, ControlType.MEDIUM),
        (item("B-2", line=3), deadline, ControlType.MEDIUM),
        (item(" B-1", line=4), deadline, ControlType.MEDIUM),
    ]
    with pytest.raises(CsvProblem) as twice:
        await staffed.assignments.import_many(in_file, registered_on=TODAY, actor="ctrl")
    assert twice.value.line == 4
    assert "B-1 appears twice in the file (first on line 2)" in twice.value.reason

    in_database = [
        (item("C-1", line=2), deadline, ControlType.MEDIUM),
        (item("A-2", line=3), deadline, ControlType.MEDIUM),
    ]
    with pytest.raises(CsvProblem) as registered:
        await staffed.assignments.import_many(in_database, registered_on=TODAY, actor="ctrl")
    assert registered.value.line == 3
    assert registered.value.reason == "registration number A-2 is already registered"

    unknown = [
        (item("D-1", line=2), deadline, ControlType.MEDIUM),
        (item("D-2", EDU, "Отдел X", line=3), deadline, ControlType.MEDIUM),
    ]
    with pytest.raises(CsvProblem) as department:
        await staffed.assignments.import_many(unknown, registered_on=TODAY, actor="ctrl")
    assert (department.value.line, department.value.reason) == (3, "unknown department 'Отдел X'")

    issuer = [(item("E-1", issuer="ghost", line=7), deadline, ControlType.MEDIUM)]
    with pytest.raises(CsvProblem, match="line 7: unknown issuer code 'ghost'"):
        await staffed.assignments.import_many(issuer, registered_on=TODAY, actor="ctrl")

    page, total = await staffed.assignments.list_open()
    assert total == 2
    assert [a.reg_number for a in page] == ["A-1", "A-2"]
    for number in ("B-1", "B-2", "C-1", "D-1", "E-1"):
        assert await staffed.assignments.by_number(number) is None
        assert await staffed.assignments.history(number) == []


# --- listing --------------------------------------------------------------------------------


async def test_list_open_filters_and_pages(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    await register(staffed, "05", EDU, deadline=date(2026, 3, 10))
    await register(staffed, "04", FIN, EDU, deadline=date(2026, 3, 20))
    await register(staffed, "03", FIN, deadline=date(2026, 3, 20), source=Source.GOVERNMENT)
    await register(staffed, "02", EDU, deadline=date(2026, 4, 15), source=Source.GOVERNMENT)
    closed = await register(staffed, "01", EDU, deadline=date(2026, 3, 1))
    # Close "01": report, then remove.
    await add_report(staffed, closed, edu, "edu_head", "Готово", final=True, at=AT)
    assert await remove(staffed, closed)

    async def numbers(**filters: object) -> tuple[list[str], int]:
        page, total = await staffed.assignments.list_open(**filters)  # type: ignore[arg-type]
        return [a.reg_number for a in page], total

    assert await numbers() == (["05", "03", "04", "02"], 4)
    assert await numbers(department_ids=[edu]) == (["05", "04", "02"], 3)
    assert await numbers(department_ids={fin, ctrl}) == (["03", "04"], 2)
    assert await numbers(department_ids=[]) == ([], 0)
    assert await numbers(overdue_on=date(2026, 3, 20)) == (["05"], 1)
    assert await numbers(overdue_on=date(2026, 3, 21)) == (["05", "03", "04"], 3)
    assert await numbers(due_from=date(2026, 3, 20), due_to=date(2026, 4, 15)) == (
        ["03", "04", "02"],
        3,
    )
    assert await numbers(due_to=date(2026, 3, 19)) == (["05"], 1)
    assert await numbers(source=Source.GOVERNMENT) == (["03", "02"], 2)
    assert await numbers(source=Source.GOVERNMENT, department_ids=[edu]) == (["02"], 1)
    assert await numbers(limit=2) == (["05", "03"], 4)

    page, _ = await staffed.assignments.list_open(department_ids=[edu])
    assert [[e.department_name for e in a.executors] for a in page] == [[EDU], [FIN, EDU], [EDU]]

    # A declined executor no longer sees the item in its list.
    four = found(await staffed.assignments.by_number("04"))
    assert await decline(staffed, four.id, edu, "edu_head", "Не наш профиль")
    assert await numbers(department_ids=[edu]) == (["05", "02"], 2)


async def test_weekly_items_are_the_open_then_the_weeks_removed(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    await register(staffed, "05", EDU, deadline=date(2026, 3, 10))
    await register(staffed, "04", FIN, EDU, deadline=date(2026, 3, 20))
    await register(staffed, "03", FIN, deadline=date(2026, 3, 20))
    for number, deadline in (("02", date(2026, 2, 1)), ("01", date(2026, 3, 1))):
        closed = await register(staffed, number, EDU, deadline=deadline)
        await add_report(staffed, closed, edu, "edu_head", "Готово", final=True, at=AT)
        assert await remove(staffed, closed)  # at AT
    four = found(await staffed.assignments.by_number("04"))
    assert await decline(staffed, four.id, edu, "edu_head", "Не наш профиль")

    async def numbers(since: datetime, departments: set[int] | None = None) -> list[str]:
        items = await staffed.assignments.weekly_items(since, departments)
        return [a.reg_number for a in items]

    # the open items by deadline, then the removed ones by deadline
    assert await numbers(AT - timedelta(days=7)) == ["05", "03", "04", "02", "01"]
    assert await numbers(AT + timedelta(seconds=1)) == ["05", "03", "04"]
    # a department's items: a declined executor row counts too (the list names who declined)
    assert await numbers(AT, {edu}) == ["05", "04", "02", "01"]
    assert await numbers(AT, {fin, ctrl}) == ["03", "04"]
    assert await numbers(AT, set()) == []
    [item_04] = [a for a in await staffed.assignments.weekly_items(AT, {fin}) if a.id == four.id]
    assert item_04 == await staffed.assignments.by_number("04")  # as read one by one


# --- executors ------------------------------------------------------------------------------


async def test_accept_is_idempotent_and_main_accepts_the_item(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    item_id = await register(staffed, "7/1", EDU, FIN)

    # A co-executor's acceptance does not change the status.
    assert await accept(staffed, item_id, fin, "fin_head")
    current = found(await staffed.assignments.get(item_id))
    assert current.status is Status.REGISTERED
    executor = found(current.executor(fin))
    assert (executor.accepted_at, executor.accepted_by) == (AT, "fin_head")

    later = AT + timedelta(hours=1)
    assert await accept(staffed, item_id, edu, "edu_exec", "edu_head", at=later)
    assert not await accept(staffed, item_id, edu, "edu_head", at=later + timedelta(minutes=1))
    assert not await accept(staffed, item_id, ctrl, "ctrl", at=later)
    current = found(await staffed.assignments.get(item_id))
    assert current.status is Status.ACCEPTED
    main = found(current.main_executor)
    assert (main.accepted_at, main.accepted_by) == (later, "edu_exec")

    trail = [e for e in await staffed.assignments.history("7/1") if e.action == "accept"]
    assert [(e.actor, e.on_behalf_of, e.new_value) for e in trail] == [
        ("fin_head", None, audited(FIN)),
        ("edu_exec", "edu_head", audited(EDU)),
    ]
    assert trail[1].at == later


async def test_a_closed_or_declined_row_cannot_be_accepted(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    item_id = await register(staffed, "8/1", EDU, FIN)
    assert await decline(staffed, item_id, fin, "fin_head", "Не наш")
    assert not await accept(staffed, item_id, fin, "fin_head")
    await add_report(staffed, item_id, edu, "edu_head", "Сделано", final=True, at=AT)
    assert await remove(staffed, item_id, RemovalGround.IMPOSSIBLE)
    assert not await accept(staffed, item_id, edu, "edu_head")
    assert not await decline(staffed, item_id, edu, "edu_head", "поздно")


async def test_decline_and_reassign(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    digital = await department_id(staffed, DIGITAL)
    item_id = await register(staffed, "9/1", EDU, FIN)
    assert await accept(staffed, item_id, edu, "edu_head")

    # Nothing to reassign while the row is active.
    assert not await staffed.assignments.reassign(item_id, edu, ctrl, actor="ctrl")

    assert await decline(
        staffed, item_id, edu, "edu_exec", " Это не наш вопрос ", behalf="edu_head"
    )
    assert not await decline(staffed, item_id, edu, "edu_head", "ещё раз")
    current = found(await staffed.assignments.get(item_id))
    assert current.main_executor is None
    assert current.executor(edu) is None
    declined = next(e for e in current.executors if e.department_id == edu)
    assert (declined.declined_at, declined.decline_reason) == (AT, "Это не наш вопрос")

    with pytest.raises(ValueError, match="Отдел финансов"):
        await staffed.assignments.reassign(item_id, edu, fin, actor="ctrl")
    with pytest.raises(UnknownDepartment):
        await staffed.assignments.reassign(item_id, edu, 999, actor="ctrl")

    assert await staffed.assignments.reassign(item_id, edu, ctrl, actor="ctrl")
    assert not await staffed.assignments.reassign(item_id, edu, ctrl, actor="ctrl")  # double tap
    assert not await staffed.assignments.reassign(item_id, edu, digital, actor="ctrl")

    async def rows(status: Status) -> list[tuple[str, bool, bool]]:
        """The executors' rows (name, main, active) of the item, now in `status`."""
        current = found(await staffed.assignments.get(item_id))
        assert current.status is status
        return [(e.department_name, e.main, e.active) for e in current.executors]

    # The main executor changed: an accepted item goes back to registered.
    expected = [(EDU, True, False), (CTRL, True, True), (FIN, False, True)]
    assert await rows(Status.REGISTERED) == expected
    current = found(await staffed.assignments.get(item_id))
    assert current.main_executor is not None
    assert current.main_executor.department_id == ctrl
    assert current.main_executor.accepted_at is None

    # A co-executor declines and is replaced: the main executor's acceptance stands.
    assert await accept(staffed, item_id, ctrl, "ctrl")
    assert await decline(staffed, item_id, fin, "fin_head", "Не наш")
    # The department that declined before can be chosen again: its row comes back.
    assert await staffed.assignments.reassign(item_id, fin, edu, actor="ctrl")
    expected = [(CTRL, True, True), (EDU, False, True), (FIN, False, False)]
    assert await rows(Status.ACCEPTED) == expected

    trail = [
        (e.action, e.old_value, e.new_value)
        for e in await staffed.assignments.history("9/1")
        if e.action in {"not_ours", "reassign"}
    ]
    assert trail == [
        (
            "not_ours",
            None,
            audited(EDU, reason="Это не наш вопрос"),
        ),
        (
            "reassign",
            audited(EDU),
            audited(CTRL),
        ),
        (
            "not_ours",
            None,
            audited(FIN, reason="Не наш"),
        ),
        (
            "reassign",
            audited(FIN),
            audited(EDU),
        ),
    ]

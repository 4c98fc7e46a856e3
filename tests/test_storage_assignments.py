"""Storage of assignments (executors, reports, decisions, cards, history) and the outbox."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from storage.assignments import DuplicateNumber, UnknownDepartment, UnknownIssuer
from storage.domain.assignments import (
    ControlType,
    NewAssignment,
    Refusal,
    RemovalGround,
    ReportFile,
    Status,
)
from storage.domain.enums import Mark, Source
from storage.domain.refusals import Refused
from storage.domain.staff import CsvProblem
from storage.repo import Repos
from tests.helpers import add_report, department_id, everyone_joined, person_id

EDU = "Отдел образования"
FIN = "Отдел финансов"
CTRL = "Отдел контроля"
DIGITAL = "Отдел цифровизации"
TODAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)


def item(
    number: str,
    *executors: str,
    received: date = date(2026, 3, 2),
    source: Source = Source.AKIM,
    issuer: str | None = None,
    mark: Mark = Mark.NONE,
    restricted: bool = False,
    line: int = 0,
) -> NewAssignment:
    return NewAssignment(
        reg_number=number,
        received=received,
        source=source,
        summary=f"Поручение {number}",
        executors=executors or (EDU,),
        mark=mark,
        restricted=restricted,
        issuer_code=issuer,
        line=line,
    )


async def register(
    repos: Repos,
    number: str,
    *executors: str,
    deadline: date = date(2026, 4, 1),
    source: Source = Source.AKIM,
    issuer: str | None = None,
) -> int:
    created = await repos.assignments.create(
        item(number, *executors, source=source, issuer=issuer),
        deadline=deadline,
        control_type=ControlType.SHORT,
        registered_on=TODAY,
        actor="ctrl",
    )
    return created.id


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
    akim = await staffed.staff.by_code("akim")
    assert akim is not None
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
    assert await staffed.assignments.remove(
        closed, ground=RemovalGround.EXECUTED, actor="ctrl", at=AT
    )

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
    assert await numbers(limit=2, offset=2) == (["04", "02"], 4)
    assert await numbers(limit=2, offset=4) == ([], 4)

    page, _ = await staffed.assignments.list_open(department_ids=[edu])
    assert [[e.department_name for e in a.executors] for a in page] == [[EDU], [FIN, EDU], [EDU]]

    # A declined executor no longer sees the item in its list.
    four = await staffed.assignments.by_number("04")
    assert four is not None
    assert await staffed.assignments.decline(
        four.id, edu, reason="Не наш профиль", actor="edu_head", on_behalf_of=None, at=AT
    )
    assert await numbers(department_ids=[edu]) == (["05", "02"], 2)


# --- executors ------------------------------------------------------------------------------


async def test_accept_is_idempotent_and_main_accepts_the_item(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    item_id = await register(staffed, "7/1", EDU, FIN)

    # A co-executor's acceptance does not change the status.
    assert await staffed.assignments.accept(
        item_id, fin, person_code="fin_head", on_behalf_of=None, at=AT
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert current.status is Status.REGISTERED
    executor = current.executor(fin)
    assert executor is not None
    assert (executor.accepted_at, executor.accepted_by) == (AT, "fin_head")

    later = AT + timedelta(hours=1)
    assert await staffed.assignments.accept(
        item_id, edu, person_code="edu_exec", on_behalf_of="edu_head", at=later
    )
    assert not await staffed.assignments.accept(
        item_id, edu, person_code="edu_head", on_behalf_of=None, at=later + timedelta(minutes=1)
    )
    assert not await staffed.assignments.accept(
        item_id, ctrl, person_code="ctrl", on_behalf_of=None, at=later
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert current.status is Status.ACCEPTED
    main = current.main_executor
    assert main is not None
    assert (main.accepted_at, main.accepted_by) == (later, "edu_exec")

    trail = [e for e in await staffed.assignments.history("7/1") if e.action == "accept"]
    assert [(e.actor, e.on_behalf_of, e.new_value) for e in trail] == [
        ("fin_head", None, json.dumps({"department": FIN}, ensure_ascii=False)),
        ("edu_exec", "edu_head", json.dumps({"department": EDU}, ensure_ascii=False)),
    ]
    assert trail[1].at == later


async def test_a_closed_or_declined_row_cannot_be_accepted(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    item_id = await register(staffed, "8/1", EDU, FIN)
    assert await staffed.assignments.decline(
        item_id, fin, reason="Не наш", actor="fin_head", on_behalf_of=None, at=AT
    )
    assert not await staffed.assignments.accept(
        item_id, fin, person_code="fin_head", on_behalf_of=None, at=AT
    )
    await add_report(staffed, item_id, edu, "edu_head", "Сделано", final=True, at=AT)
    assert await staffed.assignments.remove(
        item_id, ground=RemovalGround.IMPOSSIBLE, actor="ctrl", at=AT
    )
    assert not await staffed.assignments.accept(
        item_id, edu, person_code="edu_head", on_behalf_of=None, at=AT
    )
    assert not await staffed.assignments.decline(
        item_id, edu, reason="поздно", actor="edu_head", on_behalf_of=None, at=AT
    )


async def test_decline_and_reassign(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    digital = await department_id(staffed, DIGITAL)
    item_id = await register(staffed, "9/1", EDU, FIN)
    assert await staffed.assignments.accept(
        item_id, edu, person_code="edu_head", on_behalf_of=None, at=AT
    )

    # Nothing to reassign while the row is active.
    assert not await staffed.assignments.reassign(item_id, edu, ctrl, actor="ctrl")

    assert await staffed.assignments.decline(
        item_id,
        edu,
        reason=" Это не наш вопрос ",
        actor="edu_exec",
        on_behalf_of="edu_head",
        at=AT,
    )
    assert not await staffed.assignments.decline(
        item_id, edu, reason="ещё раз", actor="edu_head", on_behalf_of=None, at=AT
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
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
    current = await staffed.assignments.get(item_id)
    assert current is not None
    # The main executor changed: an accepted item goes back to registered.
    assert current.status is Status.REGISTERED
    assert [(e.department_name, e.main, e.active) for e in current.executors] == [
        (EDU, True, False),
        (CTRL, True, True),
        (FIN, False, True),
    ]
    assert current.main_executor is not None
    assert current.main_executor.department_id == ctrl
    assert current.main_executor.accepted_at is None

    # A co-executor declines and is replaced: the main executor's acceptance stands.
    assert await staffed.assignments.accept(
        item_id, ctrl, person_code="ctrl", on_behalf_of=None, at=AT
    )
    assert await staffed.assignments.decline(
        item_id, fin, reason="Не наш", actor="fin_head", on_behalf_of=None, at=AT
    )
    # The department that declined before can be chosen again: its row comes back.
    assert await staffed.assignments.reassign(item_id, fin, edu, actor="ctrl")
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert current.status is Status.ACCEPTED
    assert [(e.department_name, e.main, e.active) for e in current.executors] == [
        (CTRL, True, True),
        (EDU, False, True),
        (FIN, False, False),
    ]

    trail = [
        (e.action, e.old_value, e.new_value)
        for e in await staffed.assignments.history("9/1")
        if e.action in {"not_ours", "reassign"}
    ]
    assert trail == [
        (
            "not_ours",
            None,
            json.dumps({"department": EDU, "reason": "Это не наш вопрос"}, ensure_ascii=False),
        ),
        (
            "reassign",
            json.dumps({"department": EDU}, ensure_ascii=False),
            json.dumps({"department": CTRL}, ensure_ascii=False),
        ),
        (
            "not_ours",
            None,
            json.dumps({"department": FIN, "reason": "Не наш"}, ensure_ascii=False),
        ),
        (
            "reassign",
            json.dumps({"department": FIN}, ensure_ascii=False),
            json.dumps({"department": EDU}, ensure_ascii=False),
        ),
    ]


# --- reports and decisions ------------------------------------------------------------------


async def test_co_report_then_final_report(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    item_id = await register(staffed, "10/1", EDU, FIN)

    with pytest.raises(Refused) as not_main:
        await add_report(staffed, item_id, fin, "fin_head", "x", final=True, at=AT)
    assert not_main.value.refusal is Refusal.NOT_MAIN
    with pytest.raises(Refused) as outsider:
        await add_report(staffed, item_id, ctrl, "ctrl", "x", final=False, at=AT)
    assert outsider.value.refusal is Refusal.NOT_EXECUTOR

    co = await add_report(
        staffed,
        item_id,
        fin,
        "fin_head",
        "Справка по финансам",
        final=False,
        files=[ReportFile("F1", "справка.pdf")],
        at=AT,
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert current.status is Status.REGISTERED

    files = [ReportFile("F2", "отчёт.docx"), ReportFile("F3", "фото.jpg")]
    final = await add_report(
        staffed,
        item_id,
        edu,
        "edu_exec",
        "Исполнено",
        final=True,
        files=files,
        behalf="edu_head",
        at=AT + timedelta(hours=2),
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert current.status is Status.REPORTED

    # A second final report (a double tap) is refused; co-executors may still add input.
    with pytest.raises(Refused) as again:
        await add_report(
            staffed, item_id, edu, "edu_head", "Исполнено", final=True, at=AT + timedelta(hours=3)
        )
    assert again.value.refusal is Refusal.CLOSED

    reports = await staffed.assignments.reports(item_id)
    assert reports == [co, final]
    assert [(r.department_id, r.final, r.author_code) for r in reports] == [
        (fin, False, "fin_head"),
        (edu, True, "edu_exec"),
    ]
    assert reports[1].files == tuple(files)
    assert reports[1].created_at == AT + timedelta(hours=2)
    assert await staffed.assignments.reports(999) == []

    trail = [e for e in await staffed.assignments.history("10/1") if e.action.endswith("report")]
    assert [(e.action, e.actor, e.on_behalf_of) for e in trail] == [
        ("co_report", "fin_head", None),
        ("report", "edu_exec", "edu_head"),
    ]
    assert trail[1].new_value is not None
    assert json.loads(trail[1].new_value) == {
        "department": EDU,
        "text": "Исполнено",
        "files": ["отчёт.docx", "фото.jpg"],
    }


async def test_remove_and_return_only_after_a_report(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "11/1", EDU)

    assert not await staffed.assignments.remove(
        item_id, ground=RemovalGround.EXECUTED, actor="ctrl", at=AT
    )
    assert not await staffed.assignments.return_for_rework(
        item_id, reason="Нет данных", actor="ctrl", at=AT
    )

    async def report() -> None:
        await add_report(staffed, item_id, edu, "edu_head", "Готово", final=True, at=AT)

    await report()
    assert await staffed.assignments.return_for_rework(
        item_id, reason="Нет данных", actor="ctrl", at=AT
    )
    assert not await staffed.assignments.return_for_rework(
        item_id, reason="Нет данных", actor="ctrl", at=AT
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert current.status is Status.RETURNED
    assert current.is_open

    await report()
    assert await staffed.assignments.remove(
        item_id, ground=RemovalGround.EXECUTED, actor="ctrl", at=AT
    )
    assert not await staffed.assignments.remove(
        item_id, ground=RemovalGround.IMPOSSIBLE, actor="ctrl", at=AT
    )
    assert not await staffed.assignments.return_for_rework(
        item_id, reason="поздно", actor="ctrl", at=AT
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert current.status is Status.REMOVED
    assert current.removal_ground is RemovalGround.EXECUTED
    assert not current.is_open
    with pytest.raises(Refused) as closed:
        await add_report(staffed, item_id, edu, "edu_head", "ещё", final=False, at=AT)
    assert closed.value.refusal is Refusal.CLOSED
    assert not await staffed.assignments.remove(
        999, ground=RemovalGround.EXECUTED, actor="ctrl", at=AT
    )


async def test_cards_are_remembered_once(staffed: Repos) -> None:
    edu_head = await staffed.staff.by_code("edu_head")
    fin_head = await staffed.staff.by_code("fin_head")
    assert edu_head is not None
    assert fin_head is not None
    item_id = await register(staffed, "12/1", EDU, FIN)
    other = await register(staffed, "12/2", EDU)
    assert await staffed.assignments.cards(item_id) == []
    await staffed.assignments.save_card(item_id, edu_head.id, 5001, 10)
    await staffed.assignments.save_card(item_id, fin_head.id, 5002, 11)
    await staffed.assignments.save_card(item_id, edu_head.id, 5001, 10)
    await staffed.assignments.save_card(item_id, edu_head.id, 5001, 12)
    await staffed.assignments.save_card(other, edu_head.id, 5001, 13)
    assert await staffed.assignments.cards(item_id) == [
        (edu_head.id, 5001, 10),
        (fin_head.id, 5002, 11),
        (edu_head.id, 5001, 12),
    ]
    assert await staffed.assignments.cards(other) == [(edu_head.id, 5001, 13)]


async def test_history_shows_every_action_in_order(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    item_id = await register(staffed, "13/1", EDU, FIN)
    await register(staffed, "13/2", EDU)
    steps = [AT + timedelta(minutes=minute) for minute in range(10)]
    assert await staffed.assignments.accept(
        item_id, edu, person_code="edu_exec", on_behalf_of="edu_head", at=steps[0]
    )
    assert await staffed.assignments.decline(
        item_id, fin, reason="Не наш", actor="fin_head", on_behalf_of=None, at=steps[1]
    )
    assert await staffed.assignments.reassign(item_id, fin, ctrl, actor="ctrl")
    await add_report(staffed, item_id, ctrl, "ctrl", "Вклад", final=False, at=steps[2])
    await add_report(staffed, item_id, edu, "edu_head", "Отчёт", final=True, at=steps[3])
    assert await staffed.assignments.return_for_rework(
        item_id, reason="Дополнить", actor="ctrl", at=steps[4]
    )
    await add_report(staffed, item_id, edu, "edu_head", "Дополнено", final=True, at=steps[5])
    assert await staffed.assignments.remove(
        item_id, ground=RemovalGround.EXECUTED, actor="ctrl", at=steps[6]
    )

    trail = await staffed.assignments.history(" 13/1 ")
    assert [(e.action, e.actor, e.on_behalf_of) for e in trail] == [
        ("register", "ctrl", None),
        ("accept", "edu_exec", "edu_head"),
        ("not_ours", "fin_head", None),
        ("reassign", "ctrl", None),
        ("co_report", "ctrl", None),
        ("report", "edu_head", None),
        ("return", "ctrl", None),
        ("report", "edu_head", None),
        ("remove", "ctrl", None),
    ]
    assert {e.entity_id for e in trail} == {"13/1"}
    assert trail[-1].new_value is not None
    assert json.loads(trail[-1].new_value) == {"ground": "executed"}
    assert trail[-3].new_value is not None
    assert json.loads(trail[-3].new_value) == {"reason": "Дополнить"}
    assert [e.action for e in await staffed.assignments.history("13/2")] == ["register"]


# --- outbox ---------------------------------------------------------------------------------


async def test_outbox_enqueue_is_idempotent_by_key(staffed: Repos) -> None:
    await everyone_joined(staffed)
    edu_head = await person_id(staffed, "edu_head")
    payload = {"assignment_id": 1, "text": "Жаңа тапсырма"}
    assert await staffed.outbox.enqueue("card:1:5", edu_head, "card", payload, not_before=AT)
    assert not await staffed.outbox.enqueue(
        "card:1:5", edu_head, "card", {"other": True}, not_before=AT + timedelta(days=1)
    )
    stored = await staffed.outbox.get("card:1:5")
    assert stored is not None
    assert (stored.kind, stored.payload, stored.not_before) == ("card", payload, AT)
    assert (stored.status, stored.attempts, stored.person_id) == ("pending", 0, edu_head)
    assert await staffed.outbox.get("card:1:6") is None
    assert (await staffed.outbox.counts())["pending"] == 1

    # Even once sent, the same key cannot be queued again.
    [claimed] = await staffed.outbox.claim(AT)
    await staffed.outbox.mark_sent(claimed.id, chat_id=5001, message_id=77, at=AT)
    assert not await staffed.outbox.enqueue("card:1:5", edu_head, "card", payload)
    assert await staffed.outbox.claim(AT + timedelta(days=1)) == []


async def test_outbox_claim_marks_sending_and_reclaims_stale(staffed: Repos) -> None:
    await everyone_joined(staffed)
    edu_head = await person_id(staffed, "edu_head")
    fin_head = await person_id(staffed, "fin_head")
    await staffed.outbox.enqueue("b", edu_head, "card", {"n": 2}, not_before=AT)
    await staffed.outbox.enqueue("a", fin_head, "card", {"n": 1}, not_before=AT - timedelta(1))
    await staffed.outbox.enqueue("later", edu_head, "remind", {}, not_before=AT + timedelta(1))

    claimed = await staffed.outbox.claim(AT)
    assert [(i.key, i.status, i.attempts) for i in claimed] == [
        ("a", "sending", 1),
        ("b", "sending", 1),
    ]
    assert await staffed.outbox.claim(AT) == []
    assert await staffed.outbox.claim(AT + timedelta(seconds=29)) == []
    assert await staffed.outbox.counts() == {
        "pending": 1,
        "sending": 2,
        "sent": 0,
        "failed": 0,
        "cancelled": 0,
    }

    # "a" is sent; "b" stays 'sending' (its sender crashed) and is taken again once its claim
    # has not been renewed for the lease (30 s).
    await staffed.outbox.mark_sent(claimed[0].id, chat_id=5002, message_id=None, at=AT)
    stale = AT + timedelta(seconds=31)
    [again] = await staffed.outbox.claim(stale)
    assert (again.key, again.status, again.attempts) == ("b", "sending", 2)
    assert await staffed.outbox.claim(stale, stale_after=timedelta(0)) == []
    [quick] = await staffed.outbox.claim(stale + timedelta(seconds=1), stale_after=timedelta(0))
    assert (quick.key, quick.attempts) == ("b", 3)

    # The limit takes the oldest due first.
    await staffed.outbox.mark_sent(quick.id, chat_id=5001, message_id=9, at=stale)
    [first] = await staffed.outbox.claim(AT + timedelta(days=2), limit=1)
    assert first.key == "later"

    async with staffed.conn.execute(
        "SELECT chat_id, telegram_message_id, sent_at, status FROM outbox WHERE key = 'b'"
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    assert (row["chat_id"], row["telegram_message_id"], row["status"]) == (5001, 9, "sent")
    assert datetime.fromisoformat(row["sent_at"]) == stale


async def test_outbox_retry_fail_cancel_and_counts(staffed: Repos) -> None:
    await everyone_joined(staffed)
    edu_head = await person_id(staffed, "edu_head")
    for key in ("remind:1:a", "remind:1:b", "remind:10:a", "card:1:a", "card:2:a"):
        assert await staffed.outbox.enqueue(key, edu_head, "remind", {"key": key}, not_before=AT)

    # Cancel affects pending items under the prefix only, not a longer number.
    assert await staffed.outbox.cancel("remind:1:") == 2
    assert await staffed.outbox.cancel("remind:1:") == 0
    with pytest.raises(ValueError, match="empty prefix"):
        await staffed.outbox.cancel("")
    cancelled = await staffed.outbox.get("remind:1:a")
    assert cancelled is not None
    assert cancelled.status == "cancelled"

    claimed = await staffed.outbox.claim(AT)
    assert [i.key for i in claimed] == ["remind:10:a", "card:1:a", "card:2:a"]
    retry, fail, sent = claimed
    assert await staffed.outbox.cancel("card:") == 0  # 'sending' items are not cancelled

    await staffed.outbox.retry_later(retry.id, error="429 Too Many Requests", at=AT + timedelta(1))
    await staffed.outbox.mark_failed(fail.id, error="403 Forbidden: bot was blocked")
    await staffed.outbox.mark_sent(sent.id, chat_id=5001, message_id=5, at=AT)
    assert await staffed.outbox.counts() == {
        "pending": 1,
        "sending": 0,
        "sent": 1,
        "failed": 1,
        "cancelled": 2,
    }
    assert await staffed.outbox.claim(AT + timedelta(hours=23)) == []
    [retried] = await staffed.outbox.claim(AT + timedelta(days=1))
    assert (retried.key, retried.attempts, retried.not_before) == (
        "remind:10:a",
        2,
        AT + timedelta(days=1),
    )

    # A late answer cannot resurrect a finished item.
    await staffed.outbox.retry_later(sent.id, error="late", at=AT)
    await staffed.outbox.mark_failed(sent.id, error="late")
    still = await staffed.outbox.get("card:2:a")
    assert still is not None
    assert still.status == "sent"

    async with staffed.conn.execute(
        "SELECT last_error FROM outbox WHERE key = 'card:1:a'"
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    assert row["last_error"] == "403 Forbidden: bot was blocked"


async def test_enqueue_joins_the_callers_transaction(staffed: Repos) -> None:
    edu_head = await person_id(staffed, "edu_head")
    with pytest.raises(RuntimeError):
        async with staffed.transaction():
            assert await staffed.outbox.enqueue("x", edu_head, "card", {})
            raise RuntimeError("the state change failed")
    assert await staffed.outbox.get("x") is None


async def test_naive_datetimes_are_refused(staffed: Repos) -> None:
    edu_head = await person_id(staffed, "edu_head")
    with pytest.raises(ValueError, match="naive"):
        await staffed.outbox.enqueue("x", edu_head, "card", {}, not_before=datetime(2026, 3, 2))

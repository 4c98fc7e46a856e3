"""Storage of assignments: reports, removal and return, cards and the history."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from storage.domain.assignments import (
    Refusal,
    RemovalGround,
    ReportFile,
    SentCard,
    Status,
)
from storage.domain.refusals import Refused
from storage.repo import Repos
from tests.helpers import add_report, department_id, found
from tests.stored_assignments import (
    AT,
    CTRL,
    EDU,
    FIN,
    accept,
    decline,
    register,
    remove,
    rework,
)

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
    current = found(await staffed.assignments.get(item_id))
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
    current = found(await staffed.assignments.get(item_id))
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

    assert not await remove(staffed, item_id)
    assert not await rework(staffed, item_id, "Нет данных")

    async def report() -> None:
        await add_report(staffed, item_id, edu, "edu_head", "Готово", final=True, at=AT)

    await report()
    assert await rework(staffed, item_id, "Нет данных")
    assert not await rework(staffed, item_id, "Нет данных")
    current = found(await staffed.assignments.get(item_id))
    assert current.status is Status.RETURNED
    assert current.is_open

    await report()
    assert await remove(staffed, item_id)
    assert not await remove(staffed, item_id, RemovalGround.IMPOSSIBLE)
    assert not await rework(staffed, item_id, "поздно")
    current = found(await staffed.assignments.get(item_id))
    assert current.status is Status.REMOVED
    assert current.removal_ground is RemovalGround.EXECUTED
    assert not current.is_open
    with pytest.raises(Refused) as closed:
        await add_report(staffed, item_id, edu, "edu_head", "ещё", final=False, at=AT)
    assert closed.value.refusal is Refusal.CLOSED
    assert not await remove(staffed, 999)


async def test_cards_are_remembered_once_with_the_department_they_were_drawn_for(
    staffed: Repos,
) -> None:
    edu_head = found(await staffed.staff.by_code("edu_head"))
    fin_head = found(await staffed.staff.by_code("fin_head"))
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "12/1", EDU, FIN)
    other = await register(staffed, "12/2", EDU)
    assert await staffed.assignments.sent_cards(item_id) == []
    # the card messages the sender sent (kind 'card'): their payload names the department
    for key, item, message_id in (("c1", item_id, 10), ("c2", other, 13)):
        payload = {"assignment_id": item, "department_id": edu}
        await staffed.outbox.enqueue(key, edu_head.id, "card", payload)
        sent = found(await staffed.outbox.get(key))
        await staffed.outbox.mark_sent(sent.id, chat_id=5001, message_id=message_id, at=AT)
    await staffed.assignments.save_card(item_id, edu_head.id, 5001, 10)
    await staffed.assignments.save_card(item_id, fin_head.id, 5002, 11)
    await staffed.assignments.save_card(item_id, edu_head.id, 5001, 10)
    await staffed.assignments.save_card(other, edu_head.id, 5001, 13)
    assert await staffed.assignments.sent_cards(item_id) == [
        SentCard(edu_head.id, 5001, 10, edu),
        SentCard(fin_head.id, 5002, 11, None),  # no outbox message says which department
    ]
    assert await staffed.assignments.sent_cards(other) == [SentCard(edu_head.id, 5001, 13, edu)]


async def test_history_shows_every_action_in_order(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    ctrl = await department_id(staffed, CTRL)
    item_id = await register(staffed, "13/1", EDU, FIN)
    await register(staffed, "13/2", EDU)
    steps = [AT + timedelta(minutes=minute) for minute in range(10)]
    assert await accept(staffed, item_id, edu, "edu_exec", "edu_head", at=steps[0])
    assert await decline(staffed, item_id, fin, "fin_head", "Не наш", at=steps[1])
    assert await staffed.assignments.reassign(item_id, fin, ctrl, actor="ctrl")
    await add_report(staffed, item_id, ctrl, "ctrl", "Вклад", final=False, at=steps[2])
    await add_report(staffed, item_id, edu, "edu_head", "Отчёт", final=True, at=steps[3])
    assert await rework(staffed, item_id, "Дополнить", at=steps[4])
    await add_report(staffed, item_id, edu, "edu_head", "Дополнено", final=True, at=steps[5])
    assert await remove(staffed, item_id, at=steps[6])

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

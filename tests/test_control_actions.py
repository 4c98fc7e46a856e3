"""The control department acts from the card: the deadline moved by a decision taken outside
the bot, a «не наше» refused (the department keeps the item), list lines with the main
executor and the status. Rules, storage, handlers through the recording bot, and two
controllers at once on a real database file."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aiogram.methods import EditMessageReplyMarkup

from bot.assignments import steps as assignment_steps
from bot.assignments.rules import check_keep, check_new_deadline
from bot.calendar import WorkCalendar
from storage.domain.assignments import Refusal
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from tests.helpers import (
    World,
    alert,
    at_once,
    buttons,
    messages_to,
    not_ours,
    person,
    relabelled,
    the_refusal,
)

EDU, FIN, CTRL = 7101, 7102, 7103
DEADLINE = date(2027, 5, 12)  # a Wednesday
SATURDAY, MONDAY = date(2027, 5, 15), date(2027, 5, 17)
CONTROLLER = frozenset({Role.CONTROLLER})


MOMENT = datetime(2027, 2, 10, 5, tzinfo=UTC)


# --- rules -------------------------------------------------------------------------------------


async def test_new_deadline_rules(world: World) -> None:
    item = await world.register("K-1")
    cal = WorkCalendar({})
    today = date(2027, 2, 10)
    assert check_new_deadline(cal, item, CONTROLLER, MONDAY, today) == MONDAY
    with pytest.raises(Refused) as day_off:
        check_new_deadline(cal, item, CONTROLLER, SATURDAY, today)
    assert day_off.value.refusal is Refusal.DEADLINE_DAY_OFF
    assert day_off.value.values["offer"] == MONDAY
    with pytest.raises(Refused) as past:
        check_new_deadline(cal, item, CONTROLLER, date(2027, 2, 9), today)
    assert past.value.refusal is Refusal.DEADLINE_PAST
    with pytest.raises(Refused) as same:
        check_new_deadline(cal, item, CONTROLLER, DEADLINE, today)
    assert same.value.refusal is Refusal.DEADLINE_SAME
    with pytest.raises(Refused) as head:
        check_new_deadline(cal, item, frozenset({Role.HEAD}), MONDAY, today)
    assert head.value.refusal is Refusal.NOT_CONTROLLER
    # nobody declined: there is nothing to keep
    with pytest.raises(Refused) as keep:
        check_keep(item, CONTROLLER, item.executors[1].department_id)
    assert keep.value.refusal is Refusal.CHANGED_MEANWHILE


# --- storage -----------------------------------------------------------------------------------


async def test_deadline_change_is_compare_and_set_and_audited(world: World) -> None:
    item_id = (await world.register("K-1")).id
    at = MOMENT
    change = world.repos.assignments.change_deadline
    assert await change(
        item_id,
        old=DEADLINE,
        new=MONDAY,
        reference="протокол №5",
        reason="погода",
        actor="ctrl",
        at=at,
    )
    # a second change drawn from the old card changes nothing
    assert not await change(
        item_id,
        old=DEADLINE,
        new=date(2027, 5, 20),
        reference="x",
        reason="y",
        actor="ctrl",
        at=at,
    )
    item = await world.item(item_id)
    assert item.deadline == MONDAY
    assert item.extensions == 0
    [entry] = [e for e in await world.repos.assignments.history("K-1") if e.action == "deadline"]
    assert "2027-05-12" in (entry.old_value or "")
    assert "протокол №5" in (entry.new_value or "")
    with pytest.raises(ValueError):
        await change(
            item_id, old=MONDAY, new=DEADLINE, reference=" ", reason="y", actor="c", at=at
        )


async def test_keep_gives_the_declined_row_back_once(world: World) -> None:
    staffed = world.repos
    item_id = (await world.register("K-1")).id
    fin = (await world.item(item_id)).executors[1].department_id
    at = MOMENT
    assert not await staffed.assignments.keep(item_id, fin, reason="r", actor="ctrl", at=at)
    assert await staffed.assignments.decline(
        item_id, fin, reason="не наше", actor="fin_head", on_behalf_of=None, at=at
    )
    assert await staffed.assignments.keep(item_id, fin, reason="ваше", actor="ctrl", at=at)
    assert not await staffed.assignments.keep(item_id, fin, reason="ваше", actor="ctrl", at=at)
    assert (await world.item(item_id)).executor(fin) is not None


# --- handlers ----------------------------------------------------------------------------------


async def test_controller_moves_the_deadline_from_the_card(world: World) -> None:
    await world.join({"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL})  # kk, ru, ru
    item_id = (await world.register("K-1")).id
    await world.delivered()
    await world.say("/control", CTRL)
    listing = messages_to(world.bot, CTRL)[-1]
    assert "K-1 · 12.05.2027 · Отдел образования · не принято" in listing.text
    await world.press(listing, "🔎 K-1", CTRL)
    card = messages_to(world.bot, CTRL)[-1]
    change = buttons(card)["📅 Изменить срок"]
    # a head forging the controller's button is refused; nothing starts
    await world.tap(change, FIN)
    assert "отдел контроля" in alert(world.bot)
    await world.tap(change, CTRL)
    ask = messages_to(world.bot, CTRL)[-1]
    assert ask.text.startswith("Новый срок поручения № K-1 (сейчас 12.05.2027)")
    assert buttons(ask)  # a week, two weeks, a month later
    await world.say("15.05.2027", CTRL)
    refused = messages_to(world.bot, CTRL)[-1]
    assert "не рабочий день" in refused.text or "нерабочий" in refused.text
    await world.press(refused, "17.05.2027", CTRL)
    await world.say("протокол №5 от 01.12.2026", CTRL)
    await world.say("Перенос по решению акима", CTRL)
    done = messages_to(world.bot, CTRL)[-1]
    assert done.text.startswith("Срок поручения № K-1 теперь 17.05.2027")
    assert (await world.item(item_id)).deadline == MONDAY
    # the old card's button is stale now
    await world.tap(change, CTRL)
    assert "изменил другой сотрудник" in alert(world.bot)
    await world.delivered()
    [fin_notice] = messages_to(world.bot, FIN)
    # «срок изменён с понедельник, …» read wrong in Russian: no case to agree with now
    assert "новый срок — 17 мая 2027 г. (понедельник), прежний — 12 мая 2027 г. (среда)" in (
        fin_notice.text
    )
    assert "Решение: протокол №5 от 01.12.2026" in fin_notice.text
    [edu_notice] = messages_to(world.bot, EDU)
    assert "мерзім" in edu_notice.text
    # the history shows old → new, the decision and the reason
    await world.press(fin_notice, "🔎 Открыть", CTRL)
    view = messages_to(world.bot, CTRL)[-1]
    assert "срок изменён" in view.text
    assert "12.05.2027 → 17.05.2027 · протокол №5 от 01.12.2026 · Перенос" in view.text


async def test_a_not_ours_is_refused_back_to_the_department(world: World) -> None:
    await world.join({"fin_head": FIN, "ctrl": CTRL})
    item_id = (await world.register("K-1")).id
    await world.deliverer.drain()
    notice = await not_ours(world, FIN, CTRL)
    assert set(buttons(notice)) == {"➡️ Переназначить", "✋ Оставить за «Отдел финансов»"}
    await world.press(notice, "➡️ Переназначить", CTRL)
    assert sum(isinstance(m, EditMessageReplyMarkup) for m in world.bot.sent()) == 1
    labels = relabelled(world.bot)
    assert "◀️ Назад" in labels
    await world.tap(labels["◀️ Назад"], CTRL)
    await world.tap(labels["✋ Оставить за «Отдел финансов»"], CTRL)
    await world.say("Это ваша компетенция, п. 3 положения.", CTRL)
    assert messages_to(world.bot, CTRL)[-1].text.startswith("Поручение № K-1 остаётся за отделом")
    # a second tap on the same button: nothing to keep any more
    await world.tap(labels["✋ Оставить за «Отдел финансов»"], CTRL)
    assert "изменил другой сотрудник" in alert(world.bot)
    item = await world.item(item_id)
    assert {e.department_name for e in item.executors if e.active} == {
        "Отдел образования",
        "Отдел финансов",
    }
    await world.delivered()
    [back] = messages_to(world.bot, FIN)
    assert "не принял возврат поручения № K-1" in back.text
    assert "Причина: Это ваша компетенция" in back.text
    assert "✅ Принять" in buttons(back)


# --- two controllers at once -------------------------------------------------------------------


async def test_two_controllers_moving_one_deadline_at_once_one_wins(world: World) -> None:
    ctrl = await person(world.repos, "ctrl")
    items = [await world.register(f"C-{n}") for n in range(6)]
    later = date(2027, 5, 20)
    outcomes = await at_once(
        world,
        len(items),
        lambda n, ctx, far_ctx: [
            assignment_steps.change_deadline(
                ctx, ctrl, items[n], seen=DEADLINE, new=MONDAY, reference="п1", reason="r1"
            ),
            assignment_steps.change_deadline(
                far_ctx, ctrl, items[n], seen=DEADLINE, new=later, reference="п2", reason="r2"
            ),
        ],
        now=MOMENT,
    )
    for n, (item, outcome) in enumerate(zip(items, outcomes, strict=True)):
        assert the_refusal(outcome).refusal is Refusal.CHANGED_MEANWHILE
        assert (await world.item(item.id)).deadline in {MONDAY, later}
        history = await world.repos.assignments.history(f"C-{n}")
        assert len([e for e in history if e.action == "deadline"]) == 1

"""The control department acts from the card: the deadline moved by a decision taken outside
the bot, a «не наше» refused (the department keeps the item), list lines with the main
executor and the status. Rules, storage, handlers through the recording bot, and two
controllers at once on a real database file."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from aiogram.methods import EditMessageReplyMarkup

from bot import services
from bot.assignments import steps as assignment_steps
from bot.assignments.rules import check_keep, check_new_deadline
from bot.calendar import WorkCalendar
from bot.config import Settings
from bot.profiles import Profile
from storage.db import connect
from storage.domain.assignments import Refusal
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from storage.repo import Repos
from tests.fakes import make_callback, make_message
from tests.helpers import World, alert, buttons, join, join_all, messages_to, register_item

EDU, FIN, CTRL = 7101, 7102, 7103
DEADLINE = date(2027, 5, 12)  # a Wednesday
SATURDAY, MONDAY = date(2027, 5, 15), date(2027, 5, 17)
CONTROLLER = frozenset({Role.CONTROLLER})


async def register(repos: Repos, profile: Profile, settings: Settings, number: str = "K-1") -> int:
    return (await register_item(repos, profile, settings, number, deadline=DEADLINE)).id


# --- rules -------------------------------------------------------------------------------------


async def test_new_deadline_rules(staffed: Repos, profile: Profile, settings: Settings) -> None:
    item = await staffed.assignments.get(await register(staffed, profile, settings))
    assert item is not None
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


async def test_deadline_change_is_compare_and_set_and_audited(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    item_id = await register(staffed, profile, settings)
    at = datetime(2027, 2, 10, 5, tzinfo=UTC)
    change = staffed.assignments.change_deadline
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
    item = await staffed.assignments.get(item_id)
    assert item is not None
    assert item.deadline == MONDAY
    assert item.extensions == 0
    [entry] = [e for e in await staffed.assignments.history("K-1") if e.action == "deadline"]
    assert "2027-05-12" in (entry.old_value or "")
    assert "протокол №5" in (entry.new_value or "")
    with pytest.raises(ValueError):
        await change(
            item_id, old=MONDAY, new=DEADLINE, reference=" ", reason="y", actor="c", at=at
        )


async def test_keep_gives_the_declined_row_back_once(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    item_id = await register(staffed, profile, settings)
    item = await staffed.assignments.get(item_id)
    assert item is not None
    fin = item.executors[1].department_id
    at = datetime(2027, 2, 10, 5, tzinfo=UTC)
    assert not await staffed.assignments.keep(item_id, fin, reason="r", actor="ctrl", at=at)
    assert await staffed.assignments.decline(
        item_id, fin, reason="не наше", actor="fin_head", on_behalf_of=None, at=at
    )
    assert await staffed.assignments.keep(item_id, fin, reason="ваше", actor="ctrl", at=at)
    assert not await staffed.assignments.keep(item_id, fin, reason="ваше", actor="ctrl", at=at)
    item = await staffed.assignments.get(item_id)
    assert item is not None
    assert item.executor(fin) is not None


# --- handlers ----------------------------------------------------------------------------------


async def test_controller_moves_the_deadline_from_the_card(world: World) -> None:
    people = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL}
    await join_all(world.dp, world.bot, world.repos, people)  # kk, ru, ru
    item_id = await register(world.repos, world.profile, world.settings)
    await world.deliverer.drain()
    world.bot.clear()
    await world.dp.feed_update(world.bot, make_message("/control", user_id=CTRL))
    listing = messages_to(world.bot, CTRL)[-1]
    assert "K-1 · 12.05.2027 · Отдел образования · не принято" in listing.text
    await world.dp.feed_update(world.bot, make_callback(buttons(listing)["🔎 K-1"], user_id=CTRL))
    card = messages_to(world.bot, CTRL)[-1]
    change = buttons(card)["📅 Изменить срок"]
    # a head forging the controller's button is refused; nothing starts
    await world.dp.feed_update(world.bot, make_callback(change, user_id=FIN))
    assert "отдел контроля" in alert(world.bot)
    await world.dp.feed_update(world.bot, make_callback(change, user_id=CTRL))
    ask = messages_to(world.bot, CTRL)[-1]
    assert ask.text.startswith("Новый срок поручения № K-1 (сейчас 12.05.2027)")
    assert buttons(ask)  # a week, two weeks, a month later
    await world.dp.feed_update(world.bot, make_message("15.05.2027", user_id=CTRL))
    refused = messages_to(world.bot, CTRL)[-1]
    assert "не рабочий день" in refused.text or "нерабочий" in refused.text
    await world.dp.feed_update(
        world.bot, make_callback(buttons(refused)["17.05.2027"], user_id=CTRL)
    )
    await world.dp.feed_update(world.bot, make_message("протокол №5 от 01.12.2026", user_id=CTRL))
    await world.dp.feed_update(world.bot, make_message("Перенос по решению акима", user_id=CTRL))
    done = messages_to(world.bot, CTRL)[-1]
    assert done.text.startswith("Срок поручения № K-1 теперь 17.05.2027")
    item = await world.repos.assignments.get(item_id)
    assert item is not None
    assert item.deadline == MONDAY
    # the old card's button is stale now
    await world.dp.feed_update(world.bot, make_callback(change, user_id=CTRL))
    assert "изменил другой сотрудник" in alert(world.bot)
    world.bot.clear()
    await world.deliverer.drain()
    [fin_notice] = messages_to(world.bot, FIN)
    # «срок изменён с понедельник, …» read wrong in Russian: no case to agree with now
    assert "новый срок — понедельник, 17 мая 2027 (прежний — среда, 12 мая 2027)" in (
        fin_notice.text
    )
    assert "Решение: протокол №5 от 01.12.2026" in fin_notice.text
    [edu_notice] = messages_to(world.bot, EDU)
    assert "мерзім" in edu_notice.text
    # the history shows old → new, the decision and the reason
    await world.dp.feed_update(
        world.bot, make_callback(buttons(fin_notice)["🔎 Открыть"], user_id=CTRL)
    )
    view = messages_to(world.bot, CTRL)[-1]
    assert "срок изменён" in view.text
    assert "12.05.2027 → 17.05.2027 · протокол №5 от 01.12.2026 · Перенос" in view.text


async def test_a_not_ours_is_refused_back_to_the_department(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "fin_head", FIN, "ru")
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    item_id = await register(world.repos, world.profile, world.settings)
    await world.deliverer.drain()
    card = messages_to(world.bot, FIN)[0]
    await world.dp.feed_update(world.bot, make_callback(buttons(card)["↩️ Не наше"], user_id=FIN))
    await world.dp.feed_update(world.bot, make_message("Вопрос отдела цифровизации.", user_id=FIN))
    world.bot.clear()
    await world.deliverer.drain()
    [notice] = messages_to(world.bot, CTRL)
    assert set(buttons(notice)) == {"➡️ Переназначить", "✋ Оставить за «Отдел финансов»"}
    await world.dp.feed_update(
        world.bot, make_callback(buttons(notice)["➡️ Переназначить"], user_id=CTRL)
    )
    [picker] = [m for m in world.bot.sent() if isinstance(m, EditMessageReplyMarkup)]
    assert picker.reply_markup is not None
    labels = {
        b.text: str(b.callback_data) for row in picker.reply_markup.inline_keyboard for b in row
    }
    assert "◀️ Назад" in labels
    await world.dp.feed_update(world.bot, make_callback(labels["◀️ Назад"], user_id=CTRL))
    await world.dp.feed_update(
        world.bot, make_callback(labels["✋ Оставить за «Отдел финансов»"], user_id=CTRL)
    )
    await world.dp.feed_update(
        world.bot, make_message("Это ваша компетенция, п. 3 положения.", user_id=CTRL)
    )
    assert messages_to(world.bot, CTRL)[-1].text.startswith("Поручение № K-1 остаётся за отделом")
    # a second tap on the same button: nothing to keep any more
    await world.dp.feed_update(
        world.bot, make_callback(labels["✋ Оставить за «Отдел финансов»"], user_id=CTRL)
    )
    assert "изменил другой сотрудник" in alert(world.bot)
    item = await world.repos.assignments.get(item_id)
    assert item is not None
    assert {e.department_name for e in item.executors if e.active} == {
        "Отдел образования",
        "Отдел финансов",
    }
    world.bot.clear()
    await world.deliverer.drain()
    [back] = messages_to(world.bot, FIN)
    assert "не принял возврат поручения № K-1" in back.text
    assert "Причина: Это ваша компетенция" in back.text
    assert "✅ Принять" in buttons(back)


# --- two controllers at once -------------------------------------------------------------------


async def test_two_controllers_moving_one_deadline_at_once_one_wins(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    ctrl = await staffed.staff.by_code("ctrl")
    assert ctrl is not None
    moment = datetime(2027, 2, 10, 5, tzinfo=UTC)
    ids = [await register(staffed, profile, settings, f"C-{n}") for n in range(6)]
    async with connect(settings.database_path) as other:
        far = Repos(other)
        ctx = await services.make_context(staffed, profile, settings, now=moment)
        far_ctx = await services.make_context(far, profile, settings, now=moment)
        jobs = []
        for n, item_id in enumerate(ids):
            item = await staffed.assignments.get(item_id)
            assert item is not None
            pair = [
                assignment_steps.change_deadline(
                    ctx, ctrl, item, seen=DEADLINE, new=MONDAY, reference="п1", reason="r1"
                ),
                assignment_steps.change_deadline(
                    far_ctx,
                    ctrl,
                    item,
                    seen=DEADLINE,
                    new=date(2027, 5, 20),
                    reference="п2",
                    reason="r2",
                ),
            ]
            jobs.extend(pair if n % 2 else pair[::-1])
        results = await asyncio.gather(*jobs, return_exceptions=True)
    for n, item_id in enumerate(ids):
        outcome = results[2 * n : 2 * n + 2]
        refused = [r for r in outcome if isinstance(r, Refused)]
        assert len(refused) == 1, outcome
        assert refused[0].refusal is Refusal.CHANGED_MEANWHILE
        item = await staffed.assignments.get(item_id)
        assert item is not None
        assert item.deadline in {MONDAY, date(2027, 5, 20)}
        history = await staffed.assignments.history(f"C-{n}")
        assert len([e for e in history if e.action == "deadline"]) == 1

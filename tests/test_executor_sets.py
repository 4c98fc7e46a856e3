"""The controller changes an item's executor departments and the main one («свод») from the
card: rules, storage, the dialog through the recording bot, and two controllers at once on a
real database file."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest
from aiogram import Dispatcher
from aiogram.methods import EditMessageText, SendMessage

from bot import services
from bot.assignments import steps as assignment_steps
from bot.config import Settings
from bot.delivery import Deliverer
from bot.executor_sets import steps as executor_steps
from bot.executor_sets.rules import ExecutorSetRefusal, active_executors, check_executors
from bot.profiles import Profile
from handlers.callbacks import ExecCallback, ExecStep, ItemAction, ItemCallback
from storage.db import connect
from storage.domain.assignments import Assignment, NewAssignment, Refusal, Status
from storage.domain.enums import Mark, Role, Source
from storage.domain.refusals import Refused
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback
from tests.helpers import alert, buttons, join, person

EDU, FIN, CTRL = 7301, 7302, 7303
MOMENT = datetime(2027, 2, 10, 5, tzinfo=UTC)
CONTROLLER = frozenset({Role.CONTROLLER})


async def register(repos: Repos, profile: Profile, settings: Settings, number: str = "E-1") -> int:
    ctx = await services.make_context(repos, profile, settings)
    item = await assignment_steps.register(
        ctx,
        NewAssignment(
            reg_number=number,
            received=ctx.today,
            source=Source.AKIM,
            summary="Подготовить информацию о ходе отопительного сезона",
            executors=("Отдел образования", "Отдел финансов"),
            deadline=date(2027, 5, 12),
            mark=Mark.NONE,
        ),
        actor="ctrl",
    )
    return item.id


async def item_of(repos: Repos, item_id: int) -> Assignment:
    item = await repos.assignments.get(item_id)
    assert item is not None
    return item


async def ids(repos: Repos, *names: str) -> list[int]:
    by_name = {d.name: d.id for d in await repos.staff.departments()}
    return [by_name[name] for name in names]


def messages_to(bot: RecordingBot, chat_id: int) -> list[SendMessage]:
    return [m for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat_id]


def last_view(bot: RecordingBot) -> SendMessage | EditMessageText:
    shown = [m for m in bot.sent() if isinstance(m, SendMessage | EditMessageText)]
    return shown[-1]


# --- rules -------------------------------------------------------------------------------------


async def test_rules(staffed: Repos, profile: Profile, settings: Settings) -> None:
    item = await item_of(staffed, await register(staffed, profile, settings))
    edu, fin, digital = await ids(
        staffed, "Отдел образования", "Отдел финансов", "Отдел цифровизации"
    )
    assert active_executors(item) == [edu, fin]
    change = check_executors(item, CONTROLLER, [edu, fin], [fin, digital])
    assert change.added == (digital,)
    assert change.removed == (edu,)
    assert change.main_changed == (fin,)  # edu is gone: only fin becomes main
    swapped = check_executors(item, CONTROLLER, [edu, fin], [fin, edu])
    assert swapped.main_changed == (edu, fin) and swapped.added == swapped.removed == ()
    for seen, chosen, refusal in (
        ([edu, fin], [], ExecutorSetRefusal.NONE_LEFT),
        ([edu, fin], [edu, fin], ExecutorSetRefusal.SAME),
        ([fin, edu], [digital], Refusal.CHANGED_MEANWHILE),
    ):
        with pytest.raises(Refused) as refused:
            check_executors(item, CONTROLLER, seen, chosen)
        assert refused.value.refusal is refusal
    with pytest.raises(Refused) as head:
        check_executors(item, frozenset({Role.HEAD}), [edu, fin], [fin])
    assert head.value.refusal is Refusal.NOT_CONTROLLER


# --- storage -----------------------------------------------------------------------------------


async def test_storage_replace(staffed: Repos, profile: Profile, settings: Settings) -> None:
    item_id = await register(staffed, profile, settings)
    edu, fin, digital = await ids(
        staffed, "Отдел образования", "Отдел финансов", "Отдел цифровизации"
    )
    ctx = await services.make_context(staffed, profile, settings)
    await assignment_steps.accept(
        ctx, await person(staffed, "edu_head"), await item_of(staffed, item_id), edu
    )
    assert (await item_of(staffed, item_id)).status is Status.ACCEPTED
    assert await staffed.executor_sets.replace(
        item_id, seen=[edu, fin], chosen=[fin, digital], actor="ctrl", at=MOMENT
    )
    item = await item_of(staffed, item_id)
    assert active_executors(item) == [fin, digital]
    assert item.status is Status.REGISTERED  # the new main executor has not accepted yet
    assert item.executor(edu) is None
    # a stale start changes nothing
    assert not await staffed.executor_sets.replace(
        item_id, seen=[edu, fin], chosen=[edu], actor="ctrl", at=MOMENT
    )
    [entry] = [e for e in await staffed.assignments.history("E-1") if e.action == "executors"]
    assert json.loads(entry.old_value or "{}") == {
        "executors": ["Отдел образования", "Отдел финансов"]
    }
    assert json.loads(entry.new_value or "{}") == {
        "executors": ["Отдел финансов", "Отдел цифровизации"]
    }


# --- the dialog --------------------------------------------------------------------------------


async def test_controller_changes_executors_through_the_chat(
    dp: Dispatcher,
    bot: RecordingBot,
    staffed: Repos,
    profile: Profile,
    settings: Settings,
    deliverer: Deliverer,
) -> None:
    await join(dp, bot, staffed, "edu_head", EDU, "kk")
    await join(dp, bot, staffed, "fin_head", FIN, "ru")
    await join(dp, bot, staffed, "ctrl", CTRL, "ru")
    item_id = await register(staffed, profile, settings)
    await deliverer.drain()
    bot.clear()
    open_ = ItemCallback(action=ItemAction.EXECS, id=item_id).pack()
    # a head cannot change the executors
    await dp.feed_update(bot, make_callback(open_, user_id=FIN))
    assert "отдел контроля" in alert(bot)
    await dp.feed_update(bot, make_callback(open_, user_id=CTRL))
    picker = last_view(bot)
    assert (picker.text or "").startswith("Исполнители поручения № E-1")
    labels = buttons(picker)
    assert "⭐ Отдел образования" in labels and "✅ Отдел финансов" in labels
    # a forged department is refused, nothing changes
    bot.clear()
    forged = ExecCallback(step=ExecStep.DEPARTMENT, value="99999").pack()
    await dp.feed_update(bot, make_callback(forged, user_id=CTRL))
    assert alert(bot)
    # add digitalisation, make finance the main one, drop education, save
    await dp.feed_update(bot, make_callback(labels["Отдел цифровизации"], user_id=CTRL))
    await dp.feed_update(
        bot,
        make_callback(buttons(last_view(bot))["⭐ Выбрать основного исполнителя"], user_id=CTRL),
    )
    await dp.feed_update(
        bot, make_callback(buttons(last_view(bot))["Отдел финансов"], user_id=CTRL)
    )
    labels = buttons(last_view(bot))
    assert "⭐ Отдел финансов" in labels and "✅ Отдел образования" in labels
    await dp.feed_update(bot, make_callback(labels["✅ Отдел образования"], user_id=CTRL))
    await dp.feed_update(bot, make_callback(buttons(last_view(bot))["✔️ Готово"], user_id=CTRL))
    done = last_view(bot)
    assert (done.text or "").startswith(
        "Исполнители поручения № E-1: Отдел финансов (основной), Отдел цифровизации."
    )
    fin, digital = await ids(staffed, "Отдел финансов", "Отдел цифровизации")
    assert active_executors(await item_of(staffed, item_id)) == [fin, digital]
    # the old picker's buttons are stale now
    bot.clear()
    await dp.feed_update(bot, make_callback(labels["Отдел контроля"], user_id=CTRL))
    assert alert(bot)
    bot.clear()
    await deliverer.drain()
    [dropped] = messages_to(bot, EDU)
    assert "«Отдел образования»" in dropped.text and "№ E-1" in dropped.text
    [card] = messages_to(bot, FIN)
    assert card.text.startswith("📄 Поручение № E-1")
    assert "основной исполнитель" in card.text.lower()
    # digitalisation has no head: the control department is told the card waits for one
    [no_head] = messages_to(bot, CTRL)
    assert "Отдел цифровизации" in no_head.text and "E-1" in no_head.text
    history = await staffed.assignments.history("E-1")
    assert [e.action for e in history][-1] == "executors"


async def test_at_least_one_executor_stays(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos, profile: Profile, settings: Settings
) -> None:
    await join(dp, bot, staffed, "ctrl", CTRL, "ru")
    item_id = await register(staffed, profile, settings)
    await dp.feed_update(
        bot, make_callback(ItemCallback(action=ItemAction.EXECS, id=item_id).pack(), user_id=CTRL)
    )
    await dp.feed_update(
        bot, make_callback(buttons(last_view(bot))["⭐ Отдел образования"], user_id=CTRL)
    )
    await dp.feed_update(
        bot, make_callback(buttons(last_view(bot))["⭐ Отдел финансов"], user_id=CTRL)
    )
    save = buttons(last_view(bot))["✔️ Готово"]
    bot.clear()
    await dp.feed_update(bot, make_callback(save, user_id=CTRL))
    assert "хотя бы один" in alert(bot)
    assert len(active_executors(await item_of(staffed, item_id))) == 2


# --- two controllers at once -------------------------------------------------------------------


async def test_two_controllers_changing_executors_at_once_one_wins(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    ctrl = await person(staffed, "ctrl")
    edu, fin, digital = await ids(
        staffed, "Отдел образования", "Отдел финансов", "Отдел цифровизации"
    )
    items = [await register(staffed, profile, settings, f"C-{n}") for n in range(6)]
    async with connect(settings.database_path) as other:
        far = Repos(other)
        ctx = await services.make_context(staffed, profile, settings, now=MOMENT)
        far_ctx = await services.make_context(far, profile, settings, now=MOMENT)
        jobs = []
        for n, item_id in enumerate(items):
            item = await item_of(staffed, item_id)
            pair = [
                executor_steps.change_executors(ctx, ctrl, item, seen=[edu, fin], chosen=[fin]),
                executor_steps.change_executors(
                    far_ctx, ctrl, item, seen=[edu, fin], chosen=[edu, fin, digital]
                ),
            ]
            jobs.extend(pair if n % 2 else pair[::-1])
        results = await asyncio.gather(*jobs, return_exceptions=True)
    for n, item_id in enumerate(items):
        outcome = results[2 * n : 2 * n + 2]
        refused = [r for r in outcome if isinstance(r, Refused)]
        assert len(refused) == 1, outcome
        assert refused[0].refusal is Refusal.CHANGED_MEANWHILE
        assert active_executors(await item_of(staffed, item_id)) in ([fin], [edu, fin, digital])
        history = await staffed.assignments.history(f"C-{n}")
        assert len([e for e in history if e.action == "executors"]) == 1

"""The controller changes an item's executor departments and the main one («свод») from the
card: rules, storage, the dialog through the recording bot, and two controllers at once on a
real database file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from aiogram.methods import EditMessageText, SendMessage

from bot.assignments import steps as assignment_steps
from bot.executor_sets import steps as executor_steps
from bot.executor_sets.rules import ExecutorSetRefusal, active_executors, check_executors
from handlers.callbacks import ExecCallback, ExecStep, ItemAction, ItemCallback
from storage.domain.assignments import Refusal, Status
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from tests.fakes import RecordingBot
from tests.helpers import (
    World,
    alert,
    at_once,
    buttons,
    department_id,
    messages_to,
    person,
    the_refusal,
)

EDU, FIN, CTRL = 7301, 7302, 7303
MOMENT = datetime(2027, 2, 10, 5, tzinfo=UTC)
CONTROLLER = frozenset({Role.CONTROLLER})
DEPARTMENTS = ("Отдел образования", "Отдел финансов", "Отдел цифровизации")


def last_view(bot: RecordingBot) -> SendMessage | EditMessageText:
    shown = [m for m in bot.sent() if isinstance(m, SendMessage | EditMessageText)]
    return shown[-1]


# --- rules -------------------------------------------------------------------------------------


async def test_rules(world: World) -> None:
    item = await world.register("E-1")
    edu, fin, digital = [await department_id(world.repos, name) for name in DEPARTMENTS]
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


async def test_storage_replace(world: World) -> None:
    staffed = world.repos
    item_id = (await world.register("E-1")).id
    edu, fin, digital = [await department_id(staffed, name) for name in DEPARTMENTS]
    await assignment_steps.accept(
        await world.context(),
        await person(staffed, "edu_head"),
        await world.item(item_id),
        edu,
    )
    assert (await world.item(item_id)).status is Status.ACCEPTED
    assert await staffed.executor_sets.replace(
        item_id, seen=[edu, fin], chosen=[fin, digital], actor="ctrl", at=MOMENT
    )
    item = await world.item(item_id)
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


async def test_controller_changes_executors_through_the_chat(world: World) -> None:
    await world.join({"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL})
    item_id = (await world.register("E-1")).id
    await world.delivered()
    open_ = ItemCallback(action=ItemAction.EXECS, id=item_id).pack()
    # a head cannot change the executors
    await world.tap(open_, FIN)
    assert "отдел контроля" in alert(world.bot)
    await world.tap(open_, CTRL)
    picker = last_view(world.bot)
    assert (picker.text or "").startswith("Исполнители поручения № E-1")
    labels = buttons(picker)
    assert "⭐ Отдел образования" in labels and "✅ Отдел финансов" in labels
    # «choose the main executor» has a row of its own, under «Done» (not cut beside it)
    rows = picker.reply_markup.inline_keyboard  # type: ignore[union-attr]
    assert [b.text for b in rows[-2]] == ["✔️ Готово"]
    assert [b.text for b in rows[-1]] == ["⭐ Выбрать основного исполнителя"]
    # a forged department is refused, nothing changes
    world.bot.clear()
    await world.tap(ExecCallback(step=ExecStep.DEPARTMENT, value="99999").pack(), CTRL)
    assert alert(world.bot)
    # add digitalisation, make finance the main one, drop education, save
    await world.tap(labels["Отдел цифровизации"], CTRL)
    await world.press(last_view(world.bot), "⭐ Выбрать основного исполнителя", CTRL)
    await world.press(last_view(world.bot), "Отдел финансов", CTRL)
    labels = buttons(last_view(world.bot))
    assert "⭐ Отдел финансов" in labels and "✅ Отдел образования" in labels
    await world.tap(labels["✅ Отдел образования"], CTRL)
    await world.press(last_view(world.bot), "✔️ Готово", CTRL)
    done = last_view(world.bot)
    assert (done.text or "").startswith(
        "Исполнители поручения № E-1: Отдел финансов (основной), Отдел цифровизации\n"
    )
    fin, digital = [await department_id(world.repos, name) for name in DEPARTMENTS[1:]]
    assert active_executors(await world.item(item_id)) == [fin, digital]
    # the old picker's buttons are stale now
    world.bot.clear()
    await world.tap(labels["Отдел контроля"], CTRL)
    assert alert(world.bot)
    await world.delivered()
    [dropped] = messages_to(world.bot, EDU)
    assert "«Отдел образования»" in dropped.text and "№ E-1" in dropped.text
    [card] = messages_to(world.bot, FIN)
    assert card.text.startswith("📄 Поручение № E-1")
    assert "основной исполнитель" in card.text.lower()
    # digitalisation has no head: the control department is told the card waits for one
    [no_head] = messages_to(world.bot, CTRL)
    assert "Отдел цифровизации" in no_head.text and "E-1" in no_head.text
    history = await world.repos.assignments.history("E-1")
    assert [e.action for e in history][-1] == "executors"


async def test_at_least_one_executor_stays(world: World) -> None:
    await world.join({"ctrl": CTRL})
    item_id = (await world.register("E-1")).id
    await world.tap(ItemCallback(action=ItemAction.EXECS, id=item_id).pack(), CTRL)
    await world.press(last_view(world.bot), "⭐ Отдел образования", CTRL)
    await world.press(last_view(world.bot), "⭐ Отдел финансов", CTRL)
    save = buttons(last_view(world.bot))["✔️ Готово"]
    world.bot.clear()
    await world.tap(save, CTRL)
    assert "хотя бы один" in alert(world.bot)
    assert len(active_executors(await world.item(item_id))) == 2


# --- two controllers at once -------------------------------------------------------------------


async def test_two_controllers_changing_executors_at_once_one_wins(world: World) -> None:
    ctrl = await person(world.repos, "ctrl")
    edu, fin, digital = [await department_id(world.repos, name) for name in DEPARTMENTS]
    items = [await world.register(f"C-{n}") for n in range(6)]
    outcomes = await at_once(
        world,
        len(items),
        lambda n, ctx, far_ctx: [
            executor_steps.change_executors(ctx, ctrl, items[n], seen=[edu, fin], chosen=[fin]),
            executor_steps.change_executors(
                far_ctx, ctrl, items[n], seen=[edu, fin], chosen=[edu, fin, digital]
            ),
        ],
        now=MOMENT,
    )
    for n, (item, outcome) in enumerate(zip(items, outcomes, strict=True)):
        assert the_refusal(outcome).refusal is Refusal.CHANGED_MEANWHILE
        assert active_executors(await world.item(item.id)) in (
            [fin],
            [edu, fin, digital],
        )
        history = await world.repos.assignments.history(f"C-{n}")
        assert len([e for e in history if e.action == "executors"]) == 1

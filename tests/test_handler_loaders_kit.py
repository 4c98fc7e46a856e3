"""The handler kit's loaders and role routers through the dispatcher: a button naming a thing
that is gone (a forged id, a deleted row) is answered «no longer valid» once and changes
nothing; a router's roles are stated once and a person without them is told whom it is for."""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, SendMessage

from handlers.callbacks import ExtCallback, ItemCallback, RemarkCallback
from storage.db import Database
from storage.domain.assignments import Status
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback
from tests.helpers import STALE_RU, World, buttons, department, join, register_item

EDU, FIN, CTRL = 7301, 7302, 7303


def answers(bot: RecordingBot) -> list[AnswerCallbackQuery]:
    return [m for m in bot.sent() if isinstance(m, AnswerCallbackQuery)]


async def tap(dp: Dispatcher, bot: RecordingBot, data: str, user_id: int) -> None:
    bot.clear()
    await dp.feed_update(bot, make_callback(data, user_id=user_id))


def answered_stale_once(bot: RecordingBot) -> bool:
    """One alert, «no longer valid», and nothing else sent."""
    [answer] = answers(bot)
    return answer.show_alert is True and answer.text == STALE_RU and len(bot.sent()) == 1


async def test_forged_ids_are_stale_for_every_loader(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    await join(dp, bot, staffed, "fin_head", FIN, "ru")
    await join(dp, bot, staffed, "ctrl", CTRL, "ru")
    edu = await department(staffed, "Отдел образования")
    for data, user_id in (
        (ItemCallback(action="accept", id=999, dep=edu.id).pack(), FIN),
        (ItemCallback(action="view", id=999).pack(), FIN),
        (ItemCallback(action="ext", id=999, dep=edu.id).pack(), FIN),
        (ItemCallback(action="remove", id=999).pack(), CTRL),  # the controller's router too
        (ExtCallback(action="approve", id=999).pack(), CTRL),
        (ExtCallback(action="reject", id=999).pack(), CTRL),
        (RemarkCallback(action="has", id=999).pack(), FIN),
        (RemarkCallback(action="xlsx", id=999).pack(), CTRL),
    ):
        await tap(dp, bot, data, user_id)
        assert answered_stale_once(bot), data


async def test_a_deleted_item_is_stale_and_nothing_changes(
    world: World,
    db: Database,
) -> None:
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "kk")
    item_id = (await register_item(world.repos, world.profile, world.settings, "01-12/345")).id
    await world.deliverer.drain()
    card = next(m for m in world.bot.sent() if isinstance(m, SendMessage) and m.chat_id == EDU)
    accept = next(data for label, data in buttons(card).items() if "✅" in label)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM assignments WHERE id = ?", (item_id,))
    await tap(world.dp, world.bot, accept, EDU)
    [answer] = answers(world.bot)
    assert answer.show_alert is True
    assert "жарамсыз" in (answer.text or "")  # «no longer valid», in the reader's Kazakh
    assert len(world.bot.sent()) == 1
    assert await world.repos.assignments.get(item_id) is None


async def test_a_role_router_tells_whom_it_is_for_and_changes_nothing(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "fin_head", FIN, "ru")
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    item_id = (await register_item(world.repos, world.profile, world.settings, "01-12/345")).id
    await world.deliverer.drain()  # the cards go out
    # a head taps the controller's «remove from control» and «fully executed» buttons
    for action, arg in (("remove", ""), ("ground", "executed"), ("return", "")):
        await tap(
            world.dp, world.bot, ItemCallback(action=action, id=item_id, arg=arg).pack(), FIN
        )
        [answer] = answers(world.bot)
        assert answer.show_alert is True
        assert (answer.text or "").startswith("Это действие доступно ролям: отдел контроля")
        assert len(world.bot.sent()) == 1
    # and types the controller's command
    world.bot.clear()
    await world.say("/control", FIN)
    [said] = [m for m in world.bot.sent() if isinstance(m, SendMessage)]
    assert said.text.startswith("Это действие доступно ролям: отдел контроля")
    item = await world.repos.assignments.get(item_id)
    assert item is not None
    assert item.status is Status.REGISTERED and item.removal_ground is None
    await world.delivered()
    assert world.bot.sent() == []  # nobody is told of anything
    # the controller passes the same router (and meets the rule: no report yet)
    await tap(world.dp, world.bot, ItemCallback(action="remove", id=item_id).pack(), CTRL)
    [answer] = answers(world.bot)
    assert "ещё нет отчёта" in (answer.text or "")

"""The handler kit: the sender is woken after every update that queued a message, and only then
(no handler calls it)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram import Dispatcher
from aiogram.types import Update
from aiogram.utils.i18n import I18n

from bot import services
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter
from bot.factory import create_deliverer, create_dispatcher
from bot.middlewares import KickSenderMiddleware
from bot.profiles import Profile
from bot.runner import GC_THRESHOLDS, settle_memory
from handlers.outbox import RENDERERS
from storage.domain.enums import Role
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import buttons, join, register_assignment

EDU = 7301
REPORT = "📝 Отчёт об исполнении"


class CountingDeliverer(Deliverer):
    kicks = 0
    at_once = 0  # of them, those that drain at once (not only at the digests' minute)

    def kick(self, *, now: bool = True) -> None:
        self.kicks += 1
        self.at_once += now


async def test_the_sender_is_woken_after_an_update_that_queued_a_message(
    bot: RecordingBot, staffed: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> None:
    sender = create_deliverer(
        bot,
        staffed,
        i18n,
        settings,
        profile,
        RateLimiter(1000, per_chat_interval=0),
        background=False,
    )
    counting = CountingDeliverer(
        bot,
        staffed,
        i18n,
        settings,
        profile,
        renderers=sender.renderers,
        background=False,
    )
    dp: Dispatcher = create_dispatcher(
        settings, staffed, i18n, profile=profile, deliverer=counting
    )
    await join(dp, bot, staffed, "edu_head", EDU, "ru")
    ctx = await services.make_context(staffed, profile, settings)
    executors = ("Отдел образования",)
    await register_assignment(ctx, "K-1", "Проверка", executors, deadline=date(2027, 5, 12))
    await sender.drain()
    [card] = [m for m in bot.sent() if getattr(m, "chat_id", None) == EDU]
    counting.kicks = 0
    await dp.feed_update(bot, make_message("/help", user_id=EDU))
    assert counting.kicks == 0  # nothing queued, nothing to wake
    await dp.feed_update(bot, make_callback(buttons(card)["✅ Принять"], user_id=EDU))  # type: ignore[arg-type]
    assert counting.kicks == 1  # the acceptance queued a notice to the control department
    # … for their digest at the end of the minute: the sender wakes then, not at once
    assert counting.at_once == 0


async def test_the_sender_drains_at_once_only_for_what_may_go_now(
    bot: RecordingBot, staffed: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> None:
    counting = CountingDeliverer(
        bot, staffed, i18n, settings, profile, renderers=RENDERERS, background=False
    )
    kick = KickSenderMiddleware(staffed, counting)
    [person] = await staffed.staff.with_role(Role.CONTROLLER)
    later = datetime.now(UTC) + timedelta(minutes=1)

    async def queue(*waits: datetime | None) -> None:
        async def handler(event: object, data: dict[str, object]) -> None:
            for number, not_before in enumerate(waits):
                key = f"test:{counting.kicks}:{number}"
                await staffed.outbox.enqueue(key, person.id, "accepted", {}, not_before=not_before)

        await kick(handler, Update(update_id=1), {})

    await queue()
    assert (counting.kicks, counting.at_once) == (0, 0)
    await queue(later)
    assert (counting.kicks, counting.at_once) == (1, 0)  # woken at that minute's end only
    await queue(None)
    assert (counting.kicks, counting.at_once) == (2, 1)
    await queue(later, None, later)
    assert (counting.kicks, counting.at_once) == (3, 2)


async def test_filters_are_checked_on_the_loop_not_in_threads(
    bot: RecordingBot,
    staffed: Repos,
    i18n: I18n,
    settings: Settings,
    profile: Profile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aiogram would run each dialog-state and F filter in a worker thread; the dispatcher runs
    them on the loop, and still routes by them (a dialog's state, a button's data)."""
    threads: list[object] = []

    async def to_thread(call: Callable[[], object]) -> object:
        threads.append(call)
        return call()

    monkeypatch.setattr(asyncio, "to_thread", to_thread)
    sender = create_deliverer(
        bot, staffed, i18n, settings, profile, RateLimiter(1000, per_chat_interval=0)
    )
    sender.background = False
    dp = create_dispatcher(settings, staffed, i18n, profile=profile, deliverer=sender)
    await join(dp, bot, staffed, "edu_head", EDU, "ru")
    ctx = await services.make_context(staffed, profile, settings)
    executors = ("Отдел образования",)
    await register_assignment(ctx, "K-2", "Проверка", executors, deadline=date(2027, 5, 12))
    await sender.drain()
    [card] = [m for m in bot.sent() if getattr(m, "chat_id", None) == EDU]
    bot.clear()

    await dp.feed_update(bot, make_message("/help", user_id=EDU))
    await dp.feed_update(bot, make_callback(buttons(card)[REPORT], user_id=EDU))  # type: ignore[arg-type]
    await dp.feed_update(bot, make_message("Сделано, письмо № 5", user_id=EDU))

    assert threads == []
    texts = [getattr(m, "text", "") or "" for m in bot.sent()]
    assert "/help — Что я умею" in texts[0]
    assert texts[-2].startswith("Отчёт по поручению № K-2.")  # the report's dialog …
    assert texts[-1] == "Получено: частей текста — 1, файлов — 0."  # … took the typed text


def test_start_up_objects_are_moved_out_of_the_collectors_sight() -> None:
    """After start-up (on_startup), what exists is frozen: a full collection no longer walks
    the ~280,000 objects of aiogram, pydantic and the handlers again (pauses of 100 ms+); and
    the young generation is collected less often, so the objects of the updates in flight are
    not walked and promoted every 700 allocations."""
    thresholds = gc.get_threshold()
    try:
        settle_memory()
        assert gc.get_freeze_count() > 10_000
        assert gc.get_count()[0] < 100  # start-up's garbage collected first
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)

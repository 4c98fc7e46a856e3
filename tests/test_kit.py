"""The handler kit: the sender is woken after every update that queued a message, and only then
(no handler calls it)."""

from __future__ import annotations

from datetime import date

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n

from bot import services
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter
from bot.factory import create_deliverer, create_dispatcher
from bot.profiles import Profile
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import buttons, join, register_assignment

EDU = 7301


class CountingDeliverer(Deliverer):
    kicks = 0

    def kick(self) -> None:
        self.kicks += 1


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

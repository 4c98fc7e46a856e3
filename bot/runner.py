"""Run the bot: long polling with the scheduler inside."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.delivery import Deliverer
from bot.factory import create_bot, create_dispatcher
from bot.i18n import make_i18n
from bot.profiles import load_profile
from handlers.menu import set_default_commands
from storage.db import connect
from storage.repo import Repos

log = logging.getLogger(__name__)


async def on_startup(
    bot: Bot, i18n: I18n, scheduler: AsyncIOScheduler, deliverer: Deliverer
) -> None:
    await set_default_commands(bot, i18n)
    # The outbox is drained right away (what waited while the bot was down) and then regularly;
    # handlers also kick it after every change.
    scheduler.add_job(deliverer.drain, "interval", seconds=15, id="outbox")
    scheduler.start()
    deliverer.kick()
    me = await bot.me()
    log.info("Baqylau is running as @%s", me.username)


async def on_shutdown(scheduler: AsyncIOScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)


async def run_bot(settings: Settings) -> None:
    token = settings.token()  # fails first, with the fix, when BOT_TOKEN is missing
    assert token
    profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
    async with connect(settings.database_path) as conn:
        i18n = make_i18n(settings.default_language)
        scheduler = AsyncIOScheduler(
            timezone=settings.zone,
            job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1},
        )
        bot = create_bot(settings)
        repos = Repos(conn)
        deliverer = Deliverer(bot, repos, i18n, settings, profile)
        dp = create_dispatcher(
            settings, repos, i18n, scheduler=scheduler, profile=profile, deliverer=deliverer
        )
        dp.startup.register(on_startup)
        dp.shutdown.register(on_shutdown)
        await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())

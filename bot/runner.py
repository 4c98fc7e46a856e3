"""Run the bot: long polling with the scheduler inside."""

from __future__ import annotations

import gc
import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import services
from bot.cli import CliError
from bot.config import Settings
from bot.delivery import Deliverer
from bot.factory import create_bot, create_deliverer, create_dispatcher
from bot.i18n import make_i18n
from bot.middlewares import updates_in_flight
from bot.profiles import Profile, load_profile
from bot.sweep import sweep
from handlers.menu import set_default_commands
from storage.db import connect
from storage.repo import Repos

log = logging.getLogger(__name__)


async def scheduled_sweep(
    repos: Repos, profile: Profile, settings: Settings, deliverer: Deliverer
) -> None:
    """The same sweep as `python -m bot sweep`, as of now; then the sender runs."""
    ctx = await services.make_context(repos, profile, settings)
    stats = await sweep(ctx)
    log.info("sweep: %s notices due, %s new messages queued", stats.notices_due, stats.queued)
    deliverer.kick()


async def on_startup(
    bot: Bot,
    i18n: I18n,
    scheduler: AsyncIOScheduler,
    deliverer: Deliverer,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    await set_default_commands(bot, i18n)
    # The outbox is drained right away (what waited while the bot was down) and then regularly;
    # handlers also kick it after every change.
    scheduler.add_job(deliverer.drain, "interval", seconds=15, id="outbox")
    for moment in settings.sweep_times:
        scheduler.add_job(
            scheduled_sweep,
            "cron",
            hour=moment.hour,
            minute=moment.minute,
            id=f"sweep-{moment:%H%M}",
            kwargs={
                "repos": repos,
                "profile": profile,
                "settings": settings,
                "deliverer": deliverer,
            },
        )
    scheduler.start()
    # Catch up at start: whatever fell due while the bot was down goes out now (or at the next
    # working morning), never twice.
    await scheduled_sweep(repos, profile, settings, deliverer)
    me = await bot.me()
    settle_memory()
    log.info("Baqylau is running as @%s", me.username)


# the collector's thresholds once started (Python's: 700, 10, 10): see `settle_memory`
GC_THRESHOLDS = (20_000, 20, 20)


def settle_memory() -> None:
    """Once started: what start-up left (modules, classes, aiogram's and pydantic's schemas,
    ~280,000 objects) is moved out of the collector's sight. Otherwise every full collection
    walks all of it again — a pause of 100 ms and more on the event loop, every few thousand
    updates, felt as the slowest answers. Start-up's garbage is collected first; what is
    frozen stays (it lives as long as the process anyway).

    Then the young generation is collected every 20,000 new objects instead of every 700
    (`GC_THRESHOLDS`). An update's objects (the Update, its answers, rows, coroutines) nearly
    all die by their reference counts within the update, but with a collection every 700
    allocations the ones alive at that moment (the updates in flight) were walked, moved to
    the middle and old generations and walked there again, and the old generation's full
    collections (~45 ms each) came every ~1,500 updates: ~7 % of the bot's CPU under the
    floor benchmark's load, against ~1 % now (`gc.callbacks`; bench/README.md, (q)). Only
    garbage in cycles waits longer for its collection; memory stays the same."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def on_shutdown(scheduler: AsyncIOScheduler, deliverer: Deliverer) -> None:
    # No new job starts, but a drain in progress is not cancelled: the messages being sent
    # finish and are recorded before the database closes (what is left stays in the outbox).
    if scheduler.running:
        scheduler.pause()
    await deliverer.close()
    if scheduler.running:
        scheduler.shutdown(wait=False)


async def reachable(bot: Bot, settings: Settings) -> None:
    """Ask the Bot API who the bot is before anything starts: an unreachable server or a wrong
    token is one line (and exit status 1), not a traceback from inside the polling loop."""
    try:
        await bot.me()
    except TelegramNetworkError as exc:
        raise CliError(
            f"the Bot API ({settings.bot_api_url}) cannot be reached ({exc.message});"
            " check the network or BOT_API_URL and start again"
        ) from None
    except (TelegramUnauthorizedError, TelegramNotFound):
        # Telegram answers 404 to a token that does not exist, 401 to a revoked one.
        raise CliError(
            f"the Bot API ({settings.bot_api_url}) refused BOT_TOKEN: check it with @BotFather"
        ) from None
    except TelegramAPIError as exc:
        raise CliError(f"the Bot API ({settings.bot_api_url}) answered: {exc.message}") from None


def quiet_update_log() -> None:
    """aiogram logs every update it handles at INFO («Update id=… is handled. Duration …»):
    a formatted line per tap is CPU and disk for nothing. Its warnings and errors (a handler's
    exception) still go to the log."""
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)


async def run_bot(settings: Settings) -> None:
    token = settings.token()  # fails first, with the fix, when BOT_TOKEN is missing
    assert token
    quiet_update_log()
    profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
    # the bot's steps commit on the event loop's thread: its checkpoints run off it
    async with connect(settings.database_path, background_checkpoints=True) as db:
        i18n = make_i18n(settings.default_language)
        scheduler = AsyncIOScheduler(
            timezone=settings.zone,
            job_defaults={"coalesce": True, "misfire_grace_time": 3600, "max_instances": 1},
        )
        bot = create_bot(settings)
        try:
            await reachable(bot, settings)
        except CliError:
            await bot.session.close()
            raise
        repos = Repos(db)
        deliverer = create_deliverer(bot, repos, i18n, settings, profile)
        dp = create_dispatcher(
            settings, repos, i18n, scheduler=scheduler, profile=profile, deliverer=deliverer
        )
        dp.startup.register(on_startup)
        dp.shutdown.register(on_shutdown)
        await dp.start_polling(
            bot,
            allowed_updates=dp.resolve_used_update_types(),
            tasks_concurrency_limit=updates_in_flight(settings),
        )

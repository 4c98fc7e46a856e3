"""The composition root: builds the Bot, the sender (with the handlers' renderers) and the
Dispatcher explicitly (no import-time singletons). With `bot/runner.py` and `bot/__main__.py`,
the only modules of `bot/` that import `handlers/`."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, cast

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.utils.i18n import I18n

from bot.config import TELEGRAM_API_URL, Settings
from bot.delivery import Deliverer
from bot.dialogs import SqliteStorage
from bot.i18n import PersonI18nMiddleware
from bot.middlewares import (
    BoundedWork,
    KickSenderMiddleware,
    PersonMiddleware,
    RoleMiddleware,
    StepContextMiddleware,
)
from bot.session import JsonSession
from bot.telegram_objects import install as bind_objects_in_one_step
from handlers import get_routers
from handlers.outbox import RENDERERS
from handlers.routing import build_chains_once
from storage.repo import Repos

NOT_MODIFIED = "message is not modified"  # in Telegram's refusal of an edit that changes nothing


class HoldResponseTypes(BaseRequestMiddleware):
    """aiogram parses every answer as `Response[method.__returning__]`, and pydantic keeps such
    parametrized classes only weakly: after a garbage collection the next call builds
    `Response[Message]` again (~17 ms of CPU on the event loop each time, ~19 % of it under a
    burst of taps). Holding each one used keeps it built."""

    held: ClassVar[dict[Any, Any]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self.held:
            self.held[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


class LeaveUnchanged(BaseRequestMiddleware):
    """An edit to what the message already shows is done, not an error. Telegram refuses it
    («message is not modified»): a second tap on the same ▶️ or filter while the first one's
    edit is on its way, a list that has not changed since, a delivery retried after its edit
    arrived. Without this each such tap ends in a logged traceback (and costs more CPU than the
    edit). Any other refusal goes on as it is."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if not method.__api_method__.startswith("edit") or NOT_MODIFIED not in error.message:
                raise
            # what Telegram answers an edit that succeeds without returning the message
            # (every edit method returns the edited Message or True)
            return cast("Response[TelegramType]", True)


def create_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    bind_objects_in_one_step()  # aiogram's objects get their bot in one hook (~90 µs a tap)
    if session is None:  # JSON bodies, multipart only for uploads (bot/session.py)
        if settings.bot_api_url != TELEGRAM_API_URL:
            session = JsonSession(api=TelegramAPIServer.from_base(settings.bot_api_url))
        else:
            session = JsonSession()
    if not isinstance(session, JsonSession):  # (which holds its answer types itself)
        session.middleware(HoldResponseTypes())
    session.middleware(LeaveUnchanged())
    # Plain text everywhere: names and summaries typed by people must never be parsed as markup.
    return Bot(settings.token(), session=session, default=DefaultBotProperties(parse_mode=None))


# The sender, with every outbox kind's renderer from the handlers.
create_deliverer = partial(Deliverer, renderers=RENDERERS)


def create_dispatcher(settings: Settings, repos: Repos, i18n: I18n, **deps: Any) -> Dispatcher:
    # One person's updates are handled one after another (a double tap waits for the first),
    # different people's side by side, at most UPDATES_AT_ONCE of them; their dialogs are kept
    # on the database file.
    dp = Dispatcher(
        storage=SqliteStorage(repos.dialogs),
        events_isolation=SimpleEventIsolation(),
        settings=settings,
        repos=repos,
        i18n=i18n,
        seen={},  # person id → when they last wrote or tapped (since the bot started)
        **deps,
    )
    # Inside aiogram's per-person lock (registered after it): a bounded number at once, fairly.
    dp.update.outer_middleware(BoundedWork(settings.updates_at_once))
    deliverer = deps.get("deliverer")
    if isinstance(deliverer, Deliverer):  # wakes the sender after an update that queued
        dp.update.outer_middleware(KickSenderMiddleware(repos, deliverer))
    dp.update.outer_middleware(PersonMiddleware(i18n))
    PersonI18nMiddleware(i18n).setup(dp)
    for observer in (dp.message, dp.callback_query):
        observer.middleware(RoleMiddleware())
        observer.middleware(StepContextMiddleware())
    dp.include_routers(*get_routers())  # their pure filters run on the event loop
    build_chains_once(dp)
    return dp

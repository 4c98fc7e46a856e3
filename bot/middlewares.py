"""Who is writing (PersonMiddleware) and whether their roles allow the handler (RoleMiddleware)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.flags import get_flag
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.access import ROLE_TITLES, may
from bot.config import Settings
from bot.delivery import Deliverer
from bot.i18n import ALERT_LIMIT, alert_text, both_languages, translate
from bot.i18n_marks import N_
from storage.domain.enums import Language, Role
from storage.models import Person
from storage.repo import Repos

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

NOT_INVITED = N_(
    "This bot serves the akimat's staff only. To use it, ask the administrator "
    "for a personal invitation link and open it in Telegram."
)


ACCESS_ENDED = N_(
    "Your access to Baqylau has ended: you are no longer in the akimat's staff directory. "
    "If this is a mistake, ask the administrator to restore it."
)
ADMINISTRATOR = N_("Administrator: {names}")


async def administrator_line(i18n: I18n, repos: Repos, language: Language | str) -> str:
    """«Administrator: Айгерім Сапарова» in that language: whom to ask (empty when the
    directory names no administrator)."""
    admins = await repos.staff.with_role(Role.ADMIN)
    if not admins:
        return ""
    names = ", ".join(admin.full_name for admin in admins)
    return translate(i18n, language, ADMINISTRATOR, names=names)


async def access_ended_text(i18n: I18n, repos: Repos, language: Language | str) -> str:
    """What a removed person is told, in their language, with whom to ask."""
    text = translate(i18n, language, ACCESS_ENDED)
    admins = await administrator_line(i18n, repos, language)
    return f"{text}\n{admins}" if admins else text


def is_start_command(update: Update) -> bool:
    text = (update.message.text or "") if update.message else ""
    return text == "/start" or text.startswith(("/start ", "/start@"))


class PersonMiddleware(BaseMiddleware):
    """Puts the bound staff record in `data["person"]`; strangers get one polite note, no more.

    Registered as an outer middleware on `dp.update`, after aiogram's own user-context one.
    """

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user: User | None = data.get("event_from_user")
        repos: Repos = data["repos"]
        if user is None or user.is_bot:
            return None
        data["person"] = person = await repos.staff.by_telegram(user.id)
        if person is not None and not person.active:
            # access ends at once: no command, button or list, only whom to ask
            text = await access_ended_text(self.i18n, repos, person.language)
            if event.message is not None and event.message.chat.type == "private":
                await event.message.answer(text)
            elif event.callback_query is not None:
                await event.callback_query.answer(text[:ALERT_LIMIT], show_alert=True)
            return None
        if person is not None:
            seen = data.get("seen")
            if isinstance(seen, dict):  # the last time each person opened the bot (memory)
                seen[person.id] = datetime.now(UTC)
        if person is not None or is_start_command(event):
            return await handler(event, data)
        if event.message is not None and event.message.chat.type == "private":
            await event.message.answer(both_languages(self.i18n, NOT_INVITED))
        elif event.callback_query is not None:
            await event.callback_query.answer(
                alert_text(self.i18n, NOT_INVITED, user), show_alert=True
            )
        return None


class RoleMiddleware(BaseMiddleware):
    """Refuses, with the reason, a handler to a person without the roles it is for: the roles
    of a whole router (`for_roles`), or of one handler flagged `roles={...}`."""

    def __init__(self, roles: frozenset[Role] | None = None) -> None:
        self.roles = roles

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        required: frozenset[Role] | None = self.roles or get_flag(data, "roles")
        if not required:
            return await handler(event, data)
        person = data.get("person")
        if person is not None and may(person.roles, required):
            return await handler(event, data)
        text = _("This is for: {required}. Your roles: {held}.").format(
            required=", ".join(_(ROLE_TITLES[role]) for role in sorted(required)),
            held=", ".join(_(ROLE_TITLES[role]) for role in sorted(person.roles))
            if person
            else "—",
        )
        if isinstance(event, CallbackQuery):
            await event.answer(text, show_alert=True)
        elif isinstance(event, Message):
            await event.answer(text)
        return None


class BoundedWork(BaseMiddleware):
    """At most `limit` updates are handled at once (`UPDATES_AT_ONCE`); the others wait for a
    place in the order they came (an asyncio.Semaphore wakes its waiters first come, first
    served) instead of all piling onto the database and the event loop together. Registered
    on `dp.update` inside aiogram's per-person lock (events isolation), so one person holds at
    most one place: a burst from one chat cannot crowd the others out, and one person's
    updates are still handled in order."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._places = asyncio.Semaphore(limit)
        self.busy = 0  # handled right now
        self.peak = 0  # the most handled at once so far

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._places:
            self.busy += 1
            self.peak = max(self.peak, self.busy)
            try:
                return await handler(event, data)
            finally:
                self.busy -= 1


def updates_in_flight(settings: Settings) -> int:
    """How many updates polling takes in before it waits (aiogram's tasks_concurrency_limit):
    the backpressure on Telegram's queue, room for several updates per place."""
    return max(256, 8 * settings.updates_at_once)


class KickSenderMiddleware(BaseMiddleware):
    """After each handled update that queued a message, the sender is woken at once: no handler
    has to remember it (a forgotten wake-up would be a silent wait for the next round). When
    all it queued waits (an acceptance for the controllers' digest, sent at the end of the
    minute), the sender is only set to wake then: a drain now would find nothing to take and
    still claim and release under the writer's lock, on every Accept."""

    def __init__(self, repos: Repos, deliverer: Deliverer) -> None:
        self.repos = repos
        self.deliverer = deliverer

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        outbox = self.repos.outbox
        before, before_later = outbox.queued, outbox.queued_later
        try:
            return await handler(event, data)
        finally:
            queued = outbox.queued - before
            if queued > outbox.queued_later - before_later:  # something may go now
                self.deliverer.kick()
            elif queued:
                self.deliverer.kick(now=False)


Button = TypeVar("Button", bound=CallbackData)


@dataclass(frozen=True, slots=True)
class Tap(Generic[Button]):
    """A tap on a button, bundled for its handler: the button's data, who tapped, their dialog
    state and the ready step context. A handler takes `query, tap: Tap[XCallback]` (and the
    thing its loader fetched) instead of repeating the same six arguments."""

    button: Button
    person: Person
    state: FSMContext
    ctx: services.Context


class StepContextMiddleware(BaseMiddleware):
    """Gives the handler a ready step context (`ctx`: storage, the profile, the calendar and
    the moment of the update), built once per handled update whose handler takes it, and the
    rest of a tap (`tap`: a `Tap`) to a button's handler that takes it."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chosen: HandlerObject | None = data.get("handler")
        # (a filter may have put its own `tap` there already: the change dialog's)
        wants_tap = chosen is not None and "tap" in chosen.params and "tap" not in data
        if chosen is None or "ctx" in chosen.params or chosen.varkw or wants_tap:
            data["ctx"] = await services.make_context(
                data["repos"], data["profile"], data["settings"]
            )
        if wants_tap and isinstance(event, CallbackQuery) and data.get("person") is not None:
            data["tap"] = Tap(data["callback_data"], data["person"], data["state"], data["ctx"])
        return await handler(event, data)


def for_roles(router: Router, roles: frozenset[Role]) -> Router:
    """Every message and tap handler of this router is for these roles, stated once: a person
    without them is told whom it is for (after the handler's filters matched)."""
    for observer in (router.message, router.callback_query):
        observer.middleware(RoleMiddleware(roles))
    return router

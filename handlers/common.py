"""/cancel and the catch-all answers; this router goes last."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import ChatMemberUpdated, ErrorEvent, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import alert_text, both_languages, translate
from bot.i18n_marks import N_
from handlers.refusals import on_refused
from handlers.replies import stale
from storage.db import is_storage_failure
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

log = logging.getLogger(__name__)

STORAGE_FAILED = N_(
    "Not saved: the database cannot be written right now. Nothing was changed; "
    "please try again in a minute."
)


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled. Nothing was saved."))


async def on_unknown_message(message: Message) -> None:
    await message.answer(_("I did not understand that. /help lists what you can do."))


async def on_chat_member(update: ChatMemberUpdated, person: Person, repos: Repos) -> None:
    """Blocking the bot (or unblocking it) in the private chat: who is reachable is tracked
    before a message fails."""
    blocked = update.new_chat_member.status == "kicked"
    if update.chat.type == "private" and blocked != person.unreachable:
        await repos.staff.set_unreachable(person, blocked, actor=person.code)
        if not blocked:  # back: what waited for them goes out now
            await repos.outbox.released(person.id)


async def on_storage_failure(event: ErrorEvent, i18n: I18n, person: Person | None = None) -> Any:
    """The store failed (disk full, locked past the timeout, read-only file): the step was
    rolled back, so the person hears that nothing was saved, in their language."""
    if not is_storage_failure(event.exception):
        return UNHANDLED
    log.error("storage failure, nothing saved: %s", event.exception)
    update = event.update
    query = update.callback_query
    if person is not None:
        text = translate(i18n, person.language, STORAGE_FAILED)
    elif query is not None:  # an alert: both languages only if they fit
        text = alert_text(i18n, STORAGE_FAILED, query.from_user)
    else:
        text = both_languages(i18n, STORAGE_FAILED)
    with contextlib.suppress(TelegramAPIError):
        if query is not None:
            await query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_storage_failure, ExceptionTypeFilter(sqlite3.DatabaseError))
    router.errors.register(on_refused, ExceptionTypeFilter(Refused))
    router.my_chat_member.register(on_chat_member)
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(on_unknown_message)
    router.callback_query.register(stale)  # a button nothing else took: gone, or never ours
    return router

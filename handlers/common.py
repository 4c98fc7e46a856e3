"""/cancel and the catch-all answers; this router goes last."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.i18n import gettext as _

from storage.models import Person
from storage.repo import Repos


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("There is nothing to cancel."))
        return
    await state.clear()
    await message.answer(_("Cancelled. Nothing was saved."))


async def on_unknown_message(message: Message) -> None:
    await message.answer(_("I did not understand that. /help lists what you can do."))


async def on_stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer valid."), show_alert=True)


async def on_chat_member(update: ChatMemberUpdated, person: Person, repos: Repos) -> None:
    """Blocking the bot (or unblocking it) in the private chat: who is reachable is tracked
    before a message fails."""
    blocked = update.new_chat_member.status == "kicked"
    if update.chat.type == "private" and blocked != person.unreachable:
        await repos.staff.set_unreachable(person, blocked, actor=person.code)


def create_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_chat_member)
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(on_unknown_message)
    router.callback_query.register(on_stale_button)
    return router

"""The dialog that creates a meeting: its agenda, an item at a time (title → speaker →
responsible department, the steps shared with the change dialog), until it is complete."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.meetings.rules import MAX_ITEMS
from bot.middlewares import Tap
from handlers.callbacks import MeetNewCallback
from handlers.meetings import fields
from handlers.meetings.new_dialog.draft import items_of
from handlers.meetings.new_dialog.flow import DraftItem, go_item_title, go_recipients
from handlers.replies import refuse, stale
from storage.repo import Repos


async def on_item_title(message: Message, state: FSMContext, repos: Repos) -> None:
    await fields.item_title_typed(message, state, DraftItem(repos))


async def on_speaker(message: Message, state: FSMContext, repos: Repos) -> None:
    await fields.speaker_typed(message, state, repos, DraftItem(repos))


async def on_no_speaker(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    await fields.no_speaker(query, state, repos, DraftItem(repos))


async def on_item_department(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    await fields.department_chosen(
        query, tap.button.value, tap.state, tap.ctx.repos, DraftItem(tap.ctx.repos)
    )


async def on_no_materials(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    await DraftItem(repos).added(query, state, None)


async def on_more(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    if len(items_of(await state.get_data())) >= MAX_ITEMS:
        await refuse(
            query, _("That is the most an agenda may have ({max} items).").format(max=MAX_ITEMS)
        )
        return
    await query.answer()
    await go_item_title(query, state, repos)


async def on_agenda_done(query: CallbackQuery, state: FSMContext, ctx: services.Context) -> None:
    if not items_of(await state.get_data()):
        await stale(query)
        return
    await query.answer()
    await go_recipients(query, state, ctx)

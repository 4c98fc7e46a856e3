"""The dialog that creates a meeting, from the format to the chair: the format with its place
and link (the steps shared with the change dialog), and the chair."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.middlewares import Tap
from handlers.callbacks import MeetNewCallback
from handlers.meetings import fields
from handlers.meetings.new_dialog.flow import DraftWhere, go_item_title
from handlers.steps import button_record
from storage.repo import Repos


async def on_format(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    await fields.format_chosen(query, tap.button.value, tap.state, DraftWhere(tap.ctx.repos))


async def on_place(message: Message, state: FSMContext, repos: Repos) -> None:
    await fields.place_typed(message, state, DraftWhere(repos))


async def on_link(message: Message, state: FSMContext, repos: Repos) -> None:
    await fields.link_typed(message, state, DraftWhere(repos))


async def on_chair(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    chair = await button_record(query, tap.button.value, tap.ctx.repos.staff.get)
    if chair is None:
        return
    await tap.state.update_data(chair=chair.id)
    await query.answer(chair.short_name)
    await go_item_title(query, tap.state, tap.ctx.repos)

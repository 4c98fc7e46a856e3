"""The dialog that creates a meeting, from the format to the chair: the format with its place
and link (the steps shared with the change dialog), restricted (ДСП) or not, and the chair."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.callbacks import MeetNewCallback
from handlers.meetings import fields
from handlers.meetings.new_dialog.flow import DRAFT_WHERE, go_chair, go_item_title
from handlers.steps import button_record
from storage.repo import Repos


async def on_format(
    query: CallbackQuery, callback_data: MeetNewCallback, state: FSMContext
) -> None:
    await fields.format_chosen(query, callback_data.value, state, DRAFT_WHERE)


async def on_place(message: Message, state: FSMContext) -> None:
    await fields.place_typed(message, state, DRAFT_WHERE)


async def on_link(message: Message, state: FSMContext) -> None:
    await fields.link_typed(message, state, DRAFT_WHERE)


async def on_restricted(
    query: CallbackQuery, callback_data: MeetNewCallback, state: FSMContext, repos: Repos
) -> None:
    await state.update_data(restricted=callback_data.value == "1")
    await query.answer()
    await go_chair(query, state, repos)


async def on_chair(
    query: CallbackQuery, callback_data: MeetNewCallback, state: FSMContext, repos: Repos
) -> None:
    chair = await button_record(query, callback_data.value, repos.staff.get)
    if chair is None:
        return
    await state.update_data(chair=chair.id)
    await query.answer(chair.full_name)
    await go_item_title(query, state, repos)

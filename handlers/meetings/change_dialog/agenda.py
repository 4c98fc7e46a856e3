"""The change dialog's agenda item added at the end of the agenda: the steps of the creation
dialog (title → speaker → responsible department, handlers.meetings.fields) with the meeting's
side — the item added through bot.meetings.steps, its department asked for the materials."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.meetings.rules import TEXT_MAX
from handlers.callbacks import MeetChangeStep
from handlers.meetings import fields
from handlers.meetings.change_dialog.dialog import (
    ChangeStates,
    Changing,
    Tap,
    apply,
    back,
    mc,
    to_menu,
    typed_meeting,
)
from handlers.pickers import Picker, redraw
from handlers.replies import reader_language, stale
from handlers.steps import column
from storage.domain.meetings import NewAgendaItem
from storage.models import Department, Person


def departments_picker(meeting_id: int) -> Picker:
    return Picker(
        partial(mc, meeting_id),
        toggle_step=MeetChangeStep.DEPARTMENT,
        page_step=MeetChangeStep.PAGE,
        all_step=MeetChangeStep.ALL,
        chosen_key="dep_chosen",
        query_key="dep_query",
        page_key="dep_page",
    )


def speaker_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    return column([(_("⏭ Skip"), mc(meeting_id, MeetChangeStep.NO_SPEAKER)), back(meeting_id)])


class MeetingItem(Changing):
    """An agenda item added to the meeting being changed."""

    def __init__(self, meeting_id: int, person: Person, ctx: services.Context) -> None:
        super().__init__(meeting_id, person, ctx)
        self.speaker_state = ChangeStates.item_speaker
        self.department_state = ChangeStates.item_department
        self.picker = departments_picker(meeting_id)

    def title_wrong(self) -> str:
        return _(
            "The title must be {min} to {max} characters long; yours has {count}. Type it again."
        )

    def title_markup(self) -> InlineKeyboardMarkup:
        return to_menu(self.meeting_id)

    def speaker_prompt(self, _data: dict[str, Any]) -> str:
        return _(
            "Who reports on it? Type the speaker's name and position (at most {max} "
            "characters), or press «Skip»."
        ).format(max=TEXT_MAX)

    def speaker_wrong(self) -> str:
        return _(
            "Type the speaker in one message, at most {max} characters, or press «Skip»."
        ).format(max=TEXT_MAX)

    def speaker_markup(self) -> InlineKeyboardMarkup:
        return speaker_keyboard(self.meeting_id)

    def department_header(self, _data: dict[str, Any]) -> str:
        return _(
            "Which department is responsible for the item's materials? Tap it (type part of a "
            "name to search), or press «No materials needed»."
        )

    def department_tail(self) -> Sequence[fields.Button]:
        return [
            (_("🚫 No materials needed"), mc(self.meeting_id, MeetChangeStep.NO_MATERIALS)),
            back(self.meeting_id),
        ]

    async def added(
        self, query: CallbackQuery, state: FSMContext, department: Department | None
    ) -> None:
        data = await state.get_data()
        item = NewAgendaItem(
            title=str(data["item_title"]),
            speaker=str(data.get("item_speaker", "")),
            department_id=None if department is None else department.id,
        )
        extra = (
            [
                _("{department} is asked for the item's materials.").format(
                    department=department.label(reader_language())
                )
            ]
            if department is not None
            else []
        )
        await query.answer()
        await apply(
            query, state, self.person, self.ctx, self.meeting_id, extra=extra, add_item=item
        )


async def on_item_typed(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    """The new item's title, then its speaker."""
    meeting = await typed_meeting(state, ctx.repos)
    await fields.item_typed(message, state, ctx.repos, MeetingItem(meeting.id, person, ctx))


async def on_speaker_skip(
    query: CallbackQuery, tap: Tap, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    await fields.no_speaker(query, state, ctx.repos, MeetingItem(tap.meeting_id, person, ctx))


async def on_department_search(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    meeting = await typed_meeting(state, ctx.repos)
    item = MeetingItem(meeting.id, person, ctx)
    searched = item.picker.searched(message.text)
    if searched is None:
        await message.answer(_("Type part of a department's name, or use the buttons."))
        return
    await redraw(message, state, searched, partial(fields.department_view, ctx.repos, item))


async def on_department(
    query: CallbackQuery, tap: Tap, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    """A department tapped, or «No materials needed»: the item is added."""
    item = MeetingItem(tap.meeting_id, person, ctx)
    if tap.step is MeetChangeStep.NO_MATERIALS:
        await item.added(query, state, None)
        return
    await fields.department_chosen(query, tap.value, state, ctx.repos, item)


async def on_department_page(
    query: CallbackQuery, tap: Tap, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    """◀️ ▶️ or «show all» in the departments."""
    item = MeetingItem(tap.meeting_id, person, ctx)
    paging = tap.step is MeetChangeStep.PAGE
    update = item.picker.paged(tap.value) if paging else item.picker.everything()
    if update is None:
        await stale(query)
        return
    await redraw(query, state, update, partial(fields.department_view, ctx.repos, item))

"""The change dialog's format, place and link: the steps of the creation dialog
(handlers.meetings.fields) with the meeting's side — «Keep: …» the current place or link, and
the change applied at the end."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.meetings.rules import TEXT_MAX
from handlers.callbacks import MeetChangeCallback, MeetChangeStep
from handlers.meetings import fields
from handlers.meetings.change_dialog.dialog import (
    ChangeStates,
    Target,
    apply,
    back,
    dialog_meeting,
    mc,
    nothing_changed,
    still_changeable,
    typed_meeting,
)
from handlers.meetings.lookup import shortened
from handlers.replies import stale
from storage.domain.meetings import Meeting, MeetingFormat
from storage.models import Person
from storage.repo import Repos

KEPT_MAX = 50  # «Keep: …»


def format_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    return fields.format_keyboard(
        lambda value: mc(meeting.id, MeetChangeStep.FORMAT, value),
        current=meeting.format,
        tail=[back(meeting.id)],
    )


def keep_keyboard(meeting_id: int, what: str, current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if current:
        builder.button(
            text=_("Keep: {value}").format(value=shortened(current, KEPT_MAX)),
            callback_data=mc(meeting_id, MeetChangeStep.KEEP, what),
        )
    builder.button(text=back(meeting_id)[0], callback_data=back(meeting_id)[1])
    builder.adjust(1)
    return builder.as_markup()


def place_prompt() -> str:
    return _("Type the place: the hall, the address (at most {max} characters).").format(
        max=TEXT_MAX
    )


def link_prompt() -> str:
    return _(
        "Type the videoconference link; it starts with http:// or https:// (at most {max} "
        "characters)."
    ).format(max=TEXT_MAX)


def link_problem(link: str) -> str:
    if not link:
        return _("The link is empty.")
    if len(link) > TEXT_MAX:
        return _("The link is too long; at most {max} characters.").format(max=TEXT_MAX)
    return _("A link starts with http:// or https:// and has no spaces.")


def place_problem(place: str) -> str:
    if not place:
        return _("The place is empty.")
    return _("The place is too long; at most {max} characters.").format(max=TEXT_MAX)


class MeetingWhere:
    """The format, place and link of the meeting being changed: applied at the end."""

    def __init__(self, meeting: Meeting, person: Person, ctx: services.Context) -> None:
        self.meeting = meeting
        self.person = person
        self.ctx = ctx
        self.place_state = ChangeStates.place
        self.link_state = ChangeStates.link

    def place_prompt(self) -> str:
        return place_prompt()

    def place_wrong(self, place: str) -> str:
        return f"{place_problem(place)} {place_prompt()}"

    def place_markup(self) -> InlineKeyboardMarkup:
        return keep_keyboard(self.meeting.id, "place", self.meeting.place)

    def link_prompt(self) -> str:
        return link_prompt()

    def link_wrong(self, link: str) -> str:
        return f"{link_problem(link)} {link_prompt()}"

    def link_markup(self) -> InlineKeyboardMarkup:
        return keep_keyboard(self.meeting.id, "link", self.meeting.link)

    async def done(
        self,
        target: Target,
        state: FSMContext,
        meeting_format: MeetingFormat,
        place: str,
        link: str,
    ) -> None:
        """In person: a place and no link; videoconference: a link and no place; mixed: both."""
        meeting = self.meeting
        if (meeting.format, meeting.place, meeting.link) == (meeting_format, place, link):
            await nothing_changed(
                target, state, _("Nothing changed: the format, place and link are the same.")
            )
            return
        await apply(
            target,
            state,
            self.person,
            self.ctx,
            meeting.id,
            meeting_format=meeting_format,
            place=place,
            link=link,
        )


async def on_format(
    query: CallbackQuery,
    callback_data: MeetChangeCallback,
    person: Person,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    found = await dialog_meeting(query, callback_data.value, state)
    if found is None:
        return
    meeting = await still_changeable(ctx, state, found[0])
    await fields.format_chosen(query, found[1], state, MeetingWhere(meeting, person, ctx))


async def on_place_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    meeting = await typed_meeting(state, repos)
    await fields.place_typed(message, state, MeetingWhere(meeting, person, ctx))


async def on_link_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    meeting = await typed_meeting(state, repos)
    await fields.link_typed(message, state, MeetingWhere(meeting, person, ctx))


async def on_keep(
    query: CallbackQuery,
    callback_data: MeetChangeCallback,
    person: Person,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    """«Keep: …» the current place or link, as if typed again."""
    found = await dialog_meeting(query, callback_data.value, state)
    if found is None:
        return
    expected = "place" if await state.get_state() == ChangeStates.place.state else "link"
    if found[1] != expected:
        await stale(query)
        return
    meeting = await still_changeable(ctx, state, found[0])
    current = meeting.place if expected == "place" else meeting.link
    if not current:
        await stale(query)
        return
    await query.answer()
    where = MeetingWhere(meeting, person, ctx)
    if expected == "place":
        await fields.place_given(query, state, where, current)
    else:
        await fields.link_given(query, state, where, current)

"""The change dialog's format, place and link: the steps of the creation dialog
(handlers.meetings.fields) with the meeting's side — «Keep: …» the current place or link, and
the change applied at the end."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.meetings.rules import TEXT_MAX
from handlers.callbacks import MeetChangeStep
from handlers.meetings import fields
from handlers.meetings.change_dialog import dialog
from handlers.meetings.change_dialog.dialog import ChangeStates, Changing, Tap
from handlers.meetings.lookup import shortened
from handlers.replies import stale
from handlers.steps import column
from storage.domain.meetings import Meeting, MeetingFormat
from storage.models import Person

KEPT_MAX = 50  # «Keep: …»


def format_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    return fields.format_keyboard(
        lambda value: dialog.mc(meeting.id, MeetChangeStep.FORMAT, value),
        current=meeting.format,
        tail=[dialog.back(meeting.id)],
    )


def keep_keyboard(meeting_id: int, what: str, current: str) -> InlineKeyboardMarkup:
    keep = _("Keep: {value}").format(value=shortened(current, KEPT_MAX))
    kept = [(keep, dialog.mc(meeting_id, MeetChangeStep.KEEP, what))] if current else []
    return column([*kept, dialog.back(meeting_id)])


def place_prompt() -> str:
    return _("Type the place: the hall, the address (at most {max} characters).").format(
        max=TEXT_MAX
    )


def link_prompt() -> str:
    return _(
        "Type the videoconference link, for example zoom.us/j/123 (at most {max} characters)."
    ).format(max=TEXT_MAX)


def link_problem(link: str) -> str:
    if not link:
        return _("The link is empty.")
    if len(link) > TEXT_MAX:
        return _("The link is too long; at most {max} characters.").format(max=TEXT_MAX)
    return _("A link is one address without spaces, for example zoom.us/j/123.")


def place_problem(place: str) -> str:
    if not place:
        return _("The place is empty.")
    return _("The place is too long; at most {max} characters.").format(max=TEXT_MAX)


class MeetingWhere(Changing):
    """The format, place and link of the meeting being changed: applied at the end."""

    def __init__(self, meeting: Meeting, person: Person, ctx: services.Context) -> None:
        super().__init__(meeting.id, person, ctx)
        self.meeting = meeting
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
        target: dialog.Target,
        state: FSMContext,
        meeting_format: MeetingFormat,
        place: str,
        link: str,
    ) -> None:
        """In person: a place and no link; videoconference: a link and no place; mixed: both."""
        meeting = self.meeting
        if (meeting.format, meeting.place, meeting.link) == (meeting_format, place, link):
            await dialog.nothing_changed(
                target, state, _("Nothing changed: the format, place and link are the same.")
            )
            return
        where = {"meeting_format": meeting_format, "place": place, "link": link}
        await dialog.apply(target, state, self.person, self.ctx, meeting.id, **where)


async def on_format(
    query: CallbackQuery, tap: Tap, person: Person, state: FSMContext, ctx: services.Context
) -> None:
    meeting = await dialog.still_changeable(ctx, state, tap.meeting_id)
    await fields.format_chosen(query, tap.value, state, MeetingWhere(meeting, person, ctx))


async def on_where_typed(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    meeting = await dialog.typed_meeting(state, ctx.repos)
    await fields.where_typed(message, state, MeetingWhere(meeting, person, ctx))


async def on_keep(
    query: CallbackQuery, tap: Tap, person: Person, state: FSMContext, ctx: services.Context
) -> None:
    """«Keep: …» the current place or link, as if typed again."""
    expected = "place" if await state.get_state() == ChangeStates.place.state else "link"
    if tap.value != expected:
        await stale(query)
        return
    meeting = await dialog.still_changeable(ctx, state, tap.meeting_id)
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

"""The change dialog's menu («✏️ Change» in the live view) and its sections: date and time,
place / format / link, an agenda item added or removed."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot import middlewares, services
from bot.meetings.rules import TITLE_MAX, TITLE_MIN, MeetingRefusal
from handlers.callbacks import MeetCallback, MeetChangeStep, number
from handlers.meetings.cards import FORMAT_TITLES, naming
from handlers.meetings.change_dialog.dialog import (
    ChangeStates,
    Tap,
    apply,
    back,
    mc,
    still_changeable,
    to_menu,
)
from handlers.meetings.change_dialog.when import when_prompt
from handlers.meetings.change_dialog.where import format_keyboard
from handlers.meetings.lookup import changeable, shortened
from handlers.replies import show, stale
from handlers.steps import column
from storage.domain.meetings import Meeting
from storage.domain.refusals import Refused
from storage.models import Person

ITEM_LABEL_MAX = 30
SECTIONS = {"", "time", "place", "add", "del"}  # "" is the menu itself


def menu_view(meeting: Meeting, language: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [_("What changes in {title}, {when}?").format(**naming(meeting, language))]
    if meeting.distributed:
        lines.append(
            _(
                "The agenda has already gone out: a change goes to every recipient, who "
                "confirms attendance again."
            )
        )
    sections = [
        (_("🕒 Date and time"), "time"),
        (_("📍 Place / format / link"), "place"),
        (_("➕ Add an agenda item"), "add"),
        (_("➖ Remove an agenda item"), "del"),
    ]
    buttons = [
        (text, MeetCallback(action="chg", id=meeting.id, value=value)) for text, value in sections
    ]
    buttons.append((_("↩️ Back"), MeetCallback(action="open", id=meeting.id)))
    return "\n".join(lines), column(buttons)


def remove_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    buttons: list[tuple[str, CallbackData]] = []
    for item in meeting.items:
        title = (
            _("item {number}").format(number=item.position)
            if meeting.restricted
            else f"{item.position}. {item.title}"
        )
        remove = mc(meeting.id, MeetChangeStep.REMOVE, str(item.id))
        buttons.append(("➖ " + shortened(title, ITEM_LABEL_MAX), remove))
    return column([*buttons, back(meeting.id)])


async def on_change(query: CallbackQuery, tap: middlewares.Tap[MeetCallback]) -> None:
    section = tap.button.value
    language = tap.person.language.value
    meeting = await changeable(tap.ctx, tap.button.id)
    if section == "del" and len(meeting.items) <= 1:
        raise Refused(MeetingRefusal.NO_ITEMS)
    await tap.state.clear()
    await query.answer()
    if section == "":
        await show(query, *menu_view(meeting, language))
        return
    await tap.state.update_data(meeting=meeting.id)
    if section == "time":
        await tap.state.set_state(ChangeStates.when)
        await show(query, when_prompt(meeting, language), to_menu(meeting.id))
    elif section == "place":
        await tap.state.set_state(ChangeStates.fmt)
        await show(
            query,
            _("Now: {format}. Choose the format.").format(format=_(FORMAT_TITLES[meeting.format])),
            format_keyboard(meeting),
        )
    elif section == "add":
        await tap.state.set_state(ChangeStates.item_title)
        await show(
            query,
            _(
                "Type the title of the new agenda item ({min} to {max} characters). It goes "
                "at the end of the agenda."
            ).format(min=TITLE_MIN, max=TITLE_MAX),
            to_menu(meeting.id),
        )
    else:
        await tap.state.set_state(ChangeStates.remove)
        await show(query, _("Which agenda item is removed?"), remove_keyboard(meeting))


async def on_remove(
    query: CallbackQuery, tap: Tap, person: Person, state: FSMContext, ctx: services.Context
) -> None:
    meeting = await still_changeable(ctx, state, tap.meeting_id)
    item = meeting.item(key) if (key := number(tap.value)) is not None else None
    if item is None:
        await stale(query)
        return
    if len(meeting.items) <= 1:
        raise Refused(MeetingRefusal.NO_ITEMS)
    await query.answer()
    await apply(query, state, person, ctx, meeting.id, remove_item_id=item.id)

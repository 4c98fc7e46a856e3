"""The change dialog's date and time: typed as dd.mm.yyyy HH:MM, or the date and then the time,
or the time alone for the same day; a day off is refused with the next working day offered."""

from __future__ import annotations

from datetime import date, datetime, time

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import MeetingRefusal, check_start, parse_time
from handlers.callbacks import MeetChangeStep
from handlers.meetings.cards import when_text
from handlers.meetings.change_dialog.dialog import (
    ChangeStates,
    Tap,
    Target,
    apply,
    back,
    mc,
    nothing_changed,
    still_changeable,
    to_menu,
    typed_meeting,
)
from handlers.refusals import refusal_text
from handlers.replies import parse_date, present, stale
from handlers.steps import column, typed_time
from storage.domain.meetings import Meeting
from storage.domain.refusals import Refused
from storage.models import Person

MOMENT = "%Y%m%d%H%M"  # a moment inside a button's value (no «:» allowed there)


def when_prompt(meeting: Meeting, language: str) -> str:
    return _(
        "Now: {when}.\nType the new date and time as dd.mm.yyyy HH:MM, for example "
        "14.04.2027 10:00 (or the date alone, then the time; or the time alone for the same "
        "day)."
    ).format(when=when_text(meeting.starts_at, language))


def typed_moment(text: str, day: date) -> tuple[date | None, time | None]:
    """«dd.mm.yyyy HH:MM», «dd.mm.yyyy» or «HH:MM» (the same `day`). (None, None) when it is
    neither; ValueError for an impossible date or time."""
    parts = text.split()
    if len(parts) == 2:
        typed_day, typed_time = parse_date(parts[0]), parse_time(parts[1])
        if typed_day is None or typed_time is None:
            return None, None
        return typed_day, typed_time
    if len(parts) == 1:
        typed_day = parse_date(parts[0])
        if typed_day is not None:
            return typed_day, None
        typed_time = parse_time(parts[0])
        if typed_time is not None:
            return day, typed_time
    return None, None


def offer_markup(meeting_id: int, offer: datetime) -> InlineKeyboardMarkup:
    """«Take …» the same time on the next working day, above «↩️ Back»."""
    take = _("Take {moment}").format(moment=f"{offer:%d.%m.%Y %H:%M}")
    return column(
        [(take, mc(meeting_id, MeetChangeStep.AT, f"{offer:{MOMENT}}")), back(meeting_id)]
    )


async def change_time(
    target: Target,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting: Meeting,
    starts_at: datetime,
) -> None:
    language = person.language.value
    if starts_at == meeting.starts_at:
        await nothing_changed(
            target,
            state,
            _("Nothing changed: the meeting is already at {when}.").format(
                when=when_text(starts_at, language)
            ),
        )
        return
    try:
        check_start(ctx.calendar, meeting_services.local_now(ctx), starts_at)
    except Refused as error:  # asked again, with the next working day offered for a day off
        await state.set_state(ChangeStates.when)
        markup = to_menu(meeting.id)
        if error.refusal is MeetingRefusal.DAY_OFF:
            offer = error.values["offer"]
            assert isinstance(offer, date)
            markup = offer_markup(meeting.id, datetime.combine(offer, starts_at.time()))
        await present(
            target,
            refusal_text(error, language)
            + " "
            + _("Type another date and time as dd.mm.yyyy HH:MM."),
            markup,
        )
        return
    await apply(target, state, person, ctx, meeting.id, starts_at=starts_at)


async def on_when_typed(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    """The date and time, the date alone (the time asked next) or the time alone."""
    meeting = await typed_meeting(state, ctx.repos)
    text = (message.text or "").strip()
    try:
        day, at = typed_moment(text, meeting.day)
    except ValueError:
        await message.answer(
            _("There is no such date or time: {text}. Type it as dd.mm.yyyy HH:MM.").format(
                text=text
            )
        )
        return
    if day is None:
        await message.answer(
            _("Type the date and time as dd.mm.yyyy HH:MM, for example 14.04.2027 10:00.")
        )
        return
    if at is None:
        await state.update_data(day=day.isoformat())
        await state.set_state(ChangeStates.time)
        await message.answer(
            _("{day}. Now type the time as HH:MM (it was {time}).").format(
                day=date_with_weekday(day, person.language.value),
                time=f"{meeting.starts_at:%H:%M}",
            ),
            reply_markup=to_menu(meeting.id),
        )
        return
    await change_time(message, state, person, ctx, meeting, datetime.combine(day, at))


async def on_time_typed(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    """The time, after the date alone."""
    meeting = await typed_meeting(state, ctx.repos)
    at = await typed_time(message, _("Type the time as HH:MM, for example 10:00."))
    if at is None:
        return
    day = date.fromisoformat(str((await state.get_data())["day"]))
    await change_time(message, state, person, ctx, meeting, datetime.combine(day, at))


async def on_take_offer(
    query: CallbackQuery, tap: Tap, person: Person, state: FSMContext, ctx: services.Context
) -> None:
    """«Take …» the moment offered instead of a day off."""
    try:
        starts_at = datetime.strptime(tap.value, MOMENT)  # noqa: DTZ007 - naive local wall time
    except ValueError:
        await stale(query)
        return
    meeting = await still_changeable(ctx, state, tap.meeting_id)
    await query.answer()
    await change_time(query, state, person, ctx, meeting, starts_at)

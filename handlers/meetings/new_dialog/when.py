"""The dialog that creates a meeting, from its start to the time: the kind, restricted (ДСП) or
not (asked before any content), the subject (never for a restricted meeting), the date (typed,
or the working day offered instead of a day off) and the start time."""

from __future__ import annotations

from datetime import date, datetime, time

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import TITLE_MAX, TITLE_MIN, MeetingRefusal, check_start
from bot.middlewares import Tap
from handlers.callbacks import MeetNewCallback, MeetNewStep
from handlers.meetings.new_dialog.draft import MeetingStates, day_of, time_from_value
from handlers.meetings.new_dialog.flow import Target, go_day, go_format, go_time
from handlers.meetings.new_dialog.prompts import (
    day_keyboard,
    kind_keyboard,
    kind_prompt,
    restricted_keyboard,
    restricted_prompt,
    skip_keyboard,
    time_keyboard,
    title_prompt,
    when_chosen,
)
from handlers.meetings.refusals import creation_refusal
from handlers.replies import refuse, show, stale
from handlers.steps import button_day, retype_date, typed_day, typed_text, typed_time
from storage.domain.meetings import MeetingKind
from storage.domain.refusals import Refused
from storage.models import Person


async def on_new(query: CallbackQuery, state: FSMContext, ctx: services.Context) -> None:
    await state.clear()
    example = ctx.calendar.add_working_days(ctx.today, 10)
    await state.update_data(example=example.isoformat())
    await state.set_state(MeetingStates.kind)
    await query.answer()
    if query.message is not None:
        await query.message.answer(kind_prompt(), reply_markup=kind_keyboard())


async def on_kind(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    if tap.button.value not in {kind.value for kind in MeetingKind}:
        await stale(query)
        return
    kind = MeetingKind(tap.button.value)
    await tap.state.update_data(kind=kind.value, title="")
    await tap.state.set_state(MeetingStates.restricted)  # before any content
    await query.answer()
    await show(query, restricted_prompt(), restricted_keyboard())


async def on_restricted(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    """A restricted meeting's subject is never typed into the chat: its date next."""
    restricted = tap.button.value == "1"
    data = await tap.state.update_data(restricted=restricted)
    await query.answer()
    if restricted:
        await go_day(query, tap.state)
        return
    kind = MeetingKind(data["kind"])
    await tap.state.set_state(MeetingStates.title)
    await show(
        query,
        title_prompt(kind),
        None if kind is MeetingKind.OTHER else skip_keyboard(MeetNewStep.NO_TITLE),
    )


async def on_title(message: Message, state: FSMContext) -> None:
    kind = MeetingKind((await state.get_data())["kind"])
    title = await typed_text(
        message,
        shortest=TITLE_MIN,
        longest=TITLE_MAX,
        wrong=_(
            "The subject must be {min} to {max} characters long; yours has {count}. Type it again."
        ),
        markup=None if kind is MeetingKind.OTHER else skip_keyboard(MeetNewStep.NO_TITLE),
    )
    if title is None:
        return
    await state.update_data(title=title)
    await go_day(message, state)


async def on_no_title(query: CallbackQuery, state: FSMContext) -> None:
    if (await state.get_data()).get("kind") == MeetingKind.OTHER.value:
        await stale(query)
        return
    await state.update_data(title="")
    await query.answer()
    await go_day(query, state)


async def check_day(
    target: Target, state: FSMContext, person: Person, ctx: services.Context, day: date
) -> None:
    """A working day, today or later: then the time. Otherwise the reason, with the next
    working day offered for a day off."""
    language = person.language.value
    try:
        check_start(ctx.calendar, meeting_services.local_now(ctx), datetime.combine(day, time.max))
    except Refused as error:
        if error.refusal is MeetingRefusal.PAST:
            reason = _("{date} has already passed. Type a later date as dd.mm.yyyy.").format(
                date=date_with_weekday(day, language)
            )
            await refuse(target, reason)
            return
        offer = error.values["offer"]
        assert isinstance(offer, date)
        reason = retype_date(creation_refusal(error, language))
        if isinstance(target, CallbackQuery):
            await refuse(target, reason)
            return
        await target.answer(reason, reply_markup=day_keyboard(offer))
        return
    if isinstance(target, CallbackQuery):
        await target.answer()
    await go_time(target, state, ctx, person, day)


async def on_day_typed(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    example = date.fromisoformat(str((await state.get_data()).get("example")))
    typed = await typed_day(message, example=example)
    if typed is None:
        return
    await check_day(message, state, person, ctx, typed)


async def take_time(
    target: Target, state: FSMContext, person: Person, ctx: services.Context, moment: time
) -> None:
    day = day_of(await state.get_data())
    try:
        check_start(ctx.calendar, meeting_services.local_now(ctx), datetime.combine(day, moment))
    except Refused as error:
        if error.refusal is MeetingRefusal.DAY_OFF:  # the calendar changed meanwhile
            if isinstance(target, CallbackQuery):
                await target.answer()
            await go_day(target, state, creation_refusal(error, person.language.value))
            return
        await refuse(
            target,
            _("{time} on {date} has already passed. Choose a later time.").format(
                time=moment.strftime("%H:%M"), date=date_with_weekday(day, person.language.value)
            ),
        )
        return
    data = await state.update_data(time=moment.strftime("%H:%M"))
    chosen = when_chosen(ctx, day, data["time"], MeetingKind(data["kind"]), person.language.value)
    if isinstance(target, CallbackQuery):
        await target.answer()
        if isinstance(target.message, Message):  # the dates stay in view; the format below
            await show(target, chosen, None)
            await go_format(target.message, state)
            return
    # a typed time: the format's message opens with the date and time chosen
    await go_format(target, state, lead=chosen)


async def on_time_typed(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    moment = await typed_time(
        message,
        _("Type the time as HH:MM, for example 10:00, or press a button."),
        time_keyboard(),
    )
    if moment is None:
        return
    await take_time(message, state, person, ctx, moment)


async def on_when_button(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    """The working day offered instead of a day off, or a start time on a button."""
    if tap.button.step is MeetNewStep.DAY:
        chosen = await button_day(query, tap.button.value)
        if chosen is not None:
            await check_day(query, tap.state, tap.person, tap.ctx, chosen)
        return
    moment = time_from_value(tap.button.value)
    if moment is None:
        await stale(query)
        return
    await take_time(query, tap.state, tap.person, tap.ctx, moment)

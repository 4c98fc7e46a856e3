"""The dialog that creates a meeting, at its end: the confirmation, the meeting created (and
the recipients saved as a distribution list), or a refusal that leads back to the step that can
put it right."""

from __future__ import annotations

from datetime import date

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import services
from bot.meetings import steps as meeting_services
from bot.meetings.rules import MeetingRefusal
from bot.middlewares import Tap
from handlers.callbacks import MeetNewCallback
from handlers.meetings.cards import meeting_title, organizer_view
from handlers.meetings.new_dialog.draft import (
    MESSAGE_MAX,
    MeetingStates,
    day_of,
    items_of,
    starts_of,
)
from handlers.meetings.new_dialog.flow import (
    Target,
    go_day,
    go_item_title,
    go_recipients,
    go_time,
)
from handlers.meetings.new_dialog.prompts import day_keyboard
from handlers.meetings.new_dialog.review import recipient_flags
from handlers.meetings.refusals import creation_refusal
from handlers.replies import present, refuse, show, stale
from handlers.steps import retype_date, typed_text
from storage.domain.meetings import MeetingFormat, MeetingKind, NewAgendaItem, NewMeeting
from storage.domain.refusals import Refused
from storage.models import Person

LIST_NAME_MIN = 2
LIST_NAME_MAX = 100


async def create(
    target: Target, state: FSMContext, person: Person, ctx: services.Context, list_name: str | None
) -> None:
    data = await state.get_data()
    repos = ctx.repos
    language = person.language.value
    try:
        items = tuple(NewAgendaItem(t, s, d) for t, s, d in items_of(data))
        chair_id = int(data["chair"])
        recipients = tuple(await recipient_flags(ctx, data))
        new = NewMeeting(
            kind=MeetingKind(data["kind"]),
            starts_at=starts_of(data),
            format=MeetingFormat(data["format"]),
            title=str(data.get("title") or ""),
            place=str(data.get("place") or ""),
            link=str(data.get("link") or ""),
            chair_id=chair_id,
            restricted=bool(data.get("restricted")),
            items=items,
            recipients=recipients,
        )
    except (KeyError, ValueError, TypeError):
        await state.clear()
        if isinstance(target, CallbackQuery):
            await stale(target)
        else:
            await target.answer(_("Something went wrong with this dialog. Nothing was saved."))
        return
    await state.set_state(None)  # a second tap on «Create» finds no dialog
    try:
        meeting = await meeting_services.create_meeting(ctx, person, new)
    except Refused as error:
        await back_after_refusal(target, state, ctx, person, error)
        return
    except ValueError:  # someone or a department left the staff directory meanwhile
        await state.clear()
        await refuse(
            target,
            _(
                "The staff directory changed while the meeting was being prepared: someone or a "
                "department chosen is no longer there. Nothing was saved; start again."
            ),
        )
        return
    await state.clear()
    notes = [_("Created: {meeting}.").format(meeting=meeting_title(meeting))]
    if list_name is not None:
        try:
            saved = await repos.meetings.save_distribution_list(
                list_name, recipients, actor=person.code, at=ctx.now
            )
        except ValueError:
            notes.append(_("The distribution list could not be saved."))
        else:
            notes.append(
                ngettext(
                    "Distribution list «{name}» is saved: {count} person.",
                    "Distribution list «{name}» is saved: {count} people.",
                    len(saved.entries),
                ).format(name=saved.name, count=len(saved.entries))
            )
    expected = sum(1 for item in meeting.items if item.department_id is not None)
    if expected:
        notes.append(
            ngettext(
                "Materials are requested for {count} agenda item.",
                "Materials are requested for {count} agenda items.",
                expected,
            ).format(count=expected)
        )
    text, markup = await organizer_view(
        repos,
        ctx.profile,
        ctx.calendar,
        meeting,
        now=meeting_services.local_now(ctx),
        zone=ctx.settings.zone,
        language=language,
    )
    if isinstance(target, CallbackQuery):
        await target.answer(notes[0])
    await present(target, "\n".join([*notes, "", text])[:MESSAGE_MAX], markup)


async def back_after_refusal(
    target: Target, state: FSMContext, ctx: services.Context, person: Person, error: Refused
) -> None:
    """The reason, and the step that can put it right."""
    reason = creation_refusal(error, person.language.value)
    if isinstance(target, CallbackQuery):
        await target.answer()
    refusal = error.refusal
    if refusal is MeetingRefusal.PAST:
        day = day_of(await state.get_data())
        if day < ctx.today:
            await go_day(target, state, reason)
        else:
            await go_time(target, state, ctx, person, day, reason)
    elif refusal is MeetingRefusal.DAY_OFF:
        offer = error.values.get("offer")
        await state.set_state(MeetingStates.day)
        await present(
            target,
            retype_date(reason),
            day_keyboard(offer) if isinstance(offer, date) else None,
        )
    elif refusal is MeetingRefusal.NO_ITEMS:
        await go_item_title(target, state, ctx.repos, reason)
    elif refusal is MeetingRefusal.NO_RECIPIENTS:
        await go_recipients(target, state, ctx, reason)
    else:
        await state.clear()
        await present(target, reason)


async def on_create(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    # A double tap waits behind the first (the dispatcher isolates one person's events) and
    # then finds the dialog over.
    if await tap.state.get_state() != MeetingStates.confirm.state:
        await stale(query)
        return
    await create(query, tap.state, tap.person, tap.ctx, None)


async def on_save_list(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(MeetingStates.list_name)
    await query.answer()
    await show(
        query,
        _(
            "Type a name for the distribution list, for example «Akimat session», {min} to "
            "{max} characters. A saved list of the same name is replaced. The meeting is "
            "created right after."
        ).format(min=LIST_NAME_MIN, max=LIST_NAME_MAX),
    )


async def on_list_name(
    message: Message, state: FSMContext, person: Person, ctx: services.Context
) -> None:
    name = await typed_text(
        message,
        shortest=LIST_NAME_MIN,
        longest=LIST_NAME_MAX,
        wrong=_("The name must be {min} to {max} characters long; yours has {count}."),
    )
    if name is None:
        return
    if await state.get_state() != MeetingStates.list_name.state:
        return  # sent twice: the first one created the meeting
    await create(message, state, person, ctx, name)

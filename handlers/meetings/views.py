"""The organizer's meetings: /meeting (the list), the live view, who answered, the agenda sent
for approval or an approval given on paper recorded, cancelling, and the change dialog.

The change dialog («✏️ Change»): date and time (typed as dd.mm.yyyy HH:MM, or the date and then
the time), the format with the place and link it needs, an agenda item added (title → speaker →
responsible department) or removed. Each change goes through bot.meeting_services; once the
agenda has gone out, everyone gets the change and confirms attendance again. Wrong input is
re-asked with the reason and saves nothing; /cancel (handlers.common) leaves at any step.

The menu's and the sections' buttons carry the meeting (MeetCallback); the dialog's steps
(MeetChangeCallback) carry it too, as «{meeting}.{value}», and act only in their own step and
for the meeting the dialog is about: a stale or forged one is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import (
    MAY_ORGANIZE,
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    MeetingRefusal,
    check_approval,
    check_open,
    check_start,
    distribution_day,
    is_link,
    parse_time,
)
from bot.profiles import Profile
from handlers.callbacks import MeetCallback, MeetChangeCallback
from handlers.meetings.cards import (
    FORMAT_TITLES,
    attendance_list,
    change_lines,
    meeting_title,
    organizer_view,
    people_of,
    when_text,
)
from handlers.pickers import Option, Picker
from handlers.refusals import refusal_text
from handlers.replies import parse_date, refuse, show, stale
from storage.domain.meetings import (
    Meeting,
    MeetingChange,
    MeetingFormat,
    MeetingStatus,
    NewAgendaItem,
)
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

ORGANIZERS = {"roles": MAY_ORGANIZE}
RECENT_CLOSED = 5  # held or cancelled meetings under the open ones in /meeting
LABEL_MAX = 60  # a list button's text
ITEM_LABEL_MAX = 50
MOMENT = "%Y%m%d%H%M"  # a moment inside a button's value (no «:» allowed there)


class ChangeStates(StatesGroup):
    when = State()  # the date and time (or the date alone)
    time = State()  # the time, after the date alone
    fmt = State()  # the format, by buttons
    place = State()
    link = State()
    item_title = State()
    item_speaker = State()
    item_department = State()
    remove = State()


# --- small helpers ------------------------------------------------------------------------------


def mc(meeting_id: int, step: str, value: str = "") -> MeetChangeCallback:
    return MeetChangeCallback(step=step, value=f"{meeting_id}.{value}")


def split_value(value: str) -> tuple[int, str] | None:
    """«{meeting}.{value}» → (meeting, value); None when forged."""
    head, dot, rest = value.partition(".")
    return (int(head), rest) if dot and head.isdigit() else None


def departments_picker(meeting_id: int) -> Picker:
    return Picker(
        partial(mc, meeting_id),
        toggle_step="dep",
        chosen_key="dep_chosen",
        query_key="dep_query",
        page_key="dep_page",
    )


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def language_of(person: Person) -> str:
    return person.language.value


async def reply(
    target: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A typed step is answered below; a tap replaces the dialog's message."""
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


async def load(
    query: CallbackQuery, repos: Repos, meeting_id: int, person: Person
) -> Meeting | None:
    """The meeting a button names; None (the tap answered) when there is none."""
    meeting = await repos.meetings.get(meeting_id)
    if meeting is None:
        await refuse(query, refusal_text(Refused(MeetingRefusal.NOT_FOUND), language_of(person)))
    return meeting


async def changeable(
    query: CallbackQuery, ctx: services.Context, meeting_id: int, person: Person
) -> Meeting | None:
    """The meeting, if it can still be changed (open and not begun); else the tap is refused."""
    meeting = await load(query, ctx.repos, meeting_id, person)
    if meeting is None:
        return None
    try:
        check_open(meeting, meeting_services.local_now(ctx))
    except Refused as error:
        await refuse(query, refusal_text(error, language_of(person)))
        return None
    return meeting


async def live_view(
    ctx: services.Context, meeting: Meeting, person: Person
) -> tuple[str, InlineKeyboardMarkup]:
    return await organizer_view(
        ctx.repos,
        ctx.profile,
        ctx.calendar,
        meeting,
        now=meeting_services.local_now(ctx),
        language=language_of(person),
    )


def back_button(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("↩️ Back"), callback_data=MeetCallback(action="open", id=meeting_id))
    return builder.as_markup()


# --- /meeting -----------------------------------------------------------------------------------

CLOSED_ICONS = {MeetingStatus.HELD: "✅", MeetingStatus.CANCELLED: "🚫"}


def list_label(meeting: Meeting, icon: str = "") -> str:
    label = f"{meeting.starts_at:%d.%m.%Y %H:%M} · {meeting_title(meeting)}"
    return shortened(f"{icon} {label}" if icon else label, LABEL_MAX)


def list_view(
    open_meetings: Sequence[Meeting], closed: Sequence[Meeting]
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for meeting in open_meetings:
        builder.button(
            text=list_label(meeting), callback_data=MeetCallback(action="open", id=meeting.id)
        )
    for meeting in closed:
        builder.button(
            text=list_label(meeting, CLOSED_ICONS.get(meeting.status, "")),
            callback_data=MeetCallback(action="open", id=meeting.id),
        )
    builder.button(text=_("➕ New meeting"), callback_data=MeetCallback(action="new"))
    builder.button(text=_("📇 Distribution lists"), callback_data=MeetCallback(action="lists"))
    builder.adjust(1)
    if open_meetings:
        lines = [
            ngettext(
                "Meetings: {count} open, soonest first. Tap one for its live view.",
                "Meetings: {count} open, soonest first. Tap one for its live view.",
                len(open_meetings),
            ).format(count=len(open_meetings))
        ]
    else:
        lines = [
            _(
                "There are no open meetings. Press «➕ New meeting» to prepare one: the agenda, "
                "the materials, the recipients."
            )
        ]
    if closed:
        lines.append(_("Below them, the latest held (✅) and cancelled (🚫) meetings."))
    return "\n".join(lines), builder.as_markup()


async def cmd_meeting(message: Message, repos: Repos) -> None:
    open_meetings = await repos.meetings.open_meetings()
    closed = await repos.meetings.recent_closed(RECENT_CLOSED)
    text, markup = list_view(open_meetings, closed)
    await message.answer(text, reply_markup=markup)


# --- the live view and who answered -----------------------------------------------------------


async def on_open(
    query: CallbackQuery,
    callback_data: MeetCallback,
    person: Person,
    repos: Repos,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    current = await state.get_state()
    if current is not None and current in ChangeStates:
        await state.clear()  # «↩️ Back» out of the change dialog
    meeting = await load(query, repos, callback_data.id, person)
    if meeting is None:
        return
    text, markup = await live_view(ctx, meeting, person)
    await query.answer()
    if callback_data.value == "new" and query.message is not None:
        await query.message.answer(text, reply_markup=markup)  # keep the notice it was under
        return
    await show(query, text, markup)


async def on_people(
    query: CallbackQuery, callback_data: MeetCallback, person: Person, repos: Repos
) -> None:
    meeting = await load(query, repos, callback_data.id, person)
    if meeting is None:
        return
    people = await people_of(repos, [r.person_id for r in meeting.recipients])
    await query.answer()
    await show(query, attendance_list(meeting, people), back_button(meeting.id))


# --- approval -----------------------------------------------------------------------------------


def names(people: Sequence[Person]) -> str:
    return ", ".join(p.full_name for p in people)


async def on_ask(
    query: CallbackQuery,
    callback_data: MeetCallback,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    meeting = await load(query, repos, callback_data.id, person)
    if meeting is None:
        return
    # The outbox never queues a message twice: who had the request before is told apart.
    key = f"mtappr:{meeting.id}:{meeting.version}"
    had = {
        p.id
        for p in await meeting_services.approvers(ctx, meeting)
        if await repos.outbox.get(f"{key}:{p.id}") is not None
    }
    try:
        people = await meeting_services.request_approval(ctx, person, meeting.id)
    except Refused as error:
        await refuse(query, refusal_text(error, language_of(person)))
        return
    fresh = [p for p in people if p.id not in had]
    if not people:
        text = _(
            "Nobody to send it to: the meeting has no chair and there is no akim in the staff "
            "directory."
        )
    elif not fresh:
        text = _(
            "The agenda was already sent for approval to: {names}. It is not sent twice; they "
            "approve it with the button in that message."
        ).format(names=names(people))
    else:
        text = _("The agenda is sent for approval to: {names}.").format(names=names(fresh))
        if len(fresh) < len(people):
            text += " " + _("Already had it: {names}.").format(
                names=names([p for p in people if p.id in had])
            )
    await refuse(query, text)


def confirm_keyboard(yes: str, action: str, meeting_id: int, no: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=yes, callback_data=MeetCallback(action=action, id=meeting_id, value="yes"))
    builder.button(text=no, callback_data=MeetCallback(action="open", id=meeting_id))
    builder.adjust(2)
    return builder.as_markup()


async def on_paper_approval(
    query: CallbackQuery,
    callback_data: MeetCallback,
    person: Person,
    repos: Repos,
    profile: Profile,
    ctx: services.Context,
) -> None:
    if callback_data.value not in {"", "yes"}:
        await stale(query)
        return
    language = language_of(person)
    meeting = await load(query, repos, callback_data.id, person)
    if meeting is None:
        return
    if callback_data.value == "":
        try:
            check_approval(meeting, True, meeting_services.local_now(ctx))
        except Refused as error:
            await refuse(query, refusal_text(error, language))
            return
        await query.answer()
        await show(
            query,
            _(
                "{title}, {when}.\nRecord that the agenda was approved on paper? The bot then "
                "stops waiting for the chair's or the akim's approval."
            ).format(title=meeting_title(meeting), when=when_text(meeting.starts_at, language)),
            confirm_keyboard(_("✅ Yes, record it"), "paper_ok", meeting.id, _("✖️ No")),
        )
        return
    try:
        approved = await meeting_services.approve(ctx, person, meeting.id, on_paper=True)
    except Refused as error:
        await refuse(query, refusal_text(error, language))
        return
    if approved.distributed:
        notice = ngettext(
            "Recorded: the agenda is approved on paper. The distribution day has come, so the "
            "agenda is going out to its {count} recipient now.",
            "Recorded: the agenda is approved on paper. The distribution day has come, so the "
            "agenda is going out to its {count} recipients now.",
            len(approved.recipients),
        ).format(count=len(approved.recipients))
    else:
        notice = _(
            "Recorded: the agenda is approved on paper. It goes out to the recipients on {date}."
        ).format(
            date=date_with_weekday(distribution_day(profile, ctx.calendar, approved.day), language)
        )
    await query.answer(_("Recorded."))
    text, markup = await live_view(ctx, approved, person)
    await show(query, f"{notice}\n\n{text}", markup)


# --- cancelling ---------------------------------------------------------------------------------


async def on_cancel(
    query: CallbackQuery,
    callback_data: MeetCallback,
    person: Person,
    ctx: services.Context,
) -> None:
    if callback_data.value not in {"", "yes"}:
        await stale(query)
        return
    language = language_of(person)
    meeting = await changeable(query, ctx, callback_data.id, person)
    if meeting is None:
        return
    count = len(meeting.recipients)
    if callback_data.value == "":
        told = (
            ngettext(
                "The agenda has gone out: its {count} recipient will be told.",
                "The agenda has gone out: its {count} recipients will be told.",
                count,
            ).format(count=count)
            if meeting.distributed
            else _("The agenda has not gone out yet, so the recipients need not be told.")
        )
        await query.answer()
        await show(
            query,
            _("Cancel {title}, {when}?").format(
                title=meeting_title(meeting), when=when_text(meeting.starts_at, language)
            )
            + "\n"
            + told,
            confirm_keyboard(
                _("🚫 Yes, cancel the meeting"), "cancel", meeting.id, _("↩️ No, keep it")
            ),
        )
        return
    try:
        cancelled = await meeting_services.cancel_meeting(ctx, person, meeting.id)
    except Refused as error:
        await refuse(query, refusal_text(error, language))
        return
    notice = (
        ngettext(
            "The meeting is cancelled. Its {count} recipient, who had the agenda, is told.",
            "The meeting is cancelled. Its {count} recipients, who had the agenda, are told.",
            count,
        ).format(count=count)
        if meeting.distributed
        else _("The meeting is cancelled. The agenda had not gone out, so nobody is told.")
    )
    await query.answer(_("Cancelled."))
    text, markup = await live_view(ctx, cancelled, person)
    await show(query, f"{notice}\n\n{text}", markup)


# --- the change dialog: the menu and its sections ----------------------------------------------


def menu_view(meeting: Meeting, language: str) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        _("What changes in {title}, {when}?").format(
            title=meeting_title(meeting), when=when_text(meeting.starts_at, language)
        )
    ]
    if meeting.distributed:
        lines.append(
            _(
                "The agenda has already gone out: a change goes to every recipient, who "
                "confirms attendance again."
            )
        )
    builder = InlineKeyboardBuilder()

    def add(text: str, value: str) -> None:
        builder.button(
            text=text, callback_data=MeetCallback(action="chg", id=meeting.id, value=value)
        )

    add(_("🕒 Date and time"), "time")
    add(_("📍 Place / format / link"), "place")
    add(_("➕ Add an agenda item"), "add")
    add(_("➖ Remove an agenda item"), "del")
    builder.button(text=_("↩️ Back"), callback_data=MeetCallback(action="open", id=meeting.id))
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def to_menu(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("↩️ Back"), callback_data=MeetCallback(action="chg", id=meeting_id))
    return builder.as_markup()


def when_prompt(meeting: Meeting, language: str) -> str:
    return _(
        "Now: {when}.\nType the new date and time as dd.mm.yyyy HH:MM, for example "
        "14.04.2027 10:00 (or the date alone, then the time; or the time alone for the same "
        "day)."
    ).format(when=when_text(meeting.starts_at, language))


def format_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for fmt, title in FORMAT_TITLES.items():
        mark = "✅ " if fmt is meeting.format else ""
        builder.button(text=mark + _(title), callback_data=mc(meeting.id, "fmt", fmt.value))
    builder.button(text=_("↩️ Back"), callback_data=MeetCallback(action="chg", id=meeting.id))
    builder.adjust(1)
    return builder.as_markup()


def remove_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in meeting.items:
        title = (
            _("item {number}").format(number=item.position)
            if meeting.restricted
            else f"{item.position}. {item.title}"
        )
        builder.button(
            text="➖ " + shortened(title, ITEM_LABEL_MAX),
            callback_data=mc(meeting.id, "rm", str(item.id)),
        )
    builder.button(text=_("↩️ Back"), callback_data=MeetCallback(action="chg", id=meeting.id))
    builder.adjust(1)
    return builder.as_markup()


async def on_change(
    query: CallbackQuery,
    callback_data: MeetCallback,
    person: Person,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    section = callback_data.value
    if section not in {"", "time", "place", "add", "del"}:
        await stale(query)
        return
    language = language_of(person)
    meeting = await changeable(query, ctx, callback_data.id, person)
    if meeting is None:
        return
    if section == "del" and len(meeting.items) <= 1:
        await refuse(query, refusal_text(Refused(MeetingRefusal.NO_ITEMS), language))
        return
    await state.clear()
    await query.answer()
    if section == "":
        await show(query, *menu_view(meeting, language))
        return
    await state.update_data(meeting=meeting.id)
    if section == "time":
        await state.set_state(ChangeStates.when)
        await show(query, when_prompt(meeting, language), to_menu(meeting.id))
    elif section == "place":
        await state.set_state(ChangeStates.fmt)
        await show(
            query,
            _("Now: {format}. Choose the format.").format(format=_(FORMAT_TITLES[meeting.format])),
            format_keyboard(meeting),
        )
    elif section == "add":
        await state.set_state(ChangeStates.item_title)
        await show(
            query,
            _(
                "Type the title of the new agenda item ({min} to {max} characters). It goes "
                "at the end of the agenda."
            ).format(min=TITLE_MIN, max=TITLE_MAX),
            to_menu(meeting.id),
        )
    else:
        await state.set_state(ChangeStates.remove)
        await show(query, _("Which agenda item is removed?"), remove_keyboard(meeting))


# --- applying a change --------------------------------------------------------------------------


def agenda_change_lines(meeting: Meeting, old: Sequence[str], new: Sequence[str]) -> list[str]:
    if meeting.restricted:
        return [
            ngettext(
                "The agenda has changed: {count} item now.",
                "The agenda has changed: {count} items now.",
                len(new),
            ).format(count=len(new))
        ]
    added = Counter(new) - Counter(old)
    removed = Counter(old) - Counter(new)
    lines = [_("Agenda item added: {title}").format(title=t) for t in added.elements()]
    lines += [_("Agenda item removed: {title}").format(title=t) for t in removed.elements()]
    return lines or [_("The agenda has changed.")]


def result_text(
    before: Meeting,
    after: Meeting,
    changes: dict[str, list[Any]],
    ctx: services.Context,
    person: Person,
    extra: Sequence[str] = (),
) -> str:
    language = language_of(person)
    lines = [_("✅ Changed: {title}").format(title=meeting_title(after))]
    details = {k: v for k, v in changes.items() if k != "agenda"}
    lines += change_lines(
        MeetingChange(after.id, after.version, details, ctx.now, person.code), language
    )
    if "agenda" in changes:
        old, new = changes["agenda"]
        lines += agenda_change_lines(after, old, new)
    lines += extra
    lines.append("")
    if after.version != before.version:
        lines.append(
            ngettext(
                "The agenda had already gone out: its {count} recipient gets the change and is "
                "asked to confirm attendance again.",
                "The agenda had already gone out: all {count} recipients get the change and "
                "are asked to confirm attendance again.",
                len(after.recipients),
            ).format(count=len(after.recipients))
        )
    else:
        lines.append(
            _("The agenda has not gone out yet: the recipients will get the changed version.")
        )
    return "\n".join(lines)


def result_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✏️ Change something else"), callback_data=MeetCallback(action="chg", id=meeting_id)
    )
    builder.button(
        text=_("📋 Open the meeting"), callback_data=MeetCallback(action="open", id=meeting_id)
    )
    builder.adjust(1)
    return builder.as_markup()


async def nothing_changed(target: Message | CallbackQuery, state: FSMContext, text: str) -> None:
    data = await state.get_data()
    await state.clear()
    await reply(
        target,
        text,
        result_keyboard(data["meeting"]),
    )


async def apply(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting_id: int,
    *,
    extra: Sequence[str] = (),
    **change: Any,
) -> None:
    """One change through the service; the dialog ends with what changed (or why not)."""
    before = await ctx.repos.meetings.get(meeting_id)
    await state.clear()
    try:
        after, changes = await meeting_services.change_meeting(ctx, person, meeting_id, **change)
    except Refused as error:
        await reply(target, refusal_text(error, language_of(person)), result_keyboard(meeting_id))
        return
    assert before is not None  # the service found it
    if not changes:
        await reply(
            target,
            _("Nothing changed: the meeting already reads so."),
            result_keyboard(meeting_id),
        )
        return
    await reply(
        target, result_text(before, after, changes, ctx, person, extra), result_keyboard(after.id)
    )


async def dialog_meeting(
    query: CallbackQuery, value: str, state: FSMContext
) -> tuple[int, str] | None:
    """The meeting and value a dialog button carries, if it is the dialog's meeting."""
    found = split_value(value)
    data = await state.get_data()
    if found is None or data.get("meeting") != found[0]:
        await stale(query)
        return None
    return found


async def typed_meeting(
    message: Message, state: FSMContext, repos: Repos, person: Person
) -> Meeting | None:
    """The dialog's meeting for a typed step; None (the dialog ended, the person told) if gone."""
    data = await state.get_data()
    meeting = await repos.meetings.get(int(data.get("meeting", 0)))
    if meeting is None:
        await state.clear()
        await message.answer(refusal_text(Refused(MeetingRefusal.NOT_FOUND), language_of(person)))
    return meeting


# --- date and time ------------------------------------------------------------------------------


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


async def change_time(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting: Meeting,
    starts_at: datetime,
) -> None:
    language = language_of(person)
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
    except Refused as error:
        await state.set_state(ChangeStates.when)
        reason = refusal_text(error, language)
        markup = to_menu(meeting.id)
        if error.refusal is MeetingRefusal.DAY_OFF:
            offer = datetime.combine(error.values["offer"], starts_at.time())  # type: ignore[arg-type]
            builder = InlineKeyboardBuilder()
            builder.button(
                text=_("Take {moment}").format(moment=f"{offer:%d.%m.%Y %H:%M}"),
                callback_data=mc(meeting.id, "at", f"{offer:{MOMENT}}"),
            )
            builder.attach(InlineKeyboardBuilder.from_markup(markup))
            builder.adjust(1)
            markup = builder.as_markup()
        await reply(
            target,
            reason + " " + _("Type another date and time as dd.mm.yyyy HH:MM."),
            markup,
        )
        return
    await apply(target, state, person, ctx, meeting.id, starts_at=starts_at)


async def on_when_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    meeting = await typed_meeting(message, state, repos, person)
    if meeting is None:
        return
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
                day=date_with_weekday(day, language_of(person)),
                time=f"{meeting.starts_at:%H:%M}",
            ),
            reply_markup=to_menu(meeting.id),
        )
        return
    await change_time(message, state, person, ctx, meeting, datetime.combine(day, at))


async def on_time_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    meeting = await typed_meeting(message, state, repos, person)
    if meeting is None:
        return
    text = (message.text or "").strip()
    at = parse_time(text)
    if at is None:
        await message.answer(_("Type the time as HH:MM, for example 10:00."))
        return
    day = date.fromisoformat(str((await state.get_data())["day"]))
    await change_time(message, state, person, ctx, meeting, datetime.combine(day, at))


async def on_take_offer(
    query: CallbackQuery,
    callback_data: MeetChangeCallback,
    person: Person,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    found = await dialog_meeting(query, callback_data.value, state)
    if found is None:
        return
    try:
        starts_at = datetime.strptime(found[1], MOMENT)  # noqa: DTZ007 - naive local wall time
    except ValueError:
        await stale(query)
        return
    meeting = await changeable(query, ctx, found[0], person)
    if meeting is None:
        await state.clear()
        return
    await query.answer()
    await change_time(query, state, person, ctx, meeting, starts_at)


# --- format, place, link ------------------------------------------------------------------------


def keep_keyboard(meeting_id: int, what: str, current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if current:
        builder.button(
            text=_("Keep: {value}").format(value=shortened(current, ITEM_LABEL_MAX)),
            callback_data=mc(meeting_id, "keep", what),
        )
    builder.button(text=_("↩️ Back"), callback_data=MeetCallback(action="chg", id=meeting_id))
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


def link_problem(link: str) -> str | None:
    if not link:
        return _("The link is empty.")
    if len(link) > TEXT_MAX:
        return _("The link is too long; at most {max} characters.").format(max=TEXT_MAX)
    if not is_link(link):
        return _("A link starts with http:// or https:// and has no spaces.")
    return None


def place_problem(place: str) -> str | None:
    if not place:
        return _("The place is empty.")
    if len(place) > TEXT_MAX:
        return _("The place is too long; at most {max} characters.").format(max=TEXT_MAX)
    return None


async def ask_place(target: Message | CallbackQuery, state: FSMContext, meeting: Meeting) -> None:
    await state.set_state(ChangeStates.place)
    await reply(target, place_prompt(), keep_keyboard(meeting.id, "place", meeting.place))


async def ask_link(target: Message | CallbackQuery, state: FSMContext, meeting: Meeting) -> None:
    await state.set_state(ChangeStates.link)
    await reply(target, link_prompt(), keep_keyboard(meeting.id, "link", meeting.link))


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
    if found[1] not in {f.value for f in MeetingFormat}:
        await stale(query)
        return
    meeting = await changeable(query, ctx, found[0], person)
    if meeting is None:
        await state.clear()
        return
    fmt = MeetingFormat(found[1])
    await state.update_data(format=fmt.value)
    await query.answer()
    if fmt is MeetingFormat.VIDEO:
        await ask_link(query, state, meeting)
    else:
        await ask_place(query, state, meeting)


async def place_given(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting: Meeting,
    place: str,
) -> None:
    data = await state.get_data()
    fmt = MeetingFormat(str(data["format"]))
    if fmt is MeetingFormat.MIXED:
        await state.update_data(place=place)
        await ask_link(target, state, meeting)
        return
    await apply_where(target, state, person, ctx, meeting, fmt, place, "")


async def apply_where(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting: Meeting,
    fmt: MeetingFormat,
    place: str,
    link: str,
) -> None:
    """In person: a place and no link; videoconference: a link and no place; mixed: both."""
    if (meeting.format, meeting.place, meeting.link) == (fmt, place, link):
        await nothing_changed(
            target, state, _("Nothing changed: the format, place and link are the same.")
        )
        return
    await apply(
        target,
        state,
        person,
        ctx,
        meeting.id,
        meeting_format=fmt,
        place=place,
        link=link,
    )


async def on_place_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    meeting = await typed_meeting(message, state, repos, person)
    if meeting is None:
        return
    place = " ".join((message.text or "").split())
    problem = place_problem(place)
    if problem is not None:
        await message.answer(
            f"{problem} {place_prompt()}",
            reply_markup=keep_keyboard(meeting.id, "place", meeting.place),
        )
        return
    await place_given(message, state, person, ctx, meeting, place)


async def link_given(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting: Meeting,
    link: str,
) -> None:
    data = await state.get_data()
    fmt = MeetingFormat(str(data["format"]))
    place = str(data.get("place", "")) if fmt is MeetingFormat.MIXED else ""
    await apply_where(target, state, person, ctx, meeting, fmt, place, link)


async def on_link_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    meeting = await typed_meeting(message, state, repos, person)
    if meeting is None:
        return
    link = (message.text or "").strip()
    problem = link_problem(link)
    if problem is not None:
        await message.answer(
            f"{problem} {link_prompt()}",
            reply_markup=keep_keyboard(meeting.id, "link", meeting.link),
        )
        return
    await link_given(message, state, person, ctx, meeting, link)


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
    meeting = await changeable(query, ctx, found[0], person)
    if meeting is None:
        await state.clear()
        return
    current = meeting.place if expected == "place" else meeting.link
    if not current:
        await stale(query)
        return
    await query.answer()
    if expected == "place":
        await place_given(query, state, person, ctx, meeting, current)
    else:
        await link_given(query, state, person, ctx, meeting, current)


# --- an agenda item added -----------------------------------------------------------------------


def speaker_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⏭ Skip"), callback_data=mc(meeting_id, "skip"))
    builder.button(text=_("↩️ Back"), callback_data=MeetCallback(action="chg", id=meeting_id))
    builder.adjust(1)
    return builder.as_markup()


async def on_item_title(message: Message, state: FSMContext, person: Person, repos: Repos) -> None:
    meeting = await typed_meeting(message, state, repos, person)
    if meeting is None:
        return
    title = " ".join((message.text or "").split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        await message.answer(
            _(
                "The title must be {min} to {max} characters long; yours has {count}. Type it "
                "again."
            ).format(min=TITLE_MIN, max=TITLE_MAX, count=len(title)),
            reply_markup=to_menu(meeting.id),
        )
        return
    await state.update_data(title=title)
    await state.set_state(ChangeStates.item_speaker)
    await message.answer(
        _(
            "Who reports on it? Type the speaker's name and position (at most {max} "
            "characters), or press «Skip»."
        ).format(max=TEXT_MAX),
        reply_markup=speaker_keyboard(meeting.id),
    )


async def departments_view(
    repos: Repos, meeting_id: int, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    picker = departments_picker(meeting_id)
    options = [Option(d.id, d.name) for d in await repos.staff.departments()]
    view = picker.view(options, data)
    lines = [
        _(
            "Which department is responsible for the item's materials? Tap it (type part of a "
            "name to search), or press «No materials needed»."
        ),
        *picker.status_lines(view),
    ]
    markup = picker.keyboard(
        view,
        [],
        all_label=_("🔎 Show all departments"),
        tail=[
            (_("🚫 No materials needed"), mc(meeting_id, "nodep")),
            (_("↩️ Back"), MeetCallback(action="chg", id=meeting_id)),
        ],
    )
    return "\n".join(lines), markup


async def ask_department(
    target: Message | CallbackQuery, state: FSMContext, repos: Repos, meeting_id: int
) -> None:
    await state.set_state(ChangeStates.item_department)
    data = await state.update_data(departments_picker(meeting_id).fresh())
    await reply(target, *await departments_view(repos, meeting_id, data))


async def on_item_speaker(
    message: Message, state: FSMContext, person: Person, repos: Repos
) -> None:
    meeting = await typed_meeting(message, state, repos, person)
    if meeting is None:
        return
    speaker = " ".join((message.text or "").split())
    if not speaker or len(speaker) > TEXT_MAX:
        await message.answer(
            _(
                "Type the speaker in one message, at most {max} characters, or press «Skip»."
            ).format(max=TEXT_MAX),
            reply_markup=speaker_keyboard(meeting.id),
        )
        return
    await state.update_data(speaker=speaker)
    await ask_department(message, state, repos, meeting.id)


async def on_speaker_skip(
    query: CallbackQuery, callback_data: MeetChangeCallback, state: FSMContext, repos: Repos
) -> None:
    found = await dialog_meeting(query, callback_data.value, state)
    if found is None:
        return
    await state.update_data(speaker="")
    await query.answer()
    await ask_department(query, state, repos, found[0])


async def on_department_search(
    message: Message, state: FSMContext, person: Person, repos: Repos
) -> None:
    meeting = await typed_meeting(message, state, repos, person)
    if meeting is None:
        return
    searched = departments_picker(meeting.id).searched(message.text)
    if searched is None:
        await message.answer(_("Type part of a department's name, or use the buttons."))
        return
    data = await state.update_data(searched)
    text, markup = await departments_view(repos, meeting.id, data)
    await message.answer(text, reply_markup=markup)


async def on_department_page(
    query: CallbackQuery, callback_data: MeetChangeCallback, state: FSMContext, repos: Repos
) -> None:
    found = await dialog_meeting(query, callback_data.value, state)
    if found is None:
        return
    picker = departments_picker(found[0])
    update = picker.paged(found[1]) if callback_data.step == "pg" else picker.everything()
    if update is None:
        await stale(query)
        return
    data = await state.update_data(update)
    await query.answer()
    await show(query, *await departments_view(repos, found[0], data))


async def add_item(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting_id: int,
    department_id: int | None,
    department_name: str | None,
) -> None:
    data = await state.get_data()
    item = NewAgendaItem(
        title=str(data["title"]), speaker=str(data.get("speaker", "")), department_id=department_id
    )
    extra = (
        [_("{department} is asked for the item's materials.").format(department=department_name)]
        if department_name
        else []
    )
    await query.answer()
    await apply(query, state, person, ctx, meeting_id, extra=extra, add_item=item)


async def on_department(
    query: CallbackQuery,
    callback_data: MeetChangeCallback,
    person: Person,
    repos: Repos,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    found = await dialog_meeting(query, callback_data.value, state)
    if found is None:
        return
    department = (
        await repos.staff.department(int(found[1]))
        if callback_data.step == "dep" and found[1].isdigit()
        else None
    )
    if callback_data.step == "dep" and department is None:
        await stale(query)
        return
    await add_item(
        query,
        state,
        person,
        ctx,
        found[0],
        department.id if department else None,
        department.name if department else None,
    )


# --- an agenda item removed ---------------------------------------------------------------------


async def on_remove(
    query: CallbackQuery,
    callback_data: MeetChangeCallback,
    person: Person,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    found = await dialog_meeting(query, callback_data.value, state)
    if found is None:
        return
    meeting = await changeable(query, ctx, found[0], person)
    if meeting is None:
        await state.clear()
        return
    item = meeting.item(int(found[1])) if found[1].isdigit() else None
    if item is None:
        await stale(query)
        return
    if len(meeting.items) <= 1:
        await refuse(query, refusal_text(Refused(MeetingRefusal.NO_ITEMS), language_of(person)))
        return
    await query.answer()
    await apply(query, state, person, ctx, meeting.id, remove_item_id=item.id)


async def on_use_buttons(message: Message) -> None:
    await message.answer(_("Please answer with the buttons above, or /cancel."))


def create_router() -> Router:
    router = Router(name=__name__)
    states = ChangeStates
    text = ~F.text.startswith("/")
    flags = ORGANIZERS
    msg = router.message
    msg.register(cmd_meeting, Command("meeting"), flags=flags)
    msg.register(on_when_typed, states.when, text, flags=flags)
    msg.register(on_time_typed, states.time, text, flags=flags)
    msg.register(on_place_typed, states.place, text, flags=flags)
    msg.register(on_link_typed, states.link, text, flags=flags)
    msg.register(on_item_title, states.item_title, text, flags=flags)
    msg.register(on_item_speaker, states.item_speaker, text, flags=flags)
    msg.register(on_department_search, states.item_department, text, flags=flags)
    msg.register(on_use_buttons, StateFilter(states.fmt, states.remove), text, flags=flags)
    cb = router.callback_query
    meet = MeetCallback.filter
    cb.register(on_open, meet(F.action == "open"), flags=flags)
    cb.register(on_people, meet(F.action == "people"), flags=flags)
    cb.register(on_ask, meet(F.action == "ask"), flags=flags)
    cb.register(on_paper_approval, meet(F.action == "paper_ok"), flags=flags)
    cb.register(on_cancel, meet(F.action == "cancel"), flags=flags)
    cb.register(on_change, meet(F.action == "chg"), flags=flags)
    step = MeetChangeCallback.filter
    cb.register(
        on_take_offer, StateFilter(states.when, states.time), step(F.step == "at"), flags=flags
    )
    cb.register(on_format, states.fmt, step(F.step == "fmt"), flags=flags)
    cb.register(
        on_keep, StateFilter(states.place, states.link), step(F.step == "keep"), flags=flags
    )
    cb.register(on_speaker_skip, states.item_speaker, step(F.step == "skip"), flags=flags)
    cb.register(
        on_department_page, states.item_department, step(F.step.in_({"pg", "all"})), flags=flags
    )
    cb.register(
        on_department, states.item_department, step(F.step.in_({"dep", "nodep"})), flags=flags
    )
    cb.register(on_remove, states.remove, step(F.step == "rm"), flags=flags)
    return router

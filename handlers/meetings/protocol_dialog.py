"""The organizer's dialog that registers a meeting's protocol: «📄 Register the protocol» on the
live view once the meeting has begun (MeetCallback action `proto`).

The protocol file (a document, or «signed on paper»; a restricted meeting's protocol stays on
paper) → the signing date (today, or typed; not in the future, not before the meeting) → its
assignments, repeated and optional: the text, the executor departments (a paged picker, the first
chosen is the main executor), the deadline (typed, or the regulation's term from the meeting
day) → a confirmation → bot.meeting_services.register_protocol numbers the protocol within the
year, puts the assignments on control and sends the protocol out.

Every wrong answer is re-asked with the reason; /cancel (handlers.common) leaves at any step.
Buttons act only in their own step: a stale or forged one falls through to the catch-all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.assignments.rules import SUMMARY_MAX, resolve_deadline
from bot.config import Settings
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import (
    MAY_ORGANIZE,
    MeetingRefusal,
    ProtocolTask,
    check_organizer,
    check_protocol,
)
from bot.profiles import Profile, default_deadline
from handlers.assignments.new_dialog import SUMMARY_MIN, chosen_names, main_first
from handlers.callbacks import MeetCallback, ProtocolCallback
from handlers.meetings.cards import meeting_title, when_text
from handlers.pickers import Option, Picker
from handlers.refusals import refusal_text
from handlers.replies import Reply, dotted, refuse, show, stale
from handlers.steps import Asked, button_day, typed_day
from storage.assignments import DuplicateNumber, UnknownDepartment
from storage.domain.assignments import Assignment, Refusal
from storage.domain.enums import Mark
from storage.domain.meetings import Meeting
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

ORGANIZERS = {"roles": MAY_ORGANIZE}
STEPS = 4


class ProtocolStates(StatesGroup):
    file = State()
    signed = State()
    summary = State()  # the text of the next assignment
    executors = State()
    deadline = State()
    more = State()  # another assignment, or that is all
    confirm = State()


def pr(step: str, value: str = "") -> ProtocolCallback:
    return ProtocolCallback(step=step, value=value)


# The executor departments of the assignment being written: `chosen` (the main one first).
EXECUTORS = Picker(pr, toggle_step="dep")


# --- pure helpers -------------------------------------------------------------------------------


def step(number: int, text: str) -> str:
    return f"{number}/{STEPS} · {text}"


def tasks_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(task) for task in data.get("tasks", [])]


def typed_deadline(task: dict[str, Any]) -> date | None:
    """The deadline typed for a task; None: the regulation's term from the meeting day."""
    return date.fromisoformat(task["deadline"]) if task.get("deadline") else None


def resolved_deadline(
    profile: Profile, ctx: services.Context, day: date, typed: date | None
) -> date:
    """The deadline an assignment of a meeting held on `day` gets; a typed date already past
    raises Refused (a date before the meeting is past too)."""
    try:
        return resolve_deadline(
            profile, ctx.calendar, received=day, deadline=typed, mark=Mark.NONE, today=ctx.today
        )
    except Refused as error:
        if error.refusal is Refusal.DEADLINE_BEFORE_RECEIVED and typed is not None:
            raise Refused(Refusal.DEADLINE_PAST, deadline=typed) from None
        raise


def regulation_deadline(profile: Profile, ctx: services.Context, day: date) -> date:
    return default_deadline(profile, ctx.calendar, received=day, mark=Mark.NONE)


def main_marked(names: Sequence[str]) -> str:
    """«A (main), B»: the first department is the main executor."""
    return ", ".join(
        _("{name} (main)").format(name=name) if n == 0 else name for n, name in enumerate(names)
    )


def deadline_lines(typed: date | None, resolved: date, language: str) -> list[str]:
    lines = [_("Deadline: {date}").format(date=date_with_weekday(resolved, language))]
    if typed is None:
        lines.append(_("(by the regulation, from the meeting day)"))
    elif typed != resolved:
        lines.append(
            _(
                "{typed} is a non-working day, so the deadline moves to the next working day."
            ).format(typed=date_with_weekday(typed, language))
        )
    return lines


async def refusal(repos: Repos, error: Refused, language: str) -> str:
    """A meeting refusal as a sentence."""
    meeting_id = error.values.get("meeting_id")
    meeting = await repos.meetings.get(int(str(meeting_id))) if meeting_id else None
    title = meeting_title(meeting) if meeting else ""
    match error.refusal:
        case MeetingRefusal.NOT_FOUND:
            return _("This meeting no longer exists.")
        case MeetingRefusal.NOT_ORGANIZER:
            return _("Only an organizer can register a meeting's protocol.")
        case MeetingRefusal.CANCELLED:
            return _("{meeting} was cancelled: there is no protocol to register.").format(
                meeting=title
            )
        case MeetingRefusal.HAS_PROTOCOL:
            found = await repos.meetings.protocol_for(meeting.id) if meeting else None
            if found is not None:
                return _("The protocol of {meeting} is already registered: No. {number}.").format(
                    meeting=title, number=found.label
                )
            return _("The protocol of {meeting} is already registered.").format(meeting=title)
        case MeetingRefusal.NOT_STARTED if meeting is not None:
            return _(
                "{meeting} has not begun yet ({when}): its protocol can be registered once it "
                "has started."
            ).format(meeting=title, when=when_text(meeting.starts_at, language))
        case MeetingRefusal.PAST:
            return _("The signing date must be between the meeting day and today.")
    return _("The protocol cannot be registered now.")


# --- views --------------------------------------------------------------------------------------


def heading(meeting: Meeting, language: str) -> str:
    return _("Protocol of {meeting}, {when}.").format(
        meeting=meeting_title(meeting), when=when_text(meeting.starts_at, language)
    )


def file_prompt(restricted: bool) -> str:
    if restricted:
        return step(
            1,
            _(
                "The meeting is restricted (ДСП): its protocol is not sent through the bot. "
                "Hand the signed paper copy over under the secrecy regime and press «No file: "
                "signed on paper». /cancel stops at any step."
            ),
        )
    return step(
        1,
        _(
            "Send the signed protocol as a file (📎 → File), or press «No file: signed on "
            "paper». /cancel stops at any step."
        ),
    )


def file_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📄 No file: signed on paper"), callback_data=pr("file", "paper"))
    return builder.as_markup()


def restricted_file_refusal() -> str:
    return _(
        "The meeting is restricted (ДСП): files are not accepted, the protocol stays on paper. "
        "Press «No file: signed on paper»."
    )


def signed_prompt(day: date, language: str) -> str:
    return step(
        2,
        _(
            "The date the protocol was signed: press «Today» or type it as dd.mm.yyyy "
            "(not before the meeting day, {day})."
        ).format(day=date_with_weekday(day, language)),
    )


def signed_keyboard(today: date) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📅 Today, {date}").format(date=dotted(today)),
        callback_data=pr("today", today.isoformat()),
    )
    return builder.as_markup()


def summary_prompt(number: int) -> str:
    if number == 1:
        text = _(
            "Assignment 1 of the protocol: type its text ({min} to {max} characters). "
            "The protocol has no assignments? Press «No assignments»."
        )
    else:
        text = _(
            "Assignment {number} of the protocol: type its text ({min} to {max} characters), "
            "or press «That is all»."
        )
    return step(3, text.format(number=number, min=SUMMARY_MIN, max=SUMMARY_MAX))


def summary_keyboard(number: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if number == 1:
        builder.button(text=_("➖ No assignments"), callback_data=pr("task", "none"))
    else:
        builder.button(text=_("✔️ That is all"), callback_data=pr("task", "end"))
    return builder.as_markup()


def more_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➕ Another assignment"), callback_data=pr("task", "add"))
    builder.button(text=_("✔️ That is all"), callback_data=pr("task", "end"))
    builder.adjust(1)
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Register and send"), callback_data=pr("ok"))
    builder.button(text=_("✖️ Cancel"), callback_data=pr("no"))
    builder.adjust(2)
    return builder.as_markup()


def number_of(data: dict[str, Any]) -> int:
    """The position of the assignment being written (from 1)."""
    edit = data.get("edit")
    return int(edit) + 1 if edit is not None else len(tasks_of(data)) + 1


async def executors_view(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    departments = await repos.staff.departments()
    chosen = EXECUTORS.chosen(data)
    view = EXECUTORS.view([Option(d.id, d.name) for d in departments], data)
    names = chosen_names(departments, chosen)
    lines = [
        step(
            3,
            _(
                "Executors of assignment {number}. Tap a department to add it or take it off. "
                "The first one chosen is the main executor, the others are co-executors. To "
                "find a department, type part of its name."
            ).format(number=number_of(data)),
        ),
        "",
        _("Chosen: {names}").format(names=", ".join(names)) if names else _("Chosen: none yet."),
        *EXECUTORS.status_lines(view),
    ]
    markup = EXECUTORS.keyboard(
        view,
        chosen,
        all_label=_("🔎 Show all departments"),
        tail=[(_("✔️ Done"), pr("done"))],
        mark=main_first,
    )
    return "\n".join(lines), markup


def deadline_prompt(number: int, regulation: date | None) -> str:
    text = _(
        "Deadline of assignment {number}: type it as dd.mm.yyyy, or press the button for the "
        "regulation's term from the meeting day. A deadline on a non-working day moves to the "
        "next working day."
    ).format(number=number)
    if regulation is None:
        text = _(
            "Deadline of assignment {number}: type it as dd.mm.yyyy (the regulation's term "
            "from the meeting day has already passed). A deadline on a non-working day moves "
            "to the next working day."
        ).format(number=number)
    return step(3, text)


def deadline_keyboard(regulation: date | None) -> InlineKeyboardMarkup | None:
    if regulation is None:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📅 By the regulation: {date}").format(date=dotted(regulation)),
        callback_data=pr("dl", "reg"),
    )
    return builder.as_markup()


def task_lines(
    position: int, task: dict[str, Any], resolved: date, language: str, *, indent: str = "   "
) -> list[str]:
    return [
        f"{position}. {task['summary']}",
        indent + _("Executors: {names}").format(names=main_marked(task["executors"])),
        *(indent + line for line in deadline_lines(typed_deadline(task), resolved, language)),
    ]


async def confirmation_view(
    profile: Profile,
    ctx: services.Context,
    meeting: Meeting,
    data: dict[str, Any],
    language: str,
) -> str:
    """The protocol as it will be registered; a deadline that became past raises Refused."""
    signed = date.fromisoformat(data["signed_on"])
    file = data.get("file")
    tasks = tasks_of(data)
    lines = [
        step(4, _("Check the protocol before registering it:")),
        "",
        _("Protocol of {meeting}, signed {date}.").format(
            meeting=meeting_title(meeting), date=date_with_weekday(signed, language)
        ),
        _("File: {name}").format(name=file[1]) if file else _("File: none, signed on paper."),
        _("Its number (the next one of {year}) is given on registration.").format(
            year=signed.year
        ),
        "",
    ]
    if tasks:
        lines.append(
            ngettext("{count} assignment:", "{count} assignments:", len(tasks)).format(
                count=len(tasks)
            )
        )
        for position, task in enumerate(tasks, start=1):
            resolved = resolved_deadline(profile, ctx, meeting.day, typed_deadline(task))
            lines += task_lines(position, task, resolved, language)
    else:
        lines.append(_("No assignments."))
    lines += [
        "",
        _(
            "Register it and send it to the recipients, the executors and the control "
            "department? The assignments are put on control at once."
        ),
    ]
    return "\n".join(lines)


# --- small I/O helpers --------------------------------------------------------------------------


async def context(repos: Repos, profile: Profile, settings: Settings) -> services.Context:
    return await services.make_context(repos, profile, settings)


async def meeting_of(repos: Repos, data: dict[str, Any]) -> Meeting | None:
    meeting_id = data.get("meeting_id")
    return await repos.meetings.get(int(meeting_id)) if meeting_id is not None else None


async def ask_signed(
    message: Reply, state: FSMContext, ctx: services.Context, language: str, reason: str = ""
) -> None:
    await state.set_state(ProtocolStates.signed)
    data = await state.get_data()
    prompt = signed_prompt(date.fromisoformat(data["day"]), language)
    await message.answer(
        f"{reason}\n\n{prompt}" if reason else prompt, reply_markup=signed_keyboard(ctx.today)
    )


async def ask_summary(message: Reply, state: FSMContext, prefix: str = "") -> None:
    await state.set_state(ProtocolStates.summary)
    data = await state.update_data(edit=None)
    number = number_of(data)
    prompt = summary_prompt(number)
    await message.answer(
        f"{prefix}\n\n{prompt}" if prefix else prompt, reply_markup=summary_keyboard(number)
    )


def regulation_or_none(profile: Profile, ctx: services.Context, day: date) -> date | None:
    """The regulation's deadline from the meeting day, or None when it has already passed."""
    regulation = regulation_deadline(profile, ctx, day)
    return regulation if regulation >= ctx.today else None


async def ask_deadline(
    message: Reply,
    state: FSMContext,
    profile: Profile,
    ctx: services.Context,
    reason: str = "",
) -> None:
    await state.set_state(ProtocolStates.deadline)
    data = await state.get_data()
    regulation = regulation_or_none(profile, ctx, date.fromisoformat(data["day"]))
    prompt = deadline_prompt(number_of(data), regulation)
    await message.answer(
        f"{reason}\n\n{prompt}" if reason else prompt, reply_markup=deadline_keyboard(regulation)
    )


async def go_confirm(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    """Show the confirmation; a deadline that became past meanwhile is asked again."""
    message = target.message if isinstance(target, CallbackQuery) else target
    data = await state.get_data()
    meeting = await meeting_of(repos, data)
    if message is None or meeting is None:
        await state.clear()
        if isinstance(target, CallbackQuery):
            await stale(target)
        return
    ctx = await context(repos, profile, settings)
    language = person.language.value
    try:
        text = await confirmation_view(profile, ctx, meeting, data, language)
    except Refused as error:
        await reopen_task(message, state, profile, ctx, language, error)
        return
    await state.set_state(ProtocolStates.confirm)
    if isinstance(target, CallbackQuery):
        await show(target, text, confirm_keyboard())
    else:
        await message.answer(text, reply_markup=confirm_keyboard())


async def reopen_task(
    message: Reply,
    state: FSMContext,
    profile: Profile,
    ctx: services.Context,
    language: str,
    error: Refused,
) -> None:
    """A deadline refused at the end (it became past meanwhile): the assignment it belongs to
    is taken out of the list and its deadline asked again; it goes back to its place."""
    data = await state.get_data()
    tasks = tasks_of(data)
    refused = error.values.get("deadline")
    if error.refusal is Refusal.DEADLINE_BEFORE_RECEIVED:  # before the meeting: past as well
        error = Refused(Refusal.DEADLINE_PAST, deadline=refused)
    index = next(
        (
            n
            for n, task in enumerate(tasks)
            if isinstance(refused, date) and task.get("deadline") == refused.isoformat()
        ),
        0,
    )
    if not tasks:  # nothing to reopen: the refusal is not about a deadline we hold
        await ask_signed(message, state, ctx, language, refusal_text(error, language))
        return
    task = tasks.pop(index)
    await state.update_data(
        tasks=tasks,
        edit=index,
        summary=task["summary"],
        executors=task["executors"],
    )
    await ask_deadline(message, state, profile, ctx, refusal_text(error, language))


async def finish_task(
    target: Message | CallbackQuery,
    state: FSMContext,
    typed: date | None,
    resolved: date,
    language: str,
) -> None:
    """The assignment being written goes into the list (at its place when it was reopened)."""
    data = await state.get_data()
    tasks = tasks_of(data)
    task = {
        "summary": data["summary"],
        "executors": list(data["executors"]),
        "deadline": typed.isoformat() if typed else "",
    }
    edit = data.get("edit")
    position = int(edit) if edit is not None else len(tasks)
    tasks.insert(position, task)
    await state.update_data(tasks=tasks, edit=None, summary=None, executors=None)
    await state.set_state(ProtocolStates.more)
    text = "\n".join(
        [
            _("Assignment {number} is added:").format(number=position + 1),
            *task_lines(position + 1, task, resolved, language),
            "",
            ngettext(
                "The protocol has {count} assignment so far. Another one, or is that all?",
                "The protocol has {count} assignments so far. Another one, or is that all?",
                len(tasks),
            ).format(count=len(tasks)),
        ]
    )
    if isinstance(target, CallbackQuery):
        await show(target, text, more_keyboard())
    else:
        await target.answer(text, reply_markup=more_keyboard())


def result_text(label: str, created: Sequence[Assignment], people: int, restricted: bool) -> str:
    if created:
        numbers = ", ".join(item.reg_number for item in created)
        head = ngettext(
            "Protocol No. {number} is registered. {count} assignment is on control ({numbers}).",
            "Protocol No. {number} is registered. {count} assignments are on control ({numbers}).",
            len(created),
        ).format(number=label, count=len(created), numbers=numbers)
    else:
        head = _("Protocol No. {number} is registered, with no assignments.").format(number=label)
    lines = [
        head,
        ngettext(
            "It was sent to {count} person.", "It was sent to {count} people.", people
        ).format(count=people),
    ]
    if restricted:
        lines.append(
            _("The meeting is restricted (ДСП): only numbers, dates and deadlines go out.")
        )
    return " ".join(lines)


# --- the steps ----------------------------------------------------------------------------------


async def on_start(
    query: CallbackQuery,
    callback_data: MeetCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    language = person.language.value
    try:
        meeting = check_organizer(
            await repos.meetings.get(callback_data.id), person.id, person.roles
        )
        check_protocol(meeting, meeting_services.local_now(ctx))
    except Refused as error:
        await refuse(query, await refusal(repos, error, language))
        return
    await state.clear()
    await state.set_state(ProtocolStates.file)
    await state.update_data(
        meeting_id=meeting.id,
        restricted=meeting.restricted,
        day=meeting.day.isoformat(),
        file=None,
        tasks=[],
        edit=None,
    )
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            heading(meeting, language) + "\n\n" + file_prompt(meeting.restricted),
            reply_markup=file_keyboard(),
        )


async def on_document(
    message: Message,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    assert message.document is not None  # the handler's filter
    data = await state.get_data()
    if data.get("restricted"):
        await message.answer(restricted_file_refusal(), reply_markup=file_keyboard())
        return
    name = message.document.file_name or "protocol"
    await state.update_data(file=[message.document.file_id, name])
    await ask_signed(
        message,
        state,
        ctx,
        person.language.value,
        _("The protocol file is received: {name}.").format(name=name),
    )


async def on_not_a_document(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    if data.get("restricted"):
        await message.answer(restricted_file_refusal(), reply_markup=file_keyboard())
        return
    await message.answer(
        _("Send the protocol as a file (📎 → File), or press «No file: signed on paper»."),
        reply_markup=file_keyboard(),
    )


async def on_paper(
    query: CallbackQuery,
    callback_data: ProtocolCallback,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    if callback_data.value != "paper" or query.message is None:
        await stale(query)
        return
    await state.update_data(file=None)
    await query.answer()
    await ask_signed(
        query.message, state, ctx, person.language.value, _("No file: signed on paper.")
    )


def signed_refusal(signed: date, day: date, today: date, language: str) -> str | None:
    if signed > today:
        return _(
            "{date} is in the future: a protocol is registered once it has been signed."
        ).format(date=date_with_weekday(signed, language))
    if signed < day:
        return _("{date} is before the meeting ({day}): the protocol is signed after it.").format(
            date=date_with_weekday(signed, language), day=date_with_weekday(day, language)
        )
    return None


async def take_signed(
    target: Message | CallbackQuery,
    state: FSMContext,
    signed: date,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    ctx = await context(repos, profile, settings)
    language = person.language.value
    data = await state.get_data()
    reason = signed_refusal(signed, date.fromisoformat(data["day"]), ctx.today, language)
    if reason is not None:
        if isinstance(target, CallbackQuery):
            await refuse(target, reason)
        else:
            await target.answer(reason + " " + _("Type another date as dd.mm.yyyy."))
        return
    await state.update_data(signed_on=signed.isoformat())
    message = target.message if isinstance(target, CallbackQuery) else target
    if isinstance(target, CallbackQuery):
        await target.answer()
    if message is None:
        return
    await ask_summary(
        message,
        state,
        _("Signed: {date}.").format(date=date_with_weekday(signed, language)),
    )


async def on_signed_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    typed = await typed_day(message)
    if typed is None:
        return
    await take_signed(message, state, typed, person, repos, profile, settings)


async def on_signed_today(
    query: CallbackQuery,
    callback_data: ProtocolCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    chosen = await button_day(query, callback_data.value)
    if chosen is None:
        return
    await take_signed(query, state, chosen, person, repos, profile, settings)


async def on_summary(message: Message, state: FSMContext, repos: Repos) -> None:
    summary = (message.text or "").strip()
    if not SUMMARY_MIN <= len(summary) <= SUMMARY_MAX:
        await message.answer(
            _(
                "The text of an assignment must be {min} to {max} characters long; yours has "
                "{count}. Type it again."
            ).format(min=SUMMARY_MIN, max=SUMMARY_MAX, count=len(summary))
        )
        return
    data = await state.update_data(summary=summary, **EXECUTORS.fresh())
    await state.set_state(ProtocolStates.executors)
    text, markup = await executors_view(repos, data)
    await message.answer(text, reply_markup=markup)


async def on_task(
    query: CallbackQuery,
    callback_data: ProtocolCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    """«No assignments» / «That is all» → the confirmation; «Another assignment» → its text."""
    data = await state.get_data()
    has_tasks = bool(tasks_of(data))
    current = await state.get_state()
    value = callback_data.value
    if value == "add" and current == ProtocolStates.more.state and query.message is not None:
        await query.answer()
        await ask_summary(query.message, state)
        return
    if (value == "none" and not has_tasks) or (value == "end" and has_tasks):
        await query.answer()
        await go_confirm(query, state, person, repos, profile, settings)
        return
    await stale(query)


async def on_search(message: Message, state: FSMContext, repos: Repos) -> None:
    searched = EXECUTORS.searched(message.text)
    if searched is None:
        await message.answer(_("Type part of a department's name, or use the buttons."))
        return
    data = await state.update_data(searched)
    text, markup = await executors_view(repos, data)
    await message.answer(text, reply_markup=markup)


async def redraw(query: CallbackQuery, state: FSMContext, repos: Repos, update: Any) -> None:
    data = await state.update_data(update)
    await query.answer()
    text, markup = await executors_view(repos, data)
    await show(query, text, markup)


async def on_toggle(
    query: CallbackQuery, callback_data: ProtocolCallback, state: FSMContext, repos: Repos
) -> None:
    department = (
        await repos.staff.department(int(callback_data.value))
        if callback_data.value.isdigit()
        else None
    )
    if department is None:
        await stale(query)
        return
    await redraw(query, state, repos, EXECUTORS.toggled(await state.get_data(), department.id))


async def on_page(
    query: CallbackQuery, callback_data: ProtocolCallback, state: FSMContext, repos: Repos
) -> None:
    paged = EXECUTORS.paged(callback_data.value)
    if paged is None:
        await stale(query)
        return
    await redraw(query, state, repos, paged)


async def on_show_all(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    await redraw(query, state, repos, EXECUTORS.everything())


async def on_executors_done(
    query: CallbackQuery,
    state: FSMContext,
    repos: Repos,
    profile: Profile,
    ctx: services.Context,
) -> None:
    data = await state.get_data()
    departments = await repos.staff.departments()
    by_id = {d.id: d.name for d in departments}
    names = [by_id[i] for i in EXECUTORS.chosen(data) if i in by_id]
    if not names:
        await refuse(query, _("Choose at least one executor department: tap its name."))
        return
    if query.message is None:
        await stale(query)
        return
    await state.update_data(executors=names)
    await query.answer()
    await ask_deadline(
        query.message,
        state,
        profile,
        ctx,
        _("Executors: {names}").format(names=main_marked(names)),
    )


async def on_deadline_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    profile: Profile,
    ctx: services.Context,
) -> None:
    language = person.language.value
    example = regulation_deadline(profile, ctx, ctx.today)
    typed = await typed_day(message, asked=Asked.DEADLINE, example=example)
    if typed is None:
        return
    data = await state.get_data()
    try:
        resolved = resolved_deadline(profile, ctx, date.fromisoformat(data["day"]), typed)
    except Refused as error:
        await message.answer(
            refusal_text(error, language) + " " + _("Type another date as dd.mm.yyyy.")
        )
        return
    await finish_task(message, state, typed, resolved, language)


async def on_deadline_regulation(
    query: CallbackQuery,
    callback_data: ProtocolCallback,
    state: FSMContext,
    person: Person,
    profile: Profile,
    ctx: services.Context,
) -> None:
    if callback_data.value != "reg":
        await stale(query)
        return
    data = await state.get_data()
    regulation = regulation_deadline(profile, ctx, date.fromisoformat(data["day"]))
    if regulation < ctx.today:
        await refuse(
            query,
            _("The regulation's deadline {date} has already passed: type a date.").format(
                date=dotted(regulation)
            ),
        )
        return
    await query.answer()
    await finish_task(query, state, None, regulation, person.language.value)


async def on_register(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    ctx: services.Context,
) -> None:
    data = await state.get_data()
    try:
        meeting_id = int(data["meeting_id"])
        signed_on = date.fromisoformat(str(data["signed_on"]))
        file = data.get("file")
        tasks = [
            ProtocolTask(
                summary=str(task["summary"]),
                executors=tuple(str(name) for name in task["executors"]),
                deadline=typed_deadline(task),
            )
            for task in tasks_of(data)
        ]
    except (KeyError, ValueError, TypeError):
        await state.clear()
        await stale(query)
        return
    if query.message is None:
        await stale(query)
        return
    await state.set_state(None)  # a second tap on «Register» finds no dialog
    language = person.language.value
    meeting = await repos.meetings.get(meeting_id)
    try:
        protocol, created = await meeting_services.register_protocol(
            ctx,
            person,
            meeting_id,
            signed_on=signed_on,
            file_id=str(file[0]) if file else None,
            file_name=str(file[1]) if file else None,
            tasks=tasks,
        )
    except Refused as error:
        await query.answer()
        if not isinstance(error.refusal, MeetingRefusal):  # a task's deadline
            await reopen_task(query.message, state, profile, ctx, language, error)
            return
        reason = await refusal(repos, error, language)
        if error.refusal is MeetingRefusal.PAST:
            await ask_signed(query.message, state, ctx, language, reason)
            return
        await state.clear()
        await show(query, reason + "\n" + _("Nothing was registered."))
        return
    except DuplicateNumber as error:
        await state.clear()
        await query.answer()
        await show(
            query,
            _(
                "Assignment No. {number} is already registered, so the protocol could not be "
                "numbered; nothing was registered. Ask the control department to check the "
                "register."
            ).format(number=error.reg_number),
        )
        return
    except UnknownDepartment as error:
        await state.clear()
        await query.answer()
        await show(
            query,
            _(
                "The department «{name}» is no longer in the staff directory; nothing was "
                "registered. Start again with the current departments."
            ).format(name=error.name),
        )
        return
    await state.clear()
    await query.answer(_("Registered."))
    assert meeting is not None  # register_protocol found it
    people = len(await meeting_services.protocol_audience(ctx, meeting, created))
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📋 Open the meeting"), callback_data=MeetCallback(action="open", id=meeting_id)
    )
    await show(
        query,
        result_text(protocol.label, created, people, meeting.restricted),
        builder.as_markup(),
    )


async def on_drop(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    await show(query, _("Cancelled. Nothing was saved."))


async def on_use_buttons(message: Message) -> None:
    await message.answer(_("Please answer with the buttons above, or /cancel."))


def create_router() -> Router:
    router = Router(name=__name__)
    states = ProtocolStates
    text = ~F.text.startswith("/")
    msg = router.message
    msg.register(on_document, states.file, F.document, flags=ORGANIZERS)
    msg.register(on_not_a_document, states.file, text, flags=ORGANIZERS)
    msg.register(on_signed_typed, states.signed, text, flags=ORGANIZERS)
    msg.register(on_summary, states.summary, text, flags=ORGANIZERS)
    msg.register(on_search, states.executors, text, flags=ORGANIZERS)
    msg.register(on_deadline_typed, states.deadline, text, flags=ORGANIZERS)
    for waiting in (states.more, states.confirm):
        msg.register(on_use_buttons, waiting, text, flags=ORGANIZERS)
    cb = router.callback_query
    new = ProtocolCallback.filter
    cb.register(on_start, MeetCallback.filter(F.action == "proto"), flags=ORGANIZERS)
    cb.register(on_paper, states.file, new(F.step == "file"), flags=ORGANIZERS)
    cb.register(on_signed_today, states.signed, new(F.step == "today"), flags=ORGANIZERS)
    cb.register(on_task, states.summary, new(F.step == "task"), flags=ORGANIZERS)
    cb.register(on_task, states.more, new(F.step == "task"), flags=ORGANIZERS)
    cb.register(on_toggle, states.executors, new(F.step == "dep"), flags=ORGANIZERS)
    cb.register(on_page, states.executors, new(F.step == "pg"), flags=ORGANIZERS)
    cb.register(on_show_all, states.executors, new(F.step == "all"), flags=ORGANIZERS)
    cb.register(on_executors_done, states.executors, new(F.step == "done"), flags=ORGANIZERS)
    cb.register(on_deadline_regulation, states.deadline, new(F.step == "dl"), flags=ORGANIZERS)
    cb.register(on_register, states.confirm, new(F.step == "ok"), flags=ORGANIZERS)
    cb.register(on_drop, states.confirm, new(F.step == "no"), flags=ORGANIZERS)
    return router

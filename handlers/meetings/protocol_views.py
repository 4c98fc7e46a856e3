"""What the protocol dialog (handlers.meetings.protocol_dialog) shows: its prompts, keyboards,
the assignment lines and the confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.assignments.rules import SUMMARY_MAX
from bot.i18n import date_with_weekday
from bot.meetings.rules import ProtocolTask
from bot.profiles import default_deadline
from bot.services import Context
from handlers.assignments.drafting import (
    SUMMARY_MIN,
    deadline_lines,
    executors_view,
    main_marked,
    resolved_deadline,
)
from handlers.callbacks import ProtocolCallback, ProtocolStep
from handlers.keyboards import Keyboard
from handlers.meetings.cards import meeting_title, when_text
from handlers.pickers import Picker
from handlers.replies import dotted
from handlers.steps import confirm_keyboard, numbered
from storage.assignments import DuplicateNumber, UnknownDepartment
from storage.domain.assignments import Assignment
from storage.domain.enums import Mark
from storage.domain.meetings import Meeting
from storage.repo import Repos

STEPS = 4


def pr(step: str, value: str = "") -> ProtocolCallback:
    return ProtocolCallback(step=ProtocolStep(step), value=value)


# The executor departments of the assignment being written: `chosen` (the main one first).
EXECUTORS = Picker(pr, toggle_step=ProtocolStep.DEPARTMENT)


# --- pure helpers -------------------------------------------------------------------------------


def step(number: int, text: str) -> str:
    return numbered(number, STEPS, text)


def tasks_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(task) for task in data.get("tasks", [])]


def task_deadline(task: dict[str, Any]) -> date | None:
    """The deadline typed for a task; None: the regulation's term from the meeting day."""
    return date.fromisoformat(task["deadline"]) if task.get("deadline") else None


def resolved(ctx: Context, day: date, typed: date | None) -> date:
    """The deadline an assignment of a meeting held on `day` gets; a typed date already past
    raises Refused (a date before the meeting is past too)."""
    return resolved_deadline(
        ctx.profile, ctx.calendar, received=day, typed=typed, mark=Mark.NONE, today=ctx.today
    )


def task_with(tasks: Sequence[dict[str, Any]], deadline: object) -> int:
    """The position of the first task with this typed deadline (0 when none has it)."""
    return next(
        (
            n
            for n, task in enumerate(tasks)
            if isinstance(deadline, date) and task.get("deadline") == deadline.isoformat()
        ),
        0,
    )


def registration_of(data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The meeting and the protocol the dialog gathered, as register_protocol takes them."""
    file = data.get("file")
    tasks = [
        ProtocolTask(
            summary=str(task["summary"]),
            executors=tuple(str(name) for name in task["executors"]),
            deadline=task_deadline(task),
        )
        for task in tasks_of(data)
    ]
    return int(data["meeting_id"]), {
        "signed_on": date.fromisoformat(str(data["signed_on"])),
        "file_id": str(file[0]) if file else None,
        "file_name": str(file[1]) if file else None,
        "tasks": tasks,
    }


def regulation_deadline(ctx: Context, day: date) -> date:
    return default_deadline(ctx.profile, ctx.calendar, received=day, mark=Mark.NONE)


def regulation_or_none(ctx: Context, day: date) -> date | None:
    """The regulation's deadline from the meeting day, or None when it has already passed."""
    regulation = regulation_deadline(ctx, day)
    return regulation if regulation >= ctx.today else None


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


# --- views ---------------------------------------------------------------------------------------


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
    builder = Keyboard()
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
    builder = Keyboard()
    builder.button(
        text=_("📅 Today, {date}").format(date=dotted(today)),
        callback_data=pr("today", today.isoformat()),
    )
    return builder.as_markup()


def summary_prompt(number: int, restricted: bool = False) -> str:
    if restricted:  # the text stays on paper: never typed into the chat
        return step(
            3,
            _(
                "Assignment {number} of the restricted protocol: its text stays on paper. "
                "Press «➕ Assignment» to choose its executors and deadline."
            ).format(number=number),
        )
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


def summary_keyboard(number: int, restricted: bool = False) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if restricted:
        builder.button(text=_("➕ Assignment"), callback_data=pr("task", "paper"))
    if number == 1:
        builder.button(text=_("➖ No assignments"), callback_data=pr("task", "none"))
    else:
        builder.button(text=_("✔️ That is all"), callback_data=pr("task", "end"))
    return builder.as_markup()


def more_keyboard() -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("➕ Another assignment"), callback_data=pr("task", "add"))
    builder.button(text=_("✔️ That is all"), callback_data=pr("task", "end"))
    builder.adjust(1)
    return builder.as_markup()


def register_keyboard() -> InlineKeyboardMarkup:
    return confirm_keyboard(_("✅ Register and send"), pr(ProtocolStep.OK), pr(ProtocolStep.NO))


def number_of(data: dict[str, Any]) -> int:
    """The position of the assignment being written (from 1)."""
    edit = data.get("edit")
    return int(edit) + 1 if edit is not None else len(tasks_of(data)) + 1


async def draw_executors(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    header = step(
        3,
        _(
            "Executors of assignment {number}. Tap a department to add it or take it off. "
            "The first one chosen is the main executor, the others are co-executors. To "
            "find a department, type part of its name."
        ).format(number=number_of(data)),
    )
    return await executors_view(repos, EXECUTORS, data, header, pr(ProtocolStep.DONE))


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
    builder = Keyboard()
    builder.button(
        text=_("📅 By the regulation: {date}").format(date=dotted(regulation)),
        callback_data=pr("dl", "reg"),
    )
    return builder.as_markup()


def task_lines(
    position: int, task: dict[str, Any], resolved: date, language: str, *, indent: str = "   "
) -> list[str]:
    note = _("(by the regulation, from the meeting day)")
    return [
        f"{position}. {task['summary']}",
        indent
        + _("Executors: {names}").format(
            names=", ".join(main_marked(task.get("shown") or task["executors"]))
        ),
        *(indent + line for line in deadline_lines(task_deadline(task), resolved, language, note)),
    ]


async def confirmation_view(
    ctx: Context, meeting: Meeting, data: dict[str, Any], language: str
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
            day = resolved(ctx, meeting.day, task_deadline(task))
            lines += task_lines(position, task, day, language)
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


def added_text(
    number: int, task: dict[str, Any], resolved: date, count: int, language: str
) -> str:
    """The assignment just added (its number from 1) and how many the protocol has so far."""
    return "\n".join(
        [
            _("Assignment {number} is added:").format(number=number),
            *task_lines(number, task, resolved, language),
            "",
            ngettext(
                "The protocol has {count} assignment so far. Another one, or is that all?",
                "The protocol has {count} assignments so far. Another one, or is that all?",
                count,
            ).format(count=count),
        ]
    )


def not_registered(error: DuplicateNumber | UnknownDepartment) -> str:
    """Why nothing was registered: a number of its assignments taken, or a department gone."""
    if isinstance(error, DuplicateNumber):
        return _(
            "Assignment No. {number} is already registered, so the protocol could not be "
            "numbered; nothing was registered. Ask the control department to check the "
            "register."
        ).format(number=error.reg_number)
    return _(
        "The department «{name}» is no longer in the staff directory; nothing was "
        "registered. Start again with the current departments."
    ).format(name=error.name)

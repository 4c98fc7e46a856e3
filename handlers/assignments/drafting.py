"""What writing an assignment asks, alike in /new and in a protocol's assignments: the summary's
length, the executor departments (a picker; the first chosen is the main executor) and the
deadline (typed, or the regulation's) with the lines that show it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.assignments.rules import resolve_deadline
from bot.i18n import date_with_weekday
from bot.profiles import CalendarLike, Profile
from handlers.pickers import Picker, department_options
from handlers.replies import reader_language
from storage.domain.assignments import Refusal
from storage.domain.enums import Mark, Source
from storage.domain.refusals import Refused
from storage.models import Department
from storage.repo import Repos

SUMMARY_MIN = 3


# --- the executors ------------------------------------------------------------------------------


def main_first(department_id: int, chosen: Sequence[int]) -> str:
    if department_id not in chosen:
        return ""
    return "⭐ " if chosen[0] == department_id else "✅ "


def main_marked(names: Sequence[str]) -> list[str]:
    """«A (main)», «B»: the first department is the main executor."""
    return [
        _("{name} (main)").format(name=name) if n == 0 else name for n, name in enumerate(names)
    ]


def chosen_departments(
    departments: Sequence[Department], chosen: Sequence[int]
) -> list[Department]:
    """The chosen departments in the order chosen (departments gone are skipped)."""
    by_id = {d.id: d for d in departments}
    return [by_id[i] for i in chosen if i in by_id]


def chosen_names(departments: Sequence[Department], chosen: Sequence[int]) -> list[str]:
    """Names of the chosen departments in the order chosen, in the reader's language (for the
    screen; what is stored and registered keeps `Department.name`)."""
    language = reader_language()
    return [d.label(language) for d in chosen_departments(departments, chosen)]


async def executors_view(
    repos: Repos, picker: Picker, data: dict[str, object], header: str, done: CallbackData
) -> tuple[str, InlineKeyboardMarkup]:
    """The executors step: `header`, the chosen (the main one marked), the picker and «Done»."""
    departments = await repos.staff.departments()
    chosen = picker.chosen(data)
    view = picker.view(department_options(departments), data)
    names = main_marked(chosen_names(departments, chosen))
    lines = [
        header,
        "",
        _("Chosen: {names}").format(names=", ".join(names))
        if names
        else _("No department chosen yet."),
        *picker.status_lines(view),
    ]
    markup = picker.keyboard(
        view,
        chosen,
        all_label=_("🔎 Show all departments"),
        tail=[(_("✔️ Done"), done)],
        mark=main_first,
    )
    return "\n".join(lines), markup


# --- the deadline -------------------------------------------------------------------------------


def resolved_deadline(
    profile: Profile,
    calendar: CalendarLike,
    *,
    received: date,
    typed: date | None,
    mark: Mark,
    today: date,
    source: Source | None = None,
) -> date:
    """The deadline an item received on `received` gets (`typed`, or the regulation's by the
    mark); a typed date already past raises Refused (one before the date received is past too:
    received is today, or the meeting day)."""
    try:
        return resolve_deadline(
            profile,
            calendar,
            received=received,
            deadline=typed,
            mark=mark,
            today=today,
            source=source,
        )
    except Refused as error:
        if error.refusal is Refusal.DEADLINE_BEFORE_RECEIVED and typed is not None:
            raise Refused(Refusal.DEADLINE_PAST, deadline=typed) from None
        raise


def deadline_lines(typed: date | None, resolved: date, language: str, default: str) -> list[str]:
    """«Deadline: …», then `default` when none was typed, or that a typed day off moved."""
    lines = [_("Deadline: {date}").format(date=date_with_weekday(resolved, language))]
    if typed is None:
        lines.append(default)
    elif typed != resolved:
        lines.append(
            _(
                "{typed} is a non-working day, so the deadline moves to the next working day."
            ).format(typed=date_with_weekday(typed, language))
        )
    return lines

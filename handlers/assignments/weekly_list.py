"""The weekly control list's rows and summary (seed 003 §12.4), in the reader's language: pure
given the items, so that a list of 10,000 items is made in a worker thread
(`render_weekly` in `handlers.assignments.outbox` reads the items and sends the file).

The words every row repeats (the sources, statuses, «no» …) are translated once per list,
and each date written once, not once per row: gettext and Babel take most of a long list's
time otherwise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.assignments.rules import Light, lights_on
from bot.calendar import WorkCalendar
from bot.delivery import content_digest
from bot.i18n import long_date
from bot.i18n_marks import N_
from handlers.assignments.cards import (
    GROUND_TITLES,
    LIGHTS,
    SOURCE_TITLES,
    STATUS_TITLES,
    executors_text,
)
from storage.domain.assignments import Assignment, RemovalGround, Status
from storage.domain.enums import Source

WEEKLY_LABELS = (
    N_("Given by"),
    N_("Content"),
    N_("Executors"),
    N_("Deadline"),
    N_("Removed from control"),
    N_("Extension"),
    N_("Note"),
)
WEEKLY_DEPARTMENTS_SHOWN = 12


@dataclass(slots=True)
class WeeklyWords:
    """The list's words in the current locale, translated once (`now`), and its dates, each
    written once in `language`."""

    language: str
    number: str  # «No. {number}»
    restricted: str
    no: str
    main: str  # «{name} (main)»
    sources: dict[Source, str]
    statuses: dict[Status, str]
    grounds: dict[RemovalGround, str]
    _extended: dict[int, str] = field(default_factory=dict)
    _dates: dict[date, str] = field(default_factory=dict)

    @classmethod
    def now(cls, language: str) -> WeeklyWords:
        return cls(
            language=language,
            number=_("No. {number}"),
            restricted=_("restricted: see the paper copy"),
            no=_("no"),
            main=_("{name} (main)"),
            sources={source: _(title) for source, title in SOURCE_TITLES.items()},
            statuses={status: _(title) for status, title in STATUS_TITLES.items()},
            grounds={ground: _(title) for ground, title in GROUND_TITLES.items()},
        )

    def extended(self, count: int) -> str:
        if count not in self._extended:
            self._extended[count] = ngettext(
                "extended {count} time", "extended {count} times", count
            ).format(count=count)
        return self._extended[count]

    def date(self, day: date) -> str:
        if (text := self._dates.get(day)) is None:
            text = self._dates[day] = str(long_date(day, self.language))
        return text


def weekly_fields(
    assignment: Assignment,
    cal: WorkCalendar,
    today: date,
    language: str,
    light_of: Callable[[date], Light] | None = None,
    words: WeeklyWords | None = None,
) -> list[str]:
    """«🔴 No. X» and the values of the §12.4 fields, in WEEKLY_LABELS order (`light_of`: the
    day's lights, `lights_on(cal, today)`, and `words`, `WeeklyWords.now(language)`, when many
    items are listed)."""
    words = words or WeeklyWords.now(language)
    content = words.restricted if assignment.restricted else assignment.summary
    removal = words.no
    if assignment.removal_ground is not None:
        removal = words.grounds[assignment.removal_ground]
    extension = words.extended(assignment.extensions) if assignment.extensions else words.no
    light_of = light_of or lights_on(cal, today)
    light = LIGHTS[light_of(assignment.deadline)] if assignment.is_open else "⚪"
    return [
        f"{light} " + words.number.format(number=assignment.reg_number),
        f"{words.sources[assignment.source]}, {words.date(assignment.received)}",
        content,
        executors_text(assignment, language, main=words.main),
        words.date(assignment.deadline),
        removal,
        extension,
        words.statuses[assignment.status],
    ]


def weekly_summary(items: list[Assignment], lights: list[str], language: str) -> str:
    """One phone screen: 🔴/🟡/🟢 over everything, then per main executor department (the
    busiest first, at most WEEKLY_DEPARTMENTS_SHOWN lines)."""
    order = ("🔴", "🟡", "🟢", "⚪")

    def counted(marks: list[str]) -> str:
        return " · ".join(f"{light} {marks.count(light)}" for light in order if light in marks)

    by_department: dict[str, list[str]] = {}
    for item, light in zip(items, lights, strict=True):
        main = item.main_executor
        name = main.department_in(language) if main is not None else _("no main executor")
        by_department.setdefault(name, []).append(light)
    ranked = sorted(by_department.items(), key=lambda entry: (-len(entry[1]), entry[0]))
    lines = [counted(lights)]
    lines += [
        f"• {name}: {len(marks)} ({counted(marks)})"
        for name, marks in ranked[:WEEKLY_DEPARTMENTS_SHOWN]
    ]
    if len(ranked) > WEEKLY_DEPARTMENTS_SHOWN:
        rest = ranked[WEEKLY_DEPARTMENTS_SHOWN:]
        lines.append(
            _("• {count} more departments: {items}").format(
                count=len(rest), items=sum(len(marks) for _name, marks in rest)
            )
        )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class WeeklyTable:
    """The list as the file holds it (a row per item, the number without its light), the
    one-screen summary, and a fingerprint of the file's content."""

    rows: list[list[str]]
    summary: str
    digest: str


def weekly_table(
    items: list[Assignment],
    cal: WorkCalendar,
    today: date,
    language: str,
    title: str,
    headers: list[str],
) -> WeeklyTable:
    """Every item's row and the summary (blocking, ~0.1 s for 10,000 items: run it in a
    worker thread, which keeps the caller's locale)."""
    light_of = lights_on(cal, today)  # one day's lights, found once for every item
    words = WeeklyWords.now(language)
    lights: list[str] = []
    rows: list[list[str]] = []
    for item in items:
        first, *rest = weekly_fields(item, cal, today, language, light_of, words)
        light, number = first.split(" ", 1)
        lights.append(light)
        rows.append([number, *rest])
    return WeeklyTable(
        rows,
        weekly_summary(items, lights, language),
        content_digest(title, headers, rows),
    )

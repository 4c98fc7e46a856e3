"""The report's figures and periods: pure functions, no aiogram, no SQL.

Counting rules (said once, in the README's «Reports» section too):
- an item belongs to its main executor department (the «свод», §12.17);
- «received»: registered in the period; «executed on time / late»: removed from control as
  executed in the period, its (last) report in by the deadline or after it; «removed as
  impossible»: removed on that ground in the period; «extended» and «returned»: how many times
  in the period;
- «overdue» and «open within the deadline»: on control as of the end of the period (today for
  a period not over yet); an item whose report came in by the deadline and waits for the
  controller's decision is within the deadline;
- the deadline is the latest one approved (an extension moves it, and the item is on time
  against the new date); days late are calendar days from the deadline to the report;
- the execution rate is executed on time among those due: on time / (on time + late + overdue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.profiles import CalendarLike
from bot.profiles.values import QuarterlyReport
from storage.domain.enums import Role, Source
from storage.domain.reports import Counts, GroupCounts, Overdue, Window

# Who may ask for a report, and what they see (see `reader_scope`).
SEE_ALL = frozenset({Role.CONTROLLER, Role.AKIM, Role.HEAD_OF_APPARATUS})
READERS = SEE_ALL | {Role.DEPUTY_AKIM, Role.HEAD}
WORST_SHOWN = 5
QUARTERLY_REMINDER_LEAD = 5  # working days before the due date
QUARTERLY_CATCH_UP = 5  # working days after the due date a bot that was down still sends it


class Preset(StrEnum):
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "this_quarter"
    LAST_QUARTER = "last_quarter"
    THIS_YEAR = "this_year"


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter 1–4) of a day."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_days(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    last = _month_end(date(year, 3 * quarter, 1))
    return first, last


def previous_quarter(day: date) -> tuple[int, int]:
    year, quarter = quarter_of(day)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def preset_period(preset: Preset, today: date) -> tuple[date, date]:
    """The first and last day of a preset period around `today` (this month is the whole
    month: what has not happened yet counts nothing)."""
    if preset is Preset.THIS_MONTH:
        first = today.replace(day=1)
        return first, _month_end(first)
    if preset is Preset.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset is Preset.THIS_QUARTER:
        return quarter_days(*quarter_of(today))
    if preset is Preset.LAST_QUARTER:
        return quarter_days(*previous_quarter(today))
    return date(today.year, 1, 1), date(today.year, 12, 31)


def reader_scope(
    roles: Iterable[Role], curates: Iterable[int], own_departments: Iterable[int]
) -> frozenset[int] | None:
    """The departments a reader's report covers: None for all (the control department, the
    akim, the head of apparatus), the curated ones for a deputy akim (with their own as head,
    if any), the departments they answer for as head; an empty set: no report for them."""
    held = frozenset(roles)
    if held & SEE_ALL:
        return None
    seen: set[int] = set()
    if Role.DEPUTY_AKIM in held:
        seen |= set(curates)
    if Role.HEAD in held:
        seen |= set(own_departments)
    return frozenset(seen)


def window(
    start: date, end: date, today: date, zone: ZoneInfo, departments: frozenset[int] | None
) -> Window:
    """What storage is asked for: the period, the day its state is read (the end, or today
    when the period is not over), and the local offset from UTC on that day."""
    if end < start:
        raise ValueError("the period ends before it starts")
    as_of = min(end, today)
    offset = datetime.combine(as_of, time(12), zone).utcoffset() or timedelta(0)
    return Window(start, end, as_of, int(offset.total_seconds() // 60), departments)


@dataclass(frozen=True, slots=True)
class Line:
    """One department's (or source's) line: its name and counts."""

    name: str
    counts: Counts


@dataclass(frozen=True, slots=True)
class WorstItem:
    reg_number: str
    department: str
    deadline: date
    days: int


@dataclass(frozen=True, slots=True)
class Report:
    start: date
    end: date
    as_of: date
    departments: list[Line]  # by name
    sources: list[tuple[Source, Counts]]  # in the order of `Source`
    total: Counts
    worst: list[WorstItem]

    @property
    def empty(self) -> bool:
        return not self.departments


def build(
    win: Window,
    groups: Iterable[GroupCounts],
    worst: Iterable[Overdue],
    names: Mapping[int, str],
    no_department: str = "—",
) -> Report:
    """The report from what storage counted: per department (by name), per source (in the
    order of `Source`), the total, and the worst overdue items with their departments."""
    per_department: dict[str, Counts] = {}
    per_source: dict[Source, Counts] = {}
    total = Counts()
    for group in groups:
        name = names.get(group.department_id, no_department) if group.department_id else None
        key = name or no_department
        per_department[key] = per_department.get(key, Counts()).plus(group.counts)
        per_source[group.source] = per_source.get(group.source, Counts()).plus(group.counts)
        total = total.plus(group.counts)
    return Report(
        start=win.start,
        end=win.end,
        as_of=win.as_of,
        departments=[Line(name, per_department[name]) for name in sorted(per_department)],
        sources=[(source, per_source[source]) for source in Source if source in per_source],
        total=total,
        worst=[
            WorstItem(
                item.reg_number,
                names.get(item.department_id, no_department)
                if item.department_id
                else no_department,
                item.deadline,
                item.days,
            )
            for item in worst
        ],
    )


def quarterly_due(param: QuarterlyReport, cal: CalendarLike, year: int, quarter: int) -> date:
    """When the report for quarter `quarter` of `year` is due (the profile's day, rolled)."""
    return param.due(cal, year, quarter)


def quarterly_duty(
    param: QuarterlyReport, cal: CalendarLike, today: date
) -> tuple[str, int, int, date] | None:
    """What the quarterly report owes today, if anything: ("remind" | "send", year, quarter of
    the report, due date). The reminder is owed from 5 working days before the due date until
    it; the report from the due date for 5 working days more (a bot that was down catches up;
    one started long after does not send an old quarter's report unasked)."""
    year, quarter = previous_quarter(today)
    due = quarterly_due(param, cal, year, quarter)
    if today >= due:
        if today > cal.add_working_days(due, QUARTERLY_CATCH_UP):
            return None
        return "send", year, quarter, due
    remind = cal.subtract_working_days(due, QUARTERLY_REMINDER_LEAD)
    if today >= remind:
        return "remind", year, quarter, due
    return None

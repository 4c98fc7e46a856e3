"""Which notices an assignment is due, to whom, and when they may go out. Pure rules.

Every notice has an identity — (item, kind, due date, recipient) — built by the sweep, so a
second sweep, a restart or a race sends nothing twice. A notice is due from its day until the
last day it still applies; a sweep that finds it inside that window (the bot was down on the
day itself) sends it late rather than never. When the deadline moves, the due dates move with
it, and so do the identities.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.assignments.rules import item_internal_deadline
from bot.profiles import (
    CalendarLike,
    Profile,
    deadline_notice_date,
    internal_deadline,
    removal_note_date,
    report_due_dates,
    roadmap_due_date,
)
from storage.domain.assignments import Assignment, Status

# How far back a sweep looks for notices it missed (bot down over a long holiday).
CATCH_UP_DAYS = 14


class NoticeKind(StrEnum):
    DEADLINE = "deadline"  # N working days before the deadline (п.12.4 / profile)
    INTERNAL_DEADLINE = "internal_deadline"  # the same before a higher item's internal deadline
    REPORT_MAIN = "report_main"  # the main executor's report is due (baidibek §12.13)
    REPORT_CO = "report_co"  # co-executors' input is due (baidibek §12.13)
    DEADLINE_DAY = "deadline_day"  # the deadline is today
    OVERDUE = "overdue"  # first working day after the deadline: escalation
    REMOVAL_NOTE = "removal_note"  # the note on removal from control is due (baidibek §12.14)
    ROADMAP = "roadmap"  # the roadmap for a President's act is due (baidibek §12.3)


class Audience(StrEnum):
    EXECUTORS = "executors"  # heads of every active executor department
    MAIN = "main"  # heads of the main executor department
    CO = "co"  # heads of the co-executor departments
    CONTROLLERS = "controllers"
    CURATORS = "curators"  # deputy akims curating an executor department
    LEADERSHIP = "leadership"  # the akim and the head of apparatus (baidibek §12.4)


AUDIENCES: dict[NoticeKind, tuple[Audience, ...]] = {
    NoticeKind.DEADLINE: (Audience.EXECUTORS, Audience.CONTROLLERS),
    NoticeKind.INTERNAL_DEADLINE: (Audience.EXECUTORS, Audience.CONTROLLERS),
    NoticeKind.REPORT_MAIN: (Audience.MAIN,),
    NoticeKind.REPORT_CO: (Audience.CO,),
    NoticeKind.DEADLINE_DAY: (Audience.EXECUTORS,),
    NoticeKind.OVERDUE: (Audience.EXECUTORS, Audience.CURATORS, Audience.CONTROLLERS),
    NoticeKind.REMOVAL_NOTE: (Audience.MAIN,),
    NoticeKind.ROADMAP: (Audience.MAIN,),
}


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    due: date  # the day it is meant for (part of its identity)
    until: date  # the last day it still applies
    extra: tuple[Audience, ...] = ()  # audiences the profile adds to the kind's own

    @property
    def audiences(self) -> tuple[Audience, ...]:
        return AUDIENCES[self.kind] + self.extra


def deadline_notice_audiences(profile: Profile) -> tuple[Audience, ...]:
    """Who the deadline notice goes to besides the executors and the control department: the
    apparatus leadership where the profile says so (baidibek §12.4, seed 003 l.1263-1264)."""
    return (Audience.LEADERSHIP,) if profile.is_on("deadline_notice_leadership") else ()


def deadline_news_audiences(
    profile: Profile, cal: CalendarLike, deadline: date, internal: date | None = None
) -> tuple[Audience, ...]:
    """Who hears that an item's deadline moved: everyone the item's notices reach under the
    profile — the heads of every executor department (main and co-executors), the control
    department, the curating deputy akims (the overdue escalation) and, where the profile sends
    them the deadline notice, the akim and the head of apparatus — each audience once."""
    found = [Audience.EXECUTORS]
    for notice in planned(profile, cal, deadline, internal):
        for audience in notice.audiences:
            if audience not in (Audience.MAIN, Audience.CO) and audience not in found:
                found.append(audience)
    return tuple(found)


def planned(
    profile: Profile, cal: CalendarLike, deadline: date, internal: date | None = None
) -> list[Notice]:
    """Every notice an open item with this deadline (and this internal deadline, for a
    higher-level item: baidibek §12.2) gets under the profile."""
    notices = []
    before_deadline = cal.subtract_working_days(deadline, 1)
    notice_day = deadline_notice_date(profile, cal, deadline)
    extra = deadline_notice_audiences(profile)
    if notice_day is not None:
        notices.append(Notice(NoticeKind.DEADLINE, notice_day, before_deadline, extra))
    internal_day = None if internal is None else deadline_notice_date(profile, cal, internal)
    if internal is not None and internal_day is not None:
        before_internal = cal.subtract_working_days(internal, 1)
        notices.append(Notice(NoticeKind.INTERNAL_DEADLINE, internal_day, before_internal, extra))
    reports = report_due_dates(profile, cal, deadline)
    if reports is not None:
        main_day, co_day = reports
        notices.append(Notice(NoticeKind.REPORT_MAIN, main_day, before_deadline))
        notices.append(Notice(NoticeKind.REPORT_CO, co_day, before_deadline))
    notices.append(Notice(NoticeKind.DEADLINE_DAY, deadline, deadline))
    overdue_day = cal.add_working_days(deadline, 1)
    notices.append(Notice(NoticeKind.OVERDUE, overdue_day, overdue_day + timedelta(CATCH_UP_DAYS)))
    removal_day = removal_note_date(profile, cal, deadline)
    if removal_day is not None:
        notices.append(
            Notice(NoticeKind.REMOVAL_NOTE, removal_day, removal_day + timedelta(CATCH_UP_DAYS))
        )
    return notices


Plans = Callable[[date, date | None], Sequence[Notice]]


def plans(profile: Profile, cal: CalendarLike) -> Plans:
    """`planned` for this profile and calendar, computed once per distinct (deadline, internal
    deadline): a sweep's due items share a few deadlines, so it plans a few days, not every
    item."""

    @functools.cache
    def plan(deadline: date, internal: date | None) -> tuple[Notice, ...]:
        return tuple(planned(profile, cal, deadline, internal))

    return plan


def due(
    profile: Profile,
    cal: CalendarLike,
    item: Assignment,
    today: date,
    plan: Plans | None = None,
) -> list[Notice]:
    """The notices `item` should have received by `today` that still apply (`plan`: a shared
    `plans(profile, cal)` when many items are looked at)."""
    if not item.is_open:
        return []
    reported = item.status is Status.REPORTED
    found = []
    internal = item_internal_deadline(profile, cal, item)
    notices = (
        plan(item.deadline, internal) if plan else planned(profile, cal, item.deadline, internal)
    )
    for notice in notices:
        if not notice.due <= today <= notice.until:
            continue
        if notice.due < today - timedelta(CATCH_UP_DAYS):
            continue
        # Once the main executor's report is in, executors need no more reminders about it.
        if reported and notice.kind is not NoticeKind.REMOVAL_NOTE:
            continue
        if notice.kind is NoticeKind.REPORT_CO and not any(
            not e.main and e.active for e in item.executors
        ):
            continue
        found.append(notice)
    return found


def roadmap_notice(profile: Profile, cal: CalendarLike, item: Assignment) -> Notice | None:
    """The reminder of a roadmap due (baidibek §12.3): the working day before its due date, to
    the main executor's head, while the item is open and not reported; None when none is due.
    Its `until` is the roadmap's due date (it is sent late rather than never up to then)."""
    if not item.is_open or item.status is Status.REPORTED:
        return None
    due_day = roadmap_due_date(profile, cal, item.source, item.received)
    if due_day is None:
        return None
    return Notice(NoticeKind.ROADMAP, cal.subtract_working_days(due_day, 1), due_day)


def owing_deadlines(profile: Profile, cal: CalendarLike, today: date) -> list[tuple[date, date]]:
    """Runs of deadlines (first, last) for which some notice can be due on `today`.

    A sweep reads only these days from the database instead of the whole horizon: `planned()`
    runs once per calendar day here (about 120 times), not once per open item.
    """
    low, high = horizon(today)
    ranges: list[tuple[date, date]] = []
    day = low
    while day <= high:
        if any(
            notice.due <= today <= notice.until and notice.due >= today - timedelta(CATCH_UP_DAYS)
            for notice in planned(profile, cal, day, _any_internal(profile, cal, day))
        ):
            if ranges and ranges[-1][1] == day - timedelta(days=1):
                ranges[-1] = (ranges[-1][0], day)
            else:
                ranges.append((day, day))
        day += timedelta(days=1)
    return ranges


def _any_internal(profile: Profile, cal: CalendarLike, deadline: date) -> date | None:
    """The internal deadline a higher-level item with this deadline may have (registered long
    before), so that `owing_deadlines` reads every day such an item can owe a notice on."""
    param = profile.internal_deadline
    if param is None:
        return None
    return internal_deadline(profile, cal, param.value.sources[0], date.min, deadline)


def horizon(today: date) -> tuple[date, date]:
    """Deadlines a sweep on `today` must look at: nothing before or after can be due."""
    return today - timedelta(days=2 * CATCH_UP_DAYS + 31), today + timedelta(days=62)


def after_hours(profile: Profile, cal: CalendarLike, moment: datetime) -> bool:
    """Outside the profile's working hours or on a day off (`moment` local, aware): what goes
    out now goes without sound, unless it is urgent."""
    return quiet_until(profile, cal, moment) != moment


def quiet_until(profile: Profile, cal: CalendarLike, moment: datetime) -> datetime:
    """The first moment at or after `moment` (local, aware) when scheduled messages may go out:
    a working day, within the profile's working hours."""
    hours = profile.working_hours.value
    day = moment.date()
    if cal.is_working_day(day) and hours.start <= moment.timetz().replace(tzinfo=None) < hours.end:
        return moment
    if cal.is_working_day(day) and moment.time() < hours.start:
        return datetime.combine(day, hours.start, moment.tzinfo)
    next_day = (
        cal.add_working_days(day, 1) if cal.is_working_day(day) else cal.next_working_day(day)
    )
    return datetime.combine(next_day, hours.start, moment.tzinfo)


# A notice digest is one phone message: within the language guard's 1,500 characters, with room
# left for the buttons' worth of margin. What does not fit is counted, and reachable by /my.
DIGEST_LIMIT = 1400


def fitted_lines(
    head: str, lines: Sequence[str], more: Callable[[int], str], limit: int = DIGEST_LIMIT
) -> tuple[str, int]:
    """The head, then the lines that fit within `limit` characters (blank lines between), then
    `more(rest)` for the lines left out; and how many lines are shown. At least one line is
    shown; a single line longer than the room left is cut with «…»."""
    parts = [head]
    used = len(head)
    shown = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        tail = len(more(rest)) + 2 if rest else 0  # the «and N more» line, if lines stay out
        if used + 2 + len(line) + tail > limit:
            if shown == 0:  # never a digest without a line: the first one, cut to the room
                room = max(limit - used - 2 - len(more(rest)) - 2, 1)
                parts.append(line[: room - 1] + "…")
                shown = 1
            break
        parts.append(line)
        used += 2 + len(line)
        shown += 1
    if shown < len(lines):
        parts.append(more(len(lines) - shown))
    return "\n\n".join(parts), shown

"""The dates a profile sets, all through the working-day calendar."""

from __future__ import annotations

from datetime import date

from bot.profiles.model import Profile, Rollover
from bot.profiles.values import CalendarLike, DraftKind, MeetingLead, Param, Term, Unit
from storage.domain.assignments import ControlType
from storage.domain.enums import Mark, Source
from storage.domain.meetings import MeetingKind


def normalize_deadline(profile: Profile, cal: CalendarLike, day: date) -> date:
    """A deadline on a non-working day moves to the next working day (per profile)."""
    if profile.deadline_rollover.value is Rollover.NEXT_WORKING_DAY:
        return cal.next_working_day(day)
    return day


def _on_or_before_working(cal: CalendarLike, day: date) -> date:
    """`day` if working, else the last working day before it (no notice on a day off)."""
    return day if cal.is_working_day(day) else cal.subtract_working_days(day, 1)


def _before(cal: CalendarLike, term: Term, day: date) -> date:
    return _on_or_before_working(cal, term.before(cal, day))


def default_deadline(
    profile: Profile, cal: CalendarLike, received: date, mark: Mark, source: Source | None = None
) -> date:
    """Deadline of an assignment registered without one: by mark, from the day of receipt.

    For a source the profile lists in `working_day_sources` (Almaty п.43: terms of President
    and Government acts «исчисляются в рабочих днях со дня их поступления»), a term in days is
    counted in working days.
    """
    terms: dict[Mark, Term] = {
        Mark.NONE: profile.default_term.value,
        Mark.URGENT: profile.urgent_term.value,
        Mark.VERY_URGENT: profile.very_urgent_term.value,
    }
    term = terms[Mark(mark)]
    listed = profile.working_day_sources
    if (
        source is not None
        and listed is not None
        and Source(source) in listed.value
        and term.unit is Unit.CALENDAR_DAYS
    ):
        term = Term(value=term.value, unit=Unit.WORKING_DAYS)
    return normalize_deadline(profile, cal, term.after(cal, received))


def control_type(
    profile: Profile,
    cal: CalendarLike,
    received: date,
    deadline: date,
    mark: Mark = Mark.NONE,
) -> ControlType:
    """Control type (вид контроля): «срочный» is the class of the marks, the others follow the
    term.

    Seed 003 §12.2 and seed 001 п.41: «срочный - с пометками: "весьма срочно" ..., "срочно",
    "ускорить"». A marked item is urgent whatever its date; an unmarked one never is. Unmarked,
    each bound (received + threshold, rolled forward like a deadline) is inclusive: ≤1 month
    short, ≤6 months medium, else long. An unmarked item due within 10 working days has no class
    of its own in the text («краткосрочный - от десяти рабочих дней»): it is short, the shortest
    class without a mark.
    """
    if Mark(mark) is not Mark.NONE:
        return ControlType.URGENT
    thresholds = profile.control_types.value
    for ctype, term in (
        (ControlType.SHORT, thresholds.short),
        (ControlType.MEDIUM, thresholds.medium),
    ):
        if deadline <= normalize_deadline(profile, cal, term.after(cal, received)):
            return ctype
    return ControlType.LONG


def deadline_notice_date(profile: Profile, cal: CalendarLike, deadline: date) -> date | None:
    """Day of the deadline notice to the executor's head and the controller (None: off)."""
    param = profile.deadline_notice
    return None if param is None else _before(cal, param.value, deadline)


def internal_deadline(
    profile: Profile, cal: CalendarLike, source: Source, registered: date, deadline: date
) -> date | None:
    """The internal deadline of a higher-level item (Baidibek §12.2: put on control 10 working
    days before the deadline), a working day; None when the profile has none, the source is not
    one it names, or the day is before the item was registered (too late to be earlier)."""
    param = profile.internal_deadline
    if param is None or Source(source) not in param.value.sources:
        return None
    day = _before(cal, param.value.term, deadline)
    return day if day >= registered else None


def roadmap_due_date(
    profile: Profile, cal: CalendarLike, source: Source, received: date
) -> date | None:
    """Due date of the roadmap (план организационных мероприятий) for an act from a source the
    profile names (Baidibek §12.3: «при поступлении в Аппарат … в течении 5 рабочих дней» —
    counted from the day the act was received, not the day it was registered here); None
    otherwise."""
    param = profile.roadmap_due
    if param is None or Source(source) not in param.value.sources:
        return None
    return normalize_deadline(profile, cal, param.value.term.after(cal, received))


def extension_cutoff(profile: Profile, cal: CalendarLike, deadline: date) -> date | None:
    """Last day an extension may be requested (None: no cut-off in the profile).

    A cut-off landing on a day off moves back to the previous working day.
    """
    param = profile.extension_cutoff
    return None if param is None else _before(cal, param.value, deadline)


def not_ours_until(profile: Profile, cal: CalendarLike, received: date) -> date:
    """Last day an executor may forward an item that is not theirs («по принадлежности»)."""
    return normalize_deadline(profile, cal, profile.not_ours_window.value.after(cal, received))


def report_due_dates(
    profile: Profile, cal: CalendarLike, deadline: date
) -> tuple[date, date] | None:
    """(main executor, co-executors) report due dates before the deadline (None: off)."""
    param = profile.report_due
    if param is None:
        return None
    due = param.value
    return _before(cal, due.main, deadline), _before(cal, due.co_executors, deadline)


def removal_note_date(profile: Profile, cal: CalendarLike, deadline: date) -> date | None:
    """Due date of the removal-from-control note after the deadline (None: off)."""
    param = profile.removal_note_due
    if param is None:
        return None
    return normalize_deadline(profile, cal, param.value.after(cal, deadline))


def remarks_due_date(
    profile: Profile, cal: CalendarLike, sent: date, kind: DraftKind | None = None
) -> date:
    """Due date of a «замечаний нет» round sent on `sent` (per draft kind if the profile says)."""
    term = profile.remarks_round_due.value.for_kind(kind)
    return normalize_deadline(profile, cal, term.after(cal, sent))


def agenda_send_date(
    profile: Profile, cal: CalendarLike, meeting: date, kind: MeetingKind | None = None
) -> date | None:
    """Day the agenda and materials go to recipients, per kind of meeting (None: no lead time
    in the profile)."""
    return _lead(cal, profile.agenda_lead, meeting, kind)


def materials_due_date(
    profile: Profile, cal: CalendarLike, meeting: date, kind: MeetingKind | None = None
) -> date | None:
    """Day departments' materials are due, per kind of meeting (None: no lead time)."""
    return _lead(cal, profile.materials_lead, meeting, kind)


def package_date(
    profile: Profile, cal: CalendarLike, meeting: date, kind: MeetingKind
) -> date | None:
    """Day the package (agenda and materials) goes to the head of apparatus (None: off for
    this kind of meeting)."""
    return _lead(cal, profile.package_lead, meeting, kind)


def invitee_notice_date(
    profile: Profile, cal: CalendarLike, meeting: date, kind: MeetingKind
) -> date | None:
    """Day the invitees are notified of the meeting (None: off for this kind of meeting)."""
    return _lead(cal, profile.invitee_notice, meeting, kind)


def _lead(
    cal: CalendarLike, param: Param[MeetingLead] | None, meeting: date, kind: MeetingKind | None
) -> date | None:
    term = None if param is None else param.value.for_kind(kind)
    return None if term is None else _before(cal, term, meeting)


def protocol_due_date(profile: Profile, cal: CalendarLike, ended: date) -> date | None:
    """Last day to draw up the protocol of a meeting that ended on `ended` (None: off)."""
    param = profile.protocol_due
    if param is None:
        return None
    return normalize_deadline(profile, cal, param.value.after(cal, ended))


def protocol_distribution_date(profile: Profile, cal: CalendarLike, signed: date) -> date | None:
    """Last day to distribute a protocol signed on `signed` (None: off)."""
    param = profile.protocol_distribution
    if param is None:
        return None
    return normalize_deadline(profile, cal, param.value.after(cal, signed))

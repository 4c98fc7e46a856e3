"""Assignments (поручения) on control: the model and its pure rules (no aiogram, no SQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum

from bot.profiles import (
    CalendarLike,
    Profile,
    control_type,
    default_deadline,
    internal_deadline,
    normalize_deadline,
    not_ours_until,
)
from storage.domain.assignments import (
    Assignment,
    ControlType,
    Executor,
    Refusal,
    Status,
)
from storage.domain.enums import Mark, Role, Source
from storage.domain.refusals import Refused

REG_NUMBER_MAX = 64
SUMMARY_MAX = 1000
SOON_WORKING_DAYS = 3


class Light(StrEnum):
    """The traffic light of /my: overdue, due within 3 working days, later."""

    OVERDUE = "overdue"
    SOON = "soon"
    LATER = "later"


def resolve_deadline(
    profile: Profile,
    cal: CalendarLike,
    *,
    received: date,
    deadline: date | None,
    mark: Mark,
    today: date,
    source: Source | None = None,
) -> date:
    """The deadline an item gets: explicit (moved off a non-working day) or the profile default
    (by the mark, and the source where the profile counts its terms in working days).

    A deadline already past, or before the date received, is refused with the reason.
    """
    if received > today:
        raise Refused(Refusal.RECEIVED_IN_FUTURE, received=received)
    if deadline is None:
        return default_deadline(profile, cal, received, mark, source)
    if deadline < received:
        raise Refused(Refusal.DEADLINE_BEFORE_RECEIVED, deadline=deadline, received=received)
    if deadline < today:
        raise Refused(Refusal.DEADLINE_PAST, deadline=deadline)
    return normalize_deadline(profile, cal, deadline)


def item_internal_deadline(profile: Profile, cal: CalendarLike, item: Assignment) -> date | None:
    """The internal deadline of a higher-level item under the profile (Baidibek §12.2)."""
    return internal_deadline(profile, cal, item.source, item.registered_on, item.deadline)


def classify(
    profile: Profile, cal: CalendarLike, received: date, deadline: date, mark: Mark
) -> ControlType:
    return control_type(profile, cal, received, deadline, mark)


def traffic_light(cal: CalendarLike, today: date, deadline: date) -> Light:
    if deadline < today:
        return Light.OVERDUE
    if working_days_left(cal, today, deadline) <= SOON_WORKING_DAYS:
        return Light.SOON
    return Light.LATER


def light_bounds(cal: CalendarLike, today: date) -> tuple[date, date]:
    """(today, the first deadline that is 🟢 today): before today 🔴, between them 🟡."""
    day = today
    for _ in range(SOON_WORKING_DAYS + 1):
        day = cal.add_working_days(day, 1)
    return today, day


def lights_on(cal: CalendarLike, today: date) -> Callable[[date], Light]:
    """`traffic_light` of one day for many deadlines (a list, the overview's counts): the
    day the lights turn from 🟢 to 🟡 is found once, not a walk to each deadline. A deadline
    has SOON_WORKING_DAYS or fewer working days left exactly when it comes before the next
    working day after those."""
    _today, later_from = light_bounds(cal, today)

    def light(deadline: date) -> Light:
        if deadline < today:
            return Light.OVERDUE
        return Light.SOON if deadline < later_from else Light.LATER

    return light


def working_days_left(cal: CalendarLike, today: date, deadline: date) -> int:
    """Working days after today up to and including the deadline (0 on the deadline day)."""
    if deadline <= today:
        return 0
    return cal.working_days_between(today, deadline)


# --- who may do what ---------------------------------------------------------------------------


def acting_departments(
    roles: frozenset[Role],
    department_id: int | None,
    represented: list[tuple[frozenset[Role], int | None]],
) -> frozenset[int]:
    """Departments this person answers for as head: their own, and those of heads they act for."""
    found = set()
    if Role.HEAD in roles and department_id is not None:
        found.add(department_id)
    for other_roles, other_department in represented:
        if Role.HEAD in other_roles and other_department is not None:
            found.add(other_department)
    return frozenset(found)


def check_open(assignment: Assignment) -> None:
    if not assignment.is_open:
        raise Refused(Refusal.CLOSED, reg_number=assignment.reg_number)


def check_head_of(assignment: Assignment, departments: frozenset[int]) -> Executor:
    """The executor row this head acts on; the item must be open and addressed to them."""
    check_open(assignment)
    for executor in assignment.executors:
        if executor.department_id in departments and executor.active:
            return executor
    raise Refused(Refusal.NOT_EXECUTOR, reg_number=assignment.reg_number)


def check_accept(assignment: Assignment, departments: frozenset[int]) -> Executor:
    executor = check_head_of(assignment, departments)
    if executor.accepted_at is not None:
        raise Refused(Refusal.ALREADY_ACCEPTED, reg_number=assignment.reg_number)
    return executor


def accepted_already(assignment: Assignment, departments: frozenset[int]) -> bool:
    """Whether `check_accept` refuses only because the department has accepted the item: what
    a second tap on Accept, or an old card's, finds."""
    try:
        check_accept(assignment, departments)
    except Refused as refused:
        return refused.refusal is Refusal.ALREADY_ACCEPTED
    return False


def check_report(assignment: Assignment, departments: frozenset[int]) -> Executor:
    executor = check_head_of(assignment, departments)
    if executor.main and assignment.status is Status.REPORTED:
        raise Refused(Refusal.CLOSED, reg_number=assignment.reg_number)
    return executor


def check_not_ours(
    profile: Profile,
    cal: CalendarLike,
    assignment: Assignment,
    departments: frozenset[int],
    today: date,
) -> Executor:
    """«Not ours» is possible within the profile's window (3 wd, seed 003 §12.5) of receipt."""
    executor = check_head_of(assignment, departments)
    until = not_ours_until(profile, cal, assignment.registered_on)
    if today > until:
        window = profile.not_ours_window
        raise Refused(
            Refusal.NOT_OURS_LATE,
            reg_number=assignment.reg_number,
            until=until,
            days=window.value.value,
            cite=window.cite,
        )
    return executor


def check_controller(assignment: Assignment, roles: frozenset[Role]) -> None:
    if Role.CONTROLLER not in roles:
        raise Refused(Refusal.NOT_CONTROLLER, reg_number=assignment.reg_number)
    check_open(assignment)


def check_decision(assignment: Assignment, roles: frozenset[Role]) -> None:
    """Remove from control / return for rework: a controller, once the main report is in."""
    check_controller(assignment, roles)
    if assignment.status is not Status.REPORTED:
        raise Refused(Refusal.NO_REPORT, reg_number=assignment.reg_number)


def check_new_deadline(
    cal: CalendarLike, assignment: Assignment, roles: frozenset[Role], new: date, today: date
) -> date:
    """A deadline the control department sets by a decision taken outside the bot (a protocol,
    the akim's resolution): a controller, an open item, a working day from today on that
    differs from the current one. A day off is refused with the next working day offered
    (the rollover of §12.15, seed 003 l.1341-1342, made explicit to the controller)."""
    check_controller(assignment, roles)
    if new < today:
        raise Refused(Refusal.DEADLINE_PAST, deadline=new)
    if not cal.is_working_day(new):
        raise Refused(Refusal.DEADLINE_DAY_OFF, day=new, offer=cal.next_working_day(new))
    if new == assignment.deadline:
        raise Refused(Refusal.DEADLINE_SAME, deadline=new)
    return new


def check_keep(assignment: Assignment, roles: frozenset[Role], department_id: int) -> None:
    """Refuse a «не наше»: the department that declined keeps the item (a controller, an open
    item the department declined, its place not yet given to another department)."""
    check_controller(assignment, roles)
    declined = next(
        (e for e in assignment.executors if e.department_id == department_id and not e.active),
        None,
    )
    if declined is None:
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=assignment.reg_number)
    if any(e.active and e.position == declined.position for e in assignment.executors):
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=assignment.reg_number)

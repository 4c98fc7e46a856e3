"""Meetings (заседания акимата, аппаратные совещания): agenda, materials, approval, distribution,
attendance, quorum, changes, protocol. Pure rules and the meeting's shape (no aiogram, no SQL).

Ust-Kamenogorsk 2025 (seed 002): materials 5 wd before (п.15), agenda and materials to members
and invitees 3 wd before after the akim agreed the agenda (п.16), invitees confirm (п.15),
quorum two thirds of members (п.13), protocol out within 3 wd (п.17), executors start at once,
without waiting for the signed protocol (п.18). The numbers come from the profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from bot.assignments.notices import quiet_until
from bot.profiles import (
    CalendarLike,
    Profile,
    agenda_send_date,
    materials_due_date,
    protocol_distribution_date,
    protocol_due_date,
)
from storage.domain.enums import Role, Source
from storage.domain.meetings import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Protocol,
    Recipient,
)
from storage.domain.refusals import Refused

TITLE_MIN = 3
TITLE_MAX = 300
TEXT_MAX = 500  # place, link, speaker, reasons, a substitute's name
REMARKS_MAX = 800  # an approver's remarks on a returned agenda
MAX_ITEMS = 30
MAX_FILES = 10  # materials files per agenda item
MAY_ORGANIZE = frozenset({Role.ORGANIZER})
LINK_SCHEMES = ("http://", "https://")
_TIME_TYPED = re.compile(r"(\d{1,2})[:.](\d{2})")
APPROVER_ROLES = frozenset({Role.AKIM})  # besides the chair (п.16: «согласования с акимом»)


class QuorumState(StrEnum):
    MET = "met"  # enough members confirmed
    OPEN = "open"  # not yet, but the members still silent could make it
    AT_RISK = "at_risk"  # even if every silent member came, it would not be met


class MeetingRefusal(StrEnum):
    NOT_FOUND = "not_found"
    NOT_ORGANIZER = "not_organizer"
    NOT_RECIPIENT = "not_recipient"
    NOT_APPROVER = "not_approver"
    NOT_RESPONSIBLE = "not_responsible"  # materials from someone outside the item's department
    CANCELLED = "cancelled"
    STARTED = "started"  # the meeting has begun: attendance and changes are closed
    NOT_DISTRIBUTED = "not_distributed"  # attendance before the agenda went out
    ALREADY_APPROVED = "already_approved"
    RETURNED = "returned"  # the approval round this request belongs to ended with a return
    NOT_STARTED = "not_started"  # a protocol before the meeting began
    HAS_PROTOCOL = "has_protocol"
    PAST = "past"  # a moment in the past
    DAY_OFF = "day_off"  # a meeting on a non-working day
    RESTRICTED = "restricted"  # files for a restricted meeting
    NO_TEXT = "no_text"
    NO_ITEMS = "no_items"
    NO_RECIPIENTS = "no_recipients"


@dataclass(frozen=True, slots=True)
class ProtocolTask:
    """An assignment of the protocol, before registration."""

    summary: str
    executors: tuple[str, ...]  # department names, the main executor first
    deadline: date | None = None  # None: the profile's default term


# --- dates---------------------------------------------------------------------------------------


def materials_due(
    profile: Profile, cal: CalendarLike, meeting_day: date, kind: MeetingKind
) -> date | None:
    """Last day for the responsible departments' materials, by kind of meeting (002 п.15:
    5 wd before; 003 §5.6 sessions 5 wd, §5.28 apparatus meetings 2 wd); None: off."""
    return materials_due_date(profile, cal, meeting_day, kind)


def materials_reminder_day(cal: CalendarLike, due: date) -> date:
    """Departments whose materials are not in are reminded one working day before they are due."""
    return cal.subtract_working_days(due, 1)


def distribution_day(
    profile: Profile, cal: CalendarLike, meeting_day: date, kind: MeetingKind
) -> date:
    """The day the agenda, materials and calendar file go out, by kind of meeting (002 п.16:
    3 wd before; 003 §5.27 apparatus meetings 4 wd). Without a lead time in the profile: as
    soon as the agenda is approved."""
    day = agenda_send_date(profile, cal, meeting_day, kind)
    return day if day is not None else date.min


def agenda_goes_out(
    profile: Profile, cal: CalendarLike, meeting: Meeting, now: datetime
) -> datetime | None:
    """When an approved agenda reaches its recipients, seen at `now` (local, aware): None for
    at once; else the moment (local) the sender lets it go: the working morning when it is
    approved on its distribution day outside working hours (the sender holds scheduled
    messages until then), the start of its distribution day when that is still to come."""
    day = distribution_day(profile, cal, meeting.day, meeting.kind)
    if meeting.distributed or now.date() >= day:
        sends = quiet_until(profile, cal, now)
        return None if sends <= now else sends
    return datetime.combine(day, profile.working_hours.value.start, now.tzinfo)


def nudge_day(cal: CalendarLike, sent_on: date) -> date:
    """Who has not answered is nudged the next working day after the agenda went out."""
    return cal.add_working_days(sent_on, 1)


def check_start(cal: CalendarLike, now: datetime, starts_at: datetime) -> datetime:
    """A meeting's start (naive local): in the future and on a working day."""
    if starts_at <= now:
        raise Refused(MeetingRefusal.PAST, at=starts_at)
    if not cal.is_working_day(starts_at.date()):
        raise Refused(
            MeetingRefusal.DAY_OFF, at=starts_at, offer=cal.next_working_day(starts_at.date())
        )
    return starts_at


def has_started(meeting: Meeting, now: datetime) -> bool:
    """`now` is naive local wall time."""
    return now >= meeting.starts_at


def parse_time(text: str) -> time | None:
    """A typed time of day: HH:MM (or H:MM, HH.MM); None when it is not one (25:00 too)."""
    found = _TIME_TYPED.fullmatch(text.strip())
    if found is None:
        return None
    hour, minute = (int(part) for part in found.groups())
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def is_link(text: str) -> bool:
    """A videoconference link: http(s)://something, no spaces, at most TEXT_MAX characters."""
    link = text.strip()
    return (
        link.lower().startswith(LINK_SCHEMES)
        and link.lower() not in LINK_SCHEMES
        and len(link) <= TEXT_MAX
        and not any(c.isspace() for c in link)
    )


def as_link(text: str) -> str | None:
    """The videoconference link typed, or None: an address typed without its scheme
    («zoom.us/j/123», «vc.akimat.kz») is taken as https://, so it need not be typed again."""
    link = text.strip()
    if not link.lower().startswith(LINK_SCHEMES):
        host = link.split("/", 1)[0]
        if "." not in host.strip(".") or "@" in host or ":" in host.split(".")[0]:
            return None
        link = "https://" + link
    return link if is_link(link) else None


# --- who may do what-----------------------------------------------------------------------------


def check_organizer(meeting: Meeting | None, _person_id: int, roles: frozenset[Role]) -> Meeting:
    """Any organizer may run any meeting (the organisational department works as one)."""
    if meeting is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    if not roles & MAY_ORGANIZE:
        raise Refused(MeetingRefusal.NOT_ORGANIZER, meeting_id=meeting.id)
    return meeting


def check_open(meeting: Meeting, now: datetime) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise Refused(MeetingRefusal.CANCELLED, meeting_id=meeting.id)
    if meeting.status is MeetingStatus.HELD or has_started(meeting, now):
        raise Refused(MeetingRefusal.STARTED, meeting_id=meeting.id)


def check_attendance(meeting: Meeting | None, person_id: int, now: datetime) -> Recipient:
    """A recipient answers after the agenda reached them and until the meeting begins."""
    if meeting is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    recipient = meeting.recipient_for(person_id)
    if recipient is None:
        raise Refused(MeetingRefusal.NOT_RECIPIENT, meeting_id=meeting.id)
    check_open(meeting, now)
    if not meeting.distributed:
        raise Refused(MeetingRefusal.NOT_DISTRIBUTED, meeting_id=meeting.id)
    return recipient


def check_approval(meeting: Meeting | None, approver: bool, now: datetime) -> Meeting:
    """`approver`: the person is the chair or holds an approving role (or acts for one)."""
    if meeting is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    if not approver:
        raise Refused(MeetingRefusal.NOT_APPROVER, meeting_id=meeting.id)
    check_open(meeting, now)
    if meeting.approved:
        raise Refused(MeetingRefusal.ALREADY_APPROVED, meeting_id=meeting.id)
    return meeting


def check_round(meeting: Meeting, round_: int) -> Meeting:
    """A decision on a request for approval counts only in the round the request belongs to:
    once that round ended with a return, its buttons no longer act."""
    if round_ != meeting.approval_round:
        raise Refused(MeetingRefusal.RETURNED, meeting_id=meeting.id)
    return meeting


def approval_tag(meeting: Meeting, round_: int | None = None) -> str:
    """The version and the approval round (default: the meeting's) in a request's identity:
    «1» for the first round (as before rounds existed), «1r2» for the second, so a request
    after a return is new."""
    round_ = meeting.approval_round if round_ is None else round_
    return str(meeting.version) if round_ == 1 else f"{meeting.version}r{round_}"


def check_materials(meeting: Meeting | None, item_id: int, now: datetime) -> AgendaItem:
    if meeting is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    item = meeting.item(item_id)
    if item is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    check_open(meeting, now)
    return item


def check_protocol(meeting: Meeting | None, now: datetime) -> Meeting:
    if meeting is None:
        raise Refused(MeetingRefusal.NOT_FOUND)
    if meeting.status is MeetingStatus.CANCELLED:
        raise Refused(MeetingRefusal.CANCELLED, meeting_id=meeting.id)
    if meeting.status is MeetingStatus.HELD:
        raise Refused(MeetingRefusal.HAS_PROTOCOL, meeting_id=meeting.id)
    if not has_started(meeting, now):
        raise Refused(MeetingRefusal.NOT_STARTED, meeting_id=meeting.id)
    return meeting


def is_late(item: AgendaItem, due: date | None, today: date) -> bool:
    """Materials expected from a department and not in after their due date."""
    return (
        item.department_id is not None
        and not item.materials_in
        and due is not None
        and today > due
    )


# --- quorum--------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuorumForecast:
    members: int
    required: int
    attending: int
    absent: int  # cannot attend, or send a substitute (a substitute is not a member)
    pending: int

    @property
    def state(self) -> QuorumState:
        if self.attending >= self.required:
            return QuorumState.MET
        if self.attending + self.pending >= self.required:
            return QuorumState.OPEN
        return QuorumState.AT_RISK


def counts_quorum(kind: MeetingKind) -> bool:
    """Only a session of the akimat has a quorum (two thirds of its members, 002 п.13); an
    apparatus meeting or another meeting has participants, not members voting (003 §5.25)."""
    return kind is MeetingKind.SESSION


def quorum_forecast(profile: Profile, meeting: Meeting) -> QuorumForecast:
    """Quorum is counted over akimat members who confirmed they will attend (п.13: two thirds).
    A member sending a substitute does not count: the substitute is not a member."""
    members = meeting.members
    attending = sum(1 for r in members if r.answer is Attendance.ATTEND)
    pending = sum(1 for r in members if r.answer is Attendance.PENDING)
    return QuorumForecast(
        members=len(members),
        required=profile.quorum.value.required(len(members)),
        attending=attending,
        absent=len(members) - attending - pending,
        pending=pending,
    )


# --- changes and the protocol--------------------------------------------------------------------


def changed_fields(before: Meeting, after: Meeting) -> dict[str, list[Any]]:
    """What a change touched that recipients must hear about: field -> [old, new]."""
    found: dict[str, list[Any]] = {}
    if before.starts_at != after.starts_at:
        found["starts_at"] = [before.starts_at.isoformat(), after.starts_at.isoformat()]
    for name in ("format", "place", "link"):
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            found[name] = [str(old), str(new)]
    old_agenda = [i.title for i in before.items]
    new_agenda = [i.title for i in after.items]
    if old_agenda != new_agenda:
        found["agenda"] = [old_agenda, new_agenda]
    return found


def protocol_source(kind: MeetingKind) -> Source:
    """Protocol assignments of an akimat session come from the akimat; others from the akim."""
    return Source.AKIMAT if kind is MeetingKind.SESSION else Source.AKIM


def protocol_reg_number(protocol_label: str, position: int) -> str:
    """The registration number of the `position`-th assignment of protocol N/YYYY."""
    return f"П-{protocol_label}/{position}"


def default_start_time() -> time:
    return time(10, 0)


def end_of(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration)


# --- the protocol's timing (003 §5.11, §8.5, §8.6; 001 п.18; 002 п.17)----------------------------


@dataclass(frozen=True, slots=True)
class ProtocolTiming:
    """When a registered protocol was due and whether it came late. `due`: the last day to
    draw it up, from the meeting's end (None: the profile sets none); `distribute_by`: the last
    day to send it out, from signing (None: off). The bot distributes at registration."""

    due: date | None
    distribute_by: date | None
    signed_on: date
    registered_on: date

    @property
    def drawn_late(self) -> bool:
        return self.due is not None and self.signed_on > self.due

    @property
    def distributed_late(self) -> bool:
        return self.distribute_by is not None and self.registered_on > self.distribute_by

    @property
    def late(self) -> bool:
        return self.drawn_late or self.distributed_late


def protocol_due(profile: Profile, cal: CalendarLike, meeting: Meeting) -> date | None:
    """Last day to draw up the meeting's protocol, counted from the day the meeting ends."""
    return protocol_due_date(profile, cal, end_of(meeting).date())


def protocol_reminder_day(cal: CalendarLike, due: date) -> date:
    """The organiser is reminded the working day before the protocol is due."""
    return cal.subtract_working_days(due, 1)


def protocol_reminder_due(
    meeting: Meeting, due: date | None, cal: CalendarLike, now: datetime
) -> bool:
    """An open meeting that has ended, its protocol not registered, from the working day
    before the due date until the due date itself (`now`: naive local wall time)."""
    if due is None or not meeting.is_open or now < end_of(meeting):
        return False
    return protocol_reminder_day(cal, due) <= now.date() <= due


def protocol_overdue(meeting: Meeting, due: date | None, today: date) -> bool:
    """A meeting held (not cancelled) without a registered protocol past its due date."""
    return meeting.is_open and due is not None and today > due


def protocol_timing(
    profile: Profile,
    cal: CalendarLike,
    meeting: Meeting,
    *,
    signed_on: date,
    registered_on: date,
) -> ProtocolTiming:
    return ProtocolTiming(
        due=protocol_due(profile, cal, meeting),
        distribute_by=protocol_distribution_date(profile, cal, signed_on),
        signed_on=signed_on,
        registered_on=registered_on,
    )


def registered_timing(
    profile: Profile, cal: CalendarLike, meeting: Meeting, protocol: Protocol, zone: tzinfo
) -> ProtocolTiming:
    """A registered protocol's timing: it went out on the local day it was registered."""
    return protocol_timing(
        profile,
        cal,
        meeting,
        signed_on=protocol.signed_on,
        registered_on=protocol.created_at.astimezone(zone).date(),
    )


def last_week(today: date) -> tuple[date, date]:
    """The week the Monday report covers: Monday to Sunday before `today`'s week."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)

"""Meetings: their shape, agenda, recipients, changes and protocols."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from storage.domain.files import Attachment
from storage.domain.names import in_language

DEFAULT_DURATION = 120  # minutes, for the calendar file


class MeetingKind(StrEnum):
    SESSION = "session"  # заседание акимата
    APPARATUS = "apparatus"  # аппаратное совещание
    OTHER = "other"


class MeetingFormat(StrEnum):
    IN_PERSON = "in_person"
    MIXED = "mixed"
    VIDEO = "video"


class MeetingStatus(StrEnum):
    DRAFT = "draft"  # collecting materials, agenda not approved
    APPROVED = "approved"  # agenda approved, waiting for the distribution day
    DISTRIBUTED = "distributed"  # agenda and materials sent, attendance being confirmed
    HELD = "held"  # the protocol is registered
    CANCELLED = "cancelled"


class Attendance(StrEnum):
    PENDING = "pending"
    ATTEND = "attend"
    ABSENT = "absent"  # cannot attend, with a reason
    SUBSTITUTE = "substitute"  # sends a substitute, named


MaterialFile = Attachment


@dataclass(frozen=True, slots=True)
class AgendaItem:
    id: int
    meeting_id: int
    position: int  # from 1, the order of the agenda
    title: str
    speaker: str  # free text: name and position (speakers may come from outside the akimat)
    department_id: int | None  # responsible for the materials (None: no materials expected)
    department_name: str | None
    materials_at: datetime | None = None  # when the materials came in (UTC)
    materials_by: str | None = None  # staff code
    on_paper: bool = False  # handed over on paper (restricted meetings, or by choice)
    files: tuple[MaterialFile, ...] = ()
    department_name_kk: str = ""  # the directory's own spellings ('' none: see in_language)
    department_name_ru: str = ""

    @property
    def materials_in(self) -> bool:
        return self.materials_at is not None

    def department_in(self, language: str) -> str | None:
        """The responsible department's name in `language` (kk, ru); None: no department."""
        if self.department_name is None:
            return None
        return in_language(
            language, self.department_name, self.department_name_kk, self.department_name_ru
        )


@dataclass(frozen=True, slots=True)
class NewAgendaItem:
    title: str
    speaker: str = ""
    department_id: int | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    id: int
    meeting_id: int
    person_id: int
    member: bool  # an akimat member: counts for the quorum; otherwise an invitee
    answer: Attendance = Attendance.PENDING
    reason: str | None = None  # why not, or whom they send
    answered_at: datetime | None = None  # UTC
    answered_by: str | None = None  # staff code
    answered_version: int | None = None


@dataclass(frozen=True, slots=True)
class AgendaReturn:
    """The agenda returned with remarks by an approver instead of being approved."""

    meeting_id: int
    round: int  # the approval round the return ended
    version: int
    remarks: str
    at: datetime  # UTC
    by: str  # staff code


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    kind: MeetingKind
    title: str  # the subject; for sessions and apparatus meetings it may be empty
    starts_at: datetime  # naive local wall time (settings.TIMEZONE)
    duration: int  # minutes
    format: MeetingFormat
    place: str
    link: str
    chair_id: int | None
    organizer_id: int
    restricted: bool
    status: MeetingStatus
    version: int  # 1, then +1 for each change of time, place or agenda after distribution
    created_at: datetime  # UTC
    approved_at: datetime | None = None
    approved_by: str | None = None  # staff code; with `on_paper` the organizer who recorded it
    approved_on_paper: bool = False
    distributed_version: int | None = None  # the version last sent to the recipients
    distributed_at: datetime | None = None  # UTC, when version 1 was queued
    approval_round: int = 1  # the round a request for approval belongs to; +1 on each return
    last_return: AgendaReturn | None = None  # the latest return with remarks, if any
    items: tuple[AgendaItem, ...] = ()
    recipients: tuple[Recipient, ...] = ()

    @property
    def day(self) -> date:
        return self.starts_at.date()

    @property
    def is_open(self) -> bool:
        return self.status not in {MeetingStatus.CANCELLED, MeetingStatus.HELD}

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    @property
    def distributed(self) -> bool:
        return self.distributed_version is not None

    @property
    def returned(self) -> AgendaReturn | None:
        """The latest return with remarks while the agenda is not approved (the card shows it
        until an approval)."""
        return None if self.approved else self.last_return

    def recipient_for(self, person_id: int) -> Recipient | None:
        return next((r for r in self.recipients if r.person_id == person_id), None)

    def item(self, item_id: int) -> AgendaItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def members(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.member)

    @property
    def invitees(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if not r.member)


@dataclass(frozen=True, slots=True)
class NewMeeting:
    kind: MeetingKind
    starts_at: datetime  # naive local
    format: MeetingFormat
    title: str = ""
    place: str = ""
    link: str = ""
    chair_id: int | None = None
    restricted: bool = False
    duration: int = DEFAULT_DURATION
    items: tuple[NewAgendaItem, ...] = ()
    recipients: tuple[tuple[int, bool], ...] = ()  # (person id, member)


@dataclass(frozen=True, slots=True)
class MeetingChange:
    meeting_id: int
    version: int
    changes: dict[str, Any]  # field -> [old, new]: starts_at, place, link, format, agenda
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Protocol:
    id: int
    meeting_id: int
    year: int
    number: int  # from 1 within the calendar year
    signed_on: date
    file_id: str | None
    file_name: str | None
    created_at: datetime
    created_by: str
    assignment_ids: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.number}/{self.year}"


@dataclass(frozen=True, slots=True)
class DistributionList:
    id: int
    name: str
    entries: tuple[tuple[int, bool], ...] = field(default=())  # (person id, member)

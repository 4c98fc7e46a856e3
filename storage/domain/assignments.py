"""Assignments on control: their shape, statuses and refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from storage.domain.enums import Mark, Source
from storage.domain.files import Attachment
from storage.domain.names import in_language


class ControlType(StrEnum):
    """Control type (вид контроля), Baidibek §12.2 / Almaty п.41."""

    URGENT = "urgent"
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"


class Status(StrEnum):
    REGISTERED = "registered"
    ACCEPTED = "accepted"
    REPORTED = "report_submitted"
    RETURNED = "returned"
    REMOVED = "removed"


OPEN_STATUSES = frozenset({Status.REGISTERED, Status.ACCEPTED, Status.REPORTED, Status.RETURNED})


class RemovalGround(StrEnum):
    EXECUTED = "executed"  # fully executed
    IMPOSSIBLE = "impossible"  # impossible for objective reasons


class Refusal(StrEnum):
    """Why an action on an assignment is not allowed; handlers turn it into a sentence."""

    CLOSED = "closed"
    NOT_EXECUTOR = "not_executor"
    NOT_HEAD = "not_head"
    NOT_CONTROLLER = "not_controller"
    ALREADY_ACCEPTED = "already_accepted"
    NOT_MAIN = "not_main"
    NOT_OURS_LATE = "not_ours_late"
    DECLINED = "declined"
    NO_REPORT = "no_report"
    DEADLINE_PAST = "deadline_past"
    DEADLINE_BEFORE_RECEIVED = "deadline_before_received"
    RECEIVED_IN_FUTURE = "received_in_future"
    DEADLINE_DAY_OFF = "deadline_day_off"
    DEADLINE_SAME = "deadline_same"
    CHANGED_MEANWHILE = "changed_meanwhile"


@dataclass(frozen=True, slots=True)
class NewAssignment:
    """What a controller registers (chat dialog or CSV row) before deadlines are resolved."""

    reg_number: str
    received: date
    source: Source
    summary: str
    executors: tuple[str, ...]  # department names, the main executor («свод») first
    deadline: date | None = None  # None: the profile's default from the mark
    mark: Mark = Mark.NONE
    restricted: bool = False
    issuer_code: str | None = None
    line: int = 0  # the CSV line, for error messages


@dataclass(frozen=True, slots=True)
class Executor:
    department_id: int
    department_name: str
    main: bool
    accepted_at: datetime | None = None
    accepted_by: str | None = None  # staff code
    declined_at: datetime | None = None
    decline_reason: str | None = None
    position: int = 0  # a replacement takes a declined row's position
    department_name_kk: str = ""  # the directory's own spellings ('' none: see in_language)
    department_name_ru: str = ""

    @property
    def active(self) -> bool:
        return self.declined_at is None

    def department_in(self, language: str) -> str:
        """The department's name in `language` (kk, ru), as `Department.label`."""
        return in_language(
            language, self.department_name, self.department_name_kk, self.department_name_ru
        )


@dataclass(frozen=True, slots=True)
class Assignment:
    id: int
    reg_number: str
    received: date
    registered_on: date  # local date of registration: the departments' day of receipt
    source: Source
    issuer_id: int | None
    summary: str
    deadline: date
    mark: Mark
    control_type: ControlType
    restricted: bool
    status: Status
    removal_ground: RemovalGround | None
    extensions: int
    executors: tuple[Executor, ...] = field(default_factory=tuple)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def main_executor(self) -> Executor | None:
        return next((e for e in self.executors if e.main and e.active), None)

    def executor(self, department_id: int) -> Executor | None:
        return next(
            (e for e in self.executors if e.department_id == department_id and e.active), None
        )


ReportFile = Attachment


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    assignment_id: int
    department_id: int
    author_code: str
    text: str
    final: bool  # the main executor's report to the controller (else a co-executor's input)
    created_at: datetime
    files: tuple[ReportFile, ...] = ()


@dataclass(frozen=True, slots=True)
class SentCard:
    """A card of an item sent to a person (card_messages), with the executor department it was
    drawn for (read from the card's outbox message; None when that is not known)."""

    person_id: int
    chat_id: int
    message_id: int
    department_id: int | None


@dataclass(frozen=True, slots=True)
class OpenPage:
    """One page of a list of open items, read by key: the items, how many match in all, the
    item the next page starts at (None: this is the last page), and whether any comes before
    this page (◀️ then ends just before `items[0]`)."""

    items: list[Assignment]
    total: int
    next_at: int | None
    before_first: bool

"""«Замечаний нет» rounds: their shape and answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from storage.domain.files import Attachment


class Answer(StrEnum):
    PENDING = "pending"
    NO_REMARKS = "no_remarks"
    REMARKS = "remarks"
    REFUSED = "refused"  # «в согласовании отказано» / «не согласовано», with typed reasons
    AGREED_BY_DEFAULT = "agreed_by_default"  # silent consent at the due date
    NO_ANSWER = "no_answer"  # the due date passed without an answer (no silent consent)


class RoundKind(StrEnum):
    """What a round asks about: the kind of draft, or «замечаний нет» on an assignment or a
    request. Per profile, the kind sets the default due date and whether silence is consent."""

    RESOLUTION = "resolution"  # постановление акимата
    DECISION = "decision"  # решение акима
    ORDER = "order"  # распоряжение акима
    EMERGENCY = "emergency"  # ЧС / гуманитарная помощь
    OTHER_DRAFT = "other_draft"  # any other draft (rounds started before kinds have this one)
    REPLY = "reply"  # «замечаний нет» on an akim's assignment or a state body's request


RoundFile = Attachment


@dataclass(frozen=True, slots=True)
class Addressee:
    id: int
    round_id: int
    person_id: int  # who answers (a department's head, or a person addressed directly)
    department_id: int | None  # set when addressed through the department
    answer: Answer
    answered_at: datetime | None
    answered_by: str | None  # staff code (an acting substitute may answer)
    text: str | None
    files: tuple[RoundFile, ...] = ()


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    subject: str
    initiator_id: int
    restricted: bool
    due: date
    created_at: datetime
    closed_at: datetime | None  # set when the due date was processed and the sheet sent
    kind: RoundKind = RoundKind.OTHER_DRAFT
    files: tuple[RoundFile, ...] = ()
    addressees: tuple[Addressee, ...] = ()
    reg_number: str | None = None  # a restricted round's document, by its registration number

    def addressee_for(self, person_id: int) -> Addressee | None:
        return next((a for a in self.addressees if a.person_id == person_id), None)

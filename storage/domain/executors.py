"""Items a head passed to executors of the department, and the executors' report drafts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.domain.files import Attachment


class DraftStatus(StrEnum):
    PENDING = "pending"  # with the head
    APPROVED = "approved"  # sent on as the department's report
    RETURNED = "returned"  # back to the executor with the head's comment
    SUPERSEDED = "superseded"  # a newer draft (or the head's own report) replaced it


@dataclass(frozen=True, slots=True)
class Pass:
    """An open item of a department passed to one of its executors."""

    assignment_id: int
    department_id: int
    person_id: int
    passed_by: str
    passed_at: datetime


@dataclass(frozen=True, slots=True)
class ExecutorDraft:
    id: int
    assignment_id: int
    department_id: int
    author_id: int
    text: str
    status: DraftStatus
    created_at: datetime
    comment: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    report_id: int | None = None
    files: tuple[Attachment, ...] = ()

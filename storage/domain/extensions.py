"""Extension requests: their shape and status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    id: int
    assignment_id: int
    department_id: int
    requested_by: str  # staff code
    on_behalf_of: str | None
    old_deadline: date
    new_deadline: date
    reasons: str
    exceptional: bool  # beyond the limit: flagged for a disciplinary review
    status: RequestStatus
    decided_by: str | None
    decided_at: datetime | None
    granted_deadline: date | None
    reject_reason: str | None
    created_at: datetime
    letter_ref: str | None = None  # the issuer's letter's number (asked of a body outside)
    letter_date: date | None = None  # ... and its date (None: letter_ref holds both, as typed)

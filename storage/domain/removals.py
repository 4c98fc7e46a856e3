"""A removal from control waiting for the akim's or the head of apparatus's consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.domain.assignments import RemovalGround


class RemovalStatus(StrEnum):
    PENDING = "pending"
    AGREED = "agreed"
    REFUSED = "refused"
    LAPSED = "lapsed"  # the item left «report in» (returned for rework) before a decision


@dataclass(frozen=True, slots=True)
class RemovalRequest:
    id: int
    assignment_id: int
    ground: RemovalGround
    note: str
    requested_by: str
    status: RemovalStatus
    decided_by: str | None
    on_behalf_of: str | None
    refuse_reason: str | None
    created_at: datetime
    decided_at: datetime | None

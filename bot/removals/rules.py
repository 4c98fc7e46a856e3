"""Removal from control: pure rules (no aiogram, no SQL).

Baidibek 2025 §12.14 (seed 003 l.1326-1328): acts and assignments «снимаются с контроля ... при
согласии акима района или руководителя аппарата». Under a profile with `removal_consent` the
controller's removal waits for that consent; otherwise it takes effect at once."""

from __future__ import annotations

from enum import StrEnum

from bot.profiles import Profile
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from storage.domain.removals import RemovalRequest, RemovalStatus

NOTE_MIN = 3
NOTE_MAX = 500
DECIDER_ROLES = frozenset({Role.AKIM, Role.HEAD_OF_APPARATUS})


class RemovalRefusal(StrEnum):
    PENDING = "removal_pending"  # a removal of this item already waits for consent
    NOT_DECIDER = "removal_not_decider"
    DECIDED = "removal_decided"  # someone decided first


def needs_consent(profile: Profile) -> bool:
    """Whether a controller's removal waits for the akim's or the head of apparatus's consent."""
    return profile.is_on("removal_consent")


def check_no_pending(reg_number: str, pending: RemovalRequest | None) -> None:
    if pending is not None:
        raise Refused(RemovalRefusal.PENDING, reg_number=reg_number)


def check_decider(deciding_for: str | None) -> None:
    """`deciding_for` is None when the person neither is nor acts for a decider."""
    if deciding_for is None:
        raise Refused(RemovalRefusal.NOT_DECIDER)


def check_pending(request: RemovalRequest, reg_number: str) -> None:
    if request.status is not RemovalStatus.PENDING:
        raise Refused(RemovalRefusal.DECIDED, reg_number=reg_number)

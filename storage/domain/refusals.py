"""The one refusal: a rule said no, for a reason of some feature's vocabulary."""

from __future__ import annotations

from enum import StrEnum


class Refused(ValueError):
    """A rule refused a step. `refusal` is the reason (a feature's StrEnum: `Refusal` of the
    assignments, `ExtensionRefusal`, `RoundRefusal`, `MeetingRefusal`) and `values` fill in its
    sentence. Raised inside a unit of work, it rolls the unit back; the handlers' errors handler
    (`handlers/refusals.py`) answers the person with the sentence in their language."""

    def __init__(self, refusal: StrEnum, **values: object) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.values = values

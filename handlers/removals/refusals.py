"""The sentences for the removal refusals (`bot.removals.rules.RemovalRefusal`)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.utils.i18n import gettext as _

from bot.i18n_marks import N_
from bot.removals.rules import RemovalRefusal
from storage.domain.refusals import Refused

REFUSALS: dict[StrEnum, str] = {
    RemovalRefusal.PENDING: N_(
        "The removal of assignment No. {reg_number} already waits for consent."
    ),
    RemovalRefusal.NOT_DECIDER: N_(
        "Only the akim or the head of apparatus (or whoever acts for them) decides this."
    ),
    RemovalRefusal.DECIDED: N_(
        "The removal of assignment No. {reg_number} has already been decided."
    ),
}


def removal_refusal(error: Refused, _language: str) -> str:
    return _(REFUSALS[error.refusal]).format(**error.values)

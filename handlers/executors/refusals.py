"""The sentences for the executors' refusals (`bot.executors.rules.ExecutorRefusal`)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.utils.i18n import gettext as _

from bot.executors.rules import ExecutorRefusal
from bot.i18n_marks import N_
from storage.domain.refusals import Refused

REFUSALS: dict[StrEnum, str] = {
    ExecutorRefusal.NOT_STAFF: N_(
        "Only active executors of your department can be chosen. Nothing was changed."
    ),
    ExecutorRefusal.TOO_MANY: N_("At most {count} executors per assignment."),
    # no number in these two: a forged button must not tell an outsider what it names
    ExecutorRefusal.NOT_PASSED: N_("This assignment is not addressed to you."),
    ExecutorRefusal.DRAFT_DECIDED: N_("This draft no longer waits for a decision."),
}


def executor_refusal(error: Refused, _language: str) -> str:
    return _(REFUSALS[error.refusal]).format(**error.values)

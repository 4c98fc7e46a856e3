"""The sentences for the executors-change refusals (`bot.executor_sets.rules`)."""

from __future__ import annotations

from enum import StrEnum

from aiogram.utils.i18n import gettext as _

from bot.executor_sets.rules import ExecutorSetRefusal
from bot.i18n_marks import N_
from storage.domain.refusals import Refused

REFUSALS: dict[StrEnum, str] = {
    ExecutorSetRefusal.NONE_LEFT: N_("At least one executor department must stay."),
    ExecutorSetRefusal.SAME: N_("The executors are as they were: nothing to save."),
}


def executor_set_refusal(error: Refused, _language: str) -> str:
    return _(REFUSALS[error.refusal]).format(**error.values)

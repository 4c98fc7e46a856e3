"""The sentences for the assignments' refusals (`storage.domain.assignments.Refusal`)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.i18n import long_date
from bot.i18n_marks import N_
from storage.domain.assignments import Refusal
from storage.domain.refusals import Refused

REFUSALS: dict[StrEnum, str] = {
    Refusal.CLOSED: N_("Assignment No. {reg_number} is no longer open for this action."),
    # no number: the person may not see an item of another department (a forged button)
    Refusal.NOT_EXECUTOR: N_("This assignment is not addressed to you."),
    Refusal.NOT_HEAD: N_("Only the head of the department (or the acting head) can do this."),
    Refusal.NOT_CONTROLLER: N_("Only the control department can do this."),
    Refusal.ALREADY_ACCEPTED: N_("Assignment No. {reg_number} is already accepted."),
    Refusal.NOT_MAIN: N_("Only the main executor can do this."),
    Refusal.DECLINED: N_("Your department has already returned this assignment."),
    Refusal.NO_REPORT: N_("Assignment No. {reg_number} has no execution report to decide on yet."),
    Refusal.DEADLINE_PAST: N_("The deadline {deadline} has already passed."),
    Refusal.DEADLINE_BEFORE_RECEIVED: N_(
        "The deadline {deadline} is before the date received {received}."
    ),
    Refusal.RECEIVED_IN_FUTURE: N_("The date received {received} is in the future."),
    Refusal.DEADLINE_DAY_OFF: N_("{day} is not a working day. The next working day is {offer}."),
    Refusal.DEADLINE_SAME: N_("The deadline is already {deadline}."),
    Refusal.CHANGED_MEANWHILE: N_(
        "Assignment No. {reg_number} has just been changed by someone else. Open it again."
    ),
}


def rule_refusal(error: Refused, language: str) -> str:
    if error.refusal is Refusal.NOT_OURS_LATE:
        return ngettext(
            "An assignment that is not your department's can be returned only within {days} "
            "working day of receipt, until {until}. Write to the control department "
            "instead.",
            "An assignment that is not your department's can be returned only within {days} "
            "working days of receipt, until {until}. Write to the control department "
            "instead.",
            int(str(error.values["days"])),
        ).format(
            days=error.values["days"],
            until=long_date(error.values["until"], language),  # type: ignore[arg-type]
        )
    values = {
        key: long_date(value, language) if isinstance(value, date) else value
        for key, value in error.values.items()
    }
    return _(REFUSALS[error.refusal]).format(**values)

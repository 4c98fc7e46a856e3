"""The sentences for the reports' refusals (`bot.reports.steps.ReportRefusal`)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.reports.steps import ReportRefusal
from storage.domain.refusals import Refused


def report_refusal(error: Refused, _language: str) -> str:
    match error.refusal:
        case ReportRefusal.NOT_FOR_YOU:
            return _(
                "Reports are for the control department, the akim, the head of apparatus,"
                " deputy akims (their departments) and heads of departments (their own)."
            )
        case ReportRefusal.BAD_PERIOD:
            return _("The last day comes before the first one. Type the last day again.")
    return str(error.refusal)

"""The sentences for the leaders' refusals (`bot.leaders.rules.LeaderRefusal`)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.leaders.rules import LeaderRefusal
from storage.domain.refusals import Refused


def leader_refusal(error: Refused, _language: str) -> str:
    match error.refusal:
        case LeaderRefusal.NOT_YOURS:
            return _("This department is not among those you oversee.")
    return str(error.refusal)

"""The sentences for the round refusals (`bot.remarks.rules.RoundRefusal`)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.i18n import date_with_weekday, long_date
from bot.remarks.rules import RoundRefusal
from handlers.replies import cited
from storage.domain.refusals import Refused


def remarks_forbidden_text(paragraphs: str) -> str:
    """Approving a draft «with remarks» is forbidden (Baidibek §10.4): what to answer instead."""
    return _(
        "Approval «with remarks» is not allowed for this draft (regulation {paragraphs}): "
        "answer «agreed», or «not agreed» with the reasons."
    ).format(paragraphs=cited(paragraphs))


def round_refusal(error: Refused, language: str) -> str:
    match error.refusal:
        case RoundRefusal.CLOSED:
            return _("Answers were taken until {date}; the round is closed.").format(
                date=long_date(error.values["due"], language)  # type: ignore[arg-type]
            )
        case RoundRefusal.NOT_INITIATOR:
            return _("Only the initiator of the round sees its sheet.")
        case RoundRefusal.NO_TEXT:
            return _("Remarks need text or a file.")
        case RoundRefusal.NO_REASONS:
            return _("«Not agreed» needs the reasons, typed as text.")
        case RoundRefusal.REFUSAL_OFF:
            return _("This round takes no «not agreed» answer.")
        case RoundRefusal.REMARKS_FORBIDDEN:
            return remarks_forbidden_text(str(error.values["paragraphs"]))
        case RoundRefusal.DUE_DAY_OFF:
            return _("{day} is not a working day. The next working day is {offer}.").format(
                day=date_with_weekday(error.values["due"], language),  # type: ignore[arg-type]
                offer=date_with_weekday(error.values["offer"], language),  # type: ignore[arg-type]
            )
        case RoundRefusal.DUE_PAST:
            return _("The deadline {deadline} has already passed.").format(
                deadline=long_date(error.values["due"], language)  # type: ignore[arg-type]
            )
        case _:
            return _("This request is not addressed to you.")

"""The sentence for the staff refusal (`bot.staff.rules.StaffRefusal`)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from storage.domain.refusals import Refused


def staff_refusal(_error: Refused, _language: str) -> str:
    return _(
        "Your access to Baqylau has ended: you are no longer in the akimat's staff directory. "
        "Nothing was saved."
    )

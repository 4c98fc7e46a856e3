"""Shared wizard steps: what every dialog asks the same way (a typed date, a date on a button).

A dialog step answers a wrong input itself and returns None, so the handler just stops; the
dialog's state is unchanged and the person types again.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.replies import dotted, parse_date, stale

EXAMPLE_DAY = date(2026, 12, 25)  # the example in «for example 25.12.2026»


class Asked(StrEnum):
    """What a typed date is called in the re-ask («the date» / «the deadline»)."""

    DATE = "date"
    DEADLINE = "deadline"


def _no_such_date(text: str, asked: Asked) -> str:
    if asked is Asked.DEADLINE:
        return _("There is no such date: {text}. Type the deadline as dd.mm.yyyy.").format(
            text=text
        )
    return _("There is no such date: {text}. Type the date as dd.mm.yyyy.").format(text=text)


def _date_format(asked: Asked, example: date | None) -> str:
    if example is None:  # the long-standing fixed example
        return _("Type the date as dd.mm.yyyy, for example 25.12.2026.")
    if asked is Asked.DEADLINE:
        return _("Type the deadline as dd.mm.yyyy, for example {example}.").format(
            example=dotted(example)
        )
    return _("Type the date as dd.mm.yyyy, for example {example}.").format(example=dotted(example))


async def typed_day(
    message: Message, *, asked: Asked = Asked.DATE, example: date | None = None
) -> date | None:
    """The date the person typed (dd.mm.yyyy); None when it is none (re-asked with the reason:
    an impossible date, or the format with an example)."""
    text = (message.text or "").strip()
    try:
        typed = parse_date(text)
    except ValueError:
        await message.answer(_no_such_date(text, asked))
        return None
    if typed is None:
        await message.answer(_date_format(asked, example))
    return typed


async def button_day(query: CallbackQuery, value: str) -> date | None:
    """The date a button carries (ISO); None when it is forged or stale (the tap answered)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        await stale(query)
        return None

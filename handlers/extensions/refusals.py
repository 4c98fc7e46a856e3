"""The sentences for the extension refusals (`bot.extensions.rules.ExtensionRefusal`), citing
the regulation's paragraph."""

from __future__ import annotations

import re

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.extensions.rules import ExtensionRefusal
from bot.i18n import date_with_weekday, long_date
from bot.profiles import Term, Unit
from handlers.assignments.cards import SOURCE_TITLES
from handlers.replies import cited
from storage.domain.enums import Source
from storage.domain.refusals import Refused

PARAGRAPH = re.compile(r"(п\.\s?\d+(?:\.\d+)*|§\s?\d+(?:\.\d+)*)")


def paragraph(cite: str) -> str:
    """«п.35» / «§12.6» out of a profile citation."""
    found = PARAGRAPH.search(cite)
    return cited(found.group(1) if found else cite)


def term_text(term: Term) -> str:
    if term.unit is Unit.WORKING_DAYS:
        return ngettext("{count} working day", "{count} working days", term.value).format(
            count=term.value
        )
    if term.unit is Unit.CALENDAR_DAYS:
        return ngettext("{count} day", "{count} days", term.value).format(count=term.value)
    return ngettext("{count} month", "{count} months", term.value).format(count=term.value)


LETTER_REFUSALS = frozenset(
    {
        ExtensionRefusal.NO_LETTER,
        ExtensionRefusal.NUMBER_WITH_DATE,
        ExtensionRefusal.LETTER_DATE,
        ExtensionRefusal.LETTER_BEFORE,
    }
)


def letter_refusal(error: Refused, language: str) -> str:
    """The issuer's letter recorded wrong: its number or its date."""
    v = error.values
    match error.refusal:
        case ExtensionRefusal.NO_LETTER:
            return _("Type the number of the issuer's letter, at most {high} characters.").format(
                high=v["high"]
            )
        case ExtensionRefusal.NUMBER_WITH_DATE:
            return _(
                "Type only the number of the issuer's letter, for example 12-34: its date is "
                "asked next."
            )
        case ExtensionRefusal.LETTER_DATE:
            return _(
                "The issuer's letter cannot be dated after today, {date}. Type its date as "
                "dd.mm.yyyy."
            ).format(date=long_date(v["today"], language))  # type: ignore[arg-type]
        case _:
            return _(
                "The issuer's letter answers the request of {date}: it cannot be dated "
                "earlier. Type its date as dd.mm.yyyy."
            ).format(date=long_date(v["asked_on"], language))  # type: ignore[arg-type]


def extension_refusal(error: Refused, language: str) -> str:
    v = error.values
    if error.refusal in LETTER_REFUSALS:
        return letter_refusal(error, language)
    match error.refusal:
        case ExtensionRefusal.NOT_MAIN:
            return _("Only the main executor («свод») asks for an extension, for all executors.")
        case ExtensionRefusal.FORBIDDEN_SOURCE:
            title = SOURCE_TITLES[Source(str(v["source"]))]
            return _("Assignments of this source cannot be extended: {source} ({rule}).").format(
                source=_(title),
                rule=paragraph(str(v["cite"])),
            )
        case ExtensionRefusal.CUTOFF:
            return _(
                "An extension must be requested no later than {term} before the deadline, "
                "that is by {date} ({rule})."
            ).format(
                term=term_text(v["term"]),  # type: ignore[arg-type]
                date=long_date(v["cutoff"], language),  # type: ignore[arg-type]
                rule=paragraph(str(v["cite"])),
            )
        case ExtensionRefusal.LIMIT:
            return ngettext(
                "The deadline was already extended {used} time; the regulation allows "
                "{allowed} ({rule}).",
                "The deadline was already extended {used} times; the regulation allows "
                "{allowed} ({rule}).",
                int(str(v["used"])),
            ).format(used=v["used"], allowed=v["allowed"], rule=paragraph(str(v["cite"])))
        case ExtensionRefusal.PENDING:
            return _(
                "A request for assignment No. {number} is already waiting for a decision."
            ).format(number=v["reg_number"])
        case ExtensionRefusal.NOT_AFTER:
            return _("The new date must be after the current deadline, {date}.").format(
                date=long_date(v["deadline"], language)  # type: ignore[arg-type]
            )
        case ExtensionRefusal.DAY_OFF:
            return _("{day} is not a working day. The next working day is {offer}.").format(
                day=date_with_weekday(v["day"], language),  # type: ignore[arg-type]
                offer=date_with_weekday(v["offer"], language),  # type: ignore[arg-type]
            )
        case ExtensionRefusal.NOT_DECIDER:
            return _("You do not decide extension requests for this assignment.")
        case _:
            return _("This request has already been decided.")

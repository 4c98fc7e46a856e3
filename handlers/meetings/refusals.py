"""The sentences for the meeting refusals (`bot.meetings.rules.MeetingRefusal`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from aiogram.utils.i18n import gettext as _

from bot.i18n import date_with_weekday
from bot.i18n_marks import N_
from bot.meetings.rules import MeetingRefusal
from handlers.meetings.cards import when_text
from storage.domain.refusals import Refused

REFUSALS: dict[StrEnum, str] = {
    MeetingRefusal.NOT_FOUND: N_("There is no such meeting or agenda item any more."),
    MeetingRefusal.NOT_ORGANIZER: N_("Only an organizer can do this."),
    MeetingRefusal.NOT_RECIPIENT: N_("This meeting is not addressed to you."),
    MeetingRefusal.NOT_APPROVER: N_(
        "The agenda is approved by the chair or the akim (or whoever acts for them)."
    ),
    MeetingRefusal.NOT_RESPONSIBLE: N_(
        "The materials for this item come from its responsible department."
    ),
    MeetingRefusal.CANCELLED: N_("This meeting has been cancelled."),
    MeetingRefusal.STARTED: N_(
        "The meeting has already begun: attendance and changes are closed."
    ),
    MeetingRefusal.NOT_DISTRIBUTED: N_(
        "The agenda has not gone out yet; attendance is confirmed once it has."
    ),
    MeetingRefusal.ALREADY_APPROVED: N_("The agenda is already approved."),
    MeetingRefusal.RETURNED: N_(
        "This request is no longer current: the agenda was returned with remarks."
    ),
    MeetingRefusal.NOT_STARTED: N_("The protocol is registered once the meeting has begun."),
    MeetingRefusal.HAS_PROTOCOL: N_("The protocol of this meeting is already registered."),
    MeetingRefusal.PAST: N_("{at} has already passed."),
    MeetingRefusal.DAY_OFF: N_("{day} is not a working day. The next working day is {offer}."),
    MeetingRefusal.RESTRICTED: N_(
        "Files are not accepted for a restricted (ДСП) meeting: hand the materials over on paper."
    ),
    MeetingRefusal.NO_TEXT: N_("Nothing was given: a text (or a file) is needed."),
    MeetingRefusal.NO_ITEMS: N_(
        "The agenda needs at least one item: the last one cannot be removed."
    ),
    MeetingRefusal.NO_RECIPIENTS: N_("A meeting needs at least one recipient."),
}


def moment_text(value: object, language: str) -> str:
    if isinstance(value, datetime):
        return when_text(value, language)
    if isinstance(value, date):
        return date_with_weekday(value, language)
    return str(value)


def meeting_refusal(error: Refused, language: str) -> str:
    """A Refused as one sentence in the current locale (other meeting handlers use it)."""
    values = error.values
    match error.refusal:
        case MeetingRefusal.PAST:
            return _(REFUSALS[error.refusal]).format(at=moment_text(values.get("at"), language))
        case MeetingRefusal.DAY_OFF:
            at, offer = values.get("at"), values.get("offer")
            day = at.date() if isinstance(at, datetime) else at
            return _(REFUSALS[error.refusal]).format(
                day=moment_text(day, language), offer=moment_text(offer, language)
            )
        case _:
            return _(REFUSALS[error.refusal])


CREATION_REFUSALS: dict[StrEnum, str] = {
    MeetingRefusal.NO_ITEMS: N_("The agenda is empty: add at least one item."),
    MeetingRefusal.NO_RECIPIENTS: N_(
        "Nobody would receive the agenda: the chosen departments have no head in the staff "
        "directory. Choose other recipients."
    ),
    MeetingRefusal.NOT_ORGANIZER: N_("Only an organizer may create meetings."),
}


def creation_refusal(error: Refused, language: str) -> str:
    """How the dialog that creates a meeting words a refusal (with what to do next); the others
    as everywhere (`meeting_refusal`)."""
    match error.refusal:
        case MeetingRefusal.PAST:
            at = error.values.get("at")
            when = when_text(at, language) if isinstance(at, datetime) else ""
            return _("That moment has already passed ({when}). Choose a later one.").format(
                when=when
            )
        case refusal if refusal in CREATION_REFUSALS:
            return _(CREATION_REFUSALS[refusal])
        case _:
            return meeting_refusal(error, language)

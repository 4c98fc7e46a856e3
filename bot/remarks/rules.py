"""«Замечаний нет» rounds: an initiator asks addressees for remarks by a due date. Pure rules.

A round has a kind (a draft resolution, decision, order, emergency act, another draft, or a
«замечаний нет» answer on an assignment or request). Per profile the kind sets the default due
date (Baidibek §10.14) and whether an addressee silent at the due date has agreed by default
(Ust-Kamenogorsk п.21, п.24: drafts only, never п.7 answers); otherwise silence is «no answer».
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from bot.profiles import CalendarLike, Profile, remarks_due_date
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from storage.domain.remarks import Addressee, Answer, Round, RoundKind

SUBJECT_MIN = 3
SUBJECT_MAX = 500
REMARKS_MAX = 3500
MAX_FILES = 10
MAY_START = frozenset(
    {
        Role.CONTROLLER,
        Role.ORGANIZER,
        Role.HEAD,
        Role.DEPUTY_AKIM,
        Role.AKIM,
        Role.HEAD_OF_APPARATUS,
    }
)


class RoundRefusal(StrEnum):
    CLOSED = "closed"  # the due date has passed: the round is closed to answers
    NOT_ADDRESSEE = "not_addressee"
    NOT_INITIATOR = "not_initiator"
    DUE_PAST = "due_past"
    DUE_DAY_OFF = "due_day_off"
    NO_TEXT = "no_text"


# The kind a new round gets unless the initiator taps another (and rounds from before kinds).
DEFAULT_KIND = RoundKind.OTHER_DRAFT
# The order the kinds are offered in: the default first.
KINDS = (
    RoundKind.OTHER_DRAFT,
    RoundKind.REPLY,
    RoundKind.RESOLUTION,
    RoundKind.DECISION,
    RoundKind.ORDER,
    RoundKind.EMERGENCY,
)


def default_due(
    profile: Profile, cal: CalendarLike, sent: date, kind: RoundKind = DEFAULT_KIND
) -> date:
    """The profile's period for the kind from the day the round is sent (baidibek-2025: 10 wd
    for resolutions, §10.14)."""
    return remarks_due_date(profile, cal, sent, kind)


def shorter_than_regulation(
    profile: Profile, cal: CalendarLike, sent: date, kind: RoundKind, due: date
) -> date | None:
    """The regulation's due date when `due` comes before it (the initiator is asked to confirm
    the shorter period), else None."""
    regular = default_due(profile, cal, sent, kind)
    return regular if due < regular else None


def silent_consent(profile: Profile, kind: RoundKind) -> bool:
    """Whether an addressee silent at the due date has agreed by default, for this kind."""
    kinds = profile.silent_consent_kinds
    return profile.silent_consent.value and kinds is not None and kind in kinds.value


_PARAGRAPH = re.compile(r"^\s*((?:п\.|§)\s*\d+(?:\.\d+)*)")


def paragraphs(cite: str) -> str:
    """The paragraphs a profile cite names, for the reader («п.21, п.24»): each `;`-part of a
    cite starts with its paragraph; the seed lines after it are left out."""
    found: list[str] = []
    for part in cite.split(";"):
        match = _PARAGRAPH.match(part)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return ", ".join(found)


def silent_consent_paragraphs(profile: Profile, kind: RoundKind) -> str | None:
    """The paragraphs that make silence consent for this kind, for the request; None when
    silence is not consent."""
    kinds = profile.silent_consent_kinds
    if not silent_consent(profile, kind) or kinds is None:
        return None
    return paragraphs(kinds.cite) or None


def due_paragraphs(profile: Profile) -> str:
    """The paragraphs the rounds' due periods come from («§10.14»)."""
    return paragraphs(profile.remarks_round_due.cite)


def check_due(cal: CalendarLike, today: date, due: date) -> date:
    """A typed due date: today or later, and a working day."""
    if due < today:
        raise Refused(RoundRefusal.DUE_PAST, due=due)
    if not cal.is_working_day(due):
        raise Refused(RoundRefusal.DUE_DAY_OFF, due=due, offer=cal.next_working_day(due))
    return due


def is_open(item: Round, today: date) -> bool:
    """Answers are taken, and may be changed, until the end of the due date."""
    return item.closed_at is None and today <= item.due


def check_answer(item: Round, person_id: int, today: date) -> Addressee:
    addressee = item.addressee_for(person_id)
    if addressee is None:
        raise Refused(RoundRefusal.NOT_ADDRESSEE, round_id=item.id)
    if not is_open(item, today):
        raise Refused(RoundRefusal.CLOSED, due=item.due)
    return addressee


def final_answer(profile: Profile, kind: RoundKind, answer: Answer) -> Answer:
    """What an answer becomes at the due date: silence counts as agreement (where the profile
    gives silent consent to this kind of round) or as no answer."""
    if answer is not Answer.PENDING:
        return answer
    return Answer.AGREED_BY_DEFAULT if silent_consent(profile, kind) else Answer.NO_ANSWER


def reminder_day(cal: CalendarLike, item: Round) -> date:
    """Non-responders are reminded one working day before the due date."""
    return cal.subtract_working_days(item.due, 1)

"""«Замечаний нет» rounds: an initiator asks addressees for remarks by a due date. Pure rules.

Ust-Kamenogorsk 2025 п.21, п.24: an addressee who has not answered by the due date has agreed
by default (silent consent); other profiles show them as «no answer».
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bot.profiles import CalendarLike, Profile, remarks_due_date
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from storage.domain.remarks import Addressee, Answer, Round

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


def default_due(profile: Profile, cal: CalendarLike, sent: date) -> date:
    """The profile's period from the day the round is sent (ust-kamenogorsk-2025: 3 wd, п.21)."""
    return remarks_due_date(profile, cal, sent)


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


def final_answer(profile: Profile, answer: Answer) -> Answer:
    """What an answer becomes at the due date: silence counts as agreement or as no answer."""
    if answer is not Answer.PENDING:
        return answer
    return Answer.AGREED_BY_DEFAULT if profile.silent_consent.value else Answer.NO_ANSWER


def reminder_day(cal: CalendarLike, item: Round) -> date:
    """Non-responders are reminded one working day before the due date."""
    return cal.subtract_working_days(item.due, 1)

"""Extension requests (продление срока): who may ask, until when, how often, who decides. Pure.

Each refusal names the rule and the paragraph it comes from (the profile's citation).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from bot.assignments.rules import check_head_of
from bot.letters import letter_number
from bot.profiles import BeyondLimit, CalendarLike, ExtensionDecider, Profile, extension_cutoff
from storage.domain.assignments import Assignment, Executor
from storage.domain.refusals import Refused

REASONS_MIN = 10
REASONS_MAX = 1500


class ExtensionRefusal(StrEnum):
    NOT_MAIN = "not_main"  # co-executors cannot ask: the main executor asks for all
    CUTOFF = "cutoff"  # later than the profile's cut-off before the deadline
    LIMIT = "limit"  # the number allowed is used up and the profile refuses more
    FORBIDDEN_SOURCE = "forbidden_source"  # the source forbids extensions
    PENDING = "pending"  # a request is already waiting for a decision
    NOT_AFTER = "not_after"  # the new date is not after the current deadline
    DAY_OFF = "day_off"  # the new date is not a working day
    NOT_DECIDER = "not_decider"
    NO_LETTER = "no_letter"  # the issuer's answer is recorded without its letter's number
    NUMBER_WITH_DATE = "number_with_date"  # a date typed into the letter's number
    LETTER_DATE = "letter_date"  # the issuer's letter is dated after today (or not at all)
    LETTER_BEFORE = "letter_before"  # ... or before the request it answers
    DECIDED = "decided"  # somebody has already decided


def check_may_request(
    profile: Profile,
    cal: CalendarLike,
    item: Assignment,
    departments: frozenset[int],
    today: date,
    *,
    pending: bool,
) -> tuple[Executor, bool]:
    """(the main executor row, exceptional?) if this head may ask now; else Refused.

    Order of the checks follows the regulation: who asks, from which source, by when, how often.
    """
    executor = check_head_of(item, departments)  # open, and addressed to this head (Refused)
    if not executor.main:
        raise Refused(ExtensionRefusal.NOT_MAIN, reg_number=item.reg_number)
    if decider_kind(profile, item) is ExtensionDecider.FORBIDDEN:
        cite = profile.extension_decider.cite
        raise Refused(ExtensionRefusal.FORBIDDEN_SOURCE, source=item.source, cite=cite)
    cutoff = extension_cutoff(profile, cal, item.deadline)
    if cutoff is not None and today > cutoff:
        param = profile.extension_cutoff
        assert param is not None
        raise Refused(ExtensionRefusal.CUTOFF, cutoff=cutoff, term=param.value, cite=param.cite)
    if pending:
        raise Refused(ExtensionRefusal.PENDING, reg_number=item.reg_number)
    allowed = profile.extensions_allowed
    exceptional = item.extensions >= allowed.value
    if exceptional and profile.extension_beyond_limit.value is BeyondLimit.REFUSE:
        raise Refused(
            ExtensionRefusal.LIMIT, allowed=allowed.value, used=item.extensions, cite=allowed.cite
        )
    return executor, exceptional


def check_new_date(cal: CalendarLike, item: Assignment, new_date: date) -> date:
    """The date asked for: after the current deadline and a working day (else the next one is
    offered in the refusal)."""
    if new_date <= item.deadline:
        raise Refused(ExtensionRefusal.NOT_AFTER, deadline=item.deadline)
    if not cal.is_working_day(new_date):
        raise Refused(ExtensionRefusal.DAY_OFF, day=new_date, offer=cal.next_working_day(new_date))
    return new_date


def decider_kind(profile: Profile, item: Assignment) -> ExtensionDecider:
    """Who decides this item's extension: the profile's decider for its source; «the issuer»
    falls back to the akim or head of apparatus when no issuer on the staff is recorded."""
    kind = profile.extension_decider.value.for_source(item.source)
    if kind is ExtensionDecider.ISSUER and item.issuer_id is None:
        return ExtensionDecider.AKIM_OR_HEAD_OF_APPARATUS
    return kind


def asked_of_issuer(profile: Profile, item: Assignment) -> bool:
    """Whether this item's extension is asked of the issuing body outside the akimat (by a
    letter the control department sends; the control department records the answer)."""
    return decider_kind(profile, item) is ExtensionDecider.ISSUING_BODY


LETTER_NUMBER_MAX = 50
TYPED_DATE = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")


def check_letter_number(text: str) -> str:
    """The number of the issuer's letter, as typed (without a leading «№»); Refused when
    empty or too long."""
    number = letter_number(text)
    if not 1 <= len(number) <= LETTER_NUMBER_MAX:
        raise Refused(ExtensionRefusal.NO_LETTER, high=LETTER_NUMBER_MAX)
    if TYPED_DATE.search(number):  # «12-34 от 20.11.2026»: the date is asked next
        raise Refused(ExtensionRefusal.NUMBER_WITH_DATE)
    return number


def check_letter_date(day: date | None, today: date, asked_on: date) -> date:
    """The date of the issuer's letter: given, not after today, and not before the day the
    head asked (it answers that request)."""
    if day is None or day > today:
        raise Refused(ExtensionRefusal.LETTER_DATE, today=today)
    if day < asked_on:
        raise Refused(ExtensionRefusal.LETTER_BEFORE, asked_on=asked_on)
    return day

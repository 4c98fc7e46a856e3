"""«Замечаний нет» rounds: an initiator asks addressees for remarks by a due date. Pure rules.

A round has a kind (a draft resolution, decision, order, emergency act, another draft, or a
«замечаний нет» answer on an assignment or request). Per profile the kind sets the default due
date (Baidibek §10.14) and whether an addressee silent at the due date has agreed by default
(Ust-Kamenogorsk п.21, п.24: drafts only, never п.7 answers); otherwise silence is «no answer».

An addressee answers «no remarks», «remarks» (text and/or files) or, where the profile takes it
(`refusal_answer`), «not agreed» with typed reasons (Almaty п.24 3)). Where the profile forbids
approving a kind of draft «с замечаниями» (`remarks_forbidden_kinds`, Baidibek §10.4), that kind
takes «agreed» or a reasoned «not agreed» only.
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
REG_NUMBER_MAX = 64  # as an assignment's registration number


def reg_number_of(typed: str) -> str | None:
    """A restricted round's document number as typed («04-ДСП/2»): one line of 1 to
    REG_NUMBER_MAX characters, spaces collapsed; None when it is not one."""
    if "\n" in typed.strip():
        return None
    number = " ".join(typed.split())
    return number if 0 < len(number) <= REG_NUMBER_MAX else None


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
    NO_REASONS = "no_reasons"  # a refusal without its reasons typed
    REFUSAL_OFF = "refusal_off"  # the profile takes no refusal
    REMARKS_FORBIDDEN = "remarks_forbidden"  # no approval «с замечаниями» for this kind


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


def refusal_allowed(profile: Profile, kind: RoundKind) -> bool:
    """Whether an addressee may answer «not agreed», with reasons: a refusal is an answer on a
    draft (Almaty п.24 3), Ust-Kamenogorsk п.21, п.24, Baidibek §10.3); a «замечаний нет» answer
    on an assignment or a request (п.7) has remarks or none."""
    return profile.is_on("refusal_answer") and kind is not RoundKind.REPLY


def remarks_forbidden_paragraphs(profile: Profile, kind: RoundKind) -> str | None:
    """The paragraphs that forbid approving this kind of draft «с замечаниями» («§10.4,
    §10.3»); None when remarks are taken."""
    kinds = profile.remarks_forbidden_kinds
    if kinds is None or kind not in kinds.value:
        return None
    return paragraphs(kinds.cite) or None


def offered_answers(profile: Profile, kind: RoundKind) -> tuple[Answer, ...]:
    """The answers an addressee of this kind of round is offered, in the order shown."""
    found = [Answer.NO_REMARKS]
    if remarks_forbidden_paragraphs(profile, kind) is None:
        found.append(Answer.REMARKS)
    if refusal_allowed(profile, kind) or len(found) == 1:
        found.append(Answer.REFUSED)  # without remarks, «not agreed» is the only other answer
    return tuple(found)


def check_offered(profile: Profile, item: Round, answer: Answer) -> None:
    """The answer is one this round takes (a forged or an old button may ask for another)."""
    if answer in offered_answers(profile, item.kind):
        return
    if answer is Answer.REMARKS:
        paragraphs = remarks_forbidden_paragraphs(profile, item.kind)
        raise Refused(RoundRefusal.REMARKS_FORBIDDEN, paragraphs=paragraphs or "")
    raise Refused(RoundRefusal.REFUSAL_OFF)


def check_given(
    profile: Profile, item: Round, answer: Answer, text: str | None, has_files: bool
) -> None:
    """An answer this round takes, with what it needs: remarks a text or a file, a refusal its
    reasons typed (files alone are not reasons)."""
    check_offered(profile, item, answer)
    if answer is Answer.REMARKS and not (text or has_files):
        raise Refused(RoundRefusal.NO_TEXT)
    if answer is Answer.REFUSED and not (text or "").strip():
        raise Refused(RoundRefusal.NO_REASONS)


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

"""Extensions asked of the issuing body outside the akimat: the body a source's letter goes
to, the draft letter (.docx) in the reader's language, the issuer's letter as a reference, and
the «requested from» line of a card."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.extensions.rules import asked_of_issuer
from bot.i18n import long_date
from bot.i18n_marks import N_
from bot.letters import Case, letter_date, letter_docx, letter_reference
from bot.profiles import Profile
from handlers.assignments.cards import SOURCE_TITLES, language
from storage.domain.assignments import Assignment
from storage.domain.enums import Role, Source
from storage.domain.extensions import ExtensionRequest
from storage.repo import Repos

# The body a letter about an item of this source goes to (003 §11.5–11.6 and §12.7 name the
# Presidential Administration and the Government Office, «Аппарат Правительства Республики
# Казахстан»; 001 п.45 the President, his Administration, the Prime Minister and his Office —
# the Government Office today): its name, and «to» it as a sentence says where a letter goes.
PRESIDENTIAL_ADMINISTRATION = (
    N_("Presidential Administration of the Republic of Kazakhstan"),
    N_("to the Presidential Administration of the Republic of Kazakhstan"),
)
GOVERNMENT_OFFICE = (
    N_("Government Office of the Republic of Kazakhstan"),
    N_("to the Government Office of the Republic of Kazakhstan"),
)
ISSUER_BODIES: dict[Source, tuple[str, str]] = {
    Source.PRESIDENT: PRESIDENTIAL_ADMINISTRATION,
    Source.PRESIDENTIAL_ADMINISTRATION: PRESIDENTIAL_ADMINISTRATION,
    Source.GOVERNMENT: GOVERNMENT_OFFICE,
    Source.PRIME_MINISTER: GOVERNMENT_OFFICE,
    Source.OBLAST_AKIM: (
        N_("Office of the oblast akim"),
        N_("to the office of the oblast akim"),
    ),
}
OTHER_BODY = (
    N_("The state body that gave the assignment"),
    N_("to the state body that gave the assignment"),
)


def issuer_body(source: Source) -> str:
    """The body's name, translated: «Администрация Президента Республики Казахстан»."""
    return _(ISSUER_BODIES.get(source, OTHER_BODY)[0])


def to_issuer_body(source: Source) -> str:
    """Where the letter goes, translated: «в Администрацию Президента …» / «… Әкімшілігіне»."""
    return _(ISSUER_BODIES.get(source, OTHER_BODY)[1])


def by_letter_line(source: Source) -> str:
    """«The request will go by letter to <body> through the control department.»"""
    return _("The request will go by letter {to_body} through the control department.").format(
        to_body=to_issuer_body(source)
    )


def issuers_letter(request: ExtensionRequest, language: str) -> str:
    """The issuer's letter answering the request, in the reader's language."""
    return letter_reference(request.letter_ref or "", request.letter_date, language)


def refusal_reason(request: ExtensionRequest) -> str:
    """The reasons of a refusal; for an issuer's letter that gave none, the default in the
    reader's language."""
    return request.reject_reason or _("not given")


async def signatory(repos: Repos, day: date, language: str) -> str:
    """The signature line: the akim (else the head of apparatus) from the directory, with
    position (in the letter's `language`) and name — whoever acts for them on `day`, marked as
    acting; a blank to fill in when neither is there."""
    for role in (Role.AKIM, Role.HEAD_OF_APPARATUS):
        people = await repos.staff.with_role(role)
        if people:
            holder = people[0]
            signer = await repos.staff.acting_for(holder, day)
            name = signer.full_name
            if signer.id != holder.id:
                name = _("{name} (acting)").format(name=name)
            return f"{holder.position_in(language)}    ____________    {name}"
    return _("Signature: ____________")


def issuer_letter(
    item: Assignment, request: ExtensionRequest, department: str, language: str, signature: str
) -> bytes:
    """The draft letter asking the issuer outside the akimat for the extension, in the reader's
    language: from the akimat, with the outgoing number to fill in, to the issuing body; the
    number, subject (none for a restricted item), current and proposed date, reasons, the
    executor; signed by the akim (or the head of apparatus)."""
    subject = (
        _("The content is restricted (for official use) and is not given in this letter.")
        if item.restricted
        else _("Subject: {summary}").format(summary=item.summary)
    )
    paragraphs = [
        _("We ask you to extend the deadline of assignment No. {number} received {date}.").format(
            number=item.reg_number, date=letter_date(item.received, language, Case.ON)
        ),
        subject,
        _("The deadline set: {date}.").format(date=letter_date(request.old_deadline, language)),
        _("The deadline proposed: until {date}.").format(
            date=letter_date(request.new_deadline, language, Case.UNTIL)
        ),
        _("Reasons: {reasons}").format(reasons=request.reasons),
        _("Executor: {department}").format(department=department),
    ]
    return letter_docx(
        issuer_body(item.source),
        _("On extending the deadline of assignment No. {number}").format(number=item.reg_number),
        paragraphs,
        signature,
        language=language,
        sender=_("From: the akimat"),
        outgoing=_("Outgoing No. ______ of «___» ________ 20__"),
        mark=_("For official use only") if item.restricted else "",
    )


async def requested_from_line(repos: Repos, profile: Profile, item: Assignment) -> str:
    """«Extension requested from <issuer>» while a request asked of the issuer outside the
    akimat waits for its answer; else nothing. In the reader's language (the i18n context)."""
    if not asked_of_issuer(profile, item):  # (most items: the akim's own, no read)
        return ""
    request = await repos.extensions.pending_for(item.id)
    if request is None:
        return ""
    return "\n" + _("⏳ Extension to {date} requested from: {issuer}").format(
        date=long_date(request.new_deadline, language(), "dat"),
        issuer=_(SOURCE_TITLES[item.source]),
    )

"""What the sender shows for the extension requests' outbox kinds (at send time, in the
recipient's language)."""

from __future__ import annotations

import re

from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import gettext as _

from bot.delivery import Deliverer, Rendered
from bot.extensions.rules import asked_of_issuer
from bot.i18n import date_with_weekday, long_date
from handlers.about import about_request, local_today
from handlers.assignments.cards import SOURCE_TITLES
from handlers.assignments.outbox import subject_line, view_button
from handlers.extensions.actions import decision_keyboard
from handlers.extensions.actions import request_text as extension_request_text
from handlers.extensions.letters import (
    issuer_letter,
    issuers_letter,
    refusal_reason,
    signatory,
    to_issuer_body,
)
from storage.domain.assignments import Assignment
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.models import Person
from storage.outbox import OutboxItem
from storage.repo import Repos


async def _request(repos: Repos, request_id: int) -> ExtensionRequest | None:
    return await repos.extensions.get(request_id)


PENDING = {RequestStatus.PENDING}
DECIDED = set(RequestStatus) - PENDING

# --- renderers, one per outbox kind ------------------------------------------------------------


@about_request(_request, PENDING, open_only=True)
async def render_extension_request(
    deliverer: Deliverer, person: Person, request: ExtensionRequest, assignment: Assignment
) -> Rendered | None:
    requester = await deliverer.repos.staff.by_code(request.requested_by)
    language = person.language.value
    department = requester_department(request, assignment, language)
    who = f"{requester.short_name if requester else request.requested_by}, {department}"
    text = extension_request_text(assignment, request, who, language)
    if not asked_of_issuer(deliverer.profile, assignment):
        return Rendered(text, decision_keyboard(request.id))
    text = (
        _(
            "✉️ Only the issuer can extend this deadline: {issuer}. Send the letter {to_body} "
            "(the draft is attached). When its answer comes, record it here with the buttons "
            "below: you record the issuer's answer, you do not decide it."
        ).format(
            issuer=_(SOURCE_TITLES[assignment.source]), to_body=to_issuer_body(assignment.source)
        )
        + "\n\n"
        + text
    )
    signature = await signatory(deliverer.repos, local_today(deliverer), language)
    letter = issuer_letter(assignment, request, department, language, signature)
    name = f"extension-{SAFE_NAME.sub('-', assignment.reg_number)}.docx"
    return Rendered(
        text,
        decision_keyboard(request.id, issuer=True),
        attachments=[BufferedInputFile(letter, filename=name)],
    )


SAFE_NAME = re.compile(r"[^\w.-]+")


def requester_department(request: ExtensionRequest, assignment: Assignment, language: str) -> str:
    """The requesting department's name in the reader's language."""
    return next(
        (
            e.department_in(language)
            for e in assignment.executors
            if e.department_id == request.department_id
        ),
        "",
    )


@about_request(_request, PENDING, open_only=True)
async def render_extension_asked(
    deliverer: Deliverer, person: Person, request: ExtensionRequest, assignment: Assignment
) -> Rendered | None:
    """For the akim's and the head of apparatus's information: a request asked of the issuer
    outside the akimat went to the control department (they decide nothing)."""
    requester = await deliverer.repos.staff.by_code(request.requested_by)
    department = requester_department(request, assignment, person.language.value)
    who = f"{requester.short_name if requester else request.requested_by}, {department}"
    text = (
        _(
            "ℹ️ For your information: an extension of assignment No. {number} is asked of the "
            "issuer. The control department sends the letter {to_body} and records the answer; "
            "nothing is needed from you."
        ).format(number=assignment.reg_number, to_body=to_issuer_body(assignment.source))
        + "\n\n"
        + extension_request_text(assignment, request, who, person.language.value)
    )
    return Rendered(text, view_button(assignment))


async def render_extension_reminder(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    """The request again, said to be still waiting."""
    rendered = await render_extension_request(deliverer, item, person)
    if rendered is not None:
        reminder = _("Reminder: this request is still waiting for your decision.")
        rendered.text = reminder + "\n\n" + rendered.text
    return rendered


@about_request(_request, DECIDED)
async def render_extension_decided(
    deliverer: Deliverer, person: Person, request: ExtensionRequest, assignment: Assignment
) -> Rendered | None:
    language = person.language.value
    if request.status is RequestStatus.APPROVED and request.granted_deadline is not None:
        if person.code == request.requested_by:
            extended = _(
                "✅ Your extension request is approved: the deadline of assignment No. {number} "
                "is extended to {date} (was {old})."
            )
        else:
            extended = _(
                "📅 The deadline of assignment No. {number} is extended to {date} (was {old})."
            )
        text = extended.format(
            number=assignment.reg_number,
            date=long_date(request.granted_deadline, language, "dat"),
            old=long_date(request.old_deadline, language),
        )
        text += subject_line(assignment)
    elif request.letter_ref is not None:
        text = _(
            "The issuer refused to extend assignment No. {number}; the deadline stays {date}."
        ).format(
            number=assignment.reg_number, date=date_with_weekday(assignment.deadline, language)
        )
        text += "\n" + _("Reasons: {reasons}").format(reasons=refusal_reason(request))
    else:
        text = _(
            "The extension request for assignment No. {number} is rejected; the deadline stays "
            "{date}."
        ).format(
            number=assignment.reg_number, date=date_with_weekday(assignment.deadline, language)
        )
        if request.reject_reason:
            text += "\n" + _("Reason: {reason}").format(reason=request.reject_reason)
    if request.letter_ref is not None:
        text += "\n" + _("The issuer's letter: {letter}").format(
            letter=issuers_letter(request, language)
        )
    return Rendered(text, view_button(assignment))


@about_request(_request, PENDING, open_only=True)
async def render_extension_late(
    deliverer: Deliverer, person: Person, request: ExtensionRequest, assignment: Assignment
) -> Rendered | None:
    return Rendered(
        _(
            "The extension request for assignment No. {number} (to {date}) is still undecided "
            "and the deadline has come."
        ).format(
            number=assignment.reg_number,
            date=long_date(request.new_deadline, person.language.value),
        ),
        view_button(assignment),
    )

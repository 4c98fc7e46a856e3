"""What the sender shows for the extension requests' outbox kinds (at send time, in the
recipient's language)."""

from __future__ import annotations

import re

from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import gettext as _

from bot.delivery import Deliverer, Rendered
from bot.extensions.rules import asked_of_issuer
from bot.i18n import date_with_weekday, long_date
from bot.letters import letter_docx
from handlers.about import about_request
from handlers.assignments.cards import SOURCE_TITLES
from handlers.assignments.outbox import view_button
from handlers.extensions.actions import decision_keyboard
from handlers.extensions.actions import request_text as extension_request_text
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
    department = next(
        (
            e.department_name
            for e in assignment.executors
            if e.department_id == request.department_id
        ),
        "",
    )
    who = f"{requester.short_name if requester else request.requested_by}, {department}"
    language = person.language.value
    text = extension_request_text(assignment, request, who, language)
    if not asked_of_issuer(deliverer.profile, assignment):
        return Rendered(text, decision_keyboard(request.id))
    issuer = _(SOURCE_TITLES[assignment.source])
    text = (
        _(
            "✉️ Only the issuer can extend this deadline: {issuer}. Send it the letter (the "
            "draft is attached), then record its answer here."
        ).format(issuer=issuer)
        + "\n\n"
        + text
    )
    letter = issuer_letter(assignment, request, department, language)
    name = f"extension-{SAFE_NAME.sub('-', assignment.reg_number)}.docx"
    return Rendered(
        text,
        decision_keyboard(request.id, issuer=True),
        attachments=[BufferedInputFile(letter, filename=name)],
    )


SAFE_NAME = re.compile(r"[^\w.-]+")


def issuer_letter(
    item: Assignment, request: ExtensionRequest, department: str, language: str
) -> bytes:
    """The draft letter asking the issuer outside the akimat for the extension, in the reader's
    language: number, subject (none for a restricted item), current and proposed date,
    reasons."""
    subject = (
        _("The content is restricted (for official use) and is not given in this letter.")
        if item.restricted
        else _("Subject: {summary}").format(summary=item.summary)
    )
    paragraphs = [
        _(
            "We ask you to extend the deadline of assignment No. {number} received on {received}."
        ).format(number=item.reg_number, received=long_date(item.received, language)),
        subject,
        _("Current deadline: {date}").format(date=long_date(request.old_deadline, language)),
        _("Proposed deadline: {date}").format(date=long_date(request.new_deadline, language)),
        _("Reasons: {reasons}").format(reasons=request.reasons),
        _("Executor: {department}").format(department=department),
    ]
    return letter_docx(
        _("To: {issuer}").format(issuer=_(SOURCE_TITLES[item.source])),
        _("On extending the deadline of assignment No. {number}").format(number=item.reg_number),
        paragraphs,
        _("Signature: ____________"),
        language=language,
    )


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
        text = _(
            "The deadline of assignment No. {number} is extended to {date} (was {old})."
        ).format(
            number=assignment.reg_number,
            date=long_date(request.granted_deadline, language),
            old=long_date(request.old_deadline, language),
        )
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
        text += "\n" + _("The issuer's letter: {letter}").format(letter=request.letter_ref)
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

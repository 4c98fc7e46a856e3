"""What the sender shows for the executors' outbox kinds (rendered at send time in the
recipient's language; None once the message no longer applies)."""

from __future__ import annotations

import functools

from aiogram.utils.i18n import gettext as _

from bot.delivery import Deliverer, Rendered, Renderer
from bot.services import load_calendar
from handlers.about import (
    AssignmentRenderer,
    about_assignment,
    about_open_assignment,
    local_today,
)
from handlers.assignments.cards import card_text, deadline_line
from handlers.assignments.outbox import view_button
from handlers.executors.cards import draft_keyboard, executor_card_keyboard
from handlers.extensions.letters import requested_from_line
from storage.domain.assignments import Assignment
from storage.domain.executors import DraftStatus
from storage.models import Person
from storage.outbox import OutboxItem


async def still_passed(deliverer: Deliverer, assignment: Assignment, person: Person) -> bool:
    return await deliverer.repos.executors.pass_of(assignment.id, person.id) is not None


def to_executor(render: AssignmentRenderer) -> Renderer:
    """`about_open_assignment` for a message to an executor the item is still passed to."""

    @functools.wraps(render)
    async def if_passed(
        deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
    ) -> Rendered | None:
        if not await still_passed(deliverer, assignment, person):
            return None
        return await render(deliverer, item, person, assignment)

    return about_open_assignment(if_passed)


@to_executor
async def render_passed(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    """The card to an executor the head passed the item to."""
    head = await deliverer.repos.staff.get(int(item.payload["by"]))
    cal = await load_calendar(deliverer.repos)
    text = card_text(
        assignment,
        cal,
        local_today(deliverer),
        deliverer.settings.zone,
        profile=deliverer.profile,
    )
    text += await requested_from_line(deliverer.repos, deliverer.profile, assignment)
    text += "\n\n" + _(
        "{head} passed this assignment to you. Draft the report; the head sends it on."
    ).format(head=head.short_name if head else "")
    return Rendered(text, executor_card_keyboard(assignment))


@about_assignment
async def render_taken_back(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    if await still_passed(deliverer, assignment, person):
        return None
    return Rendered(
        _("The head took assignment No. {number} back; nothing more is needed from you.").format(
            number=assignment.reg_number
        )
    )


@about_open_assignment
async def render_handed_back(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    """To the head: an executor the item was passed to left the staff; it is back with them."""
    executor = await deliverer.repos.staff.get(int(item.payload["person_id"]))
    text = _(
        "{name} is no longer on the staff. Assignment No. {number}, which was passed to them, "
        "is back with you: pass it to another executor or prepare the report yourself."
    ).format(name=executor.full_name if executor else "", number=assignment.reg_number)
    return Rendered(text, view_button(assignment))


@about_open_assignment
async def render_executor_draft(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    """An executor's draft to the head, with «Approve and send on» / «Return»."""
    draft = await deliverer.repos.executors.draft(int(item.payload["draft_id"]))
    if draft is None or draft.status is not DraftStatus.PENDING:
        return None
    author = await deliverer.repos.staff.get(draft.author_id)
    values = {"number": assignment.reg_number, "name": author.short_name if author else ""}
    markup = draft_keyboard(assignment, draft.id)
    if assignment.restricted:
        text = _(
            "{name}'s draft of the report on assignment No. {number}. "
            "Restricted: see the paper copy."
        ).format(**values)
        return Rendered(text, markup)
    header = _("{name}'s draft of the report on assignment No. {number}:").format(**values)
    footer = _("Approve to send it as your department's report, or return it with a comment.")
    return Rendered(f"{header}\n\n{draft.text}\n\n{footer}", markup, list(draft.files))


@about_assignment
async def render_draft_decided(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    draft = await deliverer.repos.executors.draft(int(item.payload["draft_id"]))
    if draft is None:
        return None
    number = assignment.reg_number
    if draft.status is DraftStatus.APPROVED:
        return Rendered(
            _(
                "Your draft on assignment No. {number} is sent on as the department's report."
            ).format(number=number)
        )
    if draft.status is DraftStatus.RETURNED:
        text = _("The head returned your draft on assignment No. {number}.").format(number=number)
        if draft.comment and not assignment.restricted:
            text += "\n" + _("Comment: {comment}").format(comment=draft.comment)
        markup = (
            executor_card_keyboard(assignment)
            if await still_passed(deliverer, assignment, person)
            else None
        )
        return Rendered(text, markup)
    return None


@to_executor
async def render_executor_reminder(
    deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
) -> Rendered | None:
    cal = await load_calendar(deliverer.repos)
    lines = [
        _("Reminder: assignment No. {number} is passed to you.").format(
            number=assignment.reg_number
        ),
        deadline_line(assignment, cal, local_today(deliverer)),
        _("Send your draft of the report to the head in time."),
    ]
    return Rendered("\n".join(lines), executor_card_keyboard(assignment))

"""What the sender shows for the rounds' outbox kinds (at send time, in the recipient's
language)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.delivery import Deliverer, Rendered
from bot.i18n import long_date
from bot.remarks.words import answer_words
from handlers.about import local_today
from handlers.remarks.actions import (
    answer_line,
    names_for,
    request_keyboard,
    request_text,
    round_title,
    sheet_keyboard,
    sheet_text,
)
from storage.domain.assignments import ReportFile
from storage.domain.remarks import Answer, Round
from storage.models import Person
from storage.outbox import OutboxItem

# --- renderers, one per outbox kind ------------------------------------------------------------


async def the_round(deliverer: Deliverer, item: OutboxItem) -> Round | None:
    return await deliverer.repos.remarks.get(int(item.payload["round_id"]))


async def render_remarks_request(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    rnd = await the_round(deliverer, item)
    if rnd is None or rnd.closed_at is not None:
        return None
    addressee = rnd.addressee_for(person.id)
    if addressee is None:
        return None
    if item.kind == "remarks_reminder" and addressee.answer is not Answer.PENDING:
        return None  # answered meanwhile
    initiator = await deliverer.repos.staff.get(rnd.initiator_id)
    text = request_text(rnd, initiator, person.language.value, deliverer.profile)
    if item.kind == "remarks_reminder":
        reminder = _("Reminder: your answer is expected by {date}.").format(
            date=long_date(rnd.due, person.language.value)
        )
        text = reminder + "\n\n" + text
    files = [] if rnd.restricted else [ReportFile(f.file_id, f.file_name) for f in rnd.files]
    if item.kind == "remarks_reminder":
        files = []
    return Rendered(text, request_keyboard(rnd, deliverer.profile), files)


async def render_remarks_answer(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    if (rnd := await the_round(deliverer, item)) is None:
        return None
    addressee = next(
        (a for a in rnd.addressees if a.id == int(item.payload["addressee_id"])), None
    )
    if addressee is None or addressee.answer not in {Answer.REMARKS, Answer.REFUSED}:
        return None
    names = await names_for(deliverer.repos, rnd)
    words = answer_words(deliverer.profile, rnd.kind)
    text = _(words.typed[addressee.answer].notice).format(title=round_title(rnd))
    text += "\n" + answer_line(addressee, names[addressee.id], deliverer.settings.zone, words)
    files = [] if rnd.restricted else [ReportFile(f.file_id, f.file_name) for f in addressee.files]
    return Rendered(text, None, files)


async def render_remarks_final(
    deliverer: Deliverer, item: OutboxItem, person: Person
) -> Rendered | None:
    if (rnd := await the_round(deliverer, item)) is None:
        return None
    text = _("The due date has passed. Final sheet:") + "\n\n"
    text += await sheet_text(
        deliverer.repos,
        deliverer.profile,
        rnd,
        deliverer.settings.zone,
        person.language.value,
        local_today(deliverer),
    )
    return Rendered(text, sheet_keyboard(rnd.id))

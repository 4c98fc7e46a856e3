"""What the sender shows about removals waiting for consent: the request to the akim and the
head of apparatus (with «Agree / Refuse»), and the decision to the controller."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.delivery import Deliverer, Rendered
from handlers.about import about_request
from handlers.assignments.cards import GROUND_TITLES
from handlers.callbacks import ItemAction, ItemCallback, RemovalAction, RemovalCallback
from handlers.keyboards import Keyboard
from storage.domain.assignments import Assignment
from storage.domain.removals import RemovalRequest, RemovalStatus
from storage.models import Person
from storage.repo import Repos


async def _request(repos: Repos, request_id: int) -> RemovalRequest | None:
    return await repos.removals.get(request_id)


def consent_keyboard(request_id: int, assignment_id: int) -> InlineKeyboardMarkup:
    """«Agree / Refuse», and the item itself (its report) one tap away before deciding."""
    builder = Keyboard()
    builder.button(
        text=_("✅ Agree"),
        callback_data=RemovalCallback(action=RemovalAction.AGREE, id=request_id),
    )
    builder.button(
        text=_("❌ Refuse"),
        callback_data=RemovalCallback(action=RemovalAction.REFUSE, id=request_id),
    )
    builder.button(
        text=_("🔎 Open"), callback_data=ItemCallback(action=ItemAction.VIEW, id=assignment_id)
    )
    builder.adjust(2, 1)
    return builder.as_markup()


async def name_of(repos: Repos, code: str | None) -> str:
    if not code:
        return ""
    person = await repos.staff.by_code(code)
    return person.short_name if person is not None else code


async def request_text(repos: Repos, request: RemovalRequest, assignment: Assignment) -> str:
    """The request as the deciders read it (in the current locale): the number, the subject
    (not for a restricted item), the ground, the note and who asks."""
    lines = [
        _("🏁 Removal from control asks your consent: assignment No. {number}").format(
            number=assignment.reg_number
        ),
        _("Restricted: see the paper copy.") if assignment.restricted else assignment.summary,
        _("Ground: {ground}").format(ground=_(GROUND_TITLES[request.ground])),
        _("Note: {note}").format(
            note=_("see the paper copy") if assignment.restricted else request.note
        ),
        _("Asked by: {name}").format(name=await name_of(repos, request.requested_by)),
    ]
    return "\n".join(lines)


async def decision_text(repos: Repos, request: RemovalRequest, assignment: Assignment) -> str:
    """Who decided and what (in the current locale); for a refusal, the reason (not for a
    restricted item)."""
    who = await name_of(repos, request.decided_by)
    if request.on_behalf_of:
        who = _("{who} for {whom}").format(
            who=who, whom=await name_of(repos, request.on_behalf_of)
        )
    if request.status is RemovalStatus.AGREED:
        return _("{who} agreed: assignment No. {number} is removed from control.").format(
            who=who, number=assignment.reg_number
        )
    if request.status is RemovalStatus.REFUSED:
        return _(
            "{who} refused to remove assignment No. {number} from control; it stays.\n"
            "Reason: {reason}"
        ).format(
            who=who,
            number=assignment.reg_number,
            reason=_("see the paper copy")
            if assignment.restricted
            else request.refuse_reason or "",
        )
    return _("The assignment was returned for rework meanwhile.")


@about_request(_request, {RemovalStatus.PENDING}, open_only=True)
async def render_removal_asked(
    deliverer: Deliverer, person: Person, request: RemovalRequest, assignment: Assignment
) -> Rendered | None:
    text = await request_text(deliverer.repos, request, assignment)
    return Rendered(text, consent_keyboard(request.id, assignment.id))


@about_request(_request, {RemovalStatus.AGREED, RemovalStatus.REFUSED})
async def render_removal_decided(
    deliverer: Deliverer, person: Person, request: RemovalRequest, assignment: Assignment
) -> Rendered | None:
    return Rendered(await decision_text(deliverer.repos, request, assignment))

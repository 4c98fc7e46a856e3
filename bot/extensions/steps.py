"""Extension request steps: who decides, ask, decide (the first decision wins)."""

from __future__ import annotations

from datetime import date
from functools import partial

from bot.assignments.steps import deadline_readers, fresh, refresh_cards
from bot.extensions.rules import (
    ExtensionRefusal,
    asked_of_issuer,
    check_letter_date,
    check_letter_number,
    check_may_request,
    check_new_date,
    decider_kind,
)
from bot.outbox_kinds import Kind
from bot.profiles import ExtensionDecider
from bot.services import (
    Context,
    acting,
    controllers,
    head_departments,
    notify_about,
    on_behalf_of,
    one_unit,
    only,
    top_deciders,
)
from storage.domain.assignments import (
    Assignment,
)
from storage.domain.enums import Role
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.domain.refusals import Refused
from storage.models import Person


async def extension_deciders(ctx: Context, item: Assignment) -> list[Person]:
    """Who decides this item's extension today (acting substitutes respected); for an item
    whose issuer is outside the akimat, the controllers, who write to the issuer and record
    its answer."""
    if asked_of_issuer(ctx.profile, item):
        return await controllers(ctx)
    if decider_kind(ctx.profile, item) is ExtensionDecider.ISSUER and item.issuer_id is not None:
        issuer = await ctx.repos.staff.get(item.issuer_id)
        return await acting(ctx, [issuer] if issuer is not None else [])
    return await top_deciders(ctx)


async def check_extension_request(
    ctx: Context, person: Person, item: Assignment, department_id: int
) -> bool:
    """Whether this head may ask now (Refused / Refused say why not); True when the
    request would go beyond the limit and be flagged for a disciplinary review."""
    pending = await ctx.repos.extensions.pending_for(item.id) is not None
    _, exceptional = check_may_request(
        ctx.profile,
        ctx.calendar,
        item,
        only(await head_departments(ctx, person), department_id),
        ctx.today,
        pending=pending,
    )
    return exceptional


@one_unit
async def request_extension(
    ctx: Context,
    person: Person,
    item: Assignment,
    department_id: int,
    new_date: date,
    reasons: str,
) -> ExtensionRequest:
    item = await fresh(ctx, item)
    exceptional = await check_extension_request(ctx, person, item, department_id)
    check_new_date(ctx.calendar, item, new_date)
    request = await ctx.repos.extensions.create(
        item.id,
        department_id,
        requested_by=person.code,
        on_behalf_of=await on_behalf_of(ctx, person, department_id),
        new_deadline=new_date,
        reasons=reasons,
        exceptional=exceptional,
        at=ctx.now,
    )
    deciders = await extension_deciders(ctx, item)
    ids = {"request_id": request.id}
    await notify_about(ctx, deciders, Kind.EXTENSION_REQUEST, ids, key="extreq")
    if asked_of_issuer(ctx.profile, item):  # the leadership is told, it decides nothing
        await notify_about(ctx, await top_deciders(ctx), Kind.EXTENSION_ASKED, ids, key="extask")
    return request


async def deciding_for(ctx: Context, person: Person, item: Assignment) -> str | None:
    """The code of the decider `person` acts for ('' when deciding in their own right, or
    recording the issuer's answer); None when this person does not decide this item."""
    if asked_of_issuer(ctx.profile, item):
        return "" if Role.CONTROLLER in person.roles else None
    for decider in await extension_deciders(ctx, item):
        if decider.id == person.id:
            for absent in await ctx.repos.staff.represented_by(person, ctx.today):
                if (
                    absent.roles & {Role.AKIM, Role.HEAD_OF_APPARATUS}
                    or absent.id == item.issuer_id
                ):
                    return absent.code
            return ""
    return None


@one_unit
async def decide_extension(
    ctx: Context,
    person: Person,
    request: ExtensionRequest,
    *,
    granted: date | None = None,
    reject_reason: str | None = None,
    refused: bool = False,
    letter: str | None = None,
    letter_date: date | None = None,
) -> bool:
    """Approve (with the date asked, or another) or reject (`reject_reason`, or `refused`
    without one); the first decision wins (checked inside the unit of work, on the request
    and item as they are now). An item asked of the issuer outside the akimat takes the
    issuer's answer, with the number and date of its `letter` (reasons optional); the akim and
    the head of apparatus are told of it."""
    request = await ctx.repos.extensions.get(request.id) or request
    item = await ctx.repos.assignments.get(request.assignment_id)
    assert item is not None
    behalf = await deciding_for(ctx, person, item)
    if behalf is None:
        raise Refused(ExtensionRefusal.NOT_DECIDER)
    if request.status is not RequestStatus.PENDING or not item.is_open:
        raise Refused(ExtensionRefusal.DECIDED, request_id=request.id)
    by_letter = asked_of_issuer(ctx.profile, item)
    letter_ref = dated = None
    if by_letter:
        letter_ref = check_letter_number(letter or "")
        asked_on = request.created_at.astimezone(ctx.settings.zone).date()
        dated = check_letter_date(letter_date, ctx.today, asked_on)
    elif refused and not reject_reason:
        raise ValueError("a rejection needs its reason")
    if reject_reason is not None or refused:
        decision = partial(
            ctx.repos.extensions.reject,
            reason=reject_reason or None,
            letter_ref=letter_ref,
            letter_date=dated,
        )
    else:
        day = check_new_date(ctx.calendar, item, granted or request.new_deadline)
        decision = partial(
            ctx.repos.extensions.approve, granted=day, letter_ref=letter_ref, letter_date=dated
        )
    if not await decision(request.id, actor=person.code, on_behalf_of=behalf or None, at=ctx.now):
        raise Refused(ExtensionRefusal.DECIDED, request_id=request.id)
    requester = await ctx.repos.staff.by_code(request.requested_by)
    # the leadership hears of the issuer's answer; the one who decided, or recorded it, is
    # answered in the chat
    leaders = await top_deciders(ctx) if by_letter else []
    moved = await ctx.repos.assignments.get(item.id)
    assert moved is not None
    if moved.deadline != item.deadline:  # everyone on the item hears of the new deadline
        audience = await deadline_readers(ctx, moved, requester, *leaders, besides=person)
    else:
        audience = [
            p
            for p in [*await controllers(ctx), requester, *leaders]
            if p is not None and (not by_letter or p.id != person.id)
        ]
    ids = {"request_id": request.id}
    await notify_about(ctx, audience, Kind.EXTENSION_DECIDED, ids, key="extdone")
    if moved.deadline != item.deadline:
        await refresh_cards(ctx, moved)
    return True

"""Removal steps: the controller removes (at once, or asking consent), the akim or the head of
apparatus agrees or refuses; the first decision wins."""

from __future__ import annotations

from bot.assignments.rules import check_decision
from bot.assignments.steps import about_item, about_record, executor_heads, fresh
from bot.outbox_kinds import Kind
from bot.removals.rules import (
    DECIDER_ROLES,
    RemovalRefusal,
    check_decider,
    check_no_pending,
    check_pending,
    needs_consent,
)
from bot.services import Context, one_unit, top_deciders
from storage.domain.assignments import Assignment, Refusal, RemovalGround
from storage.domain.refusals import Refused
from storage.domain.removals import RemovalRequest, RemovalStatus
from storage.models import Person
from storage.removals import RemovalPending

removal_deciders = top_deciders  # the akim and the head of apparatus (or whoever acts)


async def deciding_for(ctx: Context, person: Person) -> str | None:
    """'' when `person` decides in their own right, the code of the decider they act for, or
    None when they do not decide removals."""
    for absent in await ctx.repos.staff.represented_by(person, ctx.today):
        if absent.roles & DECIDER_ROLES:
            return absent.code
    if person.roles & DECIDER_ROLES:
        return ""
    return None


async def tell_removed(ctx: Context, item: Assignment, note: str) -> None:
    await about_item(
        ctx, await executor_heads(ctx, item), Kind.REMOVED, "removed", item, note=note
    )


@one_unit
async def remove(
    ctx: Context, person: Person, item: Assignment, ground: RemovalGround, note: str
) -> RemovalRequest | None:
    """The controller removes an item with its ground and note. Under the consent rule a
    removal waits (returned) and the deciders get «Agree / Refuse»; else it is done at once
    (None) and the executors are told."""
    item = await fresh(ctx, item)
    check_decision(item, person.roles)
    check_no_pending(item.reg_number, await ctx.repos.removals.pending_for(item.id))
    if needs_consent(ctx.profile):
        try:
            request = await ctx.repos.removals.create(
                item.id, ground=ground, note=note, actor=person.code, at=ctx.now
            )
        except RemovalPending:  # another controller's removal was written first
            raise Refused(RemovalRefusal.PENDING, reg_number=item.reg_number) from None
        deciders = await removal_deciders(ctx)
        await about_record(ctx, deciders, Kind.REMOVAL_ASKED, "rmask", "request", request)
        return request
    if not await ctx.repos.assignments.remove(
        item.id, ground=ground, note=note, actor=person.code, at=ctx.now
    ):
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=item.reg_number)
    await tell_removed(ctx, item, note)
    return None


@one_unit
async def decide(
    ctx: Context, person: Person, request_id: int, *, refuse_reason: str | None = None
) -> RemovalStatus:
    """Agree (no reason) or refuse (with the reason). The first decision wins: a second one
    is refused. AGREED: removed, executors and the controller told; REFUSED: it stays, the
    controller told why; LAPSED: the item was returned for rework meanwhile."""
    request = await ctx.repos.removals.get(request_id)
    if request is None:
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number="")
    item = await fresh_by_id(ctx, request.assignment_id)
    behalf = await deciding_for(ctx, person)
    check_decider(behalf)
    check_pending(request, item.reg_number)
    if refuse_reason is not None:
        if not await ctx.repos.removals.refuse(
            request.id,
            reason=refuse_reason,
            actor=person.code,
            on_behalf_of=behalf or None,
            at=ctx.now,
        ):
            check_pending(await fresh_request(ctx, request.id), item.reg_number)
        status = RemovalStatus.REFUSED
    else:
        decided = await ctx.repos.removals.agree(
            request.id, actor=person.code, on_behalf_of=behalf or None, at=ctx.now
        )
        if decided is None:
            check_pending(await fresh_request(ctx, request.id), item.reg_number)
            raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=item.reg_number)
        status = decided
    if status is RemovalStatus.AGREED:
        await tell_removed(ctx, item, request.note)
    controller = await ctx.repos.staff.by_code(request.requested_by)
    # the other decider (akim or head of apparatus, or whoever acts for them) hears who decided:
    # their own request no longer waits for them
    others = [p for p in await top_deciders(ctx) if p.id != person.id]
    await about_record(
        ctx, [controller, *others], Kind.REMOVAL_DECIDED, "rmdone", "request", request
    )
    return status


async def fresh_by_id(ctx: Context, assignment_id: int) -> Assignment:
    item = await ctx.repos.assignments.get(assignment_id)
    assert item is not None  # items are never deleted
    return item


async def fresh_request(ctx: Context, request_id: int) -> RemovalRequest:
    request = await ctx.repos.removals.get(request_id)
    assert request is not None
    return request

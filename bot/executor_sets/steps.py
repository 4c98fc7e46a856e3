"""Change an item's executors: one unit of work (rules on the item as it is now, the rewrite,
the messages): added departments and those whose role changed get the card, removed ones are
told; a department with no head is reported to the control department."""

from __future__ import annotations

from collections.abc import Sequence

from bot.assignments.steps import about_item, deliver_card, fresh
from bot.executor_sets.rules import check_executors
from bot.outbox_kinds import Kind
from bot.services import Context, department_recipients, one_unit, stamp
from storage.domain.assignments import Assignment, Refusal
from storage.domain.refusals import Refused
from storage.models import Person


@one_unit
async def change_executors(
    ctx: Context, person: Person, item: Assignment, *, seen: Sequence[int], chosen: Sequence[int]
) -> Assignment:
    item = await fresh(ctx, item)
    change = check_executors(item, person.roles, seen, chosen)
    if not await ctx.repos.executor_sets.replace(
        item.id, seen=seen, chosen=chosen, actor=person.code, at=ctx.now
    ):
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=item.reg_number)
    for department_id in change.added + change.main_changed:
        await deliver_card(ctx, item, department_id, stamp(ctx))
    for department_id in change.removed:
        heads = await department_recipients(ctx, department_id)
        await about_item(
            ctx,
            heads,
            Kind.EXECUTOR_DROPPED,
            "execdrop",
            item,
            stamp(ctx),
            department_id=department_id,
        )
    return await fresh(ctx, item)

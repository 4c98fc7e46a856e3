"""Staff lifecycle steps: a person leaves (`remove_person`), the directory is imported (and
synced). Each is one unit of work: the change, the hand-over of open work and the messages
commit together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.assignments.steps import about_item
from bot.outbox_kinds import Kind
from bot.services import (
    Context,
    department_recipients,
    long_unit,
    notify_about,
    notify_control,
)
from bot.staff.rules import (
    handover_department,
    headed_department,
    missing_from_file,
    new_head_departments,
)
from storage.domain.staff import StaffRow
from storage.models import Person
from storage.staff import ImportCounts

ALL_OPEN = 1_000_000  # a department's open items, all of them


async def deliver_department_cards(ctx: Context, department_id: int) -> int:
    """The cards of a department's open items to its current heads (or acting substitutes),
    under the same keys as ever: whoever had a card does not get it twice; held until they
    join. How many open items the department has."""
    items, total = await ctx.repos.assignments.list_open(
        department_ids=[department_id], limit=ALL_OPEN
    )
    recipients = await department_recipients(ctx, department_id)
    for item in items:
        await about_item(ctx, recipients, Kind.CARD, "card", item, department_id=department_id)
    return total


@dataclass(slots=True)
class Departure:
    """Where a departing person's open work went (the control department's message)."""

    person_id: int
    departments: list[dict[str, object]] = field(default_factory=list)  # id, to, items
    rounds: list[dict[str, object]] = field(default_factory=list)  # round_id, to (or None)


async def leave(ctx: Context, person: Person, *, actor: str) -> Departure | None:
    """Inside a unit: the person's access ends, their links and waiting messages are voided,
    their department's open items and their unanswered rounds go to the department's head
    (or acting substitute), and the control department is told. None when they had left."""
    current = await ctx.repos.staff.get(person.id)
    if current is None or not await ctx.repos.staff.deactivate(current, actor=actor, at=ctx.now):
        return None
    await ctx.repos.invitations.void_for(current, now=ctx.now)
    await ctx.repos.outbox.cancel_for_person(current.id)
    departure = Departure(current.id)
    department = headed_department(current)
    if department is not None:
        items = await deliver_department_cards(ctx, department)
        recipients = await department_recipients(ctx, department)
        departure.departments.append(
            {"id": department, "to": [p.id for p in recipients], "items": items}
        )
    await hand_back_passes(ctx, current, actor=actor)
    for place in await ctx.repos.remarks.pending_for_person(current.id):
        target = handover_department(place.department_id, current)
        heads = await department_recipients(ctx, target) if target is not None else []
        taker = heads[0] if heads else None
        if taker is not None:
            await ctx.repos.remarks.hand_over(place, taker.id, actor=actor, at=ctx.now)
            # the same key as the round's request: whoever had it does not get it twice
            ids = {"round_id": place.round_id}
            await notify_about(ctx, [taker], Kind.REMARKS_REQUEST, ids, key="rmreq")
        departure.rounds.append({"round_id": place.round_id, "to": taker.id if taker else None})
    await notify_control(
        ctx,
        f"left:{current.id}:{ctx.now.isoformat()}",
        Kind.STAFF_LEFT,
        person_id=departure.person_id,
        departments=departure.departments,
        rounds=departure.rounds,
    )
    return departure


async def hand_back_passes(ctx: Context, person: Person, *, actor: str) -> None:
    """Inside a unit: the open items passed to a departing executor go back to their
    departments' heads (or acting substitutes), who are told; other executors keep theirs."""
    for passed in await ctx.repos.executors.open_passes(person.id):
        item = await ctx.repos.assignments.get(passed.assignment_id)
        if item is None:
            continue
        department = passed.department_id
        others = [
            p.person_id
            for p in await ctx.repos.executors.passed(item.id, department)
            if p.person_id != person.id
        ]
        await ctx.repos.executors.set_passes(
            item.id, department, others,
            reg_number=item.reg_number, actor=actor, on_behalf_of=None, at=ctx.now,
        )  # fmt: skip
        heads = await department_recipients(ctx, department)
        await about_item(
            ctx, heads, Kind.HANDED_BACK, "passend", item, person.id,
            department_id=department, person_id=person.id,
        )  # fmt: skip


@long_unit
async def remove_people(
    ctx: Context, people: Sequence[Person], *, actor: str
) -> list[tuple[Person, Departure]]:
    """Remove these people from the directory, all in one unit; those who left already are
    skipped. Who was removed, and where their work went."""
    removed = []
    for person in people:
        departure = await leave(ctx, person, actor=actor)
        if departure is not None:
            removed.append((person, departure))
    return removed


@dataclass(frozen=True, slots=True)
class StaffImport:
    counts: ImportCounts
    removed: list[Person]  # --sync: active people missing from the file
    reactivated: list[Person]
    new_heads: list[int]  # departments whose new head got the open items' cards


@long_unit
async def import_staff(
    ctx: Context, rows: Sequence[StaffRow], *, actor: str, sync: bool = False
) -> StaffImport:
    """Create or update the directory from the rows (all or nothing); with `sync`, everyone
    missing from them leaves. A department's new head gets the cards of its open items."""
    before = {person.id: person for person in await ctx.repos.staff.all_people()}
    counts = await ctx.repos.staff.import_staff(list(rows), actor=actor)
    removed: list[Person] = []
    if sync:
        removed = [
            person
            for person in missing_from_file(await ctx.repos.staff.active_people(), rows)
            if await leave(ctx, person, actor=actor)
        ]
    after = await ctx.repos.staff.active_people()
    reactivated = [p for p in after if p.id in before and not before[p.id].active]
    for person in reactivated:  # their cards, cancelled when they left, wait again
        await ctx.repos.outbox.revive(person.id, "card:", at=ctx.now)
    departments = new_head_departments(before, after)
    for department in departments:
        await deliver_department_cards(ctx, department)
    return StaffImport(counts, removed, reactivated, departments)

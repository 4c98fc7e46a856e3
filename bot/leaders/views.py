"""What the leaders' screens read (no writes): the counts per department, a department's open
items, one item, and what waits on a person (extension requests to decide, rounds to answer).
A department or item outside the person's scope is refused, never shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.assignments.rules import light_bounds
from bot.extensions.steps import deciding_for
from bot.leaders.rules import (
    LEADERS,
    LeaderRefusal,
    Tally,
    by_urgency,
    scope,
    sees_department,
    sees_item,
    tally,
)
from bot.services import Context
from storage.domain.assignments import Assignment, OpenPage
from storage.domain.enums import Role
from storage.domain.extensions import ExtensionRequest
from storage.domain.refusals import Refused
from storage.domain.remarks import Round
from storage.models import Department, Person

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Overview:
    departments: list[tuple[Department, Tally]]  # with open items, the most urgent first
    total: Tally  # each item once


def yours(found: T | None, sees: Callable[[T], bool]) -> T:
    """What was found, if the leader sees it; else refused (nothing of it is shown)."""
    if found is None or not sees(found):
        raise Refused(LeaderRefusal.NOT_YOURS)
    return found


@dataclass(frozen=True, slots=True)
class Lens:
    """What a leader looks at today: their own leader roles and curated departments, and those
    of every leader they act for (a deputy akim acting for another sees both lists)."""

    roles: frozenset[Role]
    curates: frozenset[int]


async def lens(ctx: Context, person: Person) -> Lens:
    roles, curates = set(person.roles), set(person.curates)
    for absent in await ctx.repos.staff.represented_by(person, ctx.today):
        roles |= set(absent.roles) & LEADERS
        curates |= set(absent.curates)
    return Lens(frozenset(roles), frozenset(curates))


async def overview(ctx: Context, person: Person) -> Overview:
    """Counts by traffic light per department in the person's scope (one grouped query)."""
    view = await lens(ctx, person)
    departments = scope(view.roles, view.curates)
    rows = await ctx.repos.overview.open_counts(departments, light_bounds(ctx.calendar, ctx.today))
    tallies, total = tally(rows, ctx.calendar, ctx.today)
    known = {d.id: d for d in await ctx.repos.staff.departments()}
    language = person.language.value
    order = by_urgency(tallies, {d: known[d].label(language) for d in tallies if d in known})
    return Overview([(known[d], tallies[d]) for d in order if d in known], total)


async def department(ctx: Context, person: Person, department_id: int) -> Department:
    """The department, if this leader looks at it (else refused: nothing of it is shown)."""
    found = await ctx.repos.staff.department(department_id)
    view = await lens(ctx, person)
    return yours(found, lambda _: sees_department(view.roles, view.curates, department_id))


async def department_items(
    ctx: Context, person: Person, department_id: int, at: int, size: int
) -> tuple[Department, OpenPage]:
    """One page of the department's open items (by deadline) read by key from the item `at`
    (see `AssignmentRepo.open_page`), and how many there are."""
    found = await department(ctx, person, department_id)
    return found, await ctx.repos.assignments.open_page(
        department_ids=[found.id], size=size, at=at
    )


async def item(ctx: Context, person: Person, item_id: int) -> Assignment:
    """The item, if one of its executor departments is in this leader's view."""
    found = await ctx.repos.assignments.get(item_id)
    view = await lens(ctx, person)
    return yours(found, lambda item: sees_item(view.roles, view.curates, item))


async def requests_to_decide(
    ctx: Context, person: Person
) -> list[tuple[ExtensionRequest, Assignment]]:
    """Extension requests waiting for this person's decision (as decider or acting for one),
    oldest first."""
    waiting = []
    pending = await ctx.repos.extensions.pending()
    items = await ctx.repos.assignments.get_many(r.assignment_id for r in pending)
    for request in pending:
        found = items.get(request.assignment_id)
        if found is None or not found.is_open:
            continue
        if await deciding_for(ctx, person, found) is not None:
            waiting.append((request, found))
    return waiting


async def rounds_to_answer(ctx: Context, person: Person) -> list[Round]:
    """Open «замечаний нет» rounds still waiting for this person's answer."""
    waiting = {a.round_id for a in await ctx.repos.remarks.pending_for_person(person.id)}
    return [
        found for found in await ctx.repos.remarks.get_many(waiting) if found.closed_at is None
    ]

"""A sweep: everything scheduled that is due as of a moment goes into the outbox, once.

What is due is computed from the database every time, never held in scheduler memory, so a
restart loses nothing and a second sweep at the same moment adds nothing (each message's
identity is unique in the outbox). Outside working hours and on days off, messages wait for
the next working morning.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot import meeting_services, services
from bot.notices import Audience, Notice, due, owing_deadlines, quiet_until
from bot.remarks import final_answer, reminder_day
from storage.domain.assignments import Assignment
from storage.domain.enums import Role
from storage.domain.remarks import Answer
from storage.models import Person

SWEEP_PAGE = 5_000


@dataclass(slots=True)
class SweepStats:
    items_checked: int = 0
    notices_due: int = 0
    queued: int = 0
    weekly_lists: int = 0
    not_before: datetime | None = None


class Recipients:
    """Who stands behind an audience today, looked up once per sweep."""

    def __init__(self, ctx: services.Context) -> None:
        self.ctx = ctx
        self._departments: dict[int, list[Person]] = {}
        self._curators: dict[int, list[Person]] = {}
        self._controllers: list[Person] | None = None

    async def department(self, department_id: int) -> list[Person]:
        if department_id not in self._departments:
            self._departments[department_id] = await services.department_recipients(
                self.ctx, department_id
            )
        return self._departments[department_id]

    async def curators(self, department_id: int) -> list[Person]:
        if department_id not in self._curators:
            self._curators[department_id] = await services.curating_deputies(
                self.ctx, department_id
            )
        return self._curators[department_id]

    async def controllers(self) -> list[Person]:
        if self._controllers is None:
            self._controllers = await services.controllers(self.ctx)
        return self._controllers

    async def of(self, item: Assignment, notice: Notice) -> list[Person]:
        people: dict[int, Person] = {}
        active = [e for e in item.executors if e.active]
        for audience in notice.audiences:
            found: list[Person] = []
            if audience is Audience.CONTROLLERS:
                found = await self.controllers()
            for executor in active:
                if (
                    audience is Audience.EXECUTORS
                    or (audience is Audience.MAIN and executor.main)
                    or (audience is Audience.CO and not executor.main)
                ):
                    found += await self.department(executor.department_id)
                elif audience is Audience.CURATORS:
                    found += await self.curators(executor.department_id)
            for person in found:
                people[person.id] = person
        return list(people.values())


async def sweep(ctx: services.Context) -> SweepStats:
    """Queue every notice and weekly list due as of `ctx.now` (local time decides the day)."""
    stats = SweepStats()
    local = ctx.now.astimezone(ctx.settings.zone)
    today = local.date()
    not_before = quiet_until(ctx.profile, ctx.calendar, local).astimezone(UTC)
    stats.not_before = not_before
    recipients = Recipients(ctx)
    rows: list[tuple[str, int, str, dict[str, object]]] = []
    for first, last in owing_deadlines(ctx.profile, ctx.calendar, today):
        async for item in open_items(ctx, first, last):
            stats.items_checked += 1
            for notice in due(ctx.profile, ctx.calendar, item, today):
                stats.notices_due += 1
                payload: dict[str, object] = {
                    "assignment_id": item.id,
                    "kind": notice.kind.value,
                    "due": notice.due.isoformat(),
                    "deadline": item.deadline.isoformat(),
                }
                rows.extend(
                    (
                        f"notice:{item.id}:{notice.kind}:{notice.due}:{person.id}",
                        person.id,
                        "notice",
                        payload,
                    )
                    for person in await recipients.of(item, notice)
                )
    async with ctx.repos.transaction():
        stats.queued = await ctx.repos.outbox.enqueue_many(rows, not_before=not_before)
        stats.queued += await queue_extension_reminders(ctx, today, not_before)
        stats.queued += await process_rounds(ctx, today, not_before)
        stats.queued += await meeting_services.sweep_meetings(ctx, today, not_before)
        stats.weekly_lists = await queue_weekly_lists(ctx, today, not_before)
        stats.queued += stats.weekly_lists
    return stats


async def open_items(ctx: services.Context, first: date, last: date) -> AsyncIterator[Assignment]:
    """Open items with a deadline in [first, last], page by page (none is left out)."""
    offset = 0
    while True:
        page, total = await ctx.repos.assignments.list_open(
            due_from=first, due_to=last, limit=SWEEP_PAGE, offset=offset
        )
        for item in page:
            yield item
        offset += len(page)
        if not page or offset >= total:
            return


def first_working_day_of_week(ctx: services.Context, day: date) -> date:
    monday = day - timedelta(days=day.weekday())
    return ctx.calendar.next_working_day(monday)


async def weekly_readers(ctx: services.Context) -> list[Person]:
    readers: dict[int, Person] = {}
    for role in (Role.AKIM, Role.HEAD_OF_APPARATUS, Role.DEPUTY_AKIM):
        for person in await ctx.repos.staff.with_role(role):
            readers[person.id] = person
    return list(readers.values())


async def queue_weekly_lists(ctx: services.Context, today: date, not_before: datetime) -> int:
    """The weekly control list (seed 003 §12.4) on the first working day of the week."""
    if not ctx.profile.is_on("weekly_control_list"):
        return 0
    first = first_working_day_of_week(ctx, today)
    if today < first or first.isocalendar()[:2] != today.isocalendar()[:2]:
        return 0
    year, week, _ = first.isocalendar()
    queued = 0
    for person in await weekly_readers(ctx):
        key = f"weekly:{year}-W{week:02d}:{person.id}"
        payload = {"week_start": first.isoformat()}
        if await ctx.repos.outbox.enqueue(
            key, person.id, "weekly", payload, not_before=not_before
        ):
            queued += 1
    return queued


async def queue_extension_reminders(
    ctx: services.Context, today: date, not_before: datetime
) -> int:
    """An undecided request reminds the decider on the next working day; one still pending at
    the deadline is shown to the control department."""
    queued = 0
    for request in await ctx.repos.extensions.pending():
        item = await ctx.repos.assignments.get(request.assignment_id)
        if item is None or not item.is_open:
            continue
        asked_on = request.created_at.astimezone(ctx.settings.zone).date()
        if today >= ctx.calendar.add_working_days(asked_on, 1):
            for person in await services.extension_deciders(ctx, item):
                key = f"extremind:{request.id}:{person.id}"
                payload = {"request_id": request.id}
                if await ctx.repos.outbox.enqueue(
                    key, person.id, "extension_reminder", payload, not_before=not_before
                ):
                    queued += 1
        if today >= item.deadline:
            for person in await services.controllers(ctx):
                key = f"extlate:{request.id}:{person.id}"
                if await ctx.repos.outbox.enqueue(
                    key,
                    person.id,
                    "extension_late",
                    {"request_id": request.id},
                    not_before=not_before,
                ):
                    queued += 1
    return queued


async def process_rounds(ctx: services.Context, today: date, not_before: datetime) -> int:
    """«Замечаний нет» rounds: remind the silent one working day before the due date; after it,
    apply the profile's silent-consent rule and send the initiator the final sheet."""
    queued = 0
    silent = final_answer(ctx.profile, Answer.PENDING)
    for item in await ctx.repos.remarks.open_rounds():
        if today > item.due:
            if await ctx.repos.remarks.close(item.id, silent=silent, at=ctx.now):
                queued += await ctx.repos.outbox.enqueue(
                    f"rmfinal:{item.id}",
                    item.initiator_id,
                    "remarks_final",
                    {"round_id": item.id},
                    not_before=not_before,
                )
            continue
        if today >= reminder_day(ctx.calendar, item):
            for addressee in await ctx.repos.remarks.pending_addressees(item.id):
                queued += await ctx.repos.outbox.enqueue(
                    f"rmremind:{item.id}:{addressee.person_id}",
                    addressee.person_id,
                    "remarks_reminder",
                    {"round_id": item.id},
                    not_before=not_before,
                )
    return queued

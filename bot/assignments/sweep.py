"""The assignments' part of the sweep: deadline notices (from the profile) and the weekly
control list."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import services
from bot.assignments.notices import (
    Audience,
    Notice,
    due,
    owing_deadlines,
    plans,
    roadmap_notice,
)
from bot.outbox_kinds import Kind
from storage.domain.assignments import Assignment
from storage.domain.enums import Role
from storage.models import Person

SWEEP_PAGE = 5_000


class Recipients:
    """Who stands behind an audience today, looked up once per sweep."""

    def __init__(self, ctx: services.Context) -> None:
        self.ctx = ctx
        self._departments: dict[int, list[Person]] = {}
        self._curators: dict[int, list[Person]] = {}
        self._controllers: list[Person] | None = None
        self._leaders: list[Person] | None = None

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

    async def leaders(self) -> list[Person]:
        if self._leaders is None:
            self._leaders = await services.top_deciders(self.ctx)
        return self._leaders

    async def of(self, item: Assignment, notice: Notice) -> list[Person]:
        return await self.among(item, notice.audiences)

    async def among(self, item: Assignment, audiences: Sequence[Audience]) -> list[Person]:
        """The people behind these audiences of the item today, each once, in order."""
        people: dict[int, Person] = {}
        active = [e for e in item.executors if e.active]
        for audience in audiences:
            found: list[Person] = []
            if audience is Audience.CONTROLLERS:
                found = await self.controllers()
            elif audience is Audience.LEADERSHIP:
                found = list(await self.leaders())
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


async def open_items(ctx: services.Context, first: date, last: date) -> AsyncIterator[Assignment]:
    """Open items with a deadline in [first, last], page by page, read by key (none is left
    out, none read twice)."""
    at = 0
    while True:
        page = await ctx.repos.assignments.open_page(
            due_from=first, due_to=last, size=SWEEP_PAGE, at=at, count=False
        )
        for item in page.items:
            yield item
        if page.next_at is None:
            return
        at = page.next_at


def first_working_day_of_week(ctx: services.Context, day: date) -> date:
    monday = day - timedelta(days=day.weekday())
    return ctx.calendar.next_working_day(monday)


def week_opening(ctx: services.Context, today: date) -> date | None:
    """The week's first working day once it has come (a weekly duty is due from then until the
    week ends); None before it, or in a week without working days."""
    first = first_working_day_of_week(ctx, today)
    if today < first or first.isocalendar()[:2] != today.isocalendar()[:2]:
        return None
    return first


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
    first = week_opening(ctx, today)
    if first is None:
        return 0
    year, week, _ = first.isocalendar()
    queued = 0
    for person in await weekly_readers(ctx):
        key = f"weekly:{year}-W{week:02d}:{person.id}"
        payload = {"week_start": first.isoformat()}
        if await ctx.repos.outbox.enqueue(
            key, person.id, Kind.WEEKLY, payload, not_before=not_before
        ):
            queued += 1
    return queued


async def queue_roadmap_reminders(ctx: services.Context, today: date, not_before: datetime) -> int:
    """The roadmap reminders due today (baidibek §12.3): open items from the profile's sources
    whose roadmap falls due, to the main executor's head, once per item and recipient."""
    param = ctx.profile.roadmap_due
    if param is None:
        return 0
    queued = 0
    recipients = Recipients(ctx)
    for source in param.value.sources:
        page, _total = await ctx.repos.assignments.list_open(source=source, limit=1_000_000)
        for item in page:
            notice = roadmap_notice(ctx.profile, ctx.calendar, item)
            if notice is None or not notice.due <= today <= notice.until:
                continue
            payload = {
                "assignment_id": item.id,
                "kind": notice.kind.value,
                "due": notice.until.isoformat(),
                "deadline": item.deadline.isoformat(),
            }
            for person in await recipients.of(item, notice):
                key = f"notice:{item.id}:{notice.kind}:{notice.due}:{person.id}"
                if await ctx.repos.outbox.enqueue(
                    key, person.id, Kind.NOTICE, payload, not_before=not_before
                ):
                    queued += 1
    return queued


async def queue_monthly_lists(ctx: services.Context, today: date, not_before: datetime) -> int:
    """The monthly list of higher-level items (baidibek §12.4) on the first working day of the
    month (later in the month if the bot was down): to the head of each department with such
    an open item, once a month per department and head."""
    param = ctx.profile.monthly_higher_list
    if param is None:
        return 0
    first = ctx.calendar.next_working_day(today.replace(day=1))
    if today < first or first.month != today.month:
        return 0
    departments: set[int] = set()
    for source in param.value:
        page, _total = await ctx.repos.assignments.list_open(source=source, limit=1_000_000)
        departments.update(e.department_id for item in page for e in item.executors if e.active)
    queued = 0
    recipients = Recipients(ctx)
    month = first.replace(day=1).isoformat()
    for department_id in sorted(departments):
        for person in await recipients.department(department_id):
            key = f"monthly:{month[:7]}:{department_id}:{person.id}"
            payload = {"month": month, "department_id": department_id}
            if await ctx.repos.outbox.enqueue(
                key, person.id, Kind.MONTHLY, payload, not_before=not_before
            ):
                queued += 1
    return queued


@dataclass(slots=True)
class DueNotices:
    """The deadline notices due today: outbox rows, and what was looked at."""

    rows: list[tuple[str, int, str, dict[str, object]]]
    items_checked: int = 0
    notices_due: int = 0


async def due_notices(ctx: services.Context, today: date) -> DueNotices:
    """Every deadline notice due today for the open items whose deadline can owe one (read
    before the sweep's unit of work, so the writer is held only to queue them)."""
    found = DueNotices([])
    recipients = Recipients(ctx)
    plan = plans(ctx.profile, ctx.calendar)
    for first, last in owing_deadlines(ctx.profile, ctx.calendar, today):
        async for item in open_items(ctx, first, last):
            found.items_checked += 1
            for notice in due(ctx.profile, ctx.calendar, item, today, plan):
                found.notices_due += 1
                payload: dict[str, object] = {
                    "assignment_id": item.id,
                    "kind": notice.kind.value,
                    "due": notice.due.isoformat(),
                    "deadline": item.deadline.isoformat(),
                }
                found.rows.extend(
                    (
                        f"notice:{item.id}:{notice.kind}:{notice.due}:{person.id}",
                        person.id,
                        Kind.NOTICE,
                        payload,
                    )
                    for person in await recipients.of(item, notice)
                )
    return found

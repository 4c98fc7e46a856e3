"""The executors' part of the sweep: a reminder to each executor an open item is passed to,
on the day of the head's deadline notice (the head still gets the notice and answers for the
deadline, Baidibek 2025 §12.17); once per deadline (an extension brings a new one)."""

from __future__ import annotations

from datetime import date, datetime

from bot import services
from bot.outbox_kinds import Kind
from bot.profiles import deadline_notice_date
from storage.domain.assignments import Status


async def queue_executor_reminders(
    ctx: services.Context, today: date, not_before: datetime
) -> int:
    queued = 0
    for passed in await ctx.repos.executors.open_passes():
        item = await ctx.repos.assignments.get(passed.assignment_id)
        if item is None or not item.is_open or item.deadline < today:
            continue
        executor = item.executor(passed.department_id)
        if executor is None or (executor.main and item.status is Status.REPORTED):
            continue
        due = deadline_notice_date(ctx.profile, ctx.calendar, item.deadline)
        if due is None or today < due:
            continue
        person = await ctx.repos.staff.get(passed.person_id)
        if person is None or person.department_id != passed.department_id:
            continue
        queued += await services.notify(
            ctx,
            [person],
            f"exremind:{item.id}:{item.deadline.isoformat()}",
            Kind.EXECUTOR_REMINDER,
            not_before=not_before,
            assignment_id=item.id,
        )
    return queued

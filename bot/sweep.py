"""A sweep: everything scheduled that is due as of a moment goes into the outbox, once.

What is due is computed from the database every time, never held in scheduler memory, so a
restart loses nothing and a second sweep at the same moment adds nothing (each message's
identity is unique in the outbox). Outside working hours and on days off, messages wait for
the next working morning.

Each feature has its part (`bot/<feature>/sweep.py`); the sweep asks each in turn what is due,
within one unit of work. A new scheduled duty: write its part and add it to DUTIES.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot import services
from bot.assignments.notices import quiet_until
from bot.assignments.sweep import (
    due_notices,
    queue_monthly_lists,
    queue_roadmap_reminders,
    queue_weekly_lists,
)
from bot.executors.sweep import queue_executor_reminders
from bot.extensions.sweep import queue_extension_reminders
from bot.meetings.sweep import queue_protocol_report, sweep_meetings
from bot.remarks.sweep import process_rounds
from bot.reports.sweep import queue_quarterly_report
from bot.staff.sweep import queue_held_digest

# A feature's scheduled duties as of a day: queue what is due (not before the given moment);
# how many new messages. Runs inside the sweep's unit of work.
Duty = Callable[[services.Context, date, datetime], Awaitable[int]]

DUTIES: dict[str, Duty] = {
    "weekly": queue_weekly_lists,
    "extensions": queue_extension_reminders,
    "rounds": process_rounds,
    "meetings": sweep_meetings,
    "protocols": queue_protocol_report,
    "held": queue_held_digest,
    "executors": queue_executor_reminders,
    "roadmaps": queue_roadmap_reminders,
    "monthly": queue_monthly_lists,
    "quarterly": queue_quarterly_report,
}


@dataclass(slots=True)
class SweepStats:
    items_checked: int = 0
    notices_due: int = 0
    queued: int = 0
    not_before: datetime | None = None
    by_duty: dict[str, int] = field(default_factory=dict)

    @property
    def weekly_lists(self) -> int:
        return self.by_duty.get("weekly", 0)


async def sweep(ctx: services.Context) -> SweepStats:
    """Queue everything due as of `ctx.now` (local time decides the day)."""
    stats = SweepStats()
    local = ctx.now.astimezone(ctx.settings.zone)
    today = local.date()
    not_before = quiet_until(ctx.profile, ctx.calendar, local).astimezone(UTC)
    stats.not_before = not_before
    notices = await due_notices(ctx, today)
    stats.items_checked, stats.notices_due = notices.items_checked, notices.notices_due
    async with ctx.repos.transaction():
        stats.queued = await ctx.repos.outbox.enqueue_many(notices.rows, not_before=not_before)
        for name, duty in DUTIES.items():
            stats.by_duty[name] = await duty(ctx, today, not_before)
            stats.queued += stats.by_duty[name]
    return stats

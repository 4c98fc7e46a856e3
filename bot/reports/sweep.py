"""The quarterly report's scheduled duty (003 §12.16: by the 20th of the month after the
quarter; 001 п.42: by the 25th; the profile's `quarterly_report`, its day off rolled): the
control department is reminded 5 working days before the due date, and on the day it gets the
past quarter's report ready to file (the workbook and a one-paragraph summary); the akim and
the head of apparatus (or whoever acts for them) get the summary and the chart. Each message has
its identity (quarter, person): never twice; a sweep missed while the bot was down catches up."""

from __future__ import annotations

from datetime import date, datetime

from bot import services
from bot.outbox_kinds import Kind
from bot.reports import rules


async def queue_quarterly_report(ctx: services.Context, today: date, not_before: datetime) -> int:
    param = ctx.profile.quarterly_report
    if param is None:
        return 0
    owed = rules.quarterly_duty(param.value, ctx.calendar, today)
    if owed is None:
        return 0
    what, year, quarter, due = owed
    payload = {"year": year, "quarter": quarter, "due": due.isoformat()}
    name = f"{year}-Q{quarter}"
    control = await services.controllers(ctx)
    if what == "remind":
        return await services.notify(
            ctx,
            control,
            f"quarterly-remind:{name}",
            Kind.QUARTERLY_REMINDER,
            not_before=not_before,
            **payload,
        )
    queued = await services.notify(
        ctx, control, f"quarterly:{name}", Kind.QUARTERLY_REPORT, not_before=not_before, **payload
    )
    leaders = [p for p in await services.top_deciders(ctx) if p.id not in {c.id for c in control}]
    queued += await services.notify(
        ctx,
        leaders,
        f"quarterly-summary:{name}",
        Kind.QUARTERLY_SUMMARY,
        not_before=not_before,
        **payload,
    )
    return queued

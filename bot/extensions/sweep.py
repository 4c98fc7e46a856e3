"""The extension requests' part of the sweep: reminders to the deciders, late ones to control."""

from __future__ import annotations

from datetime import date, datetime

from bot import services
from bot.extensions import steps as extension_steps
from bot.extensions.rules import asked_of_issuer
from bot.outbox_kinds import Kind


async def queue_extension_reminders(
    ctx: services.Context, today: date, not_before: datetime
) -> int:
    """An undecided request reminds the decider on the next working day (not one asked of the
    issuer outside the akimat: its answer comes by letter); one still pending at the deadline
    is shown to the control department."""
    queued = 0
    for request in await ctx.repos.extensions.pending():
        item = await ctx.repos.assignments.get(request.assignment_id)
        if item is None or not item.is_open:
            continue
        asked_on = request.created_at.astimezone(ctx.settings.zone).date()
        by_letter = asked_of_issuer(ctx.profile, item)
        if not by_letter and today >= ctx.calendar.add_working_days(asked_on, 1):
            for person in await extension_steps.extension_deciders(ctx, item):
                key = f"extremind:{request.id}:{person.id}"
                payload = {"request_id": request.id}
                if await ctx.repos.outbox.enqueue(
                    key, person.id, Kind.EXTENSION_REMINDER, payload, not_before=not_before
                ):
                    queued += 1
        if today >= item.deadline:
            for person in await services.controllers(ctx):
                key = f"extlate:{request.id}:{person.id}"
                if await ctx.repos.outbox.enqueue(
                    key,
                    person.id,
                    Kind.EXTENSION_LATE,
                    {"request_id": request.id},
                    not_before=not_before,
                ):
                    queued += 1
    return queued

"""The staff's part of the sweep: one digest for the control department of who has not joined
the bot (or has blocked it) and what waits for them — instead of a message per person per
notice."""

from __future__ import annotations

from datetime import date, datetime

from bot.outbox_kinds import Kind
from bot.services import Context, notify_control


async def queue_held_digest(ctx: Context, today: date, not_before: datetime) -> int:
    """Once a day while anyone's messages are held; rendered when sent, so it lists who is
    still missing then (and is dropped when everyone has joined meanwhile)."""
    if not await ctx.repos.outbox.held():
        return 0
    key = f"held:{today.isoformat()}"
    queued = await notify_control(ctx, key, Kind.HELD_DIGEST, not_before=not_before)
    # the days' digests still waiting (a controller not joined yet, or quiet hours) would all
    # read the same when sent: today's replaces them
    await ctx.repos.outbox.cancel_older("held:", key)
    return queued

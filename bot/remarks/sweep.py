"""The rounds' part of the sweep: reminders before the due date, silent consent after it."""

from __future__ import annotations

from datetime import date, datetime

from bot import services
from bot.outbox_kinds import Kind
from bot.remarks.rules import final_answer, reminder_day
from storage.domain.remarks import Answer


async def process_rounds(ctx: services.Context, today: date, not_before: datetime) -> int:
    """«Замечаний нет» rounds: remind the silent one working day before the due date; after it,
    apply the profile's silent-consent rule for the round's kind and send the initiator the
    final sheet."""
    due: list[tuple[str, int, str, dict[str, object]]] = []
    for item in await ctx.repos.remarks.open_rounds():
        about: dict[str, object] = {"round_id": item.id}
        if today > item.due:
            silent = final_answer(ctx.profile, item.kind, Answer.PENDING)
            if await ctx.repos.remarks.close(item.id, silent=silent, at=ctx.now):
                due.append((f"rmfinal:{item.id}", item.initiator_id, Kind.REMARKS_FINAL, about))
        elif today >= reminder_day(ctx.calendar, item):
            for addressee in await ctx.repos.remarks.pending_addressees(item.id):
                key = f"rmremind:{item.id}:{addressee.person_id}"
                due.append((key, addressee.person_id, Kind.REMARKS_REMINDER, about))
    return await ctx.repos.outbox.enqueue_many(due, not_before=not_before)

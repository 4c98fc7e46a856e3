"""Renderers for the staff's outbox kinds: the held digest for the control department."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.delivery import Deliverer, Rendered
from bot.outbox_kinds import waiting_counts
from storage.models import Person
from storage.outbox import OutboxItem

DIGEST_PEOPLE = 30  # at most this many lines; the rest counted


def waiting_parts(by_kind: dict[str, int]) -> tuple[str, list[str]]:
    """(«5 messages», [«2 assignments», «1 request»]) of a person's waiting messages, in the
    current locale; the list leaves out what is none."""
    items, requests, total = waiting_counts(by_kind)
    parts = []
    if items:
        part = ngettext("{count} assignment", "{count} assignments", items)
        parts.append(part.format(count=items))
    if requests:
        part = ngettext("{count} request", "{count} requests", requests)
        parts.append(part.format(count=requests))
    return ngettext("{count} message", "{count} messages", total).format(count=total), parts


def waiting_text(by_kind: dict[str, int]) -> str:
    """«5 messages (2 assignments, 1 request)»."""
    total, parts = waiting_parts(by_kind)
    return f"{total} ({', '.join(parts)})" if parts else total


async def render_held_digest(
    deliverer: Deliverer, _item: OutboxItem, _person: Person
) -> Rendered | None:
    """Who has not received their messages, as it is when the digest goes out."""
    held = await deliverer.repos.outbox.held()
    if not held:
        return None  # everyone joined meanwhile
    lines = [
        ngettext(
            "{count} person has not received their messages yet:",
            "{count} people have not received their messages yet:",
            len(held),
        ).format(count=len(held))
    ]
    for person_id, by_kind in held[:DIGEST_PEOPLE]:
        subject = await deliverer.repos.staff.get(person_id)
        if subject is None:
            continue
        state = _("blocked the bot") if subject.telegram_id else _("not joined")
        where = f", {subject.department_name}" if subject.department_name else ""
        lines.append(f"• {subject.full_name}{where} — {state}: {waiting_text(by_kind)}")
    if len(held) > DIGEST_PEOPLE:
        rest = len(held) - DIGEST_PEOPLE
        lines.append(ngettext("…and {count} more.", "…and {count} more.", rest).format(count=rest))
    lines += [
        "",
        _(
            "Their messages go out as soon as they join or unblock the bot. "
            "A person's invitation link: /invite CODE."
        ),
    ]
    return Rendered("\n".join(lines))

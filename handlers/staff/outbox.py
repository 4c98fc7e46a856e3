"""Renderers for the staff's outbox kinds: the held digest for the control department."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.delivery import Deliverer, Rendered
from bot.outbox_kinds import waiting_counts
from handlers.about import about_person
from handlers.replies import reader_language
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
        department = subject.department_in(reader_language())
        where = f", {department}" if department else ""
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


async def _names(deliverer: Deliverer, person_ids: list[int]) -> str:
    people = [await deliverer.repos.staff.get(int(person_id)) for person_id in person_ids]
    return ", ".join(p.full_name for p in people if p is not None)


@about_person
async def render_staff_left(
    deliverer: Deliverer, item: OutboxItem, _person: Person, left: Person
) -> Rendered | None:
    """Who left the directory and where their open work went (as recorded when they left)."""
    staff = deliverer.repos.staff
    parts = (left.position_in(reader_language()), left.department_in(reader_language()))
    where = ", ".join(part for part in parts if part)
    who = f"{left.full_name} ({where})" if where else left.full_name
    lines = [
        _("{who} has left the staff directory: their access to the bot has ended.").format(who=who)
    ]
    for moved in item.payload.get("departments", []):
        department = await staff.department(int(moved["id"]))
        name = department.label(reader_language()) if department else "—"
        items = int(moved["items"])
        names = await _names(deliverer, list(moved["to"]))
        if names:
            text = ngettext(
                "{department}: {count} open assignment now goes to {names}.",
                "{department}: {count} open assignments now go to {names}.",
                items,
            )
            lines.append("• " + text.format(department=name, count=items, names=names))
        else:
            text = ngettext(
                "⚠️ {department} now has no head: its {count} open assignment waits for one.",
                "⚠️ {department} now has no head: its {count} open assignments wait for one.",
                items,
            )
            lines.append("• " + text.format(department=name, count=items))
            lines.append(
                "  "
                + _(
                    "Add a head with «staff import» or an acting substitute with «staff acting»:"
                    " the cards go to them."
                )
            )
    rounds = list(item.payload.get("rounds", []))
    taken = [int(moved["to"]) for moved in rounds if moved["to"] is not None]
    if taken:
        text = ngettext(
            "• {count} unanswered «замечаний нет» request now goes to {names}.",
            "• {count} unanswered «замечаний нет» requests now go to {names}.",
            len(taken),
        )
        lines.append(
            text.format(count=len(taken), names=await _names(deliverer, sorted(set(taken))))
        )
    orphans = len(rounds) - len(taken)
    if orphans:
        text = ngettext(
            "• ⚠️ {count} unanswered «замечаний нет» request has nobody to answer it"
            " (no head in the department).",
            "• ⚠️ {count} unanswered «замечаний нет» requests have nobody to answer them"
            " (no head in the department).",
            orphans,
        )
        lines.append(text.format(count=orphans))
    if len(lines) == 1:
        lines.append(_("No open assignments or requests waited on them."))
    return Rendered("\n".join(lines))

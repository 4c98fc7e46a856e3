"""/report → «📶 Delivery» («Связь» / «Байланыс»), for the control department and the
administrator: who has not joined (with their invitation link one tap away), who blocked the
bot, how many messages wait or failed for each person, when each last opened the bot (since the
bot started: kept in memory, not written on every tap) and when a message last reached them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.config import Settings
from handlers.admin import invitation_answer
from handlers.callbacks import ReportAction, ReportCallback
from handlers.keyboards import Keyboard
from handlers.replies import answered, fit, reader_language, stale
from storage.domain.enums import Role
from storage.models import Person
from storage.repo import Repos
from storage.reports import Reach

MAY_SEE = frozenset({Role.CONTROLLER, Role.ADMIN})
SHOWN = 8  # people listed (those with something wrong first); the rest are counted
LABEL_MAX = 30


def when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "—" if moment is None else moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def line(reach: Reach, seen: datetime | None, zone: ZoneInfo) -> str:
    if not reach.joined:
        state = _("⏳ not joined")
    elif reach.blocked:
        state = _("⛔ blocked the bot")
    else:
        state = _("✅ joined")
    details = _(
        "waiting {waiting}, failed {failed}; opened {opened}; last delivered {sent}"
    ).format(
        waiting=reach.waiting,
        failed=reach.failed,
        opened=when(seen, zone),
        sent=when(reach.last_sent, zone),
    )
    where = f", {reach.department}" if reach.department else ""
    return f"• {reach.short_name}{where} — {state}\n  {details}"


async def health_view(
    repos: Repos, settings: Settings, seen: dict[int, datetime]
) -> tuple[str, InlineKeyboardMarkup]:
    people = await repos.delivery_health.reach(reader_language())
    not_joined = [p for p in people if not p.joined]
    blocked = [p for p in people if p.joined and p.blocked]
    lines = [
        _("📶 Delivery: {total} people, not joined {absent}, blocked the bot {blocked}").format(
            total=len(people), absent=len(not_joined), blocked=len(blocked)
        ),
        "",
    ]
    # Only people the bot does not reach well are listed (a phone screen, not a directory):
    # not joined, blocked, or with messages waiting or failed; everyone else is counted.
    troubled = [p for p in people if not p.joined or p.blocked or p.waiting or p.failed]
    lines += [line(p, seen.get(p.person_id), settings.zone) for p in troubled[:SHOWN]]
    if len(troubled) > SHOWN:
        more = len(troubled) - SHOWN
        lines.append(ngettext("…and {count} more.", "…and {count} more.", more).format(count=more))
    fine = len(people) - len(troubled)
    if fine:
        lines.append(
            ngettext(
                "✅ {count} more person joined, nothing waits for them.",
                "✅ {count} more people joined, nothing waits for them.",
                fine,
            ).format(count=fine)
        )
    lines += ["", _("«Opened» counts since the bot was last started.")]
    builder = Keyboard()
    for reach in not_joined[:SHOWN]:
        builder.button(
            text=_("🔗 Link: {name}").format(name=fit(reach.short_name, LABEL_MAX)),
            callback_data=ReportCallback(action=ReportAction.INVITE, person=reach.person_id),
        )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


async def on_health(
    query: CallbackQuery,
    person: Person,
    repos: Repos,
    settings: Settings,
    seen: dict[int, datetime],
) -> None:
    if not person.roles & MAY_SEE:
        await stale(query)
        return
    message = await answered(query)
    if isinstance(message, Message):
        text, markup = await health_view(repos, settings, seen)
        await message.answer(text, reply_markup=markup)


async def on_invite(
    query: CallbackQuery,
    callback_data: ReportCallback,
    bot: Bot,
    person: Person,
    repos: Repos,
    settings: Settings,
) -> None:
    invitee = await repos.staff.get(callback_data.person)
    if not person.roles & MAY_SEE or invitee is None or invitee.bound or not invitee.active:
        await stale(query)
        return
    text, _keyboard = await invitation_answer(bot, repos, settings, person, invitee, new=False)
    message = await answered(query)
    if isinstance(message, Message):
        await message.answer(text)

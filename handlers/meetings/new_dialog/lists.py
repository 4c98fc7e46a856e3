"""The saved distribution lists (MeetCallback action «lists» under /meeting): who is on them,
and a list deleted. A list is saved at the end of the dialog that creates a meeting."""

from __future__ import annotations

from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.middlewares import Tap
from handlers.callbacks import MeetCallback
from handlers.keyboards import Keyboard
from handlers.meetings.new_dialog.draft import MESSAGE_MAX
from handlers.meetings.new_dialog.recipients import existing_people
from handlers.replies import show, stale
from storage.repo import Repos


async def lists_view(repos: Repos) -> tuple[str, InlineKeyboardMarkup | None]:
    lists = await repos.meetings.distribution_lists()
    if not lists:
        return (
            _(
                "No distribution lists are saved yet. Save one when creating a meeting: "
                "«Create and save the recipients as a distribution list»."
            ),
            None,
        )
    lines = [_("Saved distribution lists:")]
    builder = Keyboard()
    for item in lists:
        lines += ["", f"📋 {item.name}"]
        people = {p.id: p for p in await existing_people(repos, [p for p, _m in item.entries])}
        for person_id, member in item.entries:
            person = people.get(person_id)
            if person is None:
                continue
            role = _("member") if member else _("invitee")
            lines.append(f"• {person.full_name} — {role}")
        builder.button(
            text=_("🗑 Delete «{name}»").format(name=item.name),
            callback_data=MeetCallback(action="lists", id=item.id, value="del"),
        )
    builder.adjust(1)
    return "\n".join(lines)[:MESSAGE_MAX], builder.as_markup()


async def on_lists(query: CallbackQuery, repos: Repos) -> None:
    await query.answer()
    text, markup = await lists_view(repos)
    if query.message is not None:
        await query.message.answer(text, reply_markup=markup)


async def on_delete(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    deleted = await tap.ctx.repos.meetings.delete_distribution_list(
        tap.button.id, actor=tap.person.code, at=tap.ctx.now
    )
    if not deleted:
        await stale(query)
        return
    await query.answer(_("Deleted."))
    await show(query, *await lists_view(tap.ctx.repos))

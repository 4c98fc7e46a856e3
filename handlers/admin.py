"""Administrators: invitation links from the chat (/invite CODE, the Invitations button)."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.i18n import long_date
from bot.middlewares import for_roles
from bot.staff.invites import PersonRemoved, current_invitation, invitation_link
from handlers.callbacks import InviteCallback, MenuAction, MenuCallback
from handlers.keyboards import Keyboard
from storage.domain.enums import Role
from storage.models import Person
from storage.repo import Repos

ADMINS = frozenset({Role.ADMIN})


async def pending_text(repos: Repos) -> str:
    unbound = await repos.staff.unbound()
    if not unbound:
        return _("Everyone in the staff directory has joined the bot.")
    lines = [_("Not yet joined: {count}").format(count=len(unbound))]
    lines += [f"• {p.code} — {p.full_name}" for p in unbound[:30]]
    if len(unbound) > 30:
        lines.append("…")
    lines += ["", _("Send /invite CODE to get a person's invitation link.")]
    return "\n".join(lines)


async def cmd_invite(
    message: Message,
    command: CommandObject,
    bot: Bot,
    repos: Repos,
    settings: Settings,
    person: Person,
) -> None:
    code = (command.args or "").strip()
    if not code:
        await message.answer(await pending_text(repos))
        return
    invitee = await repos.staff.by_code(code)
    if invitee is None:
        await message.answer(
            _("There is nobody with the code {code} in the staff directory.").format(code=code)
        )
        return
    text, keyboard = await invitation_answer(bot, repos, settings, person, invitee, new=False)
    await message.answer(text, reply_markup=keyboard)


async def invitation_answer(
    bot: Bot, repos: Repos, settings: Settings, admin: Person, invitee: Person, *, new: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The person's current link (a new one only when none is valid, or on «new link»), with
    the button that replaces it; a removed person gets none."""
    try:
        invitation, issued = await current_invitation(
            repos,
            invitee,
            ttl=timedelta(days=settings.invite_ttl_days),
            actor=admin.code,
            new=new,
        )
    except PersonRemoved:
        return _(
            "{name} ({code}) is no longer in the staff directory, so no invitation is issued."
            " Importing them again restores them."
        ).format(name=invitee.full_name, code=invitee.code), None
    link = await invitation_link(bot, settings, invitation.token)
    text = _("Invitation for {name} ({code}), valid until {date}:\n{link}").format(
        name=invitee.full_name,
        code=invitee.code,
        date=long_date(invitation.expires_at.astimezone(settings.zone).date(), admin.language),
        link=link,
    )
    if issued and new:
        text += "\n\n" + _("This is a new link: the earlier ones no longer work.")
    elif not issued:
        text += "\n\n" + _("This is the link already handed out; it still works.")
    if invitee.bound:
        text += "\n\n" + _(
            "This person has already joined; opening the new link moves them to the new account."
        )
    builder = Keyboard()
    builder.button(
        text=_("🔄 New link — the old one stops working"),
        callback_data=InviteCallback(person=invitee.id),
    )
    return text, builder.as_markup()


async def on_new_link(
    query: CallbackQuery,
    callback_data: InviteCallback,
    bot: Bot,
    repos: Repos,
    settings: Settings,
    person: Person,
) -> None:
    invitee = await repos.staff.get(callback_data.person)
    if invitee is None:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    text, keyboard = await invitation_answer(bot, repos, settings, person, invitee, new=True)
    await query.answer()
    if query.message is not None:
        await query.message.answer(text, reply_markup=keyboard)


async def on_menu_invites(query: CallbackQuery, repos: Repos) -> None:
    await query.answer()
    if query.message is not None:
        await query.message.answer(await pending_text(repos))


def create_router() -> Router:
    router = for_roles(Router(name=__name__), ADMINS)
    router.message.register(cmd_invite, Command("invite"))
    router.callback_query.register(
        on_menu_invites, MenuCallback.filter(F.action == MenuAction.INVITES)
    )
    router.callback_query.register(on_new_link, InviteCallback.filter())
    return router

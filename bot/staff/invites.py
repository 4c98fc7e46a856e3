"""Invitation links: t.me deep links carrying a one-time token."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.config import Settings
from storage.models import Invitation, Person
from storage.repo import Repos

if TYPE_CHECKING:
    from aiogram import Bot


async def bot_username(bot: Bot | None, settings: Settings) -> str:
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if bot is None:
        raise RuntimeError("set BOT_USERNAME or BOT_TOKEN to build invitation links")
    me = await bot.me()
    if not me.username:
        raise RuntimeError("the Bot API returned no username for this bot; set BOT_USERNAME")
    return me.username


async def invitation_link(bot: Bot | None, settings: Settings, token: str) -> str:
    return f"https://t.me/{await bot_username(bot, settings)}?start={token}"


class PersonRemoved(ValueError):
    """No invitation for a person who is no longer in the directory."""


async def current_invitation(
    repos: Repos, person: Person, *, ttl: timedelta, actor: str, new: bool = False
) -> tuple[Invitation, bool]:
    """The person's current unused link, or a new one when none is valid (or `new`: a changed
    phone; their older links stop working). (invitation, whether it was issued now)."""
    async with repos.transaction():
        current = await repos.staff.get(person.id)
        if current is None or not current.active:
            raise PersonRemoved(f"{person.code} is no longer in the staff directory")
        if not new:
            found = await repos.invitations.valid_for(current)
            if found is not None:
                return found, False
        return await repos.invitations.issue(current, ttl=ttl, actor=actor), True

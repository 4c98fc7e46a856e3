"""Invitation links: t.me deep links carrying a one-time token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.config import Settings
from storage.audit import now_utc
from storage.invitations import Redemption
from storage.models import Invitation, Person
from storage.repo import Repos

# How long what waited for a person joining is held for their welcome, should the welcome
# never go out (a crash, Telegram down); normally it is released the moment the welcome has.
WELCOME_HOLD = timedelta(minutes=1)

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


async def join(
    repos: Repos, token: str, telegram_id: int
) -> tuple[Redemption, int | None, datetime]:
    """Bind the Telegram account to the person the invitation names, in one unit with holding
    what waited for them: the sender must not reach them before their welcome (and its choice
    of language). (outcome, person id, the moment held until: give it to `released` once the
    welcome has gone.)"""
    now = now_utc()
    held_until = now + WELCOME_HOLD
    async with repos.transaction():
        outcome, person_id = await repos.invitations.redeem(token, telegram_id, now=now)
        if outcome is Redemption.BOUND and person_id is not None:
            await repos.outbox.hold(person_id, held_until)
    return outcome, person_id, held_until

"""Invitation links: t.me deep links carrying a one-time token."""

from __future__ import annotations

from aiogram import Bot

from bot.config import Settings


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

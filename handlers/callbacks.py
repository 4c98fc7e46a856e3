"""Every CallbackData factory in one place (prefixes short and unique)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.enums import Language


class LangCallback(CallbackData, prefix="lang"):
    language: Language


class MenuCallback(CallbackData, prefix="menu"):
    action: str

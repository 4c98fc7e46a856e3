"""Keyboards; labels are translated when the keyboard is built."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import LangCallback, MenuAction, MenuCallback
from storage.domain.enums import Language, Role

LANGUAGE_NAMES = {Language.KK: "Қазақ тілі", Language.RU: "Русский язык"}


def make_language_keyboard(selected: Language) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language, name in LANGUAGE_NAMES.items():
        mark = "✅ " if language == selected else ""
        builder.button(text=f"{mark}{name}", callback_data=LangCallback(language=language))
    builder.adjust(2)
    return builder.as_markup()


def make_main_menu_keyboard(roles: frozenset[Role]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if Role.ADMIN in roles:
        builder.button(
            text=_("👥 Invitations"), callback_data=MenuCallback(action=MenuAction.INVITES)
        )
    builder.button(text=_("❓ Help"), callback_data=MenuCallback(action=MenuAction.HELP))
    builder.button(text=_("🌐 Language"), callback_data=MenuCallback(action=MenuAction.LANG))
    builder.adjust(1)
    return builder.as_markup()

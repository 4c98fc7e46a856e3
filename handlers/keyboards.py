"""Keyboards; labels are translated when the keyboard is built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, KeyboardBuilder

from bot.access import EVERYONE
from bot.i18n_marks import N_
from bot.leaders.rules import LEADERS
from bot.reports.rules import READERS as REPORT_READERS
from handlers.callbacks import LangCallback, MenuAction, MenuCallback
from storage.domain.enums import Language, Role


class Keyboard(InlineKeyboardBuilder):
    """aiogram's InlineKeyboardBuilder without its deep copies: aiogram copies every button of
    the keyboard each time one is added (quadratic: ~3 ms for a list's eight buttons, most of
    a tap's time under load). Here a keyboard's rows are copied, its buttons are not (nothing
    changes a button once made)."""

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]

    def _button(self, **kwargs: Any) -> KeyboardBuilder[InlineKeyboardButton]:
        """The button from the fields given only: aiogram passes all thirteen, None for the
        unused, and pydantic validates each (a third of a button's cost)."""
        return super()._button(**{name: v for name, v in kwargs.items() if v is not None})


LANGUAGE_NAMES = {Language.KK: "Қазақ тілі", Language.RU: "Русский язык"}


def make_language_keyboard(selected: Language) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for language, name in LANGUAGE_NAMES.items():
        mark = "✅ " if language == selected else ""
        builder.button(text=f"{mark}{name}", callback_data=LangCallback(language=language))
    builder.adjust(2)
    return builder.as_markup()


@dataclass(frozen=True, slots=True)
class MenuButton:
    action: MenuAction
    label: str  # an untranslated msgid, at most 20 characters translated (a phone cuts more)
    roles: frozenset[Role]


HEADS = frozenset({Role.HEAD, Role.EXECUTOR})
CONTROLLERS = frozenset({Role.CONTROLLER})
# The main menu: each role's daily work, then help and language for everyone (in this order;
# a person with several roles gets the union, each button once). handlers.main_menu answers
# each with its command's handler.
MENU_BUTTONS: tuple[MenuButton, ...] = (
    MenuButton(MenuAction.OVERVIEW, N_("📊 Overview"), LEADERS),
    MenuButton(MenuAction.MY, N_("📋 My assignments"), HEADS),
    MenuButton(MenuAction.WAITING, N_("📥 Requests waiting"), HEADS),
    MenuButton(MenuAction.NEW, N_("➕ Register"), CONTROLLERS),
    MenuButton(MenuAction.CONTROL, N_("🗂 Control"), CONTROLLERS),
    MenuButton(MenuAction.ROUNDS, N_("📨 Rounds"), CONTROLLERS),
    MenuButton(MenuAction.MEETINGS, N_("📅 Meetings"), frozenset({Role.ORGANIZER})),
    MenuButton(MenuAction.INVITES, N_("👥 Invitations"), frozenset({Role.ADMIN})),
    MenuButton(MenuAction.REPORT, N_("📈 Report"), REPORT_READERS | {Role.ADMIN}),
    MenuButton(MenuAction.HELP, N_("❓ Help"), EVERYONE),
    MenuButton(MenuAction.LANG, N_("🌐 Language"), EVERYONE),
)


def menu_buttons(roles: frozenset[Role]) -> list[MenuButton]:
    return [button for button in MENU_BUTTONS if button.roles & roles or button.roles == EVERYONE]


def make_main_menu_keyboard(roles: frozenset[Role]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for button in menu_buttons(roles):
        builder.button(text=_(button.label), callback_data=MenuCallback(action=button.action))
    builder.adjust(2)
    return builder.as_markup()

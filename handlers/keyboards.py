"""Keyboards; labels are translated when the keyboard is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from aiogram.filters.callback_data import MAX_CALLBACK_LENGTH, CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, KeyboardBuilder

from bot.access import EVERYONE
from bot.i18n_marks import N_
from bot.leaders.rules import LEADERS
from bot.reports.rules import READERS as REPORT_READERS
from handlers.callbacks import LangCallback, MenuAction, MenuCallback
from storage.bounded import Bounded
from storage.domain.enums import Language, Role

Model = TypeVar("Model", bound=TelegramObject)
_new = object.__new__
_set = object.__setattr__


@cache
def _defaults(model: type[TelegramObject]) -> dict[str, Any]:
    """Each field's default in the model's order (None for a required one: the order of a
    model's `__dict__` is the order of its dumps)."""
    fields = model.model_fields
    if any(f.default_factory is not None for f in fields.values()):
        msg = f"{model.__name__}: a default made by a factory is not shared"
        raise TypeError(msg)
    return {name: None if f.is_required() else f.default for name, f in fields.items()}


def trusted(model: type[Model], **values: Any) -> Model:
    """A Telegram object built from values of the right types without pydantic's validation
    (~1 µs a button against ~6 µs validated): what `model_construct` makes (the fields given
    are the ones set, so `exclude_unset` dumps the same), which in pydantic is slower still
    (~30 µs). Only for values the bot's own code made, the required fields among them."""
    made = _new(model)
    fields = _defaults(model).copy()
    fields.update(values)
    _set(made, "__dict__", fields)
    _set(made, "__pydantic_fields_set__", set(values))
    _set(made, "__pydantic_extra__", {})
    _set(made, "__pydantic_private__", {"_bot": None})  # as model_post_init leaves it
    return made


def pack(callback_data: CallbackData) -> str:
    """`callback_data.pack()` from the fields' values as they are, not from a `model_dump`
    (~1.5 µs against ~3.8 µs): aiogram's encoding of each value, its separator check and its
    limit of 64 bytes."""
    if callback_data.__pydantic_extra__:  # not a field: aiogram's own (never the bot's)
        return callback_data.pack()
    separator = callback_data.__separator__
    parts = [callback_data.__prefix__]
    for key, value in callback_data.__dict__.items():
        encoded = callback_data._encode_value(key, value)
        if separator in encoded:
            msg = f"Separator symbol {separator!r} can not be used in value {key}={encoded!r}"
            raise ValueError(msg)
        parts.append(encoded)
    packed = separator.join(parts)
    if len(packed.encode()) > MAX_CALLBACK_LENGTH:
        msg = (
            f"Resulted callback data is too long! len({packed!r}.encode()) > {MAX_CALLBACK_LENGTH}"
        )
        raise ValueError(msg)
    return packed


class Keyboard(InlineKeyboardBuilder):
    """aiogram's InlineKeyboardBuilder without its copies and validations.

    aiogram copies every button of the keyboard each time one is added (quadratic: ~3 ms for a
    list's eight buttons); here a button is appended to the builder's own rows (copied from a
    markup given, so that is never changed). A text button with callback data (all of the
    bot's) is built without pydantic's validation, its types being known; its callback data is
    packed as aiogram packs it (more than 64 bytes refused). Any other button is aiogram's."""

    def __init__(self, markup: list[list[InlineKeyboardButton]] | None = None) -> None:
        super().__init__(markup=[list(row) for row in markup] if markup else None)

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]

    def button(
        self, *, text: str, callback_data: str | CallbackData | None = None, **kwargs: Any
    ) -> Keyboard:
        if isinstance(callback_data, CallbackData):
            callback_data = pack(callback_data)
        if kwargs or type(text) is not str or type(callback_data) is not str:
            super().button(text=text, callback_data=callback_data, **kwargs)
            return self
        return self.put(trusted(InlineKeyboardButton, text=text, callback_data=callback_data))

    def put(self, button: InlineKeyboardButton) -> Keyboard:
        """A button built before (one of the bot's, unchanged since: buttons are never
        changed, so one may be in many keyboards), added as `button` adds one."""
        rows = self._markup
        if rows and len(rows[-1]) < self.max_width:  # as aiogram's add fills the last row
            rows[-1].append(button)
        else:
            rows.append([button])
        return self

    def _button(self, **kwargs: Any) -> KeyboardBuilder[InlineKeyboardButton]:
        """The button from the fields given only: aiogram passes all thirteen, None for the
        unused, and pydantic validates each (a third of a button's cost)."""
        return super()._button(**{name: v for name, v in kwargs.items() if v is not None})

    def as_markup(self, **kwargs: Any) -> InlineKeyboardMarkup:  # noqa: ARG002 - aiogram's
        """The markup of the builder's buttons (checked as they were added) unvalidated."""
        return trusted(InlineKeyboardMarkup, inline_keyboard=self.export())


class ButtonsKept:
    """Buttons kept by key, each with the text it was made with: a keyboard drawn again and
    again (a list's 🔎 buttons) takes them as made instead of packing and building each one
    anew. `limit` keys at most (the longest kept goes first)."""

    __slots__ = ("_kept",)

    def __init__(self, limit: int = 4096) -> None:
        self._kept: Bounded[object, InlineKeyboardButton] = Bounded(limit)

    def get(
        self, key: object, text: str, callback_data: Callable[[], CallbackData]
    ) -> InlineKeyboardButton:
        """The button of `key` if it was made with `text` (the same key always gives the same
        callback data), else a new one with `callback_data()`, kept."""
        kept = self._kept.get(key)
        if kept is not None and kept.text == text:
            return kept
        made = trusted(InlineKeyboardButton, text=text, callback_data=pack(callback_data()))
        return self._kept.keep(key, made)


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

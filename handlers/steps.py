"""Shared wizard steps: what every dialog asks the same way (a typed date, a date on a button,
a typed time or text of a length, a button naming a record, a yes/no confirmation).

A dialog step answers a wrong input itself and returns None, so the handler just stops; the
dialog's state is unchanged and the person types again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, time
from enum import StrEnum
from typing import TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.meetings.rules import parse_time
from handlers.replies import dotted, parse_date, show, stale

Found = TypeVar("Found")

EXAMPLE_DAY = date(2026, 12, 25)  # the example in «for example 25.12.2026»


class Asked(StrEnum):
    """What a typed date is called in the re-ask («the date» / «the deadline»)."""

    DATE = "date"
    DEADLINE = "deadline"


def _no_such_date(text: str, asked: Asked) -> str:
    if asked is Asked.DEADLINE:
        return _("There is no such date: {text}. Type the deadline as dd.mm.yyyy.").format(
            text=text
        )
    return _("There is no such date: {text}. Type the date as dd.mm.yyyy.").format(text=text)


def _date_format(asked: Asked, example: date | None) -> str:
    if example is None:  # the long-standing fixed example
        return _("Type the date as dd.mm.yyyy, for example 25.12.2026.")
    if asked is Asked.DEADLINE:
        return _("Type the deadline as dd.mm.yyyy, for example {example}.").format(
            example=dotted(example)
        )
    return _("Type the date as dd.mm.yyyy, for example {example}.").format(example=dotted(example))


async def typed_day(
    message: Message, *, asked: Asked = Asked.DATE, example: date | None = None
) -> date | None:
    """The date the person typed (dd.mm.yyyy); None when it is none (re-asked with the reason:
    an impossible date, or the format with an example)."""
    text = (message.text or "").strip()
    try:
        typed = parse_date(text)
    except ValueError:
        await message.answer(_no_such_date(text, asked))
        return None
    if typed is None:
        await message.answer(_date_format(asked, example))
    return typed


async def button_day(query: CallbackQuery, value: str) -> date | None:
    """The date a button carries (ISO); None when it is forged or stale (the tap answered)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        await stale(query)
        return None


# --- typed answers, the dialog's message, buttons that name a record ----------------------------


def collapsed(text: str | None) -> str:
    """A typed answer with its spaces collapsed ("" when nothing was typed)."""
    return " ".join((text or "").split())


async def reply(
    target: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A tap replaces the dialog's message; a typed answer is answered below."""
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


async def typed_text(
    message: Message,
    *,
    shortest: int,
    longest: int,
    wrong: str,
    markup: InlineKeyboardMarkup | None = None,
) -> str | None:
    """The typed text (spaces collapsed) when its length fits; else None, re-asked with
    `wrong`, a sentence with {min}, {max} and {count} (the length typed)."""
    text = collapsed(message.text)
    if not shortest <= len(text) <= longest:
        wrong = wrong.format(min=shortest, max=longest, count=len(text))
        await message.answer(wrong, reply_markup=markup)
        return None
    return text


async def typed_time(
    message: Message, wrong: str, markup: InlineKeyboardMarkup | None = None
) -> time | None:
    """The time of day the person typed (HH:MM); None when it is none (re-asked with `wrong`)."""
    moment = parse_time(message.text or "")
    if moment is None:
        await message.answer(wrong, reply_markup=markup)
    return moment


async def button_record(
    query: CallbackQuery, value: str, fetch: Callable[[int], Awaitable[Found | None]]
) -> Found | None:
    """The record (a person, a department, a list) an id button names; None when it is forged
    or gone (the tap answered as stale)."""
    found = await fetch(int(value)) if value.isdigit() else None
    if found is None:
        await stale(query)
    return found


def offer_keyboard(offer: date, callback_data: CallbackData) -> InlineKeyboardMarkup:
    """«Take 25.12.2026»: the working day offered instead of a day off."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Take {date}").format(date=dotted(offer)), callback_data=callback_data)
    return builder.as_markup()


def column(buttons: Iterable[tuple[str, CallbackData]]) -> InlineKeyboardMarkup:
    """Buttons one a row, in order."""
    builder = InlineKeyboardBuilder()
    for text, callback_data in buttons:
        builder.button(text=text, callback_data=callback_data)
    builder.adjust(1)
    return builder.as_markup()


def yes_no_keyboard(
    yes: tuple[str, CallbackData], no: tuple[str, CallbackData]
) -> InlineKeyboardMarkup:
    """A confirmation: the «yes» and the «no» button side by side."""
    builder = InlineKeyboardBuilder()
    for text, callback_data in (yes, no):
        builder.button(text=text, callback_data=callback_data)
    builder.adjust(2)
    return builder.as_markup()


async def use_buttons(message: Message) -> None:
    """A typed message where the step waits for a button."""
    await message.answer(_("Please answer with the buttons above, or /cancel."))


async def dropped(query: CallbackQuery, state: FSMContext) -> None:
    """«✖️ Cancel» at a dialog's confirmation: nothing is saved."""
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    await show(query, _("Cancelled. Nothing was saved."))

"""Shared wizard steps: what every dialog asks the same way (a typed date, a date on a button,
a typed time or text of a length, a button naming a record, a yes/no confirmation).

A dialog step answers a wrong input itself and returns None, so the handler just stops; the
dialog's state is unchanged and the person types again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, time
from enum import StrEnum
from typing import Any, TypeVar

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.meetings.rules import parse_time
from handlers.callbacks import number
from handlers.keyboards import Keyboard
from handlers.pickers import Picker
from handlers.refusals import refusal_text
from handlers.replies import Reply, dotted, parse_date, sentences, show, stale
from storage.domain.refusals import Refused
from storage.models import Department
from storage.repo import Repos

T = TypeVar("T")

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


# --- what every wizard answers alike: a step's view, «use the buttons», «Cancel» ---------------


def after(reason: str, prompt: str) -> str:
    """The prompt, below the reason it is asked (again) for when there is one."""
    return f"{reason}\n\n{prompt}" if reason else prompt


def collapsed(text: str | None) -> str:
    """A typed answer with its spaces collapsed ("" when nothing was typed)."""
    return " ".join((text or "").split())


async def use_buttons(message: Message) -> None:
    """Text typed where the step waits for a button."""
    await message.answer(_("Please answer with the buttons above, or /cancel."))


def buttons_only(router: Router, *waiting: State) -> None:
    """In these steps the dialog waits for a button: text typed there (not a command) is
    answered with `use_buttons`."""
    router.message.register(use_buttons, StateFilter(*waiting), ~F.text.startswith("/"))


def numbered(position: int, total: int, text: str) -> str:
    """A wizard's screen under its step number, «4/11 · …». A step between the first (whose
    text says that /cancel stops at any step) and the last (the confirmation, with its «✖️
    Cancel» button) reminds how to leave: /cancel is one tap in the message."""
    head = f"{position}/{total} · {text}"
    if 1 < position < total:
        leave = _("/cancel — stop without saving")
        return f"{head}\n{leave}"
    return head


async def drop(query: CallbackQuery, state: FSMContext) -> None:
    """The confirmation's «Cancel»: the dialog ends, nothing saved."""
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    await show(query, _("Cancelled. Nothing was saved."))


async def typed_text(
    message: Message,
    shortest: int,
    longest: int,
    wrong: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    lines: bool = False,
) -> str | None:
    """The typed text when its length fits: spaces collapsed, or only stripped when it may
    keep its `lines` (a summary); else None, re-asked with `wrong`, a sentence with {min},
    {max} and {count} (the length typed)."""
    text = (message.text or "").strip() if lines else collapsed(message.text)
    if not shortest <= len(text) <= longest:
        wrong = wrong.format(min=shortest, max=longest, count=len(text))
        await message.answer(wrong, reply_markup=markup)
        return None
    return text


# --- yes/no and confirmation keyboards ----------------------------------------------------------

# (step, value) -> the dialog's callback data
MakeStep = Callable[[str, str], CallbackData]


def restricted_keyboard(make: MakeStep, step: str = "rst") -> InlineKeyboardMarkup:
    """«Restricted (ДСП)?»: yes (value 1) / no (value 0)."""
    builder = Keyboard()
    builder.button(text=_("🔒 Yes, restricted (ДСП)"), callback_data=make(step, "1"))
    builder.button(text=_("No"), callback_data=make(step, "0"))
    builder.adjust(2)
    return builder.as_markup()


async def yes_or_no(query: CallbackQuery, value: str) -> bool | None:
    """The answer a yes/no button carries; None when it is forged (the tap answered)."""
    if value not in {"0", "1"}:
        await stale(query)
        return None
    return value == "1"


async def take_restricted(
    query: CallbackQuery, state: FSMContext, value: str, **more: Any
) -> bool | None:
    """The «restricted (ДСП)?» step's answer, stored as `restricted` (with `more` data) and the
    tap answered; None when the button is forged (stale)."""
    restricted = await yes_or_no(query, value)
    if restricted is not None:
        await state.update_data(restricted=restricted, **more)
        await query.answer()
    return restricted


def confirm_keyboard(ok_label: str, ok: CallbackData, no: CallbackData) -> InlineKeyboardMarkup:
    """The confirmation: the dialog's own «do it» and «✖️ Cancel», side by side."""
    builder = Keyboard()
    builder.button(text=ok_label, callback_data=ok)
    builder.button(text=_("✖️ Cancel"), callback_data=no)
    builder.adjust(2)
    return builder.as_markup()


# --- a typed deadline a rule may refuse (past; a day off offers the next working day) -----------


def retype_date(reason: str) -> str:
    return sentences(reason, _("Type another date as dd.mm.yyyy."))


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
    found = await fetch(key) if (key := number(value)) is not None else None
    if found is None:
        await stale(query)
    return found


def offer_keyboard(offer: date, callback_data: CallbackData) -> InlineKeyboardMarkup:
    """«Take 25.12.2026»: the working day offered instead of a day off."""
    builder = Keyboard()
    builder.button(text=_("Take {date}").format(date=dotted(offer)), callback_data=callback_data)
    return builder.as_markup()


def offered_day(error: Refused) -> date | None:
    """The working day a day-off refusal offers (its value `offer`), if any."""
    offer = error.values.get("offer")
    return offer if isinstance(offer, date) else None


async def typed_deadline(
    message: Message,
    language: str,
    check: Callable[[date], T],
    *,
    example: date | None = None,
    offer: Callable[[date], InlineKeyboardMarkup] | None = None,
) -> T | None:
    """A typed deadline `check` accepts; None when it is none: a wrong date is re-asked
    (typed_day), a refused one answered with the rule's reason, the next working day on a
    button (`offer`) when the rule offers one."""
    typed = await typed_day(message, asked=Asked.DEADLINE, example=example)
    if typed is None:
        return None
    try:
        return check(typed)
    except Refused as error:
        day = offered_day(error)
        await message.answer(
            retype_date(refusal_text(error, language)),
            reply_markup=offer(day) if offer is not None and day is not None else None,
        )
        return None


# --- a paged, searchable picker inside a dialog (handlers.pickers): the handlers' moves ---------

# The dialog's view of its picker from its FSM data: (text, keyboard)
Draw = Callable[[dict[str, Any]], Awaitable[tuple[str, InlineKeyboardMarkup]]]


async def redraw(
    query: CallbackQuery, state: FSMContext, update: dict[str, Any], draw: Draw
) -> None:
    """Store a picker's update and redraw the tapped message."""
    data = await state.update_data(update)
    await query.answer()
    text, markup = await draw(data)
    await show(query, text, markup)


async def search(
    message: Message, state: FSMContext, picker: Picker, draw: Draw, hint: str
) -> None:
    """A typed search: the picker from its first page of matches (`hint` when nothing typed)."""
    searched = picker.searched(message.text)
    if searched is None:
        await message.answer(hint)
        return
    data = await state.update_data(searched)
    text, markup = await draw(data)
    await message.answer(text, reply_markup=markup)


# A picker's option a button names (its id), or None when it is gone, forged or not allowed
Find = Callable[[str], Awaitable[int | None]]


async def pick(
    query: CallbackQuery,
    state: FSMContext,
    picker: Picker,
    step: str,
    value: str,
    draw: Draw,
    find: Find,
) -> None:
    """A tap in a picker: an option (toggled when `find` knows it), a page, or «show all»;
    anything else is stale."""
    update: dict[str, Any] | None = None
    if step == picker.toggle_step:
        option = await find(value)
        if option is not None:
            update = picker.toggled(await state.get_data(), option)
    elif step == picker.page_step:
        update = picker.paged(value)
    elif step == picker.all_step:
        update = picker.everything()
    if update is None:
        await stale(query)
        return
    await redraw(query, state, update, draw)


async def known_department(repos: Repos, value: str) -> Department | None:
    """The department a button's value names, if it (still) exists."""
    return await repos.staff.department(key) if (key := number(value)) is not None else None


def departments_of(repos: Repos) -> Find:
    """Finds a department by the id on a button (for `pick`)."""

    async def find(value: str) -> int | None:
        department = await known_department(repos, value)
        return department.id if department is not None else None

    return find


async def department_of(query: CallbackQuery, repos: Repos, value: str) -> Department | None:
    """The department a button names; None when it is gone or forged (the tap answered)."""
    department = await known_department(repos, value)
    if department is None:
        await stale(query)
    return department


# --- a date typed, or on a button, in one handler -----------------------------------------------


async def given_day(
    event: Message | CallbackQuery,
    value: str | None,
    *,
    asked: Asked = Asked.DATE,
    example: date | None = None,
) -> date | None:
    """The date typed (a message) or on the button tapped (its callback value); None when it
    is none (answered: typed_day, button_day)."""
    if isinstance(event, Message):
        return await typed_day(event, asked=asked, example=example)
    return await button_day(event, value or "")


# --- a documents step: files one by one, up to a limit ------------------------------------------


async def take_file(
    message: Message,
    state: FSMContext,
    most: int,
    keyboard: InlineKeyboardMarkup,
    received: Callable[[int, str], str],
) -> None:
    """Keep the file sent (FSM data `files`: [file id, name] pairs) and say so with `received`
    (the count, the names); past `most` files the person is told it is the most."""
    assert message.document is not None  # the handler's filter
    files: list[list[str]] = list((await state.get_data()).get("files", []))
    if len(files) >= most:
        await message.answer(_("At most {count} files.").format(count=most), reply_markup=keyboard)
        return
    files.append([message.document.file_id, message.document.file_name or "file"])
    await state.update_data(files=files)
    names = ", ".join(name for _id, name in files)
    await message.answer(received(len(files), names), reply_markup=keyboard)


# --- a step's buttons: the handler is given the button's step and value -------------------------


class Tapped(Filter):
    """A tap on a dialog's step button (`callback` with `step` and `value` fields) of one of
    `steps` (and, when given, with one of `values`); the handler takes `value` (and `step`)
    instead of the whole callback data. Any other button falls through (to the catch-all)."""

    def __init__(
        self, callback: type[CallbackData], *steps: str, values: Iterable[str] | None = None
    ) -> None:
        self.callback = callback
        self.steps = frozenset(steps)
        self.values = None if values is None else frozenset(values)

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        try:
            data = self.callback.unpack(query.data or "")
        except (TypeError, ValueError):
            return False
        step, value = getattr(data, "step", None), getattr(data, "value", None)
        if step not in self.steps or not isinstance(value, str):
            return False
        if self.values is not None and value not in self.values:
            return False
        return {"step": str(step), "value": value}


# --- the confirmation's «do it» tap -------------------------------------------------------------


async def confirmed(
    query: CallbackQuery, state: FSMContext, read: Callable[[dict[str, Any]], T]
) -> tuple[T, Reply] | None:
    """What the dialog gathered (`read` from its data; it raises KeyError, ValueError or
    TypeError when something is missing) and the message to answer on; None when the data is
    incomplete or the message is gone (a stale tap). The dialog leaves its last step, so a
    second tap finds no dialog; its data stays until the handler clears it."""
    try:
        gathered = read(await state.get_data())
    except (KeyError, ValueError, TypeError):
        await state.clear()
        await stale(query)
        return None
    if query.message is None:
        await stale(query)
        return None
    await state.set_state(None)
    return gathered, query.message


def column(buttons: Iterable[tuple[str, CallbackData]]) -> InlineKeyboardMarkup:
    """Buttons one a row, in order."""
    builder = Keyboard()
    for text, callback_data in buttons:
        builder.button(text=text, callback_data=callback_data)
    builder.adjust(1)
    return builder.as_markup()


def yes_no_keyboard(
    yes: tuple[str, CallbackData], no: tuple[str, CallbackData]
) -> InlineKeyboardMarkup:
    """A confirmation: the «yes» and the «no» button side by side."""
    builder = Keyboard()
    for text, callback_data in (yes, no):
        builder.button(text=text, callback_data=callback_data)
    builder.adjust(2)
    return builder.as_markup()

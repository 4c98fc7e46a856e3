"""The steps both meeting dialogs ask the same way: the format with the place and link it needs,
and an agenda item (title → speaker → responsible department).

A dialog describes itself once: a `Where` (the format, place and link) and an `Item` (an agenda
item) carry its states, its words at these steps (the creation dialog numbers its steps and
words some re-asks its own way), its buttons, and where the answer goes — the draft being
created, or the meeting being changed. The steps keep the answers in the dialog's FSM data
under the same keys: format, place, link; item_title, item_speaker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.meetings.rules import TEXT_MAX, TITLE_MAX, TITLE_MIN, as_link
from handlers.keyboards import Keyboard
from handlers.meetings.cards import FORMAT_TITLES
from handlers.pickers import Picker, department_options, nothing
from handlers.replies import present, stale
from handlers.steps import button_record, collapsed, typed_text
from storage.domain.meetings import MeetingFormat
from storage.models import Department
from storage.repo import Repos

Markup = InlineKeyboardMarkup | None
Button = tuple[str, CallbackData]


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the format, the place, the link ------------------------------------------------------------


def format_keyboard(
    make: Callable[[str], CallbackData],
    *,
    current: MeetingFormat | None = None,
    capital: bool = False,
    tail: Sequence[Button] = (),
) -> InlineKeyboardMarkup:
    """A button a format (the current one marked ✅), then `tail`; one a row."""
    builder = Keyboard()
    for meeting_format, title in FORMAT_TITLES.items():
        mark = "✅ " if meeting_format is current else ""
        label = capitalized(_(title)) if capital else _(title)
        builder.button(text=mark + label, callback_data=make(meeting_format.value))
    for text, callback_data in tail:
        builder.button(text=text, callback_data=callback_data)
    builder.adjust(1)
    return builder.as_markup()


class Where(Protocol):
    """A dialog's format, place and link: its states, words, buttons and what follows."""

    place_state: State
    link_state: State

    def place_prompt(self) -> str: ...
    def place_wrong(self, place: str) -> str: ...
    def place_markup(self) -> Markup: ...
    def link_prompt(self) -> str: ...
    def link_wrong(self, link: str) -> str: ...
    def link_markup(self) -> Markup: ...

    async def done(
        self,
        target: Message | CallbackQuery,
        state: FSMContext,
        meeting_format: MeetingFormat,
        place: str,
        link: str,
    ) -> None:
        """The format with its place and link is given."""


async def ask_place(target: Message | CallbackQuery, state: FSMContext, where: Where) -> None:
    await state.set_state(where.place_state)
    await present(target, where.place_prompt(), where.place_markup())


async def ask_link(target: Message | CallbackQuery, state: FSMContext, where: Where) -> None:
    await state.set_state(where.link_state)
    await present(target, where.link_prompt(), where.link_markup())


async def format_chosen(query: CallbackQuery, value: str, state: FSMContext, where: Where) -> None:
    """A videoconference needs a link; in person and mixed first a place."""
    if value not in {f.value for f in MeetingFormat}:
        await stale(query)
        return
    meeting_format = MeetingFormat(value)
    await state.update_data(format=meeting_format.value, place="", link="")
    await query.answer()
    if meeting_format is MeetingFormat.VIDEO:
        await ask_link(query, state, where)
    else:
        await ask_place(query, state, where)


async def place_given(
    target: Message | CallbackQuery, state: FSMContext, where: Where, place: str
) -> None:
    """A mixed meeting needs the link too."""
    data = await state.update_data(place=place)
    meeting_format = MeetingFormat(str(data["format"]))
    if meeting_format is MeetingFormat.MIXED:
        await ask_link(target, state, where)
        return
    await where.done(target, state, meeting_format, place, "")


async def place_typed(message: Message, state: FSMContext, where: Where) -> None:
    place = collapsed(message.text)
    if not place or len(place) > TEXT_MAX:
        await message.answer(where.place_wrong(place), reply_markup=where.place_markup())
        return
    await place_given(message, state, where, place)


async def link_given(
    target: Message | CallbackQuery, state: FSMContext, where: Where, link: str
) -> None:
    data = await state.update_data(link=link)
    meeting_format = MeetingFormat(str(data["format"]))
    place = str(data.get("place", "")) if meeting_format is MeetingFormat.MIXED else ""
    await where.done(target, state, meeting_format, place, link)


async def link_typed(message: Message, state: FSMContext, where: Where) -> None:
    typed = (message.text or "").strip()
    link = as_link(typed)
    if link is None:
        await message.answer(where.link_wrong(typed), reply_markup=where.link_markup())
        return
    await link_given(message, state, where, link)


async def where_typed(message: Message, state: FSMContext, where: Where) -> None:
    """The place or the link, whichever the step asks."""
    if await state.get_state() == where.link_state.state:
        await link_typed(message, state, where)
    else:
        await place_typed(message, state, where)


# --- an agenda item: title, speaker, responsible department --------------------------------------


class Item(Protocol):
    """A dialog's agenda item: its states, words, buttons and where the item goes."""

    speaker_state: State
    department_state: State
    picker: Picker  # the responsible department, chosen with one tap

    def title_wrong(self) -> str:
        """With {min}, {max} and {count} (the length typed)."""

    def title_markup(self) -> Markup: ...
    def speaker_prompt(self, data: dict[str, Any]) -> str: ...
    def speaker_wrong(self) -> str: ...
    def speaker_markup(self) -> Markup: ...
    def department_header(self, data: dict[str, Any]) -> str: ...
    def department_tail(self) -> Sequence[Button]: ...

    async def added(
        self, query: CallbackQuery, state: FSMContext, department: Department | None
    ) -> None:
        """The item is complete: its department chosen (or none needs to send materials)."""


async def item_title_typed(message: Message, state: FSMContext, item: Item) -> None:
    title = await typed_text(
        message,
        shortest=TITLE_MIN,
        longest=TITLE_MAX,
        wrong=item.title_wrong(),
        markup=item.title_markup(),
    )
    if title is None:
        return
    data = await state.update_data(item_title=title)
    await state.set_state(item.speaker_state)
    await message.answer(item.speaker_prompt(data), reply_markup=item.speaker_markup())


async def department_view(
    repos: Repos, item: Item, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    picker = item.picker
    view = picker.view(department_options(await repos.staff.departments()), data)
    text = "\n".join([item.department_header(data), *picker.status_lines(view)])
    markup = picker.keyboard(
        view,
        [],
        all_label=_("🔎 Show all departments"),
        tail=item.department_tail(),
        mark=nothing,
    )
    return text, markup


async def ask_department(
    target: Message | CallbackQuery, state: FSMContext, repos: Repos, item: Item
) -> None:
    await state.set_state(item.department_state)
    data = await state.update_data(item.picker.fresh())
    await present(target, *await department_view(repos, item, data))


async def speaker_typed(message: Message, state: FSMContext, repos: Repos, item: Item) -> None:
    speaker = collapsed(message.text)
    if not speaker or len(speaker) > TEXT_MAX:
        await message.answer(item.speaker_wrong(), reply_markup=item.speaker_markup())
        return
    await state.update_data(item_speaker=speaker)
    await ask_department(message, state, repos, item)


async def item_typed(message: Message, state: FSMContext, repos: Repos, item: Item) -> None:
    """The item's title or its speaker, whichever the step asks."""
    if await state.get_state() == item.speaker_state.state:
        await speaker_typed(message, state, repos, item)
    else:
        await item_title_typed(message, state, item)


async def no_speaker(query: CallbackQuery, state: FSMContext, repos: Repos, item: Item) -> None:
    await state.update_data(item_speaker="")
    await query.answer()
    await ask_department(query, state, repos, item)


async def department_chosen(
    query: CallbackQuery, value: str, state: FSMContext, repos: Repos, item: Item
) -> None:
    department = await button_record(query, value, repos.staff.department)
    if department is None:
        return
    await item.added(query, state, department)

"""A paged, searchable multi-choice list of buttons inside a dialog (departments, people).

A dialog keeps the choice in its FSM data under its own keys; a `Picker` turns that data and
the options into status lines and a keyboard (8 options a page, ◀️ ▶️, «show all» after a
search, then the dialog's own buttons), and computes the data updates for a toggle, a page, a
typed search and «show all». The dialog's handlers check that the option still exists and
store the updates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import number
from handlers.keyboards import Keyboard
from handlers.replies import fit, present, stale
from storage.models import Department, Person

PAGE_SIZE = 8

# (step, value) -> the dialog's callback data, e.g. NewCallback(step=step, value=value)
MakeCallback = Callable[[str, str], CallbackData]
# (option id, chosen ids in order) -> the mark before the option's label ("" when not chosen)
Mark = Callable[[int, Sequence[int]], str]


def fold(text: str) -> str:
    """Case- and space-insensitive form for the search."""
    return " ".join(text.casefold().split())


def search_text(text: str | None) -> str:
    """A typed search with its spaces collapsed ("" when nothing was typed)."""
    return " ".join((text or "").split())


@dataclass(frozen=True, slots=True)
class Option:
    id: int
    label: str  # the button's text, also what the search looks in
    also: tuple[str, ...] = ()  # other names the search finds it by (the other language's)
    search: str = ""  # more text the search looks in (a person's full name and position)


def matching(options: Sequence[Option], query: str) -> list[Option]:
    needle = fold(query)
    if not needle:
        return list(options)
    return [
        o
        for o in options
        if any(needle in fold(name) for name in (f"{o.label} {o.search}", *o.also))
    ]


def checked(option_id: int, chosen: Sequence[int]) -> str:
    return "✅ " if option_id in chosen else ""


@dataclass(frozen=True, slots=True)
class PickerView:
    query: str
    found: list[Option]  # every option matching the query
    shown: list[Option]  # the options of this page
    page: int  # from 0
    pages: int


@dataclass(frozen=True, slots=True)
class Picker:
    """One list of options: its callback steps and the keys of its data in the dialog."""

    make: MakeCallback
    toggle_step: str = "dep"
    page_step: str = "pg"
    all_step: str = "all"
    chosen_key: str = "chosen"
    query_key: str = "query"
    page_key: str = "page"
    page_size: int = PAGE_SIZE

    # --- the data ----------------------------------------------------------------------------

    def chosen(self, data: Mapping[str, Any]) -> list[int]:
        return [int(i) for i in data.get(self.chosen_key, [])]

    def fresh(self) -> dict[str, Any]:
        """Nothing chosen, no search, the first page."""
        return {self.chosen_key: [], self.query_key: "", self.page_key: 0}

    def toggled(self, data: Mapping[str, Any], option_id: int) -> dict[str, Any]:
        chosen = self.chosen(data)
        if option_id in chosen:
            chosen.remove(option_id)
        else:
            chosen.append(option_id)
        return {self.chosen_key: chosen}

    def searched(self, text: str | None) -> dict[str, Any] | None:
        """A typed search from its first page; None when nothing was typed."""
        query = search_text(text)
        return {self.query_key: query, self.page_key: 0} if query else None

    def paged(self, value: str) -> dict[str, Any] | None:
        """The page a button names; None when the value is not a page."""
        return {self.page_key: page} if (page := number(value)) is not None else None

    def everything(self) -> dict[str, Any]:
        """«Show all»: the search is drop, the first page."""
        return {self.query_key: "", self.page_key: 0}

    # --- the view ----------------------------------------------------------------------------

    def view(self, options: Sequence[Option], data: Mapping[str, Any]) -> PickerView:
        query = str(data.get(self.query_key, ""))
        found = matching(options, query)
        pages = max(1, -(-len(found) // self.page_size))
        page = min(max(int(data.get(self.page_key, 0)), 0), pages - 1)
        shown = found[page * self.page_size : (page + 1) * self.page_size]
        return PickerView(query, found, shown, page, pages)

    @staticmethod
    def status_lines(view: PickerView) -> list[str]:
        """The search result and the page number, when there is something to say."""
        lines = []
        if view.query:
            lines.append(
                _("Search «{query}», found: {count}").format(
                    query=view.query, count=len(view.found)
                )
                if view.found
                else _("Nothing found for «{query}». Type another part of the name.").format(
                    query=view.query
                )
            )
        if view.pages > 1:
            lines.append(_("Page {page} of {pages}").format(page=view.page + 1, pages=view.pages))
        return lines

    def keyboard(
        self,
        view: PickerView,
        chosen: Sequence[int],
        *,
        all_label: str,
        tail: Sequence[tuple[str, CallbackData]] = (),
        mark: Mark = checked,
    ) -> InlineKeyboardMarkup:
        """One option a row, then ◀️ ▶️, then «show all» (after a search) and `tail`, a row each."""
        builder = Keyboard()
        for option in view.shown:
            builder.button(
                text=fit(f"{mark(option.id, chosen)}{option.label}"),
                callback_data=self.make(self.toggle_step, str(option.id)),
            )
        builder.adjust(1)
        nav = Keyboard()
        if view.page > 0:
            nav.button(text="◀️", callback_data=self.make(self.page_step, str(view.page - 1)))
        if view.page + 1 < view.pages:
            nav.button(text="▶️", callback_data=self.make(self.page_step, str(view.page + 1)))
        builder.attach(nav)
        end = Keyboard()
        if view.query:
            end.button(text=all_label, callback_data=self.make(self.all_step, ""))
        for text, callback_data in tail:
            end.button(text=text, callback_data=callback_data)
        end.adjust(1)
        builder.attach(end)
        return builder.as_markup()


def nothing(_option_id: int, _chosen: Sequence[int]) -> str:
    """No mark: a list where a tap chooses one option and moves on."""
    return ""


def picked(options: Sequence[Option], chosen: Sequence[int]) -> list[str]:
    """Labels of the chosen options, in the order chosen (options gone meanwhile are skipped)."""
    by_id = {option.id: option.label for option in options}
    return [by_id[i] for i in chosen if i in by_id]


def department_options(departments: Sequence[Department]) -> list[Option]:
    """Each department in the reader's language; the search finds it by any of its names."""
    language = get_i18n().current_locale
    return [Option(d.id, d.label(language), d.spellings) for d in departments]


def person_label(person: Person) -> str:
    """«Омарова Д. М.»: a button fits a phone's width."""
    return person.short_name


def person_option(person: Person) -> Option:
    """A person's button «Омарова Д. М.», found by the full name or the position (in either
    language) as well."""
    positions = (p for p in (person.position_kk, person.position_ru) if p)
    return Option(
        person.id,
        person.short_name,
        also=tuple(dict.fromkeys(positions)),
        search=f"{person.full_name} {person.position}",
    )


async def switched(
    query: CallbackQuery, state: FSMContext, value: str, modes: Mapping[str, tuple[State, Picker]]
) -> Picker | None:
    """A dialog's lists switched (departments, people, …): the step of the mode a button names,
    its picker returned; None when the mode is forged (the tap answered as stale)."""
    if value not in modes:
        await stale(query)
        return None
    target, picker = modes[value]
    await state.set_state(target)
    return picker


View = Callable[[dict[str, Any]], Awaitable[tuple[str, InlineKeyboardMarkup]]]


async def redraw(
    target: Message | CallbackQuery, state: FSMContext, update: Mapping[str, Any], view: View
) -> None:
    """A picker's data updated (a toggle, a page, a search), and the list drawn again: in place
    for a tap, below a typed search."""
    data = await state.update_data(dict(update))
    if isinstance(target, CallbackQuery):
        await target.answer()
    await present(target, *await view(data))

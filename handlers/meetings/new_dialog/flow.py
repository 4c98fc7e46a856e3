"""Where the dialog that creates a meeting goes next: each step entered (its state set, its
prompt shown, with the reason when it is asked again), and the draft's side of the steps it
shares with the change dialog (`handlers.meetings.fields`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.meetings.rules import MAX_ITEMS, TEXT_MAX
from handlers.callbacks import MeetNewStep
from handlers.meetings import fields
from handlers.meetings.fields import Button, Markup
from handlers.meetings.new_dialog.draft import (
    CHAIR,
    DEPARTMENTS,
    ITEM_DEPARTMENT,
    LISTS,
    PEOPLE,
    MeetingStates,
    items_of,
    mn,
    with_reason,
)
from handlers.meetings.new_dialog.prompts import (
    agenda_so_far,
    chair_view,
    day_prompt,
    format_keyboard,
    format_prompt,
    item_department_header,
    item_title_prompt,
    link_prompt,
    more_view,
    place_prompt,
    skip_keyboard,
    speaker_prompt,
    time_keyboard,
    time_prompt,
)
from handlers.meetings.new_dialog.review import (
    confirm_keyboard,
    confirmation_view,
    recipients_view,
)
from handlers.pickers import Picker
from handlers.replies import present, stale
from storage.domain.meetings import MeetingFormat, MeetingKind
from storage.models import Department, Person
from storage.repo import Repos

Target = Message | CallbackQuery


async def go_day(target: Target, state: FSMContext, reason: str = "") -> None:
    await state.set_state(MeetingStates.day)
    data = await state.get_data()
    example = date.fromisoformat(str(data["example"]))
    await present(target, with_reason(reason, day_prompt(example)))


async def go_time(
    target: Target,
    state: FSMContext,
    ctx: services.Context,
    person: Person,
    day: date,
    reason: str = "",
) -> None:
    data = await state.update_data(day=day.isoformat())
    await state.set_state(MeetingStates.time)
    text = time_prompt(ctx, day, MeetingKind(data["kind"]), person.language.value)
    await present(target, with_reason(reason, text), time_keyboard())


async def go_format(target: Target, state: FSMContext, lead: str = "") -> None:
    """The format step; `lead`, the lines above its question (a typed time: the date and time
    chosen, as a tapped one leaves them on the time's message)."""
    await state.set_state(MeetingStates.format)
    await present(target, with_reason(lead, format_prompt()), format_keyboard())


async def go_chair(target: Target, state: FSMContext, repos: Repos, reason: str = "") -> None:
    await state.set_state(MeetingStates.chair)
    data = await state.update_data(CHAIR.fresh())
    text, markup = await chair_view(repos, data)
    await present(target, with_reason(reason, text), markup)


# The agenda item of a restricted meeting: its title stays on paper, never typed into the chat.
RESTRICTED_ITEM = "—"


async def go_item_title(target: Target, state: FSMContext, repos: Repos, reason: str = "") -> None:
    data = await state.get_data()
    if data.get("restricted"):  # only what may travel: the department preparing the materials
        await state.update_data(item_title=RESTRICTED_ITEM, item_speaker="")
        await fields.ask_department(target, state, repos, DraftItem(repos))
        return
    await state.set_state(MeetingStates.item_title)
    lines = await agenda_so_far(repos, data)
    text = "\n".join([*lines, item_title_prompt(len(items_of(data)) + 1)])
    await present(target, with_reason(reason, text))


async def go_more(target: Target, state: FSMContext, repos: Repos) -> None:
    await state.set_state(MeetingStates.item_more)
    text, markup = await more_view(repos, await state.get_data())
    await present(target, text, markup)


async def go_recipients(
    target: Target, state: FSMContext, ctx: services.Context, reason: str = ""
) -> None:
    """The departments first; the chair is among the people from the start (once)."""
    data = await state.get_data()
    if PEOPLE.chosen_key not in data:
        data = await state.update_data(
            {**DEPARTMENTS.fresh(), **LISTS.fresh(), PEOPLE.chosen_key: [int(data["chair"])]}
        )
    data = await state.update_data(DEPARTMENTS.everything())
    await state.set_state(MeetingStates.departments)
    text, markup = await recipients_view(ctx, data, "dep")
    await present(target, with_reason(reason, text), markup)


async def go_confirm(
    target: Target, state: FSMContext, ctx: services.Context, person: Person, reason: str = ""
) -> None:
    await state.set_state(MeetingStates.confirm)
    text = await confirmation_view(ctx, person, await state.get_data())
    await present(target, with_reason(reason, text), confirm_keyboard())


# --- the draft's side of the shared steps --------------------------------------------------------


class DraftWhere:
    """The format, place and link of the meeting being created; then the chair."""

    def __init__(self, repos: Repos) -> None:
        self.repos = repos
        self.place_state = MeetingStates.place
        self.link_state = MeetingStates.link

    def place_prompt(self) -> str:
        return place_prompt()

    def place_wrong(self, place: str) -> str:
        return (
            _("Type the place in at most {max} characters; yours has {count}.").format(
                max=TEXT_MAX, count=len(place)
            )
            if place
            else _("Type the place as text.")
        )

    def place_markup(self) -> Markup:
        return None

    def link_prompt(self) -> str:
        return link_prompt()

    def link_wrong(self, _link: str) -> str:
        return _(
            "This is not a link: type one address without spaces, for example zoom.us/j/123 "
            "(at most {max} characters)."
        ).format(max=TEXT_MAX)

    def link_markup(self) -> Markup:
        return None

    async def done(
        self, target: Target, state: FSMContext, _format: MeetingFormat, _place: str, _link: str
    ) -> None:
        """The draft has them already: the chair next."""
        await go_chair(target, state, self.repos)


class DraftItem:
    """An agenda item of the meeting being created: added to the draft's agenda."""

    def __init__(self, repos: Repos) -> None:
        self.repos = repos
        self.speaker_state = MeetingStates.item_speaker
        self.department_state = MeetingStates.item_department
        self.picker: Picker = ITEM_DEPARTMENT

    def title_wrong(self) -> str:
        return _(
            "An item's title must be {min} to {max} characters long; yours has {count}. "
            "Type it again."
        )

    def title_markup(self) -> Markup:
        return None

    def speaker_prompt(self, data: dict[str, Any]) -> str:
        return speaker_prompt(len(items_of(data)) + 1)

    def speaker_wrong(self) -> str:
        return _("Type the speaker in at most {max} characters, or press «Skip».").format(
            max=TEXT_MAX
        )

    def speaker_markup(self) -> Markup:
        return skip_keyboard(MeetNewStep.NO_SPEAKER)

    def department_header(self, data: dict[str, Any]) -> str:
        return item_department_header(data)

    def department_tail(self) -> Sequence[Button]:
        return [(_("➖ No materials needed"), mn(MeetNewStep.NO_MATERIALS))]

    async def added(
        self, query: CallbackQuery, state: FSMContext, department: Department | None
    ) -> None:
        data = await state.get_data()
        items: list[list[Any]] = [list(item) for item in data.get("items", [])]
        title = data.get("item_title")
        if not title or len(items) >= MAX_ITEMS:
            await stale(query)
            return
        department_id = None if department is None else department.id
        items.append([str(title), str(data.get("item_speaker", "")), department_id])
        await state.update_data(items=items, item_title=None, item_speaker=None)
        await query.answer()
        await go_more(query, state, self.repos)

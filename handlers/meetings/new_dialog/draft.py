"""The meeting being created: the dialog's states, its buttons' data, its pickers, and what is
read from the draft kept in the FSM data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.utils.i18n import gettext as _

from bot.meetings.rules import parse_time
from handlers.callbacks import MeetNewCallback, MeetNewStep
from handlers.pickers import Picker
from handlers.steps import numbered
from storage.domain.meetings import DistributionList

STEPS = 11
MESSAGE_MAX = 4000  # Telegram's limit is 4096 characters
NAMES_SHOWN = 40  # chosen names listed before «and N more»


class MeetingStates(StatesGroup):
    kind = State()
    title = State()
    day = State()
    time = State()
    format = State()
    place = State()
    link = State()
    restricted = State()
    chair = State()
    item_title = State()
    item_speaker = State()
    item_department = State()
    item_more = State()
    departments = State()  # the recipients, choosing departments
    people = State()  # the recipients, choosing people
    lists = State()  # the recipients, choosing saved distribution lists
    confirm = State()
    list_name = State()


def mn(step: str, value: str = "") -> MeetNewCallback:
    return MeetNewCallback(step=MeetNewStep(step), value=value)


def picker(toggle: MeetNewStep, chosen_key: str) -> Picker:
    return Picker(
        mn,
        toggle_step=toggle,
        page_step=MeetNewStep.PAGE,
        all_step=MeetNewStep.ALL,
        chosen_key=chosen_key,
    )


# The pickers share the search and the page; each starts afresh when it is shown.
CHAIR = picker(MeetNewStep.CHAIR, "chair_pick")
ITEM_DEPARTMENT = picker(MeetNewStep.ITEM_DEPARTMENT, "idep_pick")
DEPARTMENTS = picker(MeetNewStep.DEPARTMENT, "rdeps")
PEOPLE = picker(MeetNewStep.PERSON, "rpeople")
LISTS = picker(MeetNewStep.LIST, "rlists")
MODES: dict[str, tuple[State, Picker]] = {
    "dep": (MeetingStates.departments, DEPARTMENTS),
    "per": (MeetingStates.people, PEOPLE),
    "lst": (MeetingStates.lists, LISTS),
}
PICKER_OF_STATE: dict[str | None, Picker] = {
    MeetingStates.chair.state: CHAIR,
    MeetingStates.item_department.state: ITEM_DEPARTMENT,
    MeetingStates.departments.state: DEPARTMENTS,
    MeetingStates.people.state: PEOPLE,
    MeetingStates.lists.state: LISTS,
}
MODE_OF_STATE = {target.state: mode for mode, (target, _picker) in MODES.items()}


async def picker_of(state: FSMContext) -> Picker:
    return PICKER_OF_STATE.get(await state.get_state(), DEPARTMENTS)


# --- pure helpers -------------------------------------------------------------------------------


def step(number: int, text: str) -> str:
    return numbered(number, STEPS, text)


def time_value(moment: time) -> str:
    """A time in a button's callback data (no «:», the data's separator)."""
    return moment.strftime("%H%M")


def time_from_value(value: str) -> time | None:
    if len(value) != 4 or not value.isdigit():
        return None
    return parse_time(f"{value[:2]}:{value[2:]}")


def with_reason(reason: str, text: str) -> str:
    return f"{reason}\n\n{text}" if reason else text


def names_line(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += " " + _("and {count} more").format(count=len(names) - NAMES_SHOWN)
    return shown


def clip(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def items_of(data: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    return [
        (str(title), str(speaker), None if department is None else int(department))
        for title, speaker, department in data.get("items", [])
    ]


def draft_agenda_lines(
    items: Sequence[tuple[str, str, int | None]], departments: dict[int, str], limit: int | None
) -> list[str]:
    lines = []
    for position, (title, speaker, department_id) in enumerate(items, start=1):
        line = f"{position}. {clip(title, limit)}"
        details = [clip(speaker, limit)] if speaker else []
        if department_id is not None:
            details.append(departments.get(department_id, "?"))
        if details:
            line += f" — {', '.join(details)}"
        lines.append(line)
    return lines


def fitted(build: Callable[[int | None], str]) -> str:
    """The text in full, or with the long titles clipped when it would not fit a message."""
    text: str = build(None)
    for limit in (80, 40):
        if len(text) <= MESSAGE_MAX:
            break
        text = build(limit)
    return text[:MESSAGE_MAX]


def day_of(data: dict[str, Any]) -> date:
    return date.fromisoformat(str(data["day"]))


def starts_of(data: dict[str, Any]) -> datetime:
    return datetime.combine(day_of(data), time.fromisoformat(data["time"]))


def list_people(lists: Sequence[DistributionList], list_id: int) -> list[int]:
    found = next((item for item in lists if item.id == list_id), None)
    return [] if found is None else [person_id for person_id, _member in found.entries]

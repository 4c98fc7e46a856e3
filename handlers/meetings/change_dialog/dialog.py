"""The change dialog's own ground: its states, its buttons' data («{meeting}.{value}»), the
meeting it is about (still changeable, or the dialog ends), and a change applied through
bot.meetings.steps with what changed (or why not) shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import services
from bot.meetings import steps as meeting_services
from bot.meetings.rules import MeetingRefusal
from handlers.callbacks import MeetCallback, MeetChangeCallback, MeetChangeStep, number
from handlers.meetings.cards import change_lines, meeting_title
from handlers.meetings.lookup import changeable
from handlers.refusals import refusal_text
from handlers.replies import present
from handlers.steps import column
from storage.domain.meetings import Meeting, MeetingChange
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

Target = Message | CallbackQuery


class ChangeStates(StatesGroup):
    when = State()  # the date and time (or the date alone)
    time = State()  # the time, after the date alone
    fmt = State()  # the format, by buttons
    place = State()
    link = State()
    item_title = State()
    item_speaker = State()
    item_department = State()
    remove = State()


def mc(meeting_id: int, step: str, value: str = "") -> MeetChangeCallback:
    return MeetChangeCallback(step=MeetChangeStep(step), value=f"{meeting_id}.{value}")


def split_value(value: str) -> tuple[int, str] | None:
    """«{meeting}.{value}» → (meeting, value); None when forged."""
    head, dot, rest = value.partition(".")
    return (key, rest) if dot and (key := number(head)) is not None else None


def back(meeting_id: int) -> tuple[str, MeetCallback]:
    """«↩️ Back» to the change menu."""
    return _("↩️ Back"), MeetCallback(action="chg", id=meeting_id)


def to_menu(meeting_id: int) -> InlineKeyboardMarkup:
    return column([back(meeting_id)])


class Tap(NamedTuple):
    """A dialog button: the meeting, the step and the value it carries."""

    meeting_id: int
    step: MeetChangeStep
    value: str


async def dialog_tap(
    _query: CallbackQuery, callback_data: MeetChangeCallback, state: FSMContext
) -> dict[str, Tap] | bool:
    """A filter: the button is for the meeting the dialog is about; the handler gets it as
    `tap`. A forged or stale one falls through to the catch-all («no longer valid»)."""
    found = split_value(callback_data.value)
    if found is None or (await state.get_data()).get("meeting") != found[0]:
        return False
    return {"tap": Tap(found[0], callback_data.step, found[1])}


class Changing:
    """The meeting being changed (by its id), by whom, in which step context: what the shared
    steps need to apply their answer."""

    def __init__(self, meeting_id: int, person: Person, ctx: services.Context) -> None:
        self.meeting_id = meeting_id
        self.person = person
        self.ctx = ctx


async def still_changeable(ctx: services.Context, state: FSMContext, meeting_id: int) -> Meeting:
    """The dialog's meeting, if it can still be changed; else the dialog ends (Refused)."""
    try:
        return await changeable(ctx, meeting_id)
    except Refused:
        await state.clear()
        raise


async def typed_meeting(state: FSMContext, repos: Repos) -> Meeting:
    """The dialog's meeting for a typed step; the dialog ends (Refused) when it is gone."""
    data = await state.get_data()
    meeting = await repos.meetings.get(int(data.get("meeting", 0)))
    if meeting is None:
        await state.clear()
        raise Refused(MeetingRefusal.NOT_FOUND)
    return meeting


# --- applying a change --------------------------------------------------------------------------


def agenda_change_lines(meeting: Meeting, old: Sequence[str], new: Sequence[str]) -> list[str]:
    if meeting.restricted:
        return [
            ngettext(
                "The agenda has changed: {count} item now.",
                "The agenda has changed: {count} items now.",
                len(new),
            ).format(count=len(new))
        ]
    added = Counter(new) - Counter(old)
    removed = Counter(old) - Counter(new)
    lines = [_("Agenda item added: {title}").format(title=t) for t in added.elements()]
    lines += [_("Agenda item removed: {title}").format(title=t) for t in removed.elements()]
    return lines or [_("The agenda has changed.")]


def result_text(
    before: Meeting,
    after: Meeting,
    changes: dict[str, list[Any]],
    ctx: services.Context,
    person: Person,
    extra: Sequence[str] = (),
) -> str:
    language = person.language.value
    lines = [_("✅ Changed: {title}").format(title=meeting_title(after))]
    details = {k: v for k, v in changes.items() if k != "agenda"}
    lines += change_lines(
        MeetingChange(after.id, after.version, details, ctx.now, person.code), language
    )
    if "agenda" in changes:
        old, new = changes["agenda"]
        lines += agenda_change_lines(after, old, new)
    lines += extra
    lines.append("")
    if after.version != before.version:
        lines.append(
            ngettext(
                "The agenda had already gone out: its {count} recipient gets the change and is "
                "asked to confirm attendance again.",
                "The agenda had already gone out: all {count} recipients get the change and "
                "are asked to confirm attendance again.",
                len(after.recipients),
            ).format(count=len(after.recipients))
        )
    else:
        lines.append(
            _("The agenda has not gone out yet: the recipients will get the changed version.")
        )
    return "\n".join(lines)


def result_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    return column(
        [
            (_("✏️ Change something else"), MeetCallback(action="chg", id=meeting_id)),
            (_("📋 Open the meeting"), MeetCallback(action="open", id=meeting_id)),
        ]
    )


async def nothing_changed(target: Target, state: FSMContext, text: str) -> None:
    data = await state.get_data()
    await state.clear()
    await present(target, text, result_keyboard(data["meeting"]))


async def apply(
    target: Target,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    meeting_id: int,
    *,
    extra: Sequence[str] = (),
    **change: Any,
) -> None:
    """One change through the service; the dialog ends with what changed (or why not)."""
    before = await ctx.repos.meetings.get(meeting_id)
    await state.clear()
    try:
        after, changes = await meeting_services.change_meeting(ctx, person, meeting_id, **change)
    except Refused as error:
        await present(
            target, refusal_text(error, person.language.value), result_keyboard(meeting_id)
        )
        return
    assert before is not None  # the service found it
    if not changes:
        await present(
            target,
            _("Nothing changed: the meeting already reads so."),
            result_keyboard(meeting_id),
        )
        return
    await present(
        target, result_text(before, after, changes, ctx, person, extra), result_keyboard(after.id)
    )

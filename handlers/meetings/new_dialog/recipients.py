"""The dialog that creates a meeting: its recipients (departments, people, saved distribution
lists, «all akimat members») and the searchable, paged lists of the dialog (the chair, an
item's department, the recipients)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.meetings.rules import MeetingRefusal
from bot.middlewares import Tap
from handlers.callbacks import MeetNewCallback
from handlers.meetings import fields
from handlers.meetings.new_dialog.draft import (
    DEPARTMENTS,
    MODE_OF_STATE,
    MODES,
    PEOPLE,
    MeetingStates,
    picker_of,
)
from handlers.meetings.new_dialog.flow import DraftItem, Target, go_confirm
from handlers.meetings.new_dialog.prompts import chair_view
from handlers.meetings.new_dialog.review import members_of_akimat, recipient_flags, recipients_view
from handlers.meetings.refusals import creation_refusal
from handlers.pickers import View, redraw, switched
from handlers.replies import refuse, stale
from handlers.steps import button_record
from storage.domain.refusals import Refused
from storage.models import Department, Person
from storage.repo import Repos

Fetch = Callable[[int], Awaitable[Department | Person | None]]


async def drawn(
    target: Target, state: FSMContext, ctx: services.Context, update: dict[str, Any]
) -> None:
    """The list of the current step drawn again with `update` applied."""
    current = await state.get_state()
    view: View
    if current == MeetingStates.chair.state:
        view = partial(chair_view, ctx.repos)
    elif current == MeetingStates.item_department.state:
        view = partial(fields.department_view, ctx.repos, DraftItem(ctx.repos))
    else:
        mode = MODE_OF_STATE.get(current, "dep")

        async def view(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
            return await recipients_view(ctx, data, mode)

    await redraw(target, state, update, view)


async def on_search(message: Message, state: FSMContext, ctx: services.Context) -> None:
    picker = await picker_of(state)
    searched = picker.searched(message.text)
    if searched is None:
        await message.answer(_("Type part of a name, or use the buttons."))
        return
    await drawn(message, state, ctx, searched)


async def on_page(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    paged = (await picker_of(tap.state)).paged(tap.button.value)
    if paged is None:
        await stale(query)
        return
    await drawn(query, tap.state, tap.ctx, paged)


async def on_show_all(query: CallbackQuery, state: FSMContext, ctx: services.Context) -> None:
    picker = await picker_of(state)
    await drawn(query, state, ctx, picker.everything())


# --- the recipients -----------------------------------------------------------------------------


async def on_toggle(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    """A department or a person tapped: among the recipients now, or taken off."""
    picker = await picker_of(tap.state)
    staff = tap.ctx.repos.staff
    fetch: Fetch = staff.department if picker is DEPARTMENTS else staff.get
    found: Department | Person | None = await button_record(query, tap.button.value, fetch)
    if found is None:
        return
    await drawn(query, tap.state, tap.ctx, picker.toggled(await tap.state.get_data(), found.id))


def with_or_without(chosen: list[int], group: Sequence[int]) -> list[int]:
    """Everyone of the group added, or (when all were in already) taken off."""
    if group and all(p in chosen for p in group):
        return [p for p in chosen if p not in group]
    return chosen + [p for p in group if p not in chosen]


async def existing_people(repos: Repos, ids: Sequence[int]) -> list[Person]:
    """The people still in the staff directory, in the order given."""
    found = []
    for person_id in ids:
        person = await repos.staff.get(person_id)
        if person is not None:
            found.append(person)
    return found


async def on_toggle_list(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    found = await button_record(query, tap.button.value, tap.ctx.repos.meetings.distribution_list)
    if found is None:
        return
    people = [p.id for p in await existing_people(tap.ctx.repos, [p for p, _m in found.entries])]
    chosen = with_or_without(PEOPLE.chosen(await tap.state.get_data()), people)
    await drawn(query, tap.state, tap.ctx, {PEOPLE.chosen_key: chosen})


async def on_all_members(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    members = await members_of_akimat(tap.ctx.repos)
    if not members:
        await refuse(query, _("Nobody in the staff directory has the role «akimat member»."))
        return
    chosen = with_or_without(PEOPLE.chosen(await tap.state.get_data()), members)
    await drawn(query, tap.state, tap.ctx, {PEOPLE.chosen_key: chosen})


async def on_mode(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    picker = await switched(query, tap.state, tap.button.value, MODES)
    if picker is not None:
        await drawn(query, tap.state, tap.ctx, picker.everything())


async def on_recipients_done(query: CallbackQuery, tap: Tap[MeetNewCallback]) -> None:
    data = await tap.state.get_data()
    if not DEPARTMENTS.chosen(data) and not PEOPLE.chosen(data):
        await refuse(
            query,
            _("Choose at least one recipient: a department, a person or a distribution list."),
        )
        return
    if not await recipient_flags(tap.ctx, data):
        no_one = Refused(MeetingRefusal.NO_RECIPIENTS)
        await refuse(query, creation_refusal(no_one, tap.person.language.value))
        return
    await query.answer()
    await go_confirm(query, tap.state, tap.ctx, tap.person)

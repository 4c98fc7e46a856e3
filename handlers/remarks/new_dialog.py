"""The initiator's dialog that starts a «замечаний нет» round: «➕ New round» under /remarks.

Subject → restricted (ДСП)? → documents (files; skipped for a restricted round) → addressees
(departments, whose heads answer, and people: two paged pickers with a search) → due date (the
profile's period, or typed) → a confirmation → the requests are queued for delivery.
Every wrong answer is re-asked with the reason; /cancel (handlers.common) leaves at any step.
Buttons act only in their own step: a stale or forged one falls through to the catch-all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.i18n import date_with_weekday
from bot.middlewares import for_roles
from bot.profiles import Profile
from bot.remarks import steps as remark_steps
from bot.remarks.rules import (
    MAX_FILES,
    MAY_START,
    SUBJECT_MAX,
    SUBJECT_MIN,
    check_due,
    default_due,
)
from handlers.callbacks import RemarkCallback, RoundNewCallback, RoundStep
from handlers.pickers import Picker
from handlers.refusals import refusal_text
from handlers.remarks.round_views import (
    DEPARTMENTS,
    PEOPLE,
    addressees_view,
    chosen_lines,
    confirmation_view,
    department_options,
    documents_keyboard,
    documents_prompt,
    documents_received,
    due_keyboard,
    due_prompt,
    files_of,
    people_options,
    person_label,
    picked,
    rn,
    send_keyboard,
    step,
    subject_prompt,
)
from handlers.replies import Reply, refuse, show, stale
from handlers.steps import (
    Draw,
    after,
    button_day,
    department_of,
    drop,
    offer_keyboard,
    present,
    redraw,
    restricted_keyboard,
    search,
    take_file,
    turn_page,
    typed_deadline,
    typed_text,
    use_buttons,
    yes_or_no,
)
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

# handlers.meetings.new_dialog still imports department_options, person_label and picked from
# here (they live in handlers.remarks.round_views now).
__all__ = ["RoundStates", "create_router", "department_options", "person_label", "picked"]


class RoundStates(StatesGroup):
    subject = State()
    restricted = State()
    documents = State()
    departments = State()  # the addressees, choosing departments
    people = State()  # the addressees, choosing people
    due = State()
    confirm = State()


MODES = {"dep": (RoundStates.departments, DEPARTMENTS), "per": (RoundStates.people, PEOPLE)}


# --- small I/O helpers --------------------------------------------------------------------------


async def addressee_count(ctx: services.Context, data: dict[str, Any]) -> int:
    found = await remark_steps.round_addressees(ctx, DEPARTMENTS.chosen(data), PEOPLE.chosen(data))
    return len(found)


async def ask_due(
    message: Reply, state: FSMContext, ctx: services.Context, person: Person, reason: str = ""
) -> None:
    await state.set_state(RoundStates.due)
    await message.answer(
        after(reason, due_prompt()),
        reply_markup=due_keyboard(
            default_due(ctx.profile, ctx.calendar, ctx.today), person.language.value
        ),
    )


async def go_addressees(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    reason: str = "",
) -> None:
    await state.set_state(RoundStates.departments)
    data = await state.update_data(DEPARTMENTS.fresh(), **PEOPLE.fresh())
    text, markup = await addressees_view(repos, person, data, "dep")
    await present(target, after(reason, text), markup)


async def go_confirm(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
    due: date,
) -> None:
    data = await state.update_data(due=due.isoformat())
    await state.set_state(RoundStates.confirm)
    count = await addressee_count(ctx, data)
    text = await confirmation_view(ctx, person, data, due, count)
    await present(target, text, send_keyboard())


async def picker_of(state: FSMContext, person: Person, repos: Repos) -> tuple[Picker, Draw]:
    """The picker on screen (departments or people) and how to draw it."""
    current = await state.get_state()
    mode = "per" if current == RoundStates.people.state else "dep"

    async def draw(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
        return await addressees_view(repos, person, data, mode)

    return MODES[mode][1], draw


# --- the steps ----------------------------------------------------------------------------------


async def on_new(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(RoundStates.subject)
    await query.answer()
    if query.message is not None:
        await query.message.answer(subject_prompt())


async def on_subject(message: Message, state: FSMContext) -> None:
    wrong = _(
        "The subject must be {min} to {max} characters long; yours has {count}. Type it again."
    )
    subject = await typed_text(message, SUBJECT_MIN, SUBJECT_MAX, wrong)
    if subject is None:
        return
    await state.update_data(subject=subject, files=[])
    await state.set_state(RoundStates.restricted)
    await message.answer(
        step(
            2,
            _(
                "Is the material restricted (ДСП, for official use only)? Then the bot sends "
                "the addressees only the round's number and due date, never its subject or "
                "files, and they look at the paper copy."
            ),
        ),
        reply_markup=restricted_keyboard(rn),
    )


async def on_restricted(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    restricted = await yes_or_no(query, callback_data.value)
    if restricted is None:
        return
    await state.update_data(restricted=restricted, files=[])
    await query.answer()
    if restricted:
        await go_addressees(query, state, person, repos)
        return
    await state.set_state(RoundStates.documents)
    await show(query, documents_prompt(), documents_keyboard(has_files=False))


async def on_document(message: Message, state: FSMContext) -> None:
    keyboard = documents_keyboard(has_files=True)
    await take_file(message, state, MAX_FILES, keyboard, documents_received)


async def on_not_a_document(message: Message, state: FSMContext) -> None:
    has_files = bool((await state.get_data()).get("files"))
    await message.answer(
        _("Send the documents as files (📎 → File), or press a button below."),
        reply_markup=documents_keyboard(has_files),
    )


async def on_documents_done(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    if callback_data.value not in {"done", "none"}:
        await stale(query)
        return
    if callback_data.value == "none":
        await state.update_data(files=[])
    await query.answer()
    await go_addressees(query, state, person, repos)


async def on_search(message: Message, state: FSMContext, person: Person, repos: Repos) -> None:
    picker, draw = await picker_of(state, person, repos)
    await search(message, state, picker, draw, _("Type part of a name, or use the buttons."))


async def toggle(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    picker: Picker,
    chosen: int,
) -> None:
    _picker, draw = await picker_of(state, person, repos)
    await redraw(query, state, picker.toggled(await state.get_data(), chosen), draw)


async def on_toggle_department(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    department = await department_of(query, repos, callback_data.value)
    if department is not None:
        await toggle(query, state, person, repos, DEPARTMENTS, department.id)


async def on_toggle_person(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    other = (
        await repos.staff.get(int(callback_data.value)) if callback_data.value.isdigit() else None
    )
    if other is None or other.id == person.id:
        await stale(query)
        return
    await toggle(query, state, person, repos, PEOPLE, other.id)


async def on_page(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    picker, draw = await picker_of(state, person, repos)
    await turn_page(query, state, picker, callback_data.value, draw)


async def on_show_all(
    query: CallbackQuery, state: FSMContext, person: Person, repos: Repos
) -> None:
    picker, draw = await picker_of(state, person, repos)
    await redraw(query, state, picker.everything(), draw)


async def on_mode(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    if callback_data.value not in MODES:
        await stale(query)
        return
    target, picker = MODES[callback_data.value]
    await state.set_state(target)
    _picker, draw = await picker_of(state, person, repos)
    await redraw(query, state, picker.everything(), draw)


async def on_addressees_done(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    ctx: services.Context,
) -> None:
    data = await state.get_data()
    if not DEPARTMENTS.chosen(data) and not PEOPLE.chosen(data):
        await refuse(
            query,
            _(
                "Choose at least one addressee: tap a department or, under «Choose people», "
                "a person."
            ),
        )
        return
    if not await addressee_count(ctx, data):
        await refuse(
            query,
            _(
                "Nobody would receive the request: the chosen departments have no head in the "
                "staff directory. Choose other addressees."
            ),
        )
        return
    await state.set_state(RoundStates.due)
    await query.answer()
    departments = department_options(await repos.staff.departments())
    people = await people_options(repos, person)
    lines = chosen_lines(
        picked(departments, DEPARTMENTS.chosen(data)), picked(people, PEOPLE.chosen(data))
    )
    await show(
        query,
        "\n".join([*lines, "", due_prompt()]),
        due_keyboard(default_due(profile, ctx.calendar, ctx.today), person.language.value),
    )


async def on_due_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    due = await typed_deadline(
        message,
        person.language.value,
        lambda typed: check_due(ctx.calendar, ctx.today, typed),
        offer=lambda day: offer_keyboard(day, rn(RoundStep.DUE, day.isoformat())),
    )
    if due is not None:
        await go_confirm(message, state, person, ctx, due)


async def on_due_button(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    ctx: services.Context,
) -> None:
    chosen = await button_day(query, callback_data.value)
    if chosen is None:
        return
    due = check_due(ctx.calendar, ctx.today, chosen)
    await query.answer()
    await go_confirm(query, state, person, ctx, due)


async def on_send(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    data = await state.get_data()
    try:
        subject = str(data["subject"])
        restricted = bool(data["restricted"])
        due = date.fromisoformat(str(data["due"]))
        files = [] if restricted else files_of(data)
    except (KeyError, ValueError, TypeError):
        await state.clear()
        await stale(query)
        return
    if query.message is None:
        await stale(query)
        return
    await state.set_state(None)  # a second tap on «Send» finds no dialog
    if not await addressee_count(ctx, data):
        await query.answer()
        await go_addressees(
            query,
            state,
            person,
            repos,
            _(
                "Nobody would receive the request: the chosen departments have no head in the "
                "staff directory. Choose other addressees."
            ),
        )
        return
    try:
        item = await remark_steps.start_round(
            ctx,
            person,
            subject=subject,
            restricted=restricted,
            due=due,
            files=files,
            department_ids=DEPARTMENTS.chosen(data),
            person_ids=PEOPLE.chosen(data),
        )
    except Refused as error:  # the due date passed meanwhile: asked again
        await query.answer()
        await ask_due(
            query.message, state, ctx, person, refusal_text(error, person.language.value)
        )
        return
    await state.clear()
    await query.answer(_("Sent."))
    count = len(item.addressees)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📋 Open the sheet"), callback_data=RemarkCallback(action="sheet", id=item.id)
    )
    await show(
        query,
        ngettext(
            "Round No. {id} is sent to {count} addressee. Answers are expected by {date}.",
            "Round No. {id} is sent to {count} addressees. Answers are expected by {date}.",
            count,
        ).format(id=item.id, count=count, date=date_with_weekday(item.due, person.language.value)),
        builder.as_markup(),
    )


def create_router() -> Router:
    router = for_roles(Router(name=__name__), MAY_START)
    states = RoundStates
    text = ~F.text.startswith("/")
    choosing = StateFilter(states.departments, states.people)
    msg = router.message
    msg.register(on_subject, states.subject, text)
    msg.register(on_document, states.documents, F.document)
    msg.register(on_not_a_document, states.documents, text)
    msg.register(on_search, choosing, text)
    msg.register(on_due_typed, states.due, text)
    for waiting in (states.restricted, states.confirm):
        msg.register(use_buttons, waiting, text)
    cb = router.callback_query
    new = RoundNewCallback.filter
    cb.register(on_new, RemarkCallback.filter(F.action == "new"))
    cb.register(on_restricted, states.restricted, new(F.step == RoundStep.RESTRICTED))
    cb.register(on_documents_done, states.documents, new(F.step == RoundStep.DOCUMENTS))
    cb.register(on_toggle_department, states.departments, new(F.step == RoundStep.DEPARTMENT))
    cb.register(on_toggle_person, states.people, new(F.step == RoundStep.PERSON))
    cb.register(on_page, choosing, new(F.step == RoundStep.PAGE))
    cb.register(on_show_all, choosing, new(F.step == RoundStep.ALL))
    cb.register(on_mode, choosing, new(F.step == RoundStep.MODE))
    cb.register(on_addressees_done, choosing, new(F.step == RoundStep.DONE))
    cb.register(on_due_button, states.due, new(F.step == RoundStep.DUE))
    cb.register(on_send, states.confirm, new(F.step == RoundStep.OK))
    cb.register(drop, states.confirm, new(F.step == RoundStep.NO))
    return router

"""The initiator's dialog that starts a «замечаний нет» round: «➕ New round» under /remarks.

Restricted (ДСП)? (before any content) → subject (a restricted round: the document's registration
number instead, what may travel) → kind (of
draft, or «замечаний нет» on an assignment or request) → documents (files; skipped for a
restricted round) → addressees
(departments, whose heads answer, and people: two paged pickers with a search) → due date (the
profile's period for the kind, or typed; a date shorter than the regulation's is confirmed)
→ a confirmation → the requests are queued for delivery.
A wrong answer is re-asked with the reason, /cancel leaves, a stale button is stale: as in every
wizard (handlers.steps).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.i18n import date_with_weekday
from bot.middlewares import for_roles
from bot.remarks import rules
from bot.remarks import steps as remark_steps
from bot.services import Context
from handlers import steps
from handlers.callbacks import RemarkCallback, RoundNewCallback, RoundStep, number
from handlers.keyboards import Keyboard
from handlers.pickers import Picker, department_options, person_label
from handlers.refusals import refusal_text
from handlers.remarks import round_views as views
from handlers.remarks.round_views import picked
from handlers.replies import Reply, present, refuse, show
from storage.domain.refusals import Refused
from storage.domain.remarks import RoundKind
from storage.models import Person
from storage.repo import Repos

# handlers.meetings.new_dialog still imports department_options, person_label and picked from
# here (they live in handlers.pickers and handlers.remarks.round_views now).
PICKING = {RoundStep.DEPARTMENT, RoundStep.PERSON, RoundStep.PAGE, RoundStep.ALL}
__all__ = ["RoundStates", "create_router", "department_options", "person_label", "picked"]


class RoundStates(StatesGroup):
    restricted = State()
    subject = State()
    number = State()  # a restricted round's document registration number
    kind = State()
    documents = State()
    departments = State()  # the addressees, choosing departments
    people = State()  # the addressees, choosing people
    due = State()
    confirm = State()


# What a restricted round keeps as its subject: its content is never typed into the chat.
RESTRICTED_SUBJECT = "—"

MODES = {
    "dep": (RoundStates.departments, views.DEPARTMENTS),
    "per": (RoundStates.people, views.PEOPLE),
}


# --- small I/O helpers --------------------------------------------------------------------------


async def addressee_count(ctx: Context, data: dict[str, Any]) -> int:
    found = await remark_steps.round_addressees(
        ctx, views.DEPARTMENTS.chosen(data), views.PEOPLE.chosen(data)
    )
    return len(found)


def kind_of(data: dict[str, Any]) -> RoundKind:
    return RoundKind(data.get("kind", rules.DEFAULT_KIND))


def regular_due_keyboard(ctx: Context, data: dict[str, Any]) -> InlineKeyboardMarkup:
    """The button with the regulation's due date for the round's kind."""
    regular = rules.default_due(ctx.profile, ctx.calendar, ctx.today, kind_of(data))
    return views.due_keyboard(regular)


async def ask_due(
    message: Reply,
    state: FSMContext,
    ctx: Context,
    person: Person,  # noqa: ARG001 (the callers pass it)
    reason: str = "",
) -> None:
    await state.set_state(RoundStates.due)
    data = await state.get_data()
    await message.answer(
        steps.after(reason, views.due_prompt(bool(data.get("restricted")))),
        reply_markup=regular_due_keyboard(ctx, data),
    )


async def go_addressees(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    reason: str = "",
) -> None:
    await state.set_state(RoundStates.departments)
    data = await state.update_data(views.DEPARTMENTS.fresh(), **views.PEOPLE.fresh())
    text, markup = await views.addressees_view(repos, person, data, "dep")
    await present(target, steps.after(reason, text), markup)


async def go_confirm(
    target: Message | CallbackQuery, state: FSMContext, person: Person, ctx: Context, due: date
) -> None:
    data = await state.update_data(due=due.isoformat())
    await state.set_state(RoundStates.confirm)
    count = await addressee_count(ctx, data)
    text = await views.confirmation_view(ctx, person, data, due, count)
    await present(target, text, views.send_keyboard())


async def picker_of(
    state: FSMContext, person: Person, repos: Repos
) -> tuple[Picker, steps.Draw, steps.Find]:
    """The picker on screen (departments or people), how to draw it and to find its options."""
    current = await state.get_state()
    mode = "per" if current == RoundStates.people.state else "dep"

    async def draw(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
        return await views.addressees_view(repos, person, data, mode)

    async def someone(value: str) -> int | None:
        """Anyone still in the staff directory but the initiator."""
        other = await repos.staff.get(key) if (key := number(value)) is not None else None
        if other is None or not other.active or other.id == person.id:
            return None
        return other.id

    async def answering(value: str) -> int | None:
        """A department whose head (or acting head) answers: one without a head is not
        offered (its staff are chosen by name)."""
        headed = {d.id for d in await repos.staff.headed_departments()}
        return key if (key := number(value)) in headed else None

    return MODES[mode][1], draw, someone if mode == "per" else answering


# --- the steps ----------------------------------------------------------------------------------


async def on_new(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(RoundStates.restricted)  # before any content
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            views.restricted_prompt(), reply_markup=steps.restricted_keyboard(views.rn)
        )


async def on_restricted(query: CallbackQuery, value: str, state: FSMContext) -> None:
    """A restricted round's subject and documents are never typed into the chat: the document's
    registration number next."""
    restricted = await steps.take_restricted(query, state, value, files=[])
    if restricted is None:
        return
    if restricted:
        await state.update_data(subject=RESTRICTED_SUBJECT)
        await state.set_state(RoundStates.number)
        await show(query, views.number_prompt())
        return
    await state.set_state(RoundStates.subject)
    await show(query, views.subject_prompt())


async def on_subject(message: Message, state: FSMContext) -> None:
    wrong = _(
        "The subject must be {min} to {max} characters long; yours has {count}. Type it again."
    )
    subject = await steps.typed_text(
        message, rules.SUBJECT_MIN, rules.SUBJECT_MAX, wrong, lines=True
    )
    if subject is None:
        return
    await state.update_data(subject=subject, files=[])
    await state.set_state(RoundStates.kind)
    await message.answer(views.kind_prompt(), reply_markup=views.kind_keyboard())


async def on_number(message: Message, state: FSMContext) -> None:
    number = rules.reg_number_of(message.text or "")
    if number is None:
        await message.answer(
            _(
                "The registration number must be one line of 1 to {max} characters. Type it again."
            ).format(max=rules.REG_NUMBER_MAX)
        )
        return
    await state.update_data(reg_number=number)
    await state.set_state(RoundStates.kind)
    await message.answer(views.kind_prompt(restricted=True), reply_markup=views.kind_keyboard())


async def on_kind(
    query: CallbackQuery, value: str, state: FSMContext, person: Person, repos: Repos
) -> None:
    data = await state.update_data(kind=RoundKind(value).value)
    await query.answer()
    if data.get("restricted"):
        await go_addressees(query, state, person, repos)
        return
    await state.set_state(RoundStates.documents)
    await show(query, views.documents_prompt(), views.documents_keyboard(has_files=False))


async def on_document(message: Message, state: FSMContext) -> None:
    keyboard = views.documents_keyboard(has_files=True)
    await steps.take_file(message, state, rules.MAX_FILES, keyboard, views.documents_received)


async def on_not_a_document(message: Message, state: FSMContext) -> None:
    has_files = bool((await state.get_data()).get("files"))
    await message.answer(
        _("Send the documents as files (📎 → File), or press a button below."),
        reply_markup=views.documents_keyboard(has_files),
    )


async def on_documents_done(
    query: CallbackQuery, value: str, state: FSMContext, person: Person, repos: Repos
) -> None:
    if value == "none":
        await state.update_data(files=[])
    await query.answer()
    await go_addressees(query, state, person, repos)


async def on_search(message: Message, state: FSMContext, person: Person, repos: Repos) -> None:
    picker, draw, _find = await picker_of(state, person, repos)
    await steps.search(message, state, picker, draw, _("Type part of a name, or use the buttons."))


async def on_pick(
    query: CallbackQuery, step: str, value: str, state: FSMContext, person: Person, repos: Repos
) -> None:
    """A department or a person (toggled), a page, or «show all»."""
    picker, draw, find = await picker_of(state, person, repos)
    await steps.pick(query, state, picker, step, value, draw, find)


async def on_mode(
    query: CallbackQuery, value: str, state: FSMContext, person: Person, repos: Repos
) -> None:
    target, picker = MODES[value]
    await state.set_state(target)
    _picker, draw, _find = await picker_of(state, person, repos)
    await steps.redraw(query, state, picker.everything(), draw)


async def on_addressees_done(
    query: CallbackQuery, state: FSMContext, person: Person, ctx: Context
) -> None:
    repos = ctx.repos
    data = await state.get_data()
    if not views.DEPARTMENTS.chosen(data) and not views.PEOPLE.chosen(data):
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
    people = await views.people_options(repos, person)
    lines = views.chosen_lines(
        picked(departments, views.DEPARTMENTS.chosen(data)),
        picked(people, views.PEOPLE.chosen(data)),
    )
    await show(
        query,
        "\n".join([*lines, "", views.due_prompt(bool(data.get("restricted")))]),
        regular_due_keyboard(ctx, data),
    )


async def confirm_or_shorter(
    target: Message | CallbackQuery, state: FSMContext, person: Person, ctx: Context, due: date
) -> None:
    """A due date before the regulation's period for the kind is confirmed first."""
    data = await state.get_data()
    kind = kind_of(data)
    regular = rules.shorter_than_regulation(ctx.profile, ctx.calendar, ctx.today, kind, due)
    if regular is None:
        await go_confirm(target, state, person, ctx, due)
        return
    text, markup = views.shorter_view(
        kind,
        due,
        regular,
        rules.due_paragraphs(ctx.profile),
        person.language.value,
        bool(data.get("restricted")),
    )
    await present(target, text, markup)


async def on_due_typed(message: Message, state: FSMContext, person: Person, ctx: Context) -> None:
    due = await steps.typed_deadline(
        message,
        person.language.value,
        lambda typed: rules.check_due(ctx.calendar, ctx.today, typed),
        offer=lambda day: steps.offer_keyboard(day, views.rn(RoundStep.DUE, day.isoformat())),
    )
    if due is not None:
        await confirm_or_shorter(message, state, person, ctx, due)


async def on_due_button(
    query: CallbackQuery, step: str, value: str, state: FSMContext, person: Person, ctx: Context
) -> None:
    """The regulation's date (or the next working day offered), or «keep» a shorter date."""
    chosen = await steps.button_day(query, value)
    if chosen is None:
        return
    due = rules.check_due(ctx.calendar, ctx.today, chosen)
    await query.answer()
    if step == RoundStep.SHORT:
        await go_confirm(query, state, person, ctx, due)
    else:
        await confirm_or_shorter(query, state, person, ctx, due)


def round_of(data: dict[str, Any]) -> dict[str, Any]:
    """The round the dialog gathered, as remark_steps.start_round takes it."""
    restricted = bool(data["restricted"])
    return {
        "subject": str(data["subject"]),
        "kind": kind_of(data),
        "restricted": restricted,
        "due": date.fromisoformat(str(data["due"])),
        "files": [] if restricted else views.files_of(data),
        "department_ids": views.DEPARTMENTS.chosen(data),
        "person_ids": views.PEOPLE.chosen(data),
        "reg_number": str(data["reg_number"]) if restricted else None,
    }


async def on_send(
    query: CallbackQuery, state: FSMContext, person: Person, repos: Repos, ctx: Context
) -> None:
    found = await steps.confirmed(query, state, round_of)
    if found is None:
        return
    sending, message = found
    if not await addressee_count(ctx, await state.get_data()):
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
        item = await remark_steps.start_round(ctx, person, **sending)
    except Refused as error:  # the due date passed meanwhile: asked again
        await query.answer()
        await ask_due(message, state, ctx, person, refusal_text(error, person.language.value))
        return
    await state.clear()
    await query.answer(_("Sent."))
    count = len(item.addressees)
    builder = Keyboard()
    builder.button(
        text=_("📋 Open the sheet"), callback_data=RemarkCallback(action="sheet", id=item.id)
    )
    due = date_with_weekday(item.due, person.language.value)
    sent = (
        ngettext(
            "The round on document No. {number} is sent to {count} addressee. Answers are "
            "expected by {date}.",
            "The round on document No. {number} is sent to {count} addressees. Answers are "
            "expected by {date}.",
            count,
        ).format(number=item.reg_number, count=count, date=due)
        if item.reg_number
        else ngettext(
            "Round No. {id} is sent to {count} addressee. Answers are expected by {date}.",
            "Round No. {id} is sent to {count} addressees. Answers are expected by {date}.",
            count,
        ).format(id=item.id, count=count, date=due)
    )
    await show(query, sent, builder.as_markup())


def create_router() -> Router:
    router = for_roles(Router(name=__name__), rules.MAY_START)
    states = RoundStates
    text = ~F.text.startswith("/")
    choosing = StateFilter(states.departments, states.people)
    msg = router.message
    msg.register(on_subject, states.subject, text)
    msg.register(on_number, states.number, text)
    msg.register(on_document, states.documents, F.document)
    msg.register(on_not_a_document, states.documents, text)
    msg.register(on_search, choosing, text)
    msg.register(on_due_typed, states.due, text)
    steps.buttons_only(router, states.kind, states.restricted, states.confirm)
    cb = router.callback_query
    new = partial(steps.Tapped, RoundNewCallback)
    cb.register(on_new, RemarkCallback.filter(F.action == "new"))
    cb.register(on_kind, states.kind, new(RoundStep.KIND, values=set(RoundKind)))
    cb.register(on_restricted, states.restricted, new(RoundStep.RESTRICTED))
    cb.register(
        on_documents_done, states.documents, new(RoundStep.DOCUMENTS, values={"done", "none"})
    )
    cb.register(on_pick, choosing, new(*PICKING))
    cb.register(on_mode, choosing, new(RoundStep.MODE, values=MODES))
    cb.register(on_addressees_done, choosing, new(RoundStep.DONE))
    cb.register(on_due_button, states.due, new(RoundStep.DUE, RoundStep.SHORT))
    cb.register(on_send, states.confirm, new(RoundStep.OK))
    cb.register(steps.drop, states.confirm, new(RoundStep.NO))
    return router

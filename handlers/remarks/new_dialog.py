"""The initiator's dialog that starts a «замечаний нет» round: «➕ New round» under /remarks.

Subject → restricted (ДСП)? → documents (files; skipped for a restricted round) → addressees
(departments, whose heads answer, and people: two paged pickers with a search) → due date (the
profile's period, or typed) → a confirmation → the requests are queued for delivery.
Every wrong answer is re-asked with the reason; /cancel (handlers.common) leaves at any step.
Buttons act only in their own step: a stale or forged one falls through to the catch-all.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from handlers.pickers import Option, Picker
from handlers.refusals import refusal_text
from handlers.replies import Reply, refuse, show, stale
from handlers.steps import (
    Draw,
    after,
    button_day,
    confirm_keyboard,
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
from storage.domain.remarks import RoundFile
from storage.models import Department, Person
from storage.repo import Repos

STEPS = 6


class RoundStates(StatesGroup):
    subject = State()
    restricted = State()
    documents = State()
    departments = State()  # the addressees, choosing departments
    people = State()  # the addressees, choosing people
    due = State()
    confirm = State()


def rn(step: str, value: str = "") -> RoundNewCallback:
    return RoundNewCallback(step=RoundStep(step), value=value)


# Both pickers share the search and the page; switching between them starts both afresh.
DEPARTMENTS = Picker(rn, toggle_step=RoundStep.DEPARTMENT, chosen_key="departments")
PEOPLE = Picker(rn, toggle_step=RoundStep.PERSON, chosen_key="people")
MODES = {"dep": (RoundStates.departments, DEPARTMENTS), "per": (RoundStates.people, PEOPLE)}


# --- pure helpers -------------------------------------------------------------------------------


def step(number: int, text: str) -> str:
    return f"{number}/{STEPS} · {text}"


def person_label(person: Person) -> str:
    return f"{person.full_name} — {person.position}" if person.position else person.full_name


def files_of(data: dict[str, Any]) -> list[RoundFile]:
    return [RoundFile(str(file_id), str(name)) for file_id, name in data.get("files", [])]


def picked(options: Sequence[Option], chosen: Sequence[int]) -> list[str]:
    """Labels of the chosen options, in the order chosen (options gone meanwhile are skipped)."""
    by_id = {option.id: option.label for option in options}
    return [by_id[i] for i in chosen if i in by_id]


def department_options(departments: Sequence[Department]) -> list[Option]:
    return [Option(d.id, d.name) for d in departments]


async def people_options(repos: Repos, initiator: Person) -> list[Option]:
    """Everyone in the staff directory but the initiator, by name."""
    everyone = await repos.staff.all_people()
    return [Option(p.id, person_label(p)) for p in everyone if p.id != initiator.id]


# --- views --------------------------------------------------------------------------------------


def subject_prompt() -> str:
    return step(
        1,
        _(
            "New «no remarks» round. Type its subject: what the addressees are asked to look at "
            "({min} to {max} characters). For a restricted (ДСП) round the subject stays in "
            "the bot and is never sent to the addressees. /cancel stops at any step."
        ).format(min=SUBJECT_MIN, max=SUBJECT_MAX),
    )


def documents_keyboard(has_files: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if has_files:
        builder.button(text=_("✔️ Done"), callback_data=rn("docs", "done"))
    builder.button(text=_("➖ No documents"), callback_data=rn("docs", "none"))
    builder.adjust(1)
    return builder.as_markup()


def documents_prompt() -> str:
    return step(
        3,
        _(
            "Send the documents of the round as files (📎 → File), one or several, at most "
            "{max}. Then press «Done». Nothing to attach? Press «No documents»."
        ).format(max=MAX_FILES),
    )


def chosen_lines(departments: Sequence[str], people: Sequence[str]) -> list[str]:
    lines = []
    if departments:
        lines.append(
            _("Departments (their heads answer): {names}").format(names=", ".join(departments))
        )
    if people:
        lines.append(_("People: {names}").format(names=", ".join(people)))
    return lines or [_("No addressees chosen yet.")]


async def addressees_view(
    repos: Repos, initiator: Person, data: dict[str, Any], mode: str
) -> tuple[str, InlineKeyboardMarkup]:
    departments = department_options(await repos.staff.departments())
    people = await people_options(repos, initiator)
    if mode == "per":
        picker, options = PEOPLE, people
        header = _(
            "Addressees. Tap a person to add them or take them off; they answer themselves "
            "(or whoever acts for them). To find someone, type part of the name or position."
        )
        all_label = _("🔎 Show everyone")
        switch = (_("🏢 Choose departments"), rn("mode", "dep"))
    else:
        picker, options = DEPARTMENTS, departments
        header = _(
            "Addressees. Tap a department to add it or take it off; its head answers (or the "
            "acting head). To find a department, type part of its name. Officials are added "
            "by name with «Choose people»."
        )
        all_label = _("🔎 Show all departments")
        switch = (_("👤 Choose people"), rn("mode", "per"))
    view = picker.view(options, data)
    lines = [
        step(4, header),
        "",
        *chosen_lines(
            picked(departments, DEPARTMENTS.chosen(data)), picked(people, PEOPLE.chosen(data))
        ),
        *picker.status_lines(view),
    ]
    markup = picker.keyboard(
        view,
        picker.chosen(data),
        all_label=all_label,
        tail=[switch, (_("✔️ Done"), rn("done"))],
    )
    return "\n".join(lines), markup


def due_prompt() -> str:
    return step(
        5,
        _(
            "Due date for the answers: press the button for the regulation's period, or type "
            "a date as dd.mm.yyyy."
        ),
    )


def due_keyboard(day: date, language: str, label: str = "") -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=label or "📅 " + date_with_weekday(day, language),
        callback_data=rn("due", day.isoformat()),
    )
    return builder.as_markup()


def send_keyboard() -> InlineKeyboardMarkup:
    return confirm_keyboard(_("📤 Send the request"), rn(RoundStep.OK), rn(RoundStep.NO))


async def headless(ctx: services.Context, department_ids: Sequence[int]) -> list[str]:
    """Names of the chosen departments nobody answers for (no head in the directory)."""
    names = []
    for department_id in department_ids:
        department = await ctx.repos.staff.department(department_id)
        if department is not None and not await services.department_recipients(ctx, department_id):
            names.append(department.name)
    return names


async def confirmation_view(
    ctx: services.Context, initiator: Person, data: dict[str, Any], due: date, count: int
) -> str:
    language = initiator.language.value
    departments = department_options(await ctx.repos.staff.departments())
    people = await people_options(ctx.repos, initiator)
    chosen_departments = DEPARTMENTS.chosen(data)
    lines = [_("Check the round before sending:"), ""]
    if data["restricted"]:
        lines += [
            _("Subject: not shown, the round is restricted (ДСП)."),
            _(
                "The addressees get only the round's number and due date and look at the "
                "paper copy; no documents are sent."
            ),
        ]
    else:
        lines.append(_("Subject: {subject}").format(subject=data["subject"]))
        names = [f.file_name for f in files_of(data)]
        lines.append(
            _("Documents: {names}").format(names=", ".join(names))
            if names
            else _("Documents: none")
        )
    lines += chosen_lines(
        picked(departments, chosen_departments), picked(people, PEOPLE.chosen(data))
    )
    missing = await headless(ctx, chosen_departments)
    if missing:
        lines.append(
            _("⚠️ No head in the staff directory, nobody answers for: {names}").format(
                names=", ".join(missing)
            )
        )
    lines += [
        _("Answer by: {date}").format(date=date_with_weekday(due, language)),
        ngettext(
            "The request goes to {count} addressee.",
            "The request goes to {count} addressees.",
            count,
        ).format(count=count),
        "",
        _("Send the request?"),
    ]
    return "\n".join(lines)


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


def documents_received(count: int, names: str) -> str:
    return ngettext(
        "{count} document received: {names}. Send more, or press «Done».",
        "{count} documents received: {names}. Send more, or press «Done».",
        count,
    ).format(count=count, names=names)


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

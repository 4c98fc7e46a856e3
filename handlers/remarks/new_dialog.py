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
from bot.i18n import date_with_weekday, long_date
from bot.profiles import Profile
from bot.remarks import steps as remark_steps
from bot.remarks.rules import (
    MAX_FILES,
    MAY_START,
    SUBJECT_MAX,
    SUBJECT_MIN,
    RoundRefusal,
    check_due,
    default_due,
)
from handlers.callbacks import RemarkCallback, RoundNewCallback
from handlers.pickers import Option, Picker
from handlers.replies import Reply, refuse, show, stale
from handlers.steps import Asked, button_day, typed_day
from storage.domain.refusals import Refused
from storage.domain.remarks import RoundFile
from storage.models import Department, Person
from storage.repo import Repos

STARTERS = {"roles": MAY_START}
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
    return RoundNewCallback(step=step, value=value)


# Both pickers share the search and the page; switching between them starts both afresh.
DEPARTMENTS = Picker(rn, toggle_step="dep", chosen_key="departments")
PEOPLE = Picker(rn, toggle_step="per", chosen_key="people")
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


def restricted_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔒 Yes, restricted (ДСП)"), callback_data=rn("rst", "1"))
    builder.button(text=_("No"), callback_data=rn("rst", "0"))
    builder.adjust(2)
    return builder.as_markup()


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


def due_refusal(error: Refused, language: str) -> str:
    if error.refusal is RoundRefusal.DUE_DAY_OFF:
        return _("{day} is not a working day. The next working day is {offer}.").format(
            day=date_with_weekday(error.values["due"], language),  # type: ignore[arg-type]
            offer=date_with_weekday(error.values["offer"], language),  # type: ignore[arg-type]
        )
    return _("The deadline {deadline} has already passed.").format(
        deadline=long_date(error.values["due"], language)  # type: ignore[arg-type]
    )


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📤 Send the request"), callback_data=rn("ok"))
    builder.button(text=_("✖️ Cancel"), callback_data=rn("no"))
    builder.adjust(2)
    return builder.as_markup()


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
    prompt = due_prompt()
    await message.answer(
        f"{reason}\n\n{prompt}" if reason else prompt,
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
    text = f"{reason}\n\n{text}" if reason else text
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


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
    if isinstance(target, CallbackQuery):
        await show(target, text, confirm_keyboard())
    else:
        await target.answer(text, reply_markup=confirm_keyboard())


async def picker_of(state: FSMContext) -> tuple[Picker, str]:
    current = await state.get_state()
    mode = "per" if current == RoundStates.people.state else "dep"
    return MODES[mode][1], mode


# --- the steps ----------------------------------------------------------------------------------


async def on_new(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(RoundStates.subject)
    await query.answer()
    if query.message is not None:
        await query.message.answer(subject_prompt())


async def on_subject(message: Message, state: FSMContext) -> None:
    subject = (message.text or "").strip()
    if not SUBJECT_MIN <= len(subject) <= SUBJECT_MAX:
        await message.answer(
            _(
                "The subject must be {min} to {max} characters long; yours has {count}. "
                "Type it again."
            ).format(min=SUBJECT_MIN, max=SUBJECT_MAX, count=len(subject))
        )
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
        reply_markup=restricted_keyboard(),
    )


async def on_restricted(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    if callback_data.value not in {"0", "1"}:
        await stale(query)
        return
    restricted = callback_data.value == "1"
    await state.update_data(restricted=restricted, files=[])
    await query.answer()
    if restricted:
        await go_addressees(query, state, person, repos)
        return
    await state.set_state(RoundStates.documents)
    await show(query, documents_prompt(), documents_keyboard(has_files=False))


async def on_document(message: Message, state: FSMContext) -> None:
    assert message.document is not None  # the handler's filter
    data = await state.get_data()
    files: list[list[str]] = list(data.get("files", []))
    if len(files) >= MAX_FILES:
        await message.answer(
            _("At most {count} files.").format(count=MAX_FILES),
            reply_markup=documents_keyboard(has_files=True),
        )
        return
    files.append([message.document.file_id, message.document.file_name or "file"])
    await state.update_data(files=files)
    await message.answer(
        ngettext(
            "{count} document received: {names}. Send more, or press «Done».",
            "{count} documents received: {names}. Send more, or press «Done».",
            len(files),
        ).format(count=len(files), names=", ".join(name for _id, name in files)),
        reply_markup=documents_keyboard(has_files=True),
    )


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
    picker, mode = await picker_of(state)
    searched = picker.searched(message.text)
    if searched is None:
        await message.answer(_("Type part of a name, or use the buttons."))
        return
    data = await state.update_data(searched)
    text, markup = await addressees_view(repos, person, data, mode)
    await message.answer(text, reply_markup=markup)


async def redraw(
    query: CallbackQuery, state: FSMContext, person: Person, repos: Repos, update: dict[str, Any]
) -> None:
    _picker, mode = await picker_of(state)
    data = await state.update_data(update)
    await query.answer()
    text, markup = await addressees_view(repos, person, data, mode)
    await show(query, text, markup)


async def on_toggle_department(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    department = (
        await repos.staff.department(int(callback_data.value))
        if callback_data.value.isdigit()
        else None
    )
    if department is None:
        await stale(query)
        return
    update = DEPARTMENTS.toggled(await state.get_data(), department.id)
    await redraw(query, state, person, repos, update)


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
    update = PEOPLE.toggled(await state.get_data(), other.id)
    await redraw(query, state, person, repos, update)


async def on_page(
    query: CallbackQuery,
    callback_data: RoundNewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
) -> None:
    picker, _mode = await picker_of(state)
    paged = picker.paged(callback_data.value)
    if paged is None:
        await stale(query)
        return
    await redraw(query, state, person, repos, paged)


async def on_show_all(
    query: CallbackQuery, state: FSMContext, person: Person, repos: Repos
) -> None:
    picker, _mode = await picker_of(state)
    await redraw(query, state, person, repos, picker.everything())


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
    await redraw(query, state, person, repos, picker.everything())


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
    typed = await typed_day(message, asked=Asked.DEADLINE)
    if typed is None:
        return
    try:
        due = check_due(ctx.calendar, ctx.today, typed)
    except Refused as error:
        reason = due_refusal(error, person.language.value)
        if error.refusal is RoundRefusal.DUE_DAY_OFF:
            offer: date = error.values["offer"]  # type: ignore[assignment]
            label = _("Take {date}").format(date=offer.strftime("%d.%m.%Y"))
            await message.answer(
                reason + " " + _("Type another date as dd.mm.yyyy."),
                reply_markup=due_keyboard(offer, person.language.value, label),
            )
        else:
            await message.answer(reason + " " + _("Type another date as dd.mm.yyyy."))
        return
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
    try:
        due = check_due(ctx.calendar, ctx.today, chosen)
    except Refused as error:
        await refuse(query, due_refusal(error, person.language.value))
        return
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
    except Refused as error:
        await query.answer()
        await ask_due(query.message, state, ctx, person, due_refusal(error, person.language.value))
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


async def on_drop(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    await show(query, _("Cancelled. Nothing was saved."))


async def on_use_buttons(message: Message) -> None:
    await message.answer(_("Please answer with the buttons above, or /cancel."))


def create_router() -> Router:
    router = Router(name=__name__)
    states = RoundStates
    text = ~F.text.startswith("/")
    choosing = StateFilter(states.departments, states.people)
    msg = router.message
    msg.register(on_subject, states.subject, text, flags=STARTERS)
    msg.register(on_document, states.documents, F.document, flags=STARTERS)
    msg.register(on_not_a_document, states.documents, text, flags=STARTERS)
    msg.register(on_search, choosing, text, flags=STARTERS)
    msg.register(on_due_typed, states.due, text, flags=STARTERS)
    for waiting in (states.restricted, states.confirm):
        msg.register(on_use_buttons, waiting, text, flags=STARTERS)
    cb = router.callback_query
    new = RoundNewCallback.filter
    cb.register(on_new, RemarkCallback.filter(F.action == "new"), flags=STARTERS)
    cb.register(on_restricted, states.restricted, new(F.step == "rst"), flags=STARTERS)
    cb.register(on_documents_done, states.documents, new(F.step == "docs"), flags=STARTERS)
    cb.register(on_toggle_department, states.departments, new(F.step == "dep"), flags=STARTERS)
    cb.register(on_toggle_person, states.people, new(F.step == "per"), flags=STARTERS)
    cb.register(on_page, choosing, new(F.step == "pg"), flags=STARTERS)
    cb.register(on_show_all, choosing, new(F.step == "all"), flags=STARTERS)
    cb.register(on_mode, choosing, new(F.step == "mode"), flags=STARTERS)
    cb.register(on_addressees_done, choosing, new(F.step == "done"), flags=STARTERS)
    cb.register(on_due_button, states.due, new(F.step == "due"), flags=STARTERS)
    cb.register(on_send, states.confirm, new(F.step == "ok"), flags=STARTERS)
    cb.register(on_drop, states.confirm, new(F.step == "no"), flags=STARTERS)
    return router

"""The controller's guided registration of an assignment: /new.

Number → source → summary → executors (department buttons, paged, with a search) → control
mark → deadline (typed or by the mark) → restricted → a confirmation showing every field.
Every wrong answer is re-asked with the reason; /cancel (handlers.common) leaves at any step.
Buttons act only in their own step: a stale or forged one falls through to the catch-all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.assignments import steps as assignment_steps
from bot.assignments.rules import REG_NUMBER_MAX, SUMMARY_MAX, resolve_deadline
from bot.config import Settings
from bot.i18n import date_with_weekday, long_date
from bot.profiles import Profile
from handlers.assignments.cards import MARK_TITLES, SOURCE_TITLES, card_text
from handlers.callbacks import NewCallback
from handlers.pickers import Option, Picker
from handlers.refusals import refusal_text
from handlers.replies import Reply, dotted, show, stale
from handlers.steps import Asked, typed_day
from storage.assignments import DuplicateNumber, UnknownDepartment
from storage.domain.assignments import NewAssignment, Refusal
from storage.domain.enums import Mark, Role, Source
from storage.domain.refusals import Refused
from storage.models import Department, Person
from storage.repo import Repos

CONTROLLERS = {"roles": frozenset({Role.CONTROLLER})}
STEPS = 8
SUMMARY_MIN = 3


class RegistrationStates(StatesGroup):
    number = State()
    source = State()
    summary = State()
    executors = State()
    mark = State()
    deadline = State()
    restricted = State()
    confirm = State()


# --- pure helpers -------------------------------------------------------------------------------


def step(number: int, text: str) -> str:
    return f"{number}/{STEPS} · {text}"


def new_callback(step: str, value: str) -> NewCallback:
    return NewCallback(step=step, value=value)


# The executor departments: `chosen` (the main executor first), `query`, `page`.
EXECUTORS = Picker(new_callback)


def main_first(department_id: int, chosen: Sequence[int]) -> str:
    if department_id not in chosen:
        return ""
    return "⭐ " if chosen[0] == department_id else "✅ "


@dataclass(frozen=True, slots=True)
class Deadline:
    typed: date | None  # None: the profile's default by the mark
    resolved: date


def deadline_of(data: dict[str, Any], profile: Profile, ctx: services.Context) -> Deadline:
    """The deadline the item would get now; a typed date already past raises Refused."""
    typed = date.fromisoformat(data["deadline"]) if data.get("deadline") else None
    try:
        resolved = resolve_deadline(
            profile,
            ctx.calendar,
            received=ctx.today,
            deadline=typed,
            mark=Mark(data.get("mark", "")),
            today=ctx.today,
        )
    except Refused as error:
        # Received is today, so "before the date received" means "already past".
        if error.refusal is Refusal.DEADLINE_BEFORE_RECEIVED and typed is not None:
            raise Refused(Refusal.DEADLINE_PAST, deadline=typed) from None
        raise
    return Deadline(typed, resolved)


# --- views --------------------------------------------------------------------------------------


def source_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for source, title in SOURCE_TITLES.items():
        builder.button(text=_(title), callback_data=NewCallback(step="src", value=source.value))
    builder.adjust(2)
    return builder.as_markup()


def mark_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for mark, title in MARK_TITLES.items():
        builder.button(text=_(title), callback_data=NewCallback(step="mark", value=mark.value))
    builder.adjust(1)
    return builder.as_markup()


def deadline_keyboard(default: date) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📅 By the mark (profile default): {date}").format(date=dotted(default)),
        callback_data=NewCallback(step="dl", value="mark"),
    )
    return builder.as_markup()


def restricted_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🔒 Yes, restricted (ДСП)"), callback_data=NewCallback(step="rst", value="1")
    )
    builder.button(text=_("No"), callback_data=NewCallback(step="rst", value="0"))
    builder.adjust(2)
    return builder.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Register"), callback_data=NewCallback(step="ok"))
    builder.button(text=_("✖️ Cancel"), callback_data=NewCallback(step="no"))
    builder.adjust(2)
    return builder.as_markup()


def chosen_names(departments: list[Department], chosen: list[int]) -> list[str]:
    """Names of the chosen departments in the order chosen, the main one first and marked."""
    by_id = {d.id: d.name for d in departments}
    names = [by_id[i] for i in chosen if i in by_id]
    return [
        _("{name} (main)").format(name=name) if n == 0 else name for n, name in enumerate(names)
    ]


async def executors_view(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    departments = await repos.staff.departments()
    chosen = EXECUTORS.chosen(data)
    view = EXECUTORS.view([Option(d.id, d.name) for d in departments], data)
    lines = [
        step(
            4,
            _(
                "Executors of assignment No. {number}. Tap a department to add it or take it "
                "off. The first one chosen is the main executor («свод»), the others are "
                "co-executors. To find a department, type part of its name."
            ).format(number=data["number"]),
        ),
        "",
    ]
    names = chosen_names(departments, chosen)
    lines.append(
        _("Chosen: {names}").format(names=", ".join(names)) if names else _("Chosen: none yet.")
    )
    lines.extend(EXECUTORS.status_lines(view))
    markup = EXECUTORS.keyboard(
        view,
        chosen,
        all_label=_("🔎 Show all departments"),
        tail=[(_("✔️ Done"), NewCallback(step="done"))],
        mark=main_first,
    )
    return "\n".join(lines), markup


def deadline_prompt(data: dict[str, Any]) -> str:
    return step(
        6,
        _(
            "Deadline of assignment No. {number}: type it as dd.mm.yyyy, or press the button "
            "for the regulation's default by the control mark. A deadline on a non-working day "
            "moves to the next working day."
        ).format(number=data["number"]),
    )


def default_for(ctx: services.Context, profile: Profile, data: dict[str, Any]) -> date:
    return deadline_of({"mark": data.get("mark", "")}, profile, ctx).resolved


def deadline_lines(deadline: Deadline, language: str) -> list[str]:
    lines = [_("Deadline: {date}").format(date=date_with_weekday(deadline.resolved, language))]
    if deadline.typed is None:
        lines.append(_("(the regulation's default by the control mark)"))
    elif deadline.typed != deadline.resolved:
        lines.append(
            _(
                "{typed} is a non-working day, so the deadline moves to the next working day."
            ).format(typed=date_with_weekday(deadline.typed, language))
        )
    return lines


async def confirmation_view(
    repos: Repos, data: dict[str, Any], deadline: Deadline, today: date, language: str
) -> str:
    departments = await repos.staff.departments()
    restricted = bool(data["restricted"])
    lines = [
        _("Check the new assignment:"),
        "",
        _("Registration No.: {number}").format(number=data["number"]),
        _("Received: {date}").format(date=long_date(today, language)),
        _("Source: {source}").format(source=source_title(str(data["source"]))),
        _("Summary: not shown, the item is restricted (ДСП).")
        if restricted
        else _("Summary: {summary}").format(summary=data["summary"]),
        _("Executors: {names}").format(names=", ".join(chosen_names(departments, data["chosen"]))),
        _("Mark: {mark}").format(mark=_(MARK_TITLES[Mark(data["mark"])])),
        *deadline_lines(deadline, language),
        _("Restricted (ДСП): yes") if restricted else _("Restricted (ДСП): no"),
        "",
        _("Register it and send the cards to the executors?"),
    ]
    return "\n".join(lines)


async def draft(repos: Repos, data: dict[str, Any], today: date) -> NewAssignment | None:
    """The assignment the dialog describes, or None when its data is incomplete."""
    try:
        names = []
        for department_id in data["chosen"]:
            department = await repos.staff.department(int(department_id))
            if department is None:
                return None
            names.append(department.name)
        return NewAssignment(
            reg_number=data["number"],
            received=today,
            source=Source(data["source"]),
            summary=data["summary"],
            executors=tuple(names),
            deadline=date.fromisoformat(data["deadline"]) if data["deadline"] else None,
            mark=Mark(data["mark"]),
            restricted=bool(data["restricted"]),
        )
    except (KeyError, ValueError, TypeError):
        return None


# --- small I/O helpers --------------------------------------------------------------------------


async def context(repos: Repos, profile: Profile, settings: Settings) -> services.Context:
    return await services.make_context(repos, profile, settings)


async def ask_deadline(
    message: Reply,
    state: FSMContext,
    ctx: services.Context,
    profile: Profile,
    reason: str = "",
) -> None:
    await state.set_state(RegistrationStates.deadline)
    data = await state.get_data()
    prompt = deadline_prompt(data)
    await message.answer(
        f"{reason}\n\n{prompt}" if reason else prompt,
        reply_markup=deadline_keyboard(default_for(ctx, profile, data)),
    )


async def go_confirm(
    target: Message | CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    """Show the confirmation; a deadline that became past in the meantime is asked again."""
    ctx = await context(repos, profile, settings)
    data = await state.get_data()
    message = target.message if isinstance(target, CallbackQuery) else target
    if message is None:
        return
    try:
        deadline = deadline_of(data, profile, ctx)
    except Refused as error:
        await ask_deadline(message, state, ctx, profile, refusal_text(error, person.language))
        return
    await state.set_state(RegistrationStates.confirm)
    text = await confirmation_view(repos, data, deadline, ctx.today, person.language)
    if isinstance(target, CallbackQuery):
        await show(target, text, confirm_keyboard())
    else:
        await message.answer(text, reply_markup=confirm_keyboard())


# --- the steps ----------------------------------------------------------------------------------


async def cmd_new(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(RegistrationStates.number)
    prompt = step(
        1,
        _(
            "New assignment. Type its registration number (up to {max} characters). "
            "/cancel stops the registration at any step."
        ).format(max=REG_NUMBER_MAX),
    )
    await message.answer(prompt)


async def on_number(
    message: Message,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    number = (message.text or "").strip()
    if not number or len(number) > REG_NUMBER_MAX or "\n" in number:
        await message.answer(
            _(
                "The registration number must be one line of 1 to {max} characters. Type it again."
            ).format(max=REG_NUMBER_MAX)
        )
        return
    if await repos.assignments.by_number(number) is not None:
        await message.answer(
            _(
                "No. {number} is already registered. Type another registration number, or /cancel."
            ).format(number=number)
        )
        return
    data = await state.update_data(number=number)
    if data.get("resume"):
        await state.update_data(resume=False)
        await go_confirm(message, state, person, repos, profile, settings)
        return
    await state.set_state(RegistrationStates.source)
    await message.answer(
        step(2, _("Where does assignment No. {number} come from?").format(number=number)),
        reply_markup=source_keyboard(),
    )


async def on_source(query: CallbackQuery, callback_data: NewCallback, state: FSMContext) -> None:
    if callback_data.value not in {source.value for source in Source}:
        await stale(query)
        return
    source = Source(callback_data.value)
    await state.update_data(source=source.value)
    await state.set_state(RegistrationStates.summary)
    await query.answer()
    await show(
        query,
        _("Source: {source}").format(source=_(SOURCE_TITLES[source]))
        + "\n\n"
        + step(
            3,
            _(
                "Type the short summary of the assignment ({min} to {max} characters). "
                "For a restricted (ДСП) item it stays in the register and is never sent "
                "to the executors."
            ).format(min=SUMMARY_MIN, max=SUMMARY_MAX),
        ),
    )


async def on_summary(message: Message, state: FSMContext, repos: Repos) -> None:
    summary = (message.text or "").strip()
    if not SUMMARY_MIN <= len(summary) <= SUMMARY_MAX:
        await message.answer(
            _(
                "The summary must be {min} to {max} characters long; yours has {count}. "
                "Type it again."
            ).format(min=SUMMARY_MIN, max=SUMMARY_MAX, count=len(summary))
        )
        return
    data = await state.update_data(summary=summary, **EXECUTORS.fresh())
    await state.set_state(RegistrationStates.executors)
    text, markup = await executors_view(repos, data)
    await message.answer(text, reply_markup=markup)


async def on_search(message: Message, state: FSMContext, repos: Repos) -> None:
    searched = EXECUTORS.searched(message.text)
    if searched is None:
        await message.answer(_("Type part of a department's name, or use the buttons."))
        return
    data = await state.update_data(searched)
    text, markup = await executors_view(repos, data)
    await message.answer(text, reply_markup=markup)


async def on_toggle(
    query: CallbackQuery, callback_data: NewCallback, state: FSMContext, repos: Repos
) -> None:
    if not callback_data.value.isdigit():
        await stale(query)
        return
    department = await repos.staff.department(int(callback_data.value))
    if department is None:
        await stale(query)
        return
    data = await state.update_data(EXECUTORS.toggled(await state.get_data(), department.id))
    await query.answer()
    text, markup = await executors_view(repos, data)
    await show(query, text, markup)


async def on_page(
    query: CallbackQuery, callback_data: NewCallback, state: FSMContext, repos: Repos
) -> None:
    paged = EXECUTORS.paged(callback_data.value)
    if paged is None:
        await stale(query)
        return
    data = await state.update_data(paged)
    await query.answer()
    text, markup = await executors_view(repos, data)
    await show(query, text, markup)


async def on_show_all(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    data = await state.update_data(EXECUTORS.everything())
    await query.answer()
    text, markup = await executors_view(repos, data)
    await show(query, text, markup)


async def on_executors_done(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    data = await state.get_data()
    departments = await repos.staff.departments()
    names = chosen_names(departments, EXECUTORS.chosen(data))
    if not names:
        await query.answer(
            _("Choose at least one executor department: tap its name."), show_alert=True
        )
        return
    await state.set_state(RegistrationStates.mark)
    await query.answer()
    await show(
        query,
        _("Executors: {names}").format(names=", ".join(names))
        + "\n\n"
        + step(5, _("The control mark of assignment No. {number}:").format(number=data["number"])),
        mark_keyboard(),
    )


async def on_mark(
    query: CallbackQuery,
    callback_data: NewCallback,
    state: FSMContext,
    profile: Profile,
    ctx: services.Context,
) -> None:
    if callback_data.value not in {mark.value for mark in Mark}:
        await stale(query)
        return
    mark = Mark(callback_data.value)
    data = await state.update_data(mark=mark.value)
    await state.set_state(RegistrationStates.deadline)
    await query.answer()
    await show(
        query,
        _("Mark: {mark}").format(mark=_(MARK_TITLES[mark])) + "\n\n" + deadline_prompt(data),
        deadline_keyboard(default_for(ctx, profile, data)),
    )


def restricted_prompt(data: dict[str, Any], deadline: Deadline, language: str) -> str:
    return "\n".join(
        [
            *deadline_lines(deadline, language),
            "",
            step(
                7,
                _(
                    "Is assignment No. {number} restricted (ДСП, for official use only)? "
                    "The bot then sends only its number and deadline, never its content."
                ).format(number=data["number"]),
            ),
        ]
    )


async def on_deadline_typed(
    message: Message,
    state: FSMContext,
    person: Person,
    profile: Profile,
    ctx: services.Context,
) -> None:
    example = ctx.today + timedelta(days=30)
    typed = await typed_day(message, asked=Asked.DEADLINE, example=example)
    if typed is None:
        return
    data = await state.get_data()
    try:
        deadline = deadline_of({**data, "deadline": typed.isoformat()}, profile, ctx)
    except Refused as error:
        await message.answer(
            refusal_text(error, person.language) + " " + _("Type another date as dd.mm.yyyy.")
        )
        return
    data = await state.update_data(deadline=typed.isoformat())
    await state.set_state(RegistrationStates.restricted)
    await message.answer(
        restricted_prompt(data, deadline, person.language), reply_markup=restricted_keyboard()
    )


async def on_deadline_default(
    query: CallbackQuery,
    callback_data: NewCallback,
    state: FSMContext,
    person: Person,
    profile: Profile,
    ctx: services.Context,
) -> None:
    if callback_data.value != "mark":
        await stale(query)
        return
    data = await state.update_data(deadline="")
    deadline = deadline_of(data, profile, ctx)
    await state.set_state(RegistrationStates.restricted)
    await query.answer()
    await show(query, restricted_prompt(data, deadline, person.language), restricted_keyboard())


async def on_restricted(
    query: CallbackQuery,
    callback_data: NewCallback,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
) -> None:
    if callback_data.value not in {"0", "1"}:
        await stale(query)
        return
    await state.update_data(restricted=callback_data.value == "1")
    await query.answer()
    await go_confirm(query, state, person, repos, profile, settings)


async def on_register(
    query: CallbackQuery,
    state: FSMContext,
    person: Person,
    repos: Repos,
    profile: Profile,
    settings: Settings,
    ctx: services.Context,
) -> None:
    data = await state.get_data()
    new = await draft(repos, data, ctx.today)
    if new is None or query.message is None:
        await state.clear()
        await stale(query)
        return
    await state.set_state(None)  # a second tap on «Register» finds no dialog
    try:
        item = await assignment_steps.register(ctx, new, actor=person.code)
    except DuplicateNumber:
        await query.answer()
        await state.set_state(RegistrationStates.number)
        await state.update_data(resume=True)
        await show(
            query,
            _(
                "No. {number} has just been registered by someone else; nothing was "
                "registered. Type another registration number (the other answers are kept), "
                "or /cancel."
            ).format(number=new.reg_number),
        )
        return
    except Refused as error:
        await query.answer()
        await ask_deadline(
            query.message, state, ctx, profile, refusal_text(error, person.language)
        )
        return
    except UnknownDepartment:
        await state.clear()
        await stale(query)
        return
    await state.clear()
    await query.answer(_("Registered."))
    count = len(item.executors)
    await show(
        query,
        card_text(item, ctx.calendar, ctx.today, settings.zone)
        + "\n\n"
        + ngettext(
            "Registered. The card is sent to {count} department.",
            "Registered. Cards are sent to {count} departments.",
            count,
        ).format(count=count),
    )


async def on_drop(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    await show(query, _("Cancelled. Nothing was saved."))


async def on_use_buttons(message: Message) -> None:
    await message.answer(_("Please answer with the buttons above, or /cancel."))


def source_title(value: str) -> str:
    title = SOURCE_TITLES[Source(value)]
    return _(title)


def create_router() -> Router:
    router = Router(name=__name__)
    states = RegistrationStates
    text = ~F.text.startswith("/")
    msg = router.message
    msg.register(cmd_new, Command("new"), flags=CONTROLLERS)
    msg.register(on_number, states.number, text, flags=CONTROLLERS)
    msg.register(on_summary, states.summary, text, flags=CONTROLLERS)
    msg.register(on_search, states.executors, text, flags=CONTROLLERS)
    msg.register(on_deadline_typed, states.deadline, text, flags=CONTROLLERS)
    for waiting in (states.source, states.mark, states.restricted, states.confirm):
        msg.register(on_use_buttons, waiting, text, flags=CONTROLLERS)
    cb = router.callback_query
    new = NewCallback.filter
    cb.register(on_source, states.source, new(F.step == "src"), flags=CONTROLLERS)
    cb.register(on_toggle, states.executors, new(F.step == "dep"), flags=CONTROLLERS)
    cb.register(on_page, states.executors, new(F.step == "pg"), flags=CONTROLLERS)
    cb.register(on_show_all, states.executors, new(F.step == "all"), flags=CONTROLLERS)
    cb.register(on_executors_done, states.executors, new(F.step == "done"), flags=CONTROLLERS)
    cb.register(on_mark, states.mark, new(F.step == "mark"), flags=CONTROLLERS)
    cb.register(on_deadline_default, states.deadline, new(F.step == "dl"), flags=CONTROLLERS)
    cb.register(on_restricted, states.restricted, new(F.step == "rst"), flags=CONTROLLERS)
    cb.register(on_register, states.confirm, new(F.step == "ok"), flags=CONTROLLERS)
    cb.register(on_drop, states.confirm, new(F.step == "no"), flags=CONTROLLERS)
    return router

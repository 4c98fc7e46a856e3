"""The controller's guided registration of an assignment: /new.

Number → restricted (ДСП)? → source → summary (never asked for a restricted item: its content
stays on paper or comes from the EDMS export) → executors (department buttons, paged, with a
search) → control mark → deadline (typed or by the mark) → a confirmation showing every field.
A wrong answer is re-asked with the reason, /cancel leaves, a stale button is stale: as in every
wizard (handlers.steps).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.assignments import steps as assignment_steps
from bot.assignments.rules import REG_NUMBER_MAX, SUMMARY_MAX
from bot.i18n import long_date
from bot.middlewares import for_roles
from bot.services import Context
from handlers import steps
from handlers.assignments import drafting
from handlers.assignments.cards import MARK_TITLES, SOURCE_TITLES, card_text
from handlers.callbacks import NewCallback, NewStep
from handlers.keyboards import Keyboard
from handlers.pickers import Picker
from handlers.refusals import refusal_text
from handlers.replies import Reply, dotted, present, show, stale
from storage.assignments import DuplicateNumber, UnknownDepartment
from storage.domain.assignments import NewAssignment
from storage.domain.enums import Mark, Role, Source
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

CONTROLLERS = frozenset({Role.CONTROLLER})


class RegistrationStates(StatesGroup):
    number = State()
    restricted = State()
    source = State()
    summary = State()
    executors = State()
    mark = State()
    deadline = State()
    confirm = State()


# What the register keeps as the summary of a restricted item typed in the chat: its content is
# never typed into the chat (README, "Restricted items").
RESTRICTED_SUMMARY = "—"


# --- pure helpers -------------------------------------------------------------------------------


class Stage(StrEnum):
    """The dialog's stages, numbered «n/k» on every screen along the path taken: a restricted
    item has no summary stage, so its executors are 4/7, not 5/8 after 3/8."""

    NUMBER = "number"
    RESTRICTED = "restricted"
    SOURCE = "source"
    SUMMARY = "summary"
    EXECUTORS = "executors"
    MARK = "mark"
    DEADLINE = "deadline"
    CONFIRM = "confirm"


def stages(restricted: bool) -> tuple[Stage, ...]:
    """The stages of the path: a restricted item's content is never typed into the chat."""
    return tuple(stage for stage in Stage if not (restricted and stage is Stage.SUMMARY))


def step(stage: Stage, text: str, restricted: bool = False) -> str:
    """«n/k · text»: the stage's place on the path taken (before the restricted question is
    answered, the longer path)."""
    path = stages(restricted)
    return steps.numbered(path.index(stage) + 1, len(path), text)


def new_callback(step: str, value: str = "") -> NewCallback:
    return NewCallback(step=NewStep(step), value=value)


# The executor departments: `chosen` (the main executor first), `query`, `page`.
EXECUTORS = Picker(new_callback)
PICKING = {NewStep.DEPARTMENT, NewStep.PAGE, NewStep.ALL}


@dataclass(frozen=True, slots=True)
class Deadline:
    typed: date | None  # None: the profile's default by the mark
    resolved: date


def deadline_of(data: dict[str, Any], ctx: Context) -> Deadline:
    """The deadline the item would get now; a typed date already past raises Refused."""
    typed = date.fromisoformat(data["deadline"]) if data.get("deadline") else None
    resolved = drafting.resolved_deadline(
        ctx.profile,
        ctx.calendar,
        received=ctx.today,
        typed=typed,
        mark=Mark(data.get("mark", "")),
        today=ctx.today,
        source=Source(data["source"]) if data.get("source") else None,
    )
    return Deadline(typed, resolved)


# --- views --------------------------------------------------------------------------------------


def choice_keyboard(
    step: NewStep, titles: Iterable[tuple[StrEnum, str]], width: int
) -> InlineKeyboardMarkup:
    """A button for each source (or mark), its value the choice."""
    builder = Keyboard()
    labels = []
    for choice, title in titles:
        labels.append(_(title))
        builder.button(text=labels[-1], callback_data=new_callback(step, choice.value))
    builder.adjust(*paired(labels, width))
    return builder.as_markup()


ROW_WIDTH = 40  # characters a phone shows in one row of buttons


def paired(labels: list[str], width: int) -> list[int]:
    """Row sizes: up to `width` labels a row while they fit a phone's row together."""
    rows: list[int] = []
    used = ROW_WIDTH
    for label in labels:
        if rows and rows[-1] < width and used + len(label) <= ROW_WIDTH:
            rows[-1] += 1
            used += len(label)
        else:
            rows.append(1)
            used = len(label)
    return rows


def deadline_keyboard(default: date) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(
        text=_("📅 By the mark (profile default): {date}").format(date=dotted(default)),
        callback_data=new_callback(NewStep.DEADLINE, "mark"),
    )
    return builder.as_markup()


def registration_keyboard() -> InlineKeyboardMarkup:
    return steps.confirm_keyboard(
        _("✅ Register"), new_callback(NewStep.OK), new_callback(NewStep.NO)
    )


async def draw_executors(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    header = step(
        Stage.EXECUTORS,
        _(
            "Executors of assignment No. {number}. Tap a department to add it or take it "
            "off. The first one chosen is the main executor («свод»), the others are "
            "co-executors. To find a department, type part of its name."
        ).format(number=data["number"]),
        bool(data.get("restricted")),
    )
    return await drafting.executors_view(
        repos, EXECUTORS, data, header, new_callback(NewStep.DONE)
    )


def deadline_prompt(data: dict[str, Any]) -> str:
    return step(
        Stage.DEADLINE,
        _(
            "Deadline of assignment No. {number}: type it as dd.mm.yyyy, or press the button "
            "for the regulation's default by the control mark. A deadline on a non-working day "
            "moves to the next working day."
        ).format(number=data["number"]),
        bool(data.get("restricted")),
    )


def default_for(ctx: Context, data: dict[str, Any]) -> date:
    shown = {"mark": data.get("mark", ""), "source": data.get("source", "")}
    return deadline_of(shown, ctx).resolved


def deadline_shown(deadline: Deadline, language: str) -> list[str]:
    return drafting.deadline_lines(
        deadline.typed,
        deadline.resolved,
        language,
        _("(the regulation's default by the control mark)"),
    )


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
        _("Executors: {names}").format(
            names=", ".join(
                drafting.main_marked(drafting.chosen_names(departments, data["chosen"]))
            )
        ),
        _("Mark: {mark}").format(mark=_(MARK_TITLES[Mark(data["mark"])])),
        *deadline_shown(deadline, language),
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


async def ask_deadline(message: Reply, state: FSMContext, ctx: Context, reason: str = "") -> None:
    await state.set_state(RegistrationStates.deadline)
    data = await state.get_data()
    await message.answer(
        steps.after(reason, deadline_prompt(data)),
        reply_markup=deadline_keyboard(default_for(ctx, data)),
    )


async def go_confirm(
    target: Message | CallbackQuery, state: FSMContext, person: Person, ctx: Context
) -> None:
    """Show the confirmation; a deadline that became past in the meantime is asked again."""
    data = await state.get_data()
    message = target.message if isinstance(target, CallbackQuery) else target
    if message is None:
        return
    try:
        deadline = deadline_of(data, ctx)
    except Refused as error:
        await ask_deadline(message, state, ctx, refusal_text(error, person.language))
        return
    await state.set_state(RegistrationStates.confirm)
    text = await confirmation_view(ctx.repos, data, deadline, ctx.today, person.language)
    await present(target, text, registration_keyboard())


# --- the steps ----------------------------------------------------------------------------------


async def cmd_new(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(RegistrationStates.number)
    prompt = step(
        Stage.NUMBER,
        _(
            "New assignment. Type its registration number (up to {max} characters). "
            "/cancel stops the registration at any step."
        ).format(max=REG_NUMBER_MAX),
    )
    await message.answer(prompt)


async def on_number(message: Message, state: FSMContext, person: Person, ctx: Context) -> None:
    number = (message.text or "").strip()
    if not number or len(number) > REG_NUMBER_MAX or "\n" in number:
        await message.answer(
            _(
                "The registration number must be one line of 1 to {max} characters. Type it again."
            ).format(max=REG_NUMBER_MAX)
        )
        return
    if await ctx.repos.assignments.by_number(number) is not None:
        await message.answer(
            _(
                "No. {number} is already registered. Type another registration number, or /cancel."
            ).format(number=number)
        )
        return
    data = await state.update_data(number=number)
    if data.get("resume"):
        await state.update_data(resume=False)
        await go_confirm(message, state, person, ctx)
        return
    await state.set_state(RegistrationStates.restricted)
    await message.answer(
        restricted_prompt(data), reply_markup=steps.restricted_keyboard(new_callback)
    )


async def on_restricted(
    query: CallbackQuery, value: str, state: FSMContext, person: Person, ctx: Context
) -> None:
    restricted = await steps.take_restricted(query, state, value)
    if restricted is None:
        return
    data = await state.get_data()
    if data.get("resume"):
        await go_confirm(query, state, person, ctx)
        return
    await state.set_state(RegistrationStates.source)
    mark = _("Restricted (ДСП): yes") if restricted else _("Restricted (ДСП): no")
    await show(
        query,
        mark
        + "\n\n"
        + step(
            Stage.SOURCE,
            _("Where does assignment No. {number} come from?").format(number=data["number"]),
            restricted,
        ),
        choice_keyboard(NewStep.SOURCE, SOURCE_TITLES.items(), 2),
    )


async def on_source(query: CallbackQuery, value: str, state: FSMContext, repos: Repos) -> None:
    source = Source(value)
    data = await state.update_data(source=source.value)
    await query.answer()
    shown = _("Source: {source}").format(source=_(SOURCE_TITLES[source]))
    if data.get("restricted"):  # the content is never typed into the chat
        data = await state.update_data(summary=RESTRICTED_SUMMARY, **EXECUTORS.fresh())
        await state.set_state(RegistrationStates.executors)
        text, markup = await draw_executors(repos, data)
        await show(query, shown + "\n\n" + text, markup)
        return
    await state.set_state(RegistrationStates.summary)
    await show(
        query,
        shown
        + "\n\n"
        + step(
            Stage.SUMMARY,
            _("Type the short summary of the assignment ({min} to {max} characters).").format(
                min=drafting.SUMMARY_MIN, max=SUMMARY_MAX
            ),
        ),
    )


async def on_summary(message: Message, state: FSMContext, repos: Repos) -> None:
    wrong = _(
        "The summary must be {min} to {max} characters long; yours has {count}. Type it again."
    )
    summary = await steps.typed_text(message, drafting.SUMMARY_MIN, SUMMARY_MAX, wrong, lines=True)
    if summary is None:
        return
    data = await state.update_data(summary=summary, **EXECUTORS.fresh())
    await state.set_state(RegistrationStates.executors)
    text, markup = await draw_executors(repos, data)
    await message.answer(text, reply_markup=markup)


async def on_search(message: Message, state: FSMContext, repos: Repos) -> None:
    hint = _("Type part of a department's name, or use the buttons.")
    await steps.search(message, state, EXECUTORS, partial(draw_executors, repos), hint)


async def on_pick(
    query: CallbackQuery, step: str, value: str, state: FSMContext, repos: Repos
) -> None:
    """A department (toggled), a page, or «show all»."""
    draw = partial(draw_executors, repos)
    await steps.pick(query, state, EXECUTORS, step, value, draw, steps.departments_of(repos))


async def on_executors_done(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    data = await state.get_data()
    departments = await repos.staff.departments()
    names = drafting.main_marked(drafting.chosen_names(departments, EXECUTORS.chosen(data)))
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
        + step(
            Stage.MARK,
            _("The control mark of assignment No. {number}:").format(number=data["number"]),
            bool(data.get("restricted")),
        ),
        choice_keyboard(NewStep.MARK, MARK_TITLES.items(), 1),
    )


async def on_mark(query: CallbackQuery, value: str, state: FSMContext, ctx: Context) -> None:
    mark = Mark(value)
    data = await state.update_data(mark=mark.value)
    await state.set_state(RegistrationStates.deadline)
    await query.answer()
    await show(
        query,
        _("Mark: {mark}").format(mark=_(MARK_TITLES[mark])) + "\n\n" + deadline_prompt(data),
        deadline_keyboard(default_for(ctx, data)),
    )


def restricted_prompt(data: dict[str, Any]) -> str:
    """Asked before any content: a restricted item's summary is never typed into the chat."""
    return step(
        Stage.RESTRICTED,
        _(
            "Is assignment No. {number} restricted (ДСП, for official use only)? "
            "The bot then sends only its number and deadline, never its content."
        ).format(number=data["number"]),
    )


async def on_deadline_typed(
    message: Message, state: FSMContext, person: Person, ctx: Context
) -> None:
    data = await state.get_data()
    deadline = await steps.typed_deadline(
        message,
        person.language,
        lambda typed: deadline_of({**data, "deadline": typed.isoformat()}, ctx),
        example=ctx.today + timedelta(days=30),
    )
    if deadline is None:
        return
    assert deadline.typed is not None
    await state.update_data(deadline=deadline.typed.isoformat())
    await go_confirm(message, state, person, ctx)


async def on_deadline_default(
    query: CallbackQuery, state: FSMContext, person: Person, ctx: Context
) -> None:
    await state.update_data(deadline="")
    await query.answer()
    await go_confirm(query, state, person, ctx)


async def on_register(
    query: CallbackQuery, state: FSMContext, person: Person, ctx: Context
) -> None:
    data = await state.get_data()
    new = await draft(ctx.repos, data, ctx.today)
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
        await ask_deadline(query.message, state, ctx, refusal_text(error, person.language))
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
        card_text(item, ctx.calendar, ctx.today, ctx.settings.zone, profile=ctx.profile)
        + "\n\n"
        + ngettext(
            "Registered. The card is sent to {count} department.",
            "Registered. Cards are sent to {count} departments.",
            count,
        ).format(count=count),
    )


def source_title(value: str) -> str:
    title = SOURCE_TITLES[Source(value)]
    return _(title)


def create_router() -> Router:
    router = for_roles(Router(name=__name__), CONTROLLERS)
    states = RegistrationStates
    text = ~F.text.startswith("/")
    msg = router.message
    msg.register(cmd_new, Command("new"))
    msg.register(on_number, states.number, text)
    msg.register(on_summary, states.summary, text)
    msg.register(on_search, states.executors, text)
    msg.register(on_deadline_typed, states.deadline, text)
    steps.buttons_only(router, states.source, states.mark, states.restricted, states.confirm)
    cb = router.callback_query
    new = partial(steps.Tapped, NewCallback)
    cb.register(on_source, states.source, new(NewStep.SOURCE, values=Source))
    cb.register(on_pick, states.executors, new(*PICKING))
    cb.register(on_executors_done, states.executors, new(NewStep.DONE))
    cb.register(on_mark, states.mark, new(NewStep.MARK, values=Mark))
    cb.register(on_deadline_default, states.deadline, new(NewStep.DEADLINE, values={"mark"}))
    cb.register(on_restricted, states.restricted, new(NewStep.RESTRICTED))
    cb.register(on_register, states.confirm, new(NewStep.OK))
    cb.register(steps.drop, states.confirm, new(NewStep.NO))
    return router

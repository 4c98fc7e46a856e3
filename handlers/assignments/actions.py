"""Executors and controllers acting on assignments: accept, report, not ours, decide, lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.assignments import steps as assignment_steps
from bot.assignments.rules import check_decision, check_not_ours, check_report
from bot.config import Settings
from bot.i18n_marks import N_
from bot.profiles import Profile
from handlers.assignments.cards import (
    SOURCE_TITLES,
    card_text,
    controller_keyboard,
    executor_keyboard,
    ground_keyboard,
    history_text,
    list_row,
)
from handlers.callbacks import ItemCallback, ListCallback
from handlers.drafts import acknowledge, add_part
from handlers.refusals import refusal_text
from handlers.replies import refuse, stale
from storage.domain.assignments import Assignment, RemovalGround, ReportFile
from storage.domain.enums import Role, Source
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

PAGE_SIZE = 8
MAX_REPORT_FILES = 10
OVERSIGHT = frozenset({Role.CONTROLLER, Role.AKIM, Role.HEAD_OF_APPARATUS})
CONTROLLERS = {"roles": frozenset({Role.CONTROLLER})}


class ReportStates(StatesGroup):
    collecting = State()


class ReasonStates(StatesGroup):
    not_ours = State()
    rework = State()


async def load(repos: Repos, query: CallbackQuery, item_id: int) -> Assignment | None:
    """The item a button names; None (the tap answered) when it is gone."""
    item = await repos.assignments.get(item_id)
    if item is None:
        await stale(query)
    return item


async def decidable(
    query: CallbackQuery, callback_data: ItemCallback, person: Person, repos: Repos
) -> Assignment | None:
    """The item, once the controller may decide on it (removal, rework) and the tap is
    answered; None when it is gone (the tap answered). A refusal raises `Refused`."""
    item = await load(repos, query, callback_data.id)
    if item is None:
        return None
    check_decision(item, person.roles)
    await query.answer()
    return item


async def ask(
    query: CallbackQuery,
    state: FSMContext,
    next_state: State,
    data: dict[str, Any],
    question: str,
) -> None:
    """Wait in `next_state` (with `data`) for what the person types in answer to `question`."""
    await state.set_state(next_state)
    await state.set_data(data)
    if query.message is not None:
        await query.message.answer(question)


async def typed_reason(
    message: Message, state: FSMContext, repos: Repos
) -> tuple[str, dict[str, Any], Assignment] | None:
    """The reason typed for the item kept in the state, which ends here: (reason, state data,
    item); None when the reason is too short (the person is asked again) or the item is gone."""
    reason = (message.text or "").strip()
    if len(reason) < 3:
        await message.answer(_("Please write the reason in words."))
        return None
    data = await state.get_data()
    await state.clear()
    item = await repos.assignments.get(int(data["id"]))
    if item is None:
        return None
    return reason, data, item


async def may_view(ctx: services.Context, person: Person, item: Assignment) -> bool:
    if person.roles & OVERSIGHT:
        return True
    departments = {e.department_id for e in item.executors}
    if person.curates & departments:
        return True
    return bool(await services.head_departments(ctx, person) & departments)


def send_report_keyboard(item_id: int, dep: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("📤 Send the report"),
        callback_data=ItemCallback(action="send", id=item_id, dep=dep),
    )
    builder.button(
        text=_("✖️ Cancel"), callback_data=ItemCallback(action="drop", id=item_id, dep=dep)
    )
    builder.adjust(2)
    return builder.as_markup()


# --- executors ---------------------------------------------------------------------------------


async def on_accept(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    settings: Settings,
    ctx: services.Context,
) -> None:
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    await assignment_steps.accept(ctx, person, item, callback_data.dep)
    await query.answer(_("Accepted."))
    updated = await repos.assignments.get(item.id)
    assert updated is not None
    executor = updated.executor(callback_data.dep)
    if query.message is not None and executor is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            card_text(
                updated,
                ctx.calendar,
                ctx.today,
                settings.zone,
                executor=executor,
                names=await repos.staff.names(),
            ),
            reply_markup=executor_keyboard(updated, executor),
        )


async def on_report(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    departments = services.only(await services.head_departments(ctx, person), callback_data.dep)
    executor = check_report(item, departments)
    await query.answer()
    to_whom = (
        _("It goes to the control department.")
        if executor.main
        else _("It goes to the main executor.")
    )
    if item.restricted:
        prompt = _(
            "Report on assignment No. {number}. The item is restricted: write only a short note "
            "(for example, the outgoing number); files are not accepted. {to_whom}"
        )
    else:
        prompt = _(
            "Report on assignment No. {number}. Send the text of the report; you may attach "
            "files. {to_whom} When done, press «Send the report»; /cancel leaves it."
        )
    await ask(
        query,
        state,
        ReportStates.collecting,
        {"id": item.id, "dep": callback_data.dep, "text": [], "files": []},
        prompt.format(number=item.reg_number, to_whom=to_whom),
    )


async def on_report_part(message: Message, state: FSMContext, repos: Repos) -> None:
    data: dict[str, Any] = await state.get_data()
    item = await repos.assignments.get(int(data["id"]))
    if item is None:
        await state.clear()
        return
    if await add_part(
        message,
        data,
        restricted_refusal=_(
            "Files are not accepted for a restricted item. Hand over the paper copy."
        )
        if item.restricted
        else None,
        max_files=MAX_REPORT_FILES,
        too_many_files=_("At most {count} files per report.").format(count=MAX_REPORT_FILES),
    ):
        await state.set_data(data)
        await acknowledge(message, data, send_report_keyboard(int(data["id"]), int(data["dep"])))


async def on_send_report(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    data: dict[str, Any] = await state.get_data()
    if await state.get_state() != ReportStates.collecting or data.get("id") != callback_data.id:
        await stale(query)
        return
    text = "\n\n".join(data["text"]).strip()
    if not text:
        await query.answer(_("The report needs text. Send it as a message."), show_alert=True)
        return
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    files = [ReportFile(file_id, name) for file_id, name in data["files"]]
    try:  # not `attempt`: the draft ends before a refusal is shown
        await assignment_steps.submit_report(ctx, person, item, callback_data.dep, text, files)
    except Refused as error:
        await state.clear()
        await refuse(query, refusal_text(error, person.language))
        return
    await state.clear()
    await query.answer(_("Sent."))
    if query.message is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            _("The report on assignment No. {number} is sent.").format(number=item.reg_number)
        )


async def on_drop_report(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled. Nothing was saved."))
    if query.message is not None:
        await query.message.edit_text(_("Cancelled. Nothing was saved."))  # type: ignore[union-attr]


async def on_not_ours(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    profile: Profile,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    departments = services.only(await services.head_departments(ctx, person), callback_data.dep)
    check_not_ours(profile, ctx.calendar, item, departments, ctx.today)
    await query.answer()
    question = _(
        "Why is assignment No. {number} not your department's? Write the reason; "
        "it goes to the control department. /cancel leaves it."
    ).format(number=item.reg_number)
    await ask(
        query, state, ReasonStates.not_ours, {"id": item.id, "dep": callback_data.dep}, question
    )


async def on_not_ours_reason(
    message: Message,
    person: Person,
    repos: Repos,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    typed = await typed_reason(message, state, repos)
    if typed is None:
        return
    reason, data, item = typed
    await assignment_steps.not_ours(ctx, person, item, int(data["dep"]), reason)
    await message.answer(
        _(
            "Assignment No. {number} is returned to the control department for reassignment."
        ).format(number=item.reg_number)
    )


# --- viewing ----------------------------------------------------------------------------------


async def on_view(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    settings: Settings,
    ctx: services.Context,
) -> None:
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    if not await may_view(ctx, person, item):
        await query.answer(_("This assignment is not addressed to you."), show_alert=True)
        return
    await query.answer()
    departments = await services.head_departments(ctx, person)
    executor = next(
        (e for e in item.executors if e.active and e.department_id in departments), None
    )
    names = await repos.staff.names()
    text = card_text(item, ctx.calendar, ctx.today, settings.zone, executor=executor, names=names)
    history = await repos.assignments.history(item.reg_number)
    text += "\n\n" + history_text(history, settings.zone, names)
    if executor is not None:
        markup = executor_keyboard(item, executor)
    elif Role.CONTROLLER in person.roles:
        markup = controller_keyboard(item)
    else:
        markup = None
    if query.message is not None:
        await query.message.answer(text, reply_markup=markup)


# --- the controller ---------------------------------------------------------------------------


async def on_remove(
    query: CallbackQuery, callback_data: ItemCallback, person: Person, repos: Repos
) -> None:
    item = await decidable(query, callback_data, person, repos)
    if item is None:
        return
    if query.message is not None:
        await query.message.answer(
            _("Grounds for removing assignment No. {number} from control:").format(
                number=item.reg_number
            ),
            reply_markup=ground_keyboard(item),
        )


async def on_ground(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    try:
        ground = RemovalGround(callback_data.arg)
    except ValueError:
        await stale(query)
        return
    changed = await assignment_steps.remove(ctx, person, item, ground)
    if not changed:
        await stale(query)
        return
    await query.answer(_("Removed from control."))
    if query.message is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            _("Assignment No. {number} is removed from control.").format(number=item.reg_number)
        )


async def on_return(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    state: FSMContext,
) -> None:
    item = await decidable(query, callback_data, person, repos)
    if item is None:
        return
    question = _(
        "Why is assignment No. {number} returned for rework? The reason goes to the "
        "executors. /cancel leaves it."
    ).format(number=item.reg_number)
    await ask(query, state, ReasonStates.rework, {"id": item.id}, question)


async def on_rework_reason(
    message: Message,
    person: Person,
    repos: Repos,
    state: FSMContext,
    ctx: services.Context,
) -> None:
    typed = await typed_reason(message, state, repos)
    if typed is None:
        return
    reason, _data, item = typed
    if await assignment_steps.return_for_rework(ctx, person, item, reason):
        await message.answer(
            _("Assignment No. {number} is returned for rework.").format(number=item.reg_number)
        )


async def on_reassign(query: CallbackQuery, callback_data: ItemCallback, repos: Repos) -> None:
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    if not item.is_open:
        await stale(query)
        return
    await query.answer()
    page = int(callback_data.arg or 0)
    taken = {e.department_id for e in item.executors if e.active} | {callback_data.dep}
    departments = [d for d in await repos.staff.departments() if d.id not in taken]
    builder = InlineKeyboardBuilder()
    for department in departments[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        builder.button(
            text=department.name,
            callback_data=ItemCallback(
                action="to", id=item.id, dep=callback_data.dep, arg=str(department.id)
            ),
        )
    builder.adjust(1)
    nav = []
    if page > 0:
        nav.append(("◀️", page - 1))
    if (page + 1) * PAGE_SIZE < len(departments):
        nav.append(("▶️", page + 1))
    for label, target in nav:
        builder.row()
        builder.button(
            text=label,
            callback_data=ItemCallback(
                action="reassign", id=item.id, dep=callback_data.dep, arg=str(target)
            ),
        )
    if query.message is not None:
        await query.message.edit_reply_markup(reply_markup=builder.as_markup())  # type: ignore[union-attr]


async def on_reassign_to(
    query: CallbackQuery,
    callback_data: ItemCallback,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    item = await load(repos, query, callback_data.id)
    if item is None:
        return
    try:
        updated = await assignment_steps.reassign(
            ctx, person, item, callback_data.dep, int(callback_data.arg)
        )
    except (Refused, ValueError) as error:
        text = (
            refusal_text(error, person.language)
            if isinstance(error, Refused)
            else _("This button is no longer valid.")
        )
        await query.answer(text, show_alert=True)
        return
    if updated is None:
        await stale(query)
        return
    department = await repos.staff.department(int(callback_data.arg))
    await query.answer(_("Reassigned."))
    if query.message is not None and department is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            _("Assignment No. {number} is reassigned to {department}.").format(
                number=item.reg_number, department=department.name
            )
        )


# --- lists ------------------------------------------------------------------------------------


FILTER_TITLES = {"": N_("All open"), "overdue": N_("Overdue"), "week": N_("Due this week")}


async def list_query(
    scope: str, flt: str, person: Person, ctx: services.Context
) -> dict[str, Any]:
    """What a list shows: the scope (my departments, or everything on control) narrowed by the
    filter. A department filter never widens «my» list beyond the person's departments."""
    query: dict[str, Any] = {}
    mine: frozenset[int] | None = None
    if scope == "my":
        mine = await services.head_departments(ctx, person)
        if person.department_id is not None:
            mine |= {person.department_id}
        query["department_ids"] = mine
    if flt == "overdue":
        query["overdue_on"] = ctx.today
    elif flt == "week":
        query["due_from"] = ctx.today
        query["due_to"] = ctx.today + timedelta(days=6 - ctx.today.weekday())
    elif flt.startswith("d") and flt[1:].isdigit():
        wanted = {int(flt[1:])}
        query["department_ids"] = sorted(wanted if mine is None else wanted & mine)
    elif flt.startswith("s") and flt[1:] in {s.value for s in Source}:
        query["source"] = Source(flt[1:])
    return query


async def list_title(scope: str, flt: str, total: int, repos: Repos) -> str:
    title = _("My department's open assignments") if scope == "my" else _("On control")
    line = f"{title}: {total}"
    if flt in FILTER_TITLES and flt:
        line += f" · {_(FILTER_TITLES[flt])}"
    elif flt.startswith("d") and flt[1:].isdigit():
        department = await repos.staff.department(int(flt[1:]))
        line += f" · {department.name if department else ''}"
    elif flt.startswith("s") and flt[1:] in {s.value for s in Source}:
        line += f" · {_(SOURCE_TITLES[Source(flt[1:])])}"
    return line


def list_keyboard(
    scope: str, flt: str, page: int, items: list[Assignment], total: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item in items:
        builder.button(
            text=f"🔎 {item.reg_number}", callback_data=ItemCallback(action="view", id=item.id)
        )
    builder.adjust(2)
    nav = InlineKeyboardBuilder()
    if page > 0:
        nav.button(text="◀️", callback_data=ListCallback(scope=scope, page=page - 1, flt=flt))
    if (page + 1) * PAGE_SIZE < total:
        nav.button(text="▶️", callback_data=ListCallback(scope=scope, page=page + 1, flt=flt))
    builder.attach(nav)
    if scope == "control":
        filters = InlineKeyboardBuilder()
        for key, label in FILTER_TITLES.items():
            filters.button(text=_(label), callback_data=ListCallback(scope=scope, flt=key))
        filters.button(text=_("By department"), callback_data=ListCallback(scope="deps"))
        filters.button(text=_("By source"), callback_data=ListCallback(scope="srcs"))
        filters.adjust(3, 2)
        builder.attach(filters)
    return builder.as_markup()


async def render_list(
    scope: str, flt: str, page: int, person: Person, repos: Repos, ctx: services.Context
) -> tuple[str, InlineKeyboardMarkup]:
    items, total = await repos.assignments.list_open(
        limit=PAGE_SIZE, offset=page * PAGE_SIZE, **await list_query(scope, flt, person, ctx)
    )
    lines = [await list_title(scope, flt, total, repos)]
    if not items:
        lines.append(_("Nothing here."))
    lines += [list_row(item, ctx.calendar, ctx.today) for item in items]
    lines.append(_("🔴 overdue · 🟡 3 working days or less · 🟢 later"))
    return "\n".join(lines), list_keyboard(scope, flt, page, items, total)


async def cmd_my(message: Message, person: Person, repos: Repos, ctx: services.Context) -> None:
    text, markup = await render_list("my", "", 0, person, repos, ctx)
    await message.answer(text, reply_markup=markup)


async def cmd_control(
    message: Message, person: Person, repos: Repos, ctx: services.Context
) -> None:
    text, markup = await render_list("control", "", 0, person, repos, ctx)
    await message.answer(text, reply_markup=markup)


async def on_list(
    query: CallbackQuery,
    callback_data: ListCallback,
    person: Person,
    repos: Repos,
    ctx: services.Context,
) -> None:
    if callback_data.scope in {"control", "deps", "srcs"} and Role.CONTROLLER not in person.roles:
        await query.answer(_("Only the control department can do this."), show_alert=True)
        return
    await query.answer()
    if query.message is None:
        return
    builder = InlineKeyboardBuilder()
    if callback_data.scope == "deps":
        for department in await repos.staff.departments():
            builder.button(
                text=department.name,
                callback_data=ListCallback(scope="control", flt=f"d{department.id}"),
            )
        builder.adjust(1)
        await query.message.edit_reply_markup(reply_markup=builder.as_markup())  # type: ignore[union-attr]
        return
    if callback_data.scope == "srcs":
        for source, title in SOURCE_TITLES.items():
            builder.button(
                text=_(title), callback_data=ListCallback(scope="control", flt=f"s{source.value}")
            )
        builder.adjust(2)
        await query.message.edit_reply_markup(reply_markup=builder.as_markup())  # type: ignore[union-attr]
        return
    text, markup = await render_list(
        callback_data.scope, callback_data.flt, callback_data.page, person, repos, ctx
    )
    await query.message.edit_text(text, reply_markup=markup)  # type: ignore[union-attr]


def create_router() -> Router:
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(on_accept, ItemCallback.filter(F.action == "accept"))
    cb.register(on_report, ItemCallback.filter(F.action == "report"))
    cb.register(on_send_report, ItemCallback.filter(F.action == "send"))
    cb.register(on_drop_report, ItemCallback.filter(F.action == "drop"))
    cb.register(on_not_ours, ItemCallback.filter(F.action == "notours"))
    cb.register(on_view, ItemCallback.filter(F.action == "view"))
    cb.register(on_remove, ItemCallback.filter(F.action == "remove"), flags=CONTROLLERS)
    cb.register(on_ground, ItemCallback.filter(F.action == "ground"), flags=CONTROLLERS)
    cb.register(on_return, ItemCallback.filter(F.action == "return"), flags=CONTROLLERS)
    cb.register(on_reassign, ItemCallback.filter(F.action == "reassign"), flags=CONTROLLERS)
    cb.register(on_reassign_to, ItemCallback.filter(F.action == "to"), flags=CONTROLLERS)
    cb.register(on_list, ListCallback.filter())
    router.message.register(on_report_part, ReportStates.collecting, ~F.text.startswith("/"))
    router.message.register(on_not_ours_reason, ReasonStates.not_ours, ~F.text.startswith("/"))
    router.message.register(on_rework_reason, ReasonStates.rework, ~F.text.startswith("/"))
    router.message.register(
        cmd_my, Command("my"), flags={"roles": frozenset({Role.HEAD, Role.EXECUTOR})}
    )
    router.message.register(cmd_control, Command("control"), flags=CONTROLLERS)
    return router

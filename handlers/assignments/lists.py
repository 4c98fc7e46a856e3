"""/my and /control: the open assignments of my departments, or everything on control, a page
at a time, with the control department's filters (overdue, this week, a department, a
source)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.i18n_marks import N_
from bot.middlewares import for_roles
from handlers.assignments.cards import (
    SOURCE_TITLES,
    language,
    list_row,
    page_line,
    page_number,
)
from handlers.callbacks import ItemAction, ItemCallback, ListCallback, ListScope, number
from handlers.keyboards import ButtonsKept, Keyboard
from handlers.replies import fit, show, stale
from storage.domain.assignments import OpenPage
from storage.domain.enums import Role, Source
from storage.models import Person
from storage.repo import Repos

PAGE_SIZE = 8
FILTER_TITLES = {"": N_("All open"), "overdue": N_("Overdue"), "week": N_("Due this week")}
SOURCES = {source.value: source for source in Source}


async def my_departments(person: Person, ctx: services.Context) -> frozenset[int] | None:
    """The departments «my» list shows: those the person heads (or acts for) and their own;
    None for an executor, whose list holds the items a head passed to them."""
    mine = await services.head_departments(ctx, person)
    if not mine and Role.EXECUTOR in person.roles:
        return None
    return mine | {person.department_id} if person.department_id is not None else mine


MY_LIST_ROLES = frozenset({Role.HEAD, Role.EXECUTOR})  # who has /my


def department_filter(flt: str) -> int | None:
    return number(flt[1:]) if flt.startswith("d") else None


def source_filter(flt: str) -> Source | None:
    return SOURCES.get(flt[1:]) if flt.startswith("s") else None


def known_filter(flt: str) -> bool:
    """One of the filters the list's buttons carry (any other was forged)."""
    return (
        flt in FILTER_TITLES
        or department_filter(flt) is not None
        or source_filter(flt) is not None
    )


async def list_query(
    scope: ListScope, flt: str, person: Person, ctx: services.Context
) -> dict[str, Any]:
    """What a list shows: the scope (my departments, or everything on control) narrowed by the
    filter. A department filter never widens «my» list beyond the person's departments."""
    query: dict[str, Any] = {}
    mine: frozenset[int] | None = None
    if scope is ListScope.MY:
        mine = await my_departments(person, ctx)
        if mine is None:
            # an executor's /my: the items a head passed to them (handlers.executors)
            query["passed_to"] = person.id
            mine = frozenset()
        else:
            query["department_ids"] = mine
    if flt == "overdue":
        query["overdue_on"] = ctx.today
    elif flt == "week":
        query["due_from"] = ctx.today
        query["due_to"] = ctx.today + timedelta(days=6 - ctx.today.weekday())
    elif (department := department_filter(flt)) is not None:
        wanted = {department}
        query["department_ids"] = sorted(wanted if mine is None else wanted & mine)
    elif (source := source_filter(flt)) is not None:
        query["source"] = source
    return query


async def list_title(
    scope: ListScope, flt: str, total: int, repos: Repos, *, passed: bool = False
) -> str:
    """The list's first line; `passed`: an executor's /my (the items passed to them)."""
    if scope is ListScope.MY:
        title = _("Passed to me") if passed else _("My department's open assignments")
    else:
        title = _("On control")
    line = f"{title}: {total}"
    if flt in FILTER_TITLES and flt:
        line += f" · {_(FILTER_TITLES[flt])}"
    elif (wanted := department_filter(flt)) is not None:
        # a forged filter naming no department shows no dangling «·»
        if (department := await repos.staff.department(wanted)) is not None:
            line += f" · {department.label(language())}"
    elif (source := source_filter(flt)) is not None:
        line += f" · {_(SOURCE_TITLES[source])}"
    return line


# an item's 🔎 button, by item id (a number may change: the button is made again then)
_VIEW_BUTTONS = ButtonsKept()


def list_keyboard(scope: ListScope, flt: str, page: int, found: OpenPage) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for item in found.items:
        builder.put(
            _VIEW_BUTTONS.get(
                item.id,
                f"🔎 {item.reg_number}",
                partial(ItemCallback, action=ItemAction.VIEW, id=item.id),
            )
        )
    builder.adjust(2)
    nav = Keyboard()
    if found.before_first and found.items:
        back = ListCallback(scope=scope, page=page - 1, flt=flt, at=-found.items[0].id)
        nav.button(text="◀️", callback_data=back)
    if found.next_at is not None:
        onward = ListCallback(scope=scope, page=page + 1, flt=flt, at=found.next_at)
        nav.button(text="▶️", callback_data=onward)
    builder.attach(nav)
    if scope is ListScope.CONTROL:
        filters = Keyboard()
        for key, label in FILTER_TITLES.items():
            filters.button(text=_(label), callback_data=ListCallback(scope=scope, flt=key))
        filters.button(
            text=_("By department"), callback_data=ListCallback(scope=ListScope.DEPARTMENTS)
        )
        filters.button(text=_("By source"), callback_data=ListCallback(scope=ListScope.SOURCES))
        filters.adjust(2)  # a phone shows two buttons in a row without cutting them
        builder.attach(filters)
    return builder.as_markup()


async def render_list(
    scope: ListScope, flt: str, page: int, person: Person, ctx: services.Context, at: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the list, read by key from the item `at` (see `ListCallback`)."""
    query = await list_query(scope, flt, person, ctx)
    found = await ctx.repos.assignments.open_page(size=PAGE_SIZE, at=at, **query)
    page = page_number(page, found.total, PAGE_SIZE, found)
    lines = [await list_title(scope, flt, found.total, ctx.repos, passed="passed_to" in query)]
    if not found.items:
        lines.append(_("Nothing here."))
    lines += [list_row(item, ctx.calendar, ctx.today) for item in found.items]
    if paged := page_line(page, found.total, PAGE_SIZE):
        lines.append(paged)
    if found.items:  # the lights' legend, when there are lights to read
        lines.append(_("🔴 overdue · 🟡 3 working days or less · 🟢 later"))
    return "\n".join(lines), list_keyboard(scope, flt, page, found)


async def cmd_my(message: Message, person: Person, ctx: services.Context) -> None:
    text, markup = await render_list(ListScope.MY, "", 0, person, ctx)
    await message.answer(text, reply_markup=markup)


async def cmd_control(message: Message, person: Person, ctx: services.Context) -> None:
    text, markup = await render_list(ListScope.CONTROL, "", 0, person, ctx)
    await message.answer(text, reply_markup=markup)


def filter_keyboard(scope: ListScope, departments: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """The departments (or the sources) /control can be narrowed to."""
    builder = Keyboard()
    if scope is ListScope.DEPARTMENTS:
        for department_id, name in departments:
            builder.button(
                text=fit(name),
                callback_data=ListCallback(scope=ListScope.CONTROL, flt=f"d{department_id}"),
            )
    else:
        for source, title in SOURCE_TITLES.items():
            builder.button(
                text=fit(_(title)),
                callback_data=ListCallback(scope=ListScope.CONTROL, flt=f"s{source.value}"),
            )
    # a change of mind: back to the whole list, without typing /control again
    builder.button(text=_("◀️ Back"), callback_data=ListCallback(scope=ListScope.CONTROL))
    builder.adjust(1)
    return builder.as_markup()


async def on_list(
    query: CallbackQuery, callback_data: ListCallback, person: Person, ctx: services.Context
) -> None:
    scope = callback_data.scope
    if scope is not ListScope.MY and Role.CONTROLLER not in person.roles:
        await query.answer(_("Only the control department can do this."), show_alert=True)
        return
    # «my» list is a head's or an executor's (/my), and has no department filter of its own:
    # one naming a department that is not the person's was forged; not even its name is shown
    if not known_filter(callback_data.flt):
        await stale(query)
        return
    wanted = department_filter(callback_data.flt)
    if scope is ListScope.MY and (
        not person.roles & MY_LIST_ROLES
        or (
            wanted is not None and wanted not in (await my_departments(person, ctx) or frozenset())
        )
    ):
        await stale(query)
        return
    await query.answer()
    if query.message is None:
        return
    if scope in {ListScope.DEPARTMENTS, ListScope.SOURCES}:
        departments = (
            [(d.id, d.label(person.language.value)) for d in await ctx.repos.staff.departments()]
            if scope is ListScope.DEPARTMENTS
            else []
        )
        question = (
            _("On control: which department's assignments?")
            if scope is ListScope.DEPARTMENTS
            else _("On control: assignments from which source?")
        )  # in place of the list, whose 🔎 buttons the choice replaces
        await show(query, question, filter_keyboard(scope, departments))
        return
    text, markup = await render_list(
        scope, callback_data.flt, callback_data.page, person, ctx, callback_data.at
    )
    await show(query, text, markup)


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_list, ListCallback.filter())
    heads = for_roles(Router(name=f"{__name__}.heads"), MY_LIST_ROLES)
    heads.message.register(cmd_my, Command("my"))
    controllers = for_roles(Router(name=f"{__name__}.controllers"), frozenset({Role.CONTROLLER}))
    controllers.message.register(cmd_control, Command("control"))
    router.include_routers(heads, controllers)
    return router

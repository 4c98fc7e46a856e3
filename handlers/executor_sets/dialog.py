"""«👥 Executors» on the controller's card: add or remove executor departments in the paged
picker (the first chosen is the main one, «свод»), choose the main one, save. The departments
the dialog started from are kept: a change by someone else meanwhile refuses the save."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.assignments.rules import check_controller
from bot.executor_sets import steps as executor_steps
from bot.executor_sets.rules import active_executors
from bot.middlewares import Tap, for_roles
from handlers.assignments.cards import controller_keyboard
from handlers.assignments.drafting import chosen_names, executors_view, main_marked
from handlers.callbacks import ExecCallback, ExecStep, ItemAction, ItemCallback, number
from handlers.keyboards import Keyboard
from handlers.loaders import Dialog, LoadedItem, on_dialog
from handlers.pickers import Picker
from handlers.replies import reader_language, show, stale
from handlers.steps import departments_of, pick, search
from storage.domain.assignments import Assignment
from storage.domain.enums import Role
from storage.repo import Repos

CONTROLLERS = frozenset({Role.CONTROLLER})


def exec_callback(step: str, value: str = "") -> ExecCallback:
    return ExecCallback(step=ExecStep(step), value=value)


# `chosen` (the main executor first), `query`, `page`; also `id` and `seen` (as it was).
EXECUTORS = Picker(exec_callback)


class ExecutorStates(StatesGroup):
    pick = State()


async def draw(repos: Repos, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    item = await repos.assignments.get(int(data["id"]))
    number = item.reg_number if item is not None else ""
    header = _(
        "Executors of assignment No. {number}: tap a department to add or remove it; the "
        "first one (⭐) is the main executor. Type a part of a name to search."
    ).format(number=number)
    text, markup = await executors_view(
        repos, EXECUTORS, data, header, exec_callback(ExecStep.SAVE)
    )
    builder = Keyboard.from_markup(markup)
    main = Keyboard()  # a row of its own under «Done» (a phone would cut it beside another)
    main.button(text=_("⭐ Choose the main executor"), callback_data=exec_callback(ExecStep.MAIN))
    builder.attach(main)
    return text, builder.as_markup()


async def on_executors(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    check_controller(item, tap.person.roles)
    current = active_executors(item)
    await tap.state.set_state(ExecutorStates.pick)
    await tap.state.set_data({"id": item.id, "seen": current} | EXECUTORS.fresh())
    data = await tap.state.update_data({EXECUTORS.chosen_key: current})
    await query.answer()
    text, markup = await draw(tap.ctx.repos, data)
    if query.message is not None:
        await query.message.answer(text, reply_markup=markup)


async def on_pick(
    query: CallbackQuery, callback_data: ExecCallback, state: FSMContext, repos: Repos
) -> None:
    await pick(
        query,
        state,
        EXECUTORS,
        callback_data.step,
        callback_data.value,
        lambda data: draw(repos, data),
        departments_of(repos),
    )


async def on_search(message: Message, state: FSMContext, repos: Repos) -> None:
    await search(
        message,
        state,
        EXECUTORS,
        lambda data: draw(repos, data),
        _("Type a part of a department's name."),
    )


async def on_main(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    """The chosen departments, one a row: the one tapped becomes the main executor."""
    data = await state.get_data()
    departments = await repos.staff.departments()
    chosen = EXECUTORS.chosen(data)
    by_id = {d.id: d.label(reader_language()) for d in departments}
    builder = Keyboard()
    for department_id in chosen:
        if department_id in by_id:
            mark = "⭐ " if department_id == chosen[0] else ""
            builder.button(
                text=f"{mark}{by_id[department_id]}",
                callback_data=exec_callback(ExecStep.STAR, str(department_id)),
            )
    builder.button(text=_("◀️ Back"), callback_data=exec_callback(ExecStep.BACK))
    builder.adjust(1)
    await query.answer()
    await show(query, _("Which department is the main executor («свод»)?"), builder.as_markup())


async def on_star(
    query: CallbackQuery, callback_data: ExecCallback, state: FSMContext, repos: Repos
) -> None:
    data = await state.get_data()
    chosen = EXECUTORS.chosen(data)
    main = number(callback_data.value)
    if main is None or main not in chosen:
        await stale(query)
        return
    data = await state.update_data(
        {EXECUTORS.chosen_key: [main, *(d for d in chosen if d != main)]}
    )
    await query.answer()
    await show(query, *await draw(repos, data))


async def on_back(query: CallbackQuery, state: FSMContext, repos: Repos) -> None:
    await query.answer()
    await show(query, *await draw(repos, await state.get_data()))


async def on_save(query: CallbackQuery, dialog: Dialog[Assignment]) -> None:
    seen = [int(d) for d in dialog.data["seen"]]
    chosen = EXECUTORS.chosen(dialog.data)
    # refused (nothing chosen, nothing changed): the dialog stays open to go on
    updated = await executor_steps.change_executors(
        dialog.ctx, dialog.person, dialog.item, seen=seen, chosen=chosen
    )
    await dialog.state.clear()
    departments = await dialog.ctx.repos.staff.departments()
    names = main_marked(chosen_names(departments, active_executors(updated)))
    await query.answer(_("Saved."))
    await show(
        query,
        _(
            "Executors of assignment No. {number}: {names}. Added departments get the card, "
            "removed ones are told."
        ).format(number=updated.reg_number, names=", ".join(names)),
        controller_keyboard(updated),
    )


async def on_lost(query: CallbackQuery) -> None:
    """A tap on an old executors picker (the dialog ended or another began)."""
    await stale(query)


def create_router() -> Router:
    router = for_roles(Router(name=__name__), CONTROLLERS)
    router.callback_query.register(
        on_executors, ItemCallback.filter(F.action == ItemAction.EXECS), LoadedItem()
    )
    picking = ExecutorStates.pick
    steps = (ExecStep.DEPARTMENT, ExecStep.PAGE, ExecStep.ALL)
    router.callback_query.register(on_pick, picking, ExecCallback.filter(F.step.in_(steps)))
    router.callback_query.register(on_main, picking, ExecCallback.filter(F.step == ExecStep.MAIN))
    router.callback_query.register(on_star, picking, ExecCallback.filter(F.step == ExecStep.STAR))
    router.callback_query.register(on_back, picking, ExecCallback.filter(F.step == ExecStep.BACK))
    on_dialog(
        router.callback_query, on_save, picking, ExecCallback.filter(F.step == ExecStep.SAVE)
    )
    router.callback_query.register(on_lost, ExecCallback.filter())
    router.message.register(on_search, picking, ~F.text.startswith("/"))
    return router

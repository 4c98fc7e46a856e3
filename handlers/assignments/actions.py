"""Executors acting on assignments: accept, report, not ours, and viewing a card; the router of
every assignment button (the controller's decisions and the lists are in their own modules)."""

from __future__ import annotations

from functools import partial

from aiogram import F, Router
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.assignments import steps as assignment_steps
from bot.assignments.rules import check_not_ours, check_report
from bot.leaders import views as leader_views
from bot.middlewares import Tap
from handlers.assignments import decisions, lists
from handlers.assignments.cards import (
    card_text,
    controller_keyboard,
    executor_keyboard,
    history_text,
)
from handlers.assignments.decisions import ReasonStates
from handlers.callbacks import ItemAction, ItemCallback
from handlers.drafts import cancel_only, drop_draft, send_report, take_report_part
from handlers.executors.cards import executor_card_keyboard, passed_line
from handlers.extensions.letters import requested_from_line
from handlers.loaders import Dialog, Handler, LoadedItem, on_dialog, on_loaded
from handlers.replies import ask, show
from storage.domain.assignments import Assignment
from storage.domain.enums import Role
from storage.domain.executors import Pass
from storage.models import Person

OVERSIGHT = frozenset({Role.CONTROLLER, Role.AKIM, Role.HEAD_OF_APPARATUS})


class ReportStates(StatesGroup):
    collecting = State()


async def may_view(
    ctx: services.Context, person: Person, item: Assignment, heads: frozenset[int]
) -> bool:
    """Whether the person sees the item's card: oversight, a curator of one of its departments,
    or the head (`heads`: the departments they answer for as head today) of one."""
    if person.roles & OVERSIGHT:
        return True
    departments = {e.department_id for e in item.executors}
    if heads & departments:
        return True
    return bool((await leader_views.lens(ctx, person)).curates & departments)


# --- executors ---------------------------------------------------------------------------------


async def on_accept(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    await assignment_steps.accept(tap.ctx, tap.person, item, tap.button.dep)
    await query.answer(_("Accepted."))
    updated = await tap.ctx.repos.assignments.get(item.id)
    assert updated is not None
    if query.message is not None and updated.executor(tap.button.dep) is not None:
        # the card as 🔎 shows it, now for the department that accepted
        text, markup = await card_view(
            tap.ctx, tap.person, updated, frozenset({tap.button.dep}), passed=None
        )
        await show(query, text, markup)


async def on_report(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    departments = services.only(
        await services.head_departments(tap.ctx, tap.person), tap.button.dep
    )
    executor = check_report(item, departments)
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
        tap.state,
        ReportStates.collecting,
        {"id": item.id, "dep": tap.button.dep, "text": [], "files": []},
        prompt.format(number=item.reg_number, to_whom=to_whom),
        cancel_only(ItemCallback(action=ItemAction.DROP, id=item.id, dep=tap.button.dep)),
    )


async def on_report_part(message: Message, dialog: Dialog[Assignment]) -> None:
    item_id, dep = dialog.item.id, int(dialog.data["dep"])
    await take_report_part(
        message,
        dialog,
        _("📤 Send the report"),
        ItemCallback(action=ItemAction.SEND, id=item_id, dep=dep),
        ItemCallback(action=ItemAction.DROP, id=item_id, dep=dep),
    )


async def on_send_report(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    submit = partial(assignment_steps.submit_report, tap.ctx, tap.person, item, tap.button.dep)
    done = _("The report on assignment No. {number} is sent.").format(number=item.reg_number)
    await send_report(query, tap.state, ReportStates.collecting, item, submit, done)


async def on_not_ours(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    departments = services.only(
        await services.head_departments(tap.ctx, tap.person), tap.button.dep
    )
    check_not_ours(tap.ctx.profile, tap.ctx.calendar, item, departments, tap.ctx.today)
    question = _(
        "Why is assignment No. {number} not your department's? Write the reason; "
        "it goes to the control department. /cancel leaves it."
    ).format(number=item.reg_number)
    await ask(
        query,
        tap.state,
        ReasonStates.not_ours,
        {"id": item.id, "dep": tap.button.dep},
        question,
    )


# --- viewing ----------------------------------------------------------------------------------


async def on_view(
    query: CallbackQuery, item: Assignment, person: Person, ctx: services.Context
) -> None:
    passed = await ctx.repos.executors.pass_of(item.id, person.id)
    if passed is not None and (
        person.department_id != passed.department_id or item.executor(passed.department_id) is None
    ):
        passed = None  # moved to another department, or the department returned the item
    departments = await services.head_departments(ctx, person)
    if passed is None and not await may_view(ctx, person, item, departments):
        await query.answer(_("This assignment is not addressed to you."), show_alert=True)
        return
    await query.answer()
    text, markup = await card_view(ctx, person, item, departments, passed)
    if query.message is not None:
        await query.message.answer(text, reply_markup=markup)


async def card_view(
    ctx: services.Context,
    person: Person,
    item: Assignment,
    departments: frozenset[int],
    passed: Pass | None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """An item's card for this person, and its buttons: as the head of the first of
    `departments` that executes it (accept, report, pass on …), else as the controller, else
    as an executor it was passed to (`passed`), else to read only. The same after 🔎 and after
    the card's own buttons redraw it."""
    executor = next(
        (e for e in item.executors if e.active and e.department_id in departments), None
    )
    names = await ctx.repos.staff.names()
    text = card_text(
        item,
        ctx.calendar,
        ctx.today,
        ctx.settings.zone,
        executor=executor,
        names=names,
        profile=ctx.profile,
    )
    if executor is not None:
        text += await passed_line(ctx, item, executor.department_id)
    text += await requested_from_line(ctx.repos, ctx.profile, item)
    history = await ctx.repos.assignments.history(item.reg_number)
    text += "\n\n" + history_text(history, ctx.settings.zone, names)
    markup: InlineKeyboardMarkup | None = None
    if executor is not None:
        passing = bool(await ctx.repos.staff.executors_of(executor.department_id))
        markup = executor_keyboard(item, executor, passing=passing)
    elif Role.CONTROLLER in person.roles:
        markup = controller_keyboard(item)
    elif passed is not None:
        markup = executor_card_keyboard(item)
    return text, markup


def create_router() -> Router:
    """Every assignment button and typed step: the executors' here, the controller's
    (`decisions`) and the lists' (`lists`) as child routers."""
    router = Router(name=__name__)
    cb = router.callback_query
    handlers: dict[ItemAction, Handler] = {
        ItemAction.ACCEPT: on_accept,
        ItemAction.REPORT: on_report,
        ItemAction.SEND: on_send_report,
        ItemAction.NOT_OURS: on_not_ours,
        ItemAction.VIEW: on_view,
    }
    on_loaded(cb, ItemCallback, LoadedItem(), handlers)
    cb.register(drop_draft, ItemCallback.filter(F.action == ItemAction.DROP))
    on_dialog(router.message, on_report_part, ReportStates.collecting, ~F.text.startswith("/"))
    router.include_routers(decisions.create_router(), lists.create_router())
    return router

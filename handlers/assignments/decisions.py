"""The control department decides on assignments: removal from control (with its ground),
return for rework (with a reason) and reassignment of a department's part. Every button here
is for controllers, stated once on the router."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.assignments import steps as assignment_steps
from bot.assignments.rules import check_decision
from bot.middlewares import for_roles
from handlers.assignments.cards import ground_keyboard
from handlers.callbacks import ItemAction, ItemCallback
from handlers.loaders import Handler, LoadedItem, on_loaded
from handlers.replies import ask, stale, typed_reason
from storage.domain.assignments import Assignment, RemovalGround
from storage.domain.enums import Role
from storage.models import Person
from storage.repo import Repos

CONTROLLERS = frozenset({Role.CONTROLLER})
DEPARTMENTS_PAGE = 8


class ReasonStates(StatesGroup):
    not_ours = State()
    rework = State()


async def on_remove(query: CallbackQuery, item: Assignment, person: Person) -> None:
    check_decision(item, person.roles)
    await query.answer()
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
    item: Assignment,
    person: Person,
    ctx: services.Context,
) -> None:
    try:
        ground = RemovalGround(callback_data.arg)
    except ValueError:
        await stale(query)
        return
    if not await assignment_steps.remove(ctx, person, item, ground):
        await stale(query)
        return
    await query.answer(_("Removed from control."))
    if query.message is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            _("Assignment No. {number} is removed from control.").format(number=item.reg_number)
        )


async def on_return(
    query: CallbackQuery, item: Assignment, person: Person, state: FSMContext
) -> None:
    check_decision(item, person.roles)
    await query.answer()
    question = _(
        "Why is assignment No. {number} returned for rework? The reason goes to the "
        "executors. /cancel leaves it."
    ).format(number=item.reg_number)
    await ask(query, state, ReasonStates.rework, {"id": item.id}, question)


async def on_reason(
    message: Message,
    person: Person,
    state: FSMContext,
    raw_state: str | None,
    ctx: services.Context,
) -> None:
    """The reason typed: why an item is not the department's (its head), or why it is returned
    for rework (the controller). Too short, and the person is asked again."""
    typed = await typed_reason(message, state)
    item = await ctx.repos.assignments.get(int(typed[1]["id"])) if typed else None
    if typed is None or item is None:
        return
    reason, data = typed
    if raw_state == ReasonStates.not_ours.state:
        await assignment_steps.not_ours(ctx, person, item, int(data["dep"]), reason)
        done = _("Assignment No. {number} is returned to the control department for reassignment.")
    elif await assignment_steps.return_for_rework(ctx, person, item, reason):
        done = _("Assignment No. {number} is returned for rework.")
    else:
        return
    await message.answer(done.format(number=item.reg_number))


async def on_reassign(
    query: CallbackQuery, callback_data: ItemCallback, item: Assignment, repos: Repos
) -> None:
    if not item.is_open:
        await stale(query)
        return
    await query.answer()
    page = int(callback_data.arg) if callback_data.arg.isdigit() else 0  # forged: the first
    taken = {e.department_id for e in item.executors if e.active} | {callback_data.dep}
    departments = [d for d in await repos.staff.departments() if d.id not in taken]
    builder = InlineKeyboardBuilder()
    shown = departments[page * DEPARTMENTS_PAGE : (page + 1) * DEPARTMENTS_PAGE]
    for department in shown:
        builder.button(
            text=department.name,
            callback_data=ItemCallback(
                action=ItemAction.TO, id=item.id, dep=callback_data.dep, arg=str(department.id)
            ),
        )
    builder.adjust(1)
    nav = []
    if page > 0:
        nav.append(("◀️", page - 1))
    if (page + 1) * DEPARTMENTS_PAGE < len(departments):
        nav.append(("▶️", page + 1))
    for label, target in nav:
        builder.row()
        builder.button(
            text=label,
            callback_data=ItemCallback(
                action=ItemAction.REASSIGN, id=item.id, dep=callback_data.dep, arg=str(target)
            ),
        )
    if query.message is not None:
        await query.message.edit_reply_markup(reply_markup=builder.as_markup())  # type: ignore[union-attr]


async def on_reassign_to(
    query: CallbackQuery,
    callback_data: ItemCallback,
    item: Assignment,
    person: Person,
    ctx: services.Context,
) -> None:
    try:  # not a department, or the one that declined it: a forged button
        target = int(callback_data.arg)
        updated = await assignment_steps.reassign(ctx, person, item, callback_data.dep, target)
    except ValueError:
        updated = None
    if updated is None:
        await stale(query)
        return
    department = await ctx.repos.staff.department(target)
    await query.answer(_("Reassigned."))
    if query.message is not None and department is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            _("Assignment No. {number} is reassigned to {department}.").format(
                number=item.reg_number, department=department.name
            )
        )


def create_router() -> Router:
    router = Router(name=__name__)
    reasons = StateFilter(ReasonStates.not_ours, ReasonStates.rework)
    router.message.register(on_reason, reasons, ~F.text.startswith("/"))
    controllers = for_roles(Router(name=f"{__name__}.controllers"), CONTROLLERS)
    handlers: dict[ItemAction, Handler] = {
        ItemAction.REMOVE: on_remove,
        ItemAction.GROUND: on_ground,
        ItemAction.RETURN: on_return,
        ItemAction.REASSIGN: on_reassign,
        ItemAction.TO: on_reassign_to,
    }
    on_loaded(controllers.callback_query, ItemCallback, LoadedItem(), handlers)
    router.include_router(controllers)
    return router

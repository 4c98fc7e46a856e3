"""The control department decides on assignments: removal from control (with its ground),
return for rework (with a reason) and reassignment of a department's part. Every button here
is for controllers, stated once on the router."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.assignments import steps as assignment_steps
from bot.assignments.rules import (
    check_controller,
    check_decision,
    check_keep,
    check_new_deadline,
)
from bot.middlewares import Tap, for_roles
from bot.removals import steps as removal_steps
from bot.removals.rules import NOTE_MAX, NOTE_MIN, check_no_pending
from handlers.assignments.cards import (
    GROUND_TITLES,
    controller_keyboard,
    declined_keyboard,
    ground_keyboard,
    language,
)
from handlers.callbacks import ItemAction, ItemCallback, number
from handlers.keyboards import Keyboard
from handlers.loaders import Dialog, Handler, LoadedItem, on_dialog, on_loaded
from handlers.replies import ask, dotted, fit_in, stale, typed_reason
from handlers.steps import button_day, typed_deadline, typed_text
from storage.domain.assignments import Assignment, Refusal, RemovalGround
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

CONTROLLERS = frozenset({Role.CONTROLLER})
DEPARTMENTS_PAGE = 8


class ReasonStates(StatesGroup):
    not_ours = State()
    rework = State()
    keep = State()  # why a «не наше» is refused


class RemovalStates(StatesGroup):
    note = State()  # the note on a removal from control, after its ground


class DeadlineStates(StatesGroup):
    day = State()
    reference = State()
    reason = State()


REFERENCE_MAX = 200
REASON_MAX = 500


async def on_remove(query: CallbackQuery, item: Assignment, person: Person, repos: Repos) -> None:
    check_decision(item, person.roles)
    check_no_pending(item.reg_number, await repos.removals.pending_for(item.id))
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            _("Grounds for removing assignment No. {number} from control:").format(
                number=item.reg_number
            ),
            reply_markup=ground_keyboard(item),
        )


async def on_ground(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    """The ground chosen: the note is asked (why, in words); it goes to the history and, under
    the consent rule, to the akim and the head of apparatus."""
    try:
        ground = RemovalGround(tap.button.arg)
    except ValueError:
        await stale(query)
        return
    check_decision(item, tap.person.roles)
    question = _(
        "Ground: {ground}. Now a short note on the execution of assignment No. {number}. "
        "/cancel leaves it."
    ).format(ground=_(GROUND_TITLES[ground]), number=item.reg_number)
    data = {"id": item.id, "ground": ground.value}
    await ask(query, tap.state, RemovalStates.note, data, question)


async def on_removal_note(message: Message, dialog: Dialog[Assignment]) -> None:
    note = await typed_text(
        message, NOTE_MIN, NOTE_MAX, _("The note: from {min} to {max} characters, please.")
    )
    if note is None:
        return
    await dialog.state.clear()  # done or refused, the dialog ends here
    item, ground = dialog.item, RemovalGround(dialog.data["ground"])
    request = await removal_steps.remove(dialog.ctx, dialog.person, item, ground, note)
    if request is None:
        done = _("Assignment No. {number} is removed from control. The executors are told.")
    else:
        done = _(
            "Assignment No. {number} waits for the consent of the akim or the head of "
            "apparatus to its removal from control. You will be told."
        )
    await message.answer(done.format(number=item.reg_number))


async def on_return(
    query: CallbackQuery, item: Assignment, person: Person, state: FSMContext
) -> None:
    check_decision(item, person.roles)
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
    elif raw_state == ReasonStates.keep.state:
        await assignment_steps.keep(ctx, person, item, int(data["dep"]), reason)
        department = await ctx.repos.staff.department(int(data["dep"]))
        await message.answer(
            _("Assignment No. {number} stays with {department}; they are told why.").format(
                number=item.reg_number,
                department=department.label(language()) if department else "",
            )
        )
        return
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
    page = number(callback_data.arg) or 0  # forged: the first
    taken = {e.department_id for e in item.executors if e.active} | {callback_data.dep}
    departments = [d for d in await repos.staff.departments() if d.id not in taken]
    builder = Keyboard()
    shown = departments[page * DEPARTMENTS_PAGE : (page + 1) * DEPARTMENTS_PAGE]
    for department in shown:
        builder.button(
            text=department.label(language()),
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
    declined = await repos.staff.department(callback_data.dep)
    builder.row()
    builder.button(
        text=_("◀️ Back"),
        callback_data=ItemCallback(action=ItemAction.BACK, id=item.id, dep=callback_data.dep),
    )
    if declined is not None:
        builder.button(
            text=fit_in(_("✋ Keep with {department}"), department=declined.label(language())),
            callback_data=ItemCallback(action=ItemAction.KEEP, id=item.id, dep=declined.id),
        )
    builder.adjust(1)  # one button a row: the labels are department names
    if query.message is not None:
        await query.message.edit_reply_markup(reply_markup=builder.as_markup())  # type: ignore[union-attr]


async def on_back(
    query: CallbackQuery, callback_data: ItemCallback, item: Assignment, repos: Repos
) -> None:
    """From the reassign picker back to «Reassign / Keep with …»."""
    department = await repos.staff.department(callback_data.dep)
    if not item.is_open or department is None:
        await stale(query)
        return
    await query.answer()
    if query.message is not None:
        await query.message.edit_reply_markup(  # type: ignore[union-attr]
            reply_markup=declined_keyboard(item, department.id, department.label(language()))
        )


async def on_keep(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    """«Keep with <department>»: the reason is asked; it goes to the department."""
    check_keep(item, tap.person.roles, tap.button.dep)
    question = _(
        "Why does assignment No. {number} stay with the department? The reason goes to its "
        "head. /cancel leaves it."
    ).format(number=item.reg_number)
    await ask(
        query, tap.state, ReasonStates.keep, {"id": item.id, "dep": tap.button.dep}, question
    )


# --- the deadline, changed by a decision taken outside the bot ---------------------------------


def day_choices(ctx: services.Context, item: Assignment) -> list[date]:
    """Buttons for a new deadline: a week, two weeks and a month after the current one (or
    after today, when that is later), each on a working day."""
    start = max(item.deadline, ctx.today)
    days = [start + timedelta(days=7), start + timedelta(days=14), add_months(start, 1)]
    found: list[date] = []
    for day in days:
        working = (
            ctx.calendar.next_working_day(day) if not ctx.calendar.is_working_day(day) else day
        )
        if working not in found and working != item.deadline:
            found.append(working)
    return found


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def days_keyboard(item: Assignment, days: list[date]) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for day in days:
        builder.button(
            text=dotted(day),
            callback_data=ItemCallback(action=ItemAction.DAY, id=item.id, arg=day.isoformat()),
        )
    builder.adjust(3)
    return builder.as_markup()


async def on_deadline(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    """«📅 Change the deadline»: the new date (typed or on a button), then the decision's
    reference and the reason. A card drawn before another change is stale."""
    check_controller(item, tap.person.roles)
    if tap.button.arg != item.deadline.isoformat():
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=item.reg_number)
    await query.answer()
    await tap.state.set_state(DeadlineStates.day)
    await tap.state.set_data({"id": item.id, "seen": item.deadline.isoformat()})
    question = _(
        "New deadline for assignment No. {number} (now {deadline}). Type it as dd.mm.yyyy or "
        "choose. /cancel leaves it."
    ).format(number=item.reg_number, deadline=dotted(item.deadline))
    if query.message is not None:
        await query.message.answer(
            question, reply_markup=days_keyboard(item, day_choices(tap.ctx, item))
        )


async def take_day(reply: Message, state: FSMContext, day: date) -> None:
    await state.update_data(new=day.isoformat())
    await state.set_state(DeadlineStates.reference)
    await reply.answer(
        _(
            "New deadline: {date}. Now the decision it is taken by, for example «протокол №5 "
            "от 01.12.2026»."
        ).format(date=dotted(day))
    )


async def on_day_typed(message: Message, dialog: Dialog[Assignment]) -> None:
    item, ctx = dialog.item, dialog.ctx

    def check(day: date) -> date:
        return check_new_deadline(ctx.calendar, item, dialog.person.roles, day, ctx.today)

    day = await typed_deadline(
        message,
        dialog.person.language.value,
        check,
        offer=lambda offer: days_keyboard(item, [offer]),
    )
    if day is not None:
        await take_day(message, dialog.state, day)


async def on_day_button(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    data = await tap.state.get_data()
    if await tap.state.get_state() != DeadlineStates.day.state or data.get("id") != item.id:
        await stale(query)
        return
    day = await button_day(query, tap.button.arg)
    if day is None:
        return
    check_new_deadline(tap.ctx.calendar, item, tap.person.roles, day, tap.ctx.today)
    await query.answer()
    if query.message is not None:
        await query.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
        await take_day(query.message, tap.state, day)  # type: ignore[arg-type]


async def on_reference(message: Message, state: FSMContext) -> None:
    reference = await typed_text(
        message,
        3,
        REFERENCE_MAX,
        _("The decision's reference: from {min} to {max} characters, please."),
    )
    if reference is None:
        return
    await state.update_data(reference=reference)
    await state.set_state(DeadlineStates.reason)
    await message.answer(_("And the reason for the change? It goes to the executors."))


async def on_deadline_reason(message: Message, dialog: Dialog[Assignment]) -> None:
    reason = await typed_text(
        message, 3, REASON_MAX, _("The reason: from {min} to {max} characters, please.")
    )
    if reason is None:
        return
    data = dialog.data
    await dialog.state.clear()  # done or refused, the dialog ends here
    updated = await assignment_steps.change_deadline(
        dialog.ctx,
        dialog.person,
        dialog.item,
        seen=date.fromisoformat(data["seen"]),
        new=date.fromisoformat(data["new"]),
        reference=data["reference"],
        reason=reason,
    )
    await message.answer(
        _("The deadline of assignment No. {number} is now {date}. The executors are told.").format(
            number=updated.reg_number, date=dotted(updated.deadline)
        ),
        reply_markup=controller_keyboard(updated),
    )


async def on_reassign_to(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    target = number(tap.button.arg)  # not a department, or the one that declined it: forged
    if (
        target is None
        or await assignment_steps.reassign(tap.ctx, tap.person, item, tap.button.dep, target)
        is None
    ):
        await stale(query)
        return
    department = await tap.ctx.repos.staff.department(target)
    await query.answer(_("Reassigned."))
    if query.message is not None and department is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            _("Assignment No. {number} is reassigned to {department}.").format(
                number=item.reg_number, department=department.label(language())
            )
        )


def create_router() -> Router:
    router = Router(name=__name__)
    reasons = StateFilter(ReasonStates.not_ours, ReasonStates.rework, ReasonStates.keep)
    router.message.register(on_reason, reasons, ~F.text.startswith("/"))
    controllers = for_roles(Router(name=f"{__name__}.controllers"), CONTROLLERS)
    typed = ~F.text.startswith("/")
    on_dialog(controllers.message, on_day_typed, DeadlineStates.day, typed)
    controllers.message.register(on_reference, DeadlineStates.reference, typed)
    on_dialog(controllers.message, on_deadline_reason, DeadlineStates.reason, typed)
    on_dialog(controllers.message, on_removal_note, RemovalStates.note, typed)
    handlers: dict[ItemAction, Handler] = {
        ItemAction.REMOVE: on_remove,
        ItemAction.GROUND: on_ground,
        ItemAction.RETURN: on_return,
        ItemAction.REASSIGN: on_reassign,
        ItemAction.TO: on_reassign_to,
        ItemAction.BACK: on_back,
        ItemAction.KEEP: on_keep,
        ItemAction.DEADLINE: on_deadline,
        ItemAction.DAY: on_day_button,
    }
    on_loaded(controllers.callback_query, ItemCallback, LoadedItem(), handlers)
    router.include_router(controllers)
    return router

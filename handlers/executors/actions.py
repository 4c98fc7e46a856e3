"""Executors' buttons: the head passes an item to executors of the department (a picker, several
may be chosen), takes it back, and decides an executor's draft (send on, or return with a
comment); the executor drafts the report (text and files, like the head's report)."""

from __future__ import annotations

from functools import partial
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.assignments.rules import check_head_of
from bot.executors import steps
from bot.executors.rules import check_passed, check_pending
from bot.middlewares import Tap
from handlers.callbacks import PassAction, PassCallback
from handlers.drafts import cancel_only, drop_draft, send_report, take_report_part
from handlers.executors.cards import picker_keyboard, picker_text
from handlers.loaders import Dialog, Handler, LoadedItem, on_dialog, on_loaded
from handlers.replies import ask, stale, typed_reason
from storage.domain.assignments import Assignment
from storage.models import Person


class PassStates(StatesGroup):
    picking = State()


class DraftStates(StatesGroup):
    collecting = State()
    comment = State()  # the head's comment on a returned draft


async def head_check(
    ctx: services.Context, person: Person, item: Assignment, department_id: int
) -> None:
    """The person is the head (or acting head) of an executor department of the open item."""
    check_head_of(item, services.only(await services.head_departments(ctx, person), department_id))


# --- the head passes ---------------------------------------------------------------------------


async def on_open(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    dep = tap.button.dep
    await head_check(tap.ctx, tap.person, item, dep)
    staff = await tap.ctx.repos.staff.executors_of(dep)
    if not staff:
        await query.answer(
            _("Your department has no executors in the staff directory."), show_alert=True
        )
        return
    chosen = [p.person_id for p in await tap.ctx.repos.executors.passed(item.id, dep)]
    await tap.state.set_state(PassStates.picking)
    await tap.state.set_data({"id": item.id, "dep": dep, "chosen": chosen})
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            picker_text(item, staff, chosen),
            reply_markup=picker_keyboard(item, dep, staff, chosen, passed=bool(chosen)),
        )


async def picking(state: FSMContext, callback_data: PassCallback) -> dict[str, Any] | None:
    """The picker's data when this tap belongs to the picker open now; else None."""
    data: dict[str, Any] = await state.get_data()
    if (
        await state.get_state() != PassStates.picking
        or data.get("id") != callback_data.id
        or data.get("dep") != callback_data.dep
    ):
        return None
    return data


async def on_pick(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    data = await picking(tap.state, tap.button)
    staff = await tap.ctx.repos.staff.executors_of(tap.button.dep)
    if data is None or tap.button.value not in {p.id for p in staff}:
        await stale(query)
        return
    chosen: list[int] = list(data["chosen"])
    if tap.button.value in chosen:
        chosen.remove(tap.button.value)
    else:
        chosen.append(tap.button.value)
    await tap.state.update_data(chosen=chosen)
    passed = bool(await tap.ctx.repos.executors.passed(item.id, tap.button.dep))
    await query.answer()
    if query.message is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            picker_text(item, staff, chosen),
            reply_markup=picker_keyboard(item, tap.button.dep, staff, chosen, passed=passed),
        )


async def passed_text(ctx: services.Context, item: Assignment, department_id: int) -> str:
    passes = await ctx.repos.executors.passed(item.id, department_id)
    people = [await ctx.repos.staff.get(p.person_id) for p in passes]
    names = ", ".join(p.short_name for p in people if p is not None)
    if not names:
        return _("Assignment No. {number} is not passed to anyone; it stays with you.").format(
            number=item.reg_number
        )
    return _(
        "Assignment No. {number} is passed to: {names}. You still answer for the deadline."
    ).format(number=item.reg_number, names=names)


async def on_done(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    data = await picking(tap.state, tap.button)
    if data is None:
        await stale(query)
        return
    await tap.state.clear()
    await steps.pass_item(
        tap.ctx, tap.person, item, tap.button.dep, [int(i) for i in data["chosen"]]
    )
    await query.answer(_("Done."))
    if query.message is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            await passed_text(tap.ctx, item, tap.button.dep)
        )


async def on_take(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    await steps.pass_item(tap.ctx, tap.person, item, tap.button.dep, [])
    if await picking(tap.state, tap.button) is not None:
        await tap.state.clear()
    await query.answer(_("Done."))
    if query.message is not None:
        await query.message.edit_text(  # type: ignore[union-attr]
            await passed_text(tap.ctx, item, tap.button.dep)
        )


# --- the executor drafts -----------------------------------------------------------------------


async def on_draft(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    check_passed(item, await tap.ctx.repos.executors.pass_of(item.id, tap.person.id), tap.person)
    if item.restricted:
        prompt = _(
            "Draft of the report on assignment No. {number}. The item is restricted: write only "
            "a short note; files are not accepted. It goes to your head."
        )
    else:
        prompt = _(
            "Draft of the report on assignment No. {number}. Send the text; you may attach "
            "files. It goes to your head, who sends it on. When done, press «Send to the "
            "head»; /cancel leaves it."
        )
    await ask(
        query,
        tap.state,
        DraftStates.collecting,
        {"id": item.id, "text": [], "files": []},
        prompt.format(number=item.reg_number),
        cancel_only(PassCallback(action=PassAction.DROP, id=item.id)),
    )


async def on_draft_part(message: Message, dialog: Dialog[Assignment]) -> None:
    item_id = dialog.item.id
    await take_report_part(
        message,
        dialog,
        _("📤 Send to the head"),
        PassCallback(action=PassAction.SEND, id=item_id),
        PassCallback(action=PassAction.DROP, id=item_id),
    )


async def on_send(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    submit = partial(steps.submit_draft, tap.ctx, tap.person, item)
    done = _("The draft on assignment No. {number} is sent to your head.").format(
        number=item.reg_number
    )
    await send_report(query, tap.state, DraftStates.collecting, item, submit, done)


# --- the head decides a draft ------------------------------------------------------------------


async def on_approve(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    await steps.approve_draft(tap.ctx, tap.person, item, tap.button.value)
    await query.answer(_("Sent."))
    if query.message is not None:
        await query.message.edit_reply_markup(reply_markup=None)  # type: ignore[union-attr]
        await query.message.answer(
            _("The draft is sent on as your department's report on No. {number}.").format(
                number=item.reg_number
            )
        )


async def on_return(query: CallbackQuery, tap: Tap[PassCallback], item: Assignment) -> None:
    draft = check_pending(item, await tap.ctx.repos.executors.draft(tap.button.value))
    await head_check(tap.ctx, tap.person, item, draft.department_id)
    await ask(
        query,
        tap.state,
        DraftStates.comment,
        {"id": item.id, "draft": draft.id},
        _(
            "What should be changed in the draft on No. {number}? Write a comment; /cancel "
            "leaves it."
        ).format(number=item.reg_number),
    )


async def on_comment(
    message: Message, person: Person, state: FSMContext, ctx: services.Context
) -> None:
    typed = await typed_reason(message, state)
    item = await ctx.repos.assignments.get(int(typed[1]["id"])) if typed else None
    if typed is None or item is None:
        return
    comment, data = typed
    await steps.return_draft(ctx, person, item, int(data["draft"]), comment)
    await message.answer(
        _("The draft on No. {number} is returned with your comment.").format(
            number=item.reg_number
        )
    )


def create_router() -> Router:
    router = Router(name=__name__)
    handlers: dict[PassAction, Handler] = {
        PassAction.OPEN: on_open,
        PassAction.PICK: on_pick,
        PassAction.DONE: on_done,
        PassAction.TAKE: on_take,
        PassAction.DRAFT: on_draft,
        PassAction.SEND: on_send,
        PassAction.APPROVE: on_approve,
        PassAction.RETURN: on_return,
    }
    on_loaded(router.callback_query, PassCallback, LoadedItem(), handlers)
    router.callback_query.register(drop_draft, PassCallback.filter(F.action == PassAction.DROP))
    on_dialog(router.message, on_draft_part, DraftStates.collecting, ~F.text.startswith("/"))
    router.message.register(on_comment, StateFilter(DraftStates.comment), ~F.text.startswith("/"))
    return router

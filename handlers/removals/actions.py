"""The akim or the head of apparatus (or whoever acts for them) decides a removal from control:
«✅ Agree» in one tap, «❌ Refuse» with the reason typed. The first decision wins; the step says
who may decide (no role filter: an acting substitute decides too)."""

from __future__ import annotations

import contextlib

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.middlewares import Tap
from bot.removals import steps as removal_steps
from bot.removals.rules import check_decider, check_pending
from handlers.callbacks import RemovalAction, RemovalCallback
from handlers.removals.outbox import decision_text, request_text
from handlers.replies import ask, stale, typed_reason
from storage.domain.removals import RemovalStatus
from storage.models import Person
from storage.repo import Repos


class RemovalDecisionStates(StatesGroup):
    refuse_reason = State()


MARKS = {RemovalStatus.AGREED: "✅", RemovalStatus.REFUSED: "❌"}


async def settle_copies(bot: Bot, repos: Repos, request_id: int) -> set[tuple[int, int]]:
    """Once decided (a tap or a typed refusal alike), every decider's copy of the request keeps
    what it was about and shows the decision and who took it, in its reader's language,
    without the buttons; a copy Telegram no longer lets edit is left as it is. The (chat id,
    message id) of the copies."""
    request = await repos.removals.get(request_id)
    item = await repos.assignments.get(request.assignment_id) if request else None
    copies: set[tuple[int, int]] = set()
    if request is None or item is None:
        return copies
    for person_id, chat_id, message_id in await repos.outbox.sent_with_prefix(
        f"rmask:{request.id}:"
    ):
        copies.add((chat_id, message_id))
        reader = await repos.staff.get(person_id)
        if reader is None:
            continue
        with get_i18n().use_locale(reader.language.value):
            mark = MARKS.get(request.status, "⚠️")
            text = (
                await request_text(repos, request, item)
                + f"\n\n{mark} "
                + await decision_text(repos, request, item)
            )
        with contextlib.suppress(TelegramAPIError):
            await bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=None
            )
    return copies


async def on_agree(query: CallbackQuery, tap: Tap[RemovalCallback], bot: Bot) -> None:
    if await tap.ctx.repos.removals.get(tap.button.id) is None:  # forged
        await stale(query)
        return
    status = await removal_steps.decide(tap.ctx, tap.person, tap.button.id)
    if status is RemovalStatus.AGREED:
        done = _("Agreed: removed from control.")
        await query.answer(done)
    else:
        done = _("The assignment was returned for rework meanwhile.")
        await query.answer(done, show_alert=True)
    copies = await settle_copies(bot, tap.ctx.repos, tap.button.id)
    message = query.message
    if (
        isinstance(message, Message)
        and message.text
        and (message.chat.id, message.message_id) not in copies
    ):
        # a message that is no copy of the request keeps its text and shows the answer
        mark = "✅" if status is RemovalStatus.AGREED else "⚠️"
        await message.edit_text(f"{message.text}\n\n{mark} {done}", reply_markup=None)


async def on_refuse(query: CallbackQuery, tap: Tap[RemovalCallback]) -> None:
    request = await tap.ctx.repos.removals.get(tap.button.id)
    item = await tap.ctx.repos.assignments.get(request.assignment_id) if request else None
    if request is None or item is None:
        await stale(query)
        return
    check_decider(await removal_steps.deciding_for(tap.ctx, tap.person))
    check_pending(request, item.reg_number)
    question = _(
        "Why does assignment No. {number} stay on control? The reason goes to the controller. "
        "/cancel leaves it."
    ).format(number=item.reg_number)
    await ask(query, tap.state, RemovalDecisionStates.refuse_reason, {"id": request.id}, question)


async def on_refuse_reason(
    message: Message, person: Person, state: FSMContext, ctx: services.Context, bot: Bot
) -> None:
    typed = await typed_reason(message, state)
    if typed is None:
        return
    reason, data = typed
    await removal_steps.decide(ctx, person, int(data["id"]), refuse_reason=reason)
    await message.answer(_("Refused: the assignment stays on control. The controller is told."))
    await settle_copies(bot, ctx.repos, int(data["id"]))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(
        on_agree, RemovalCallback.filter(F.action == RemovalAction.AGREE)
    )
    router.callback_query.register(
        on_refuse, RemovalCallback.filter(F.action == RemovalAction.REFUSE)
    )
    router.message.register(
        on_refuse_reason, RemovalDecisionStates.refuse_reason, ~F.text.startswith("/")
    )
    return router

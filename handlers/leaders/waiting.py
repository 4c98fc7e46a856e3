"""What waits on a person: extension requests for them to decide and «замечаний нет» rounds
for them to answer — on the leaders' overview and behind the main menu's «Requests waiting».
Each opens as the message the person was sent, with its buttons (decided or answered there)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.extensions.rules import asked_of_issuer
from bot.extensions.steps import deciding_for
from bot.leaders import views
from handlers.callbacks import WaitAction, WaitCallback
from handlers.extensions.actions import decision_keyboard
from handlers.extensions.actions import request_text as extension_request_text
from handlers.keyboards import Keyboard
from handlers.remarks.actions import request_keyboard, short_title
from handlers.remarks.actions import request_text as round_request_text
from handlers.replies import stale
from storage.domain.assignments import Assignment
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.domain.remarks import Answer, Round
from storage.models import Person

SHOWN = 10  # buttons of each kind; the rest are counted


def waiting_lines(
    requests: list[tuple[ExtensionRequest, Assignment]], rounds: list[Round]
) -> list[str]:
    if not requests and not rounds:
        return [_("Nothing waits for your decision or answer.")]
    lines = []
    if requests:
        lines.append(
            _("⏳ Extension requests waiting for your decision: {count}").format(
                count=len(requests)
            )
        )
    if rounds:
        lines.append(_("📨 Rounds waiting for your answer: {count}").format(count=len(rounds)))
    return lines


def waiting_buttons(
    requests: list[tuple[ExtensionRequest, Assignment]], rounds: list[Round]
) -> Keyboard:
    builder = Keyboard()
    for request, item in requests[:SHOWN]:
        builder.button(
            text=_("⏳ No. {number}").format(number=item.reg_number),
            callback_data=WaitCallback(action=WaitAction.REQUEST, id=request.id),
        )
    for rnd in rounds[:SHOWN]:
        builder.button(
            text="📨 " + short_title(rnd, 30),
            callback_data=WaitCallback(action=WaitAction.ROUND, id=rnd.id),
        )
    builder.adjust(1)
    return builder


async def waiting_view(person: Person, ctx: services.Context) -> tuple[str, InlineKeyboardMarkup]:
    requests = await views.requests_to_decide(ctx, person)
    rounds = await views.rounds_to_answer(ctx, person)
    text = "\n".join([_("📥 Waiting for you"), "", *waiting_lines(requests, rounds)])
    return text, waiting_buttons(requests, rounds).as_markup()


async def show_waiting(message: Message, person: Person, ctx: services.Context) -> None:
    text, markup = await waiting_view(person, ctx)
    await message.answer(text, reply_markup=markup)


async def on_list(query: CallbackQuery, person: Person, ctx: services.Context) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_waiting(query.message, person, ctx)


async def on_request(
    query: CallbackQuery, callback_data: WaitCallback, person: Person, ctx: services.Context
) -> None:
    """The request as its decider received it, with the decision buttons — only for a pending
    request this person decides."""
    request = await ctx.repos.extensions.get(callback_data.id)
    item = await ctx.repos.assignments.get(request.assignment_id) if request else None
    if (
        request is None
        or item is None
        or request.status is not RequestStatus.PENDING
        or not item.is_open
        or await deciding_for(ctx, person, item) is None
    ):
        await stale(query)
        return
    requester = await ctx.repos.staff.by_code(request.requested_by)
    department = next(
        (
            e.department_in(person.language.value)
            for e in item.executors
            if e.department_id == request.department_id
        ),
        "",
    )
    who = f"{requester.short_name if requester else request.requested_by}, {department}"
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            extension_request_text(item, request, who, person.language.value),
            reply_markup=decision_keyboard(request.id, issuer=asked_of_issuer(ctx.profile, item)),
        )


async def on_round(
    query: CallbackQuery, callback_data: WaitCallback, person: Person, ctx: services.Context
) -> None:
    """The round as its addressee received it, with the answer buttons — only while this
    person's answer is awaited."""
    rnd = await ctx.repos.remarks.get(callback_data.id)
    addressee = rnd.addressee_for(person.id) if rnd else None
    if (
        rnd is None
        or rnd.closed_at is not None
        or addressee is None
        or addressee.answer is not Answer.PENDING
    ):
        await stale(query)
        return
    initiator = await ctx.repos.staff.get(rnd.initiator_id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            round_request_text(rnd, initiator, person.language.value, ctx.profile),
            reply_markup=request_keyboard(rnd, ctx.profile),
        )


def create_router() -> Router:
    """For everybody: each sees only what is addressed to them."""
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(on_list, WaitCallback.filter(F.action == WaitAction.LIST))
    cb.register(on_request, WaitCallback.filter(F.action == WaitAction.REQUEST))
    cb.register(on_round, WaitCallback.filter(F.action == WaitAction.ROUND))
    return router

"""Extension requests: the head asks (date, reasons, confirmation); the decider taps once."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import services
from bot.extensions import steps as extension_steps
from bot.extensions.rules import (
    REASONS_MAX,
    REASONS_MIN,
    ExtensionRefusal,
    asked_of_issuer,
    check_letter_ref,
    check_new_date,
)
from bot.i18n import date_with_weekday
from bot.i18n_marks import N_
from bot.middlewares import Tap
from handlers.assignments.cards import SOURCE_TITLES
from handlers.callbacks import ExtAction, ExtCallback, ItemAction, ItemCallback
from handlers.drafts import drop_draft, send_or_cancel
from handlers.loaders import Dialog, LoadedItem, LoadedRequest, on_dialog
from handlers.refusals import refusal_text
from handlers.replies import ask, stale, typed_reason
from handlers.steps import typed_day
from storage.domain.assignments import Assignment
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

T = TypeVar("T")


class ExtensionStates(StatesGroup):
    date = State()
    reasons = State()
    confirm = State()
    other_date = State()
    reject_reason = State()
    issuer_date = State()  # the date the issuer outside the akimat approved
    issuer_letter = State()  # then the reference of its letter
    issuer_refusal = State()  # the reference of its refusal letter and its reasons


# --- the head asks ----------------------------------------------------------------------------


async def on_request(query: CallbackQuery, tap: Tap[ItemCallback], item: Assignment) -> None:
    exceptional = await extension_steps.check_extension_request(
        tap.ctx, tap.person, item, tap.button.dep
    )
    text = _(
        "Extension of assignment No. {number}, deadline {deadline}. Type the new date as "
        "dd.mm.yyyy. /cancel leaves it."
    ).format(
        number=item.reg_number, deadline=date_with_weekday(item.deadline, tap.person.language)
    )
    if exceptional:
        text += "\n\n" + _(
            "The allowed number of extensions is used up: the request will be marked as "
            "exceptional, for a disciplinary review."
        )
    data = {"id": item.id, "dep": tap.button.dep, "exceptional": exceptional}
    await ask(query, tap.state, ExtensionStates.date, data, text)


async def ask_reasons(message: Message, state: FSMContext, new_date: date, language: str) -> None:
    await state.update_data(new_date=new_date.isoformat())
    await state.set_state(ExtensionStates.reasons)
    await message.answer(
        _("New date: {date}. Now write the reasons for the delay.").format(
            date=date_with_weekday(new_date, language)
        )
    )


async def on_date(message: Message, dialog: Dialog[Assignment]) -> None:
    item, language = dialog.item, dialog.person.language
    new_date = await typed_day(message)
    if new_date is None:
        return
    try:
        check_new_date(dialog.ctx.calendar, item, new_date)
    except Refused as error:
        markup = None
        if error.refusal is ExtensionRefusal.DAY_OFF:
            offer: date = error.values["offer"]  # type: ignore[assignment]
            builder = InlineKeyboardBuilder()
            builder.button(
                text=_("Take {date}").format(date=offer.strftime("%d.%m.%Y")),
                callback_data=ExtCallback(
                    action=ExtAction.OFFER, id=item.id, value=offer.isoformat()
                ),
            )
            markup = builder.as_markup()
        await message.answer(refusal_text(error, language), reply_markup=markup)
        return
    await ask_reasons(message, dialog.state, new_date, language)


async def on_offer(query: CallbackQuery, tap: Tap[ExtCallback]) -> None:
    data = await tap.state.get_data()
    if await tap.state.get_state() != ExtensionStates.date or data.get("id") != tap.button.id:
        await stale(query)
        return
    await query.answer()
    if query.message is not None:
        await ask_reasons(
            query.message,  # type: ignore[arg-type]
            tap.state,
            date.fromisoformat(tap.button.value),
            tap.person.language,
        )


def confirm_keyboard(item_id: int) -> InlineKeyboardMarkup:
    return send_or_cancel(
        _("📤 Send the request"),
        ExtCallback(action=ExtAction.SEND, id=item_id),
        ExtCallback(action=ExtAction.DROP, id=item_id),
    )


async def on_reasons(message: Message, person: Person, repos: Repos, state: FSMContext) -> None:
    reasons = " ".join((message.text or "").split())
    if not REASONS_MIN <= len(reasons) <= REASONS_MAX:
        await message.answer(
            _("Please explain the reasons in {low}–{high} characters.").format(
                low=REASONS_MIN, high=REASONS_MAX
            )
        )
        return
    data = await state.get_data()
    item = await repos.assignments.get(int(data["id"]))
    if item is None:
        await state.clear()
        return
    await state.update_data(reasons=reasons)
    await state.set_state(ExtensionStates.confirm)
    new_date = date.fromisoformat(data["new_date"])
    lines = [
        _("Request to extend assignment No. {number}").format(number=item.reg_number),
        _("Current deadline: {date}").format(
            date=date_with_weekday(item.deadline, person.language)
        ),
        _("New date: {date}").format(date=date_with_weekday(new_date, person.language)),
        _("Reasons: {reasons}").format(reasons=reasons),
    ]
    if data.get("exceptional"):
        lines.append(_("Marked as exceptional, for a disciplinary review."))
    await message.answer("\n".join(lines), reply_markup=confirm_keyboard(item.id))


async def on_send(query: CallbackQuery, tap: Tap[ExtCallback], item: Assignment) -> None:
    data = await tap.state.get_data()
    if await tap.state.get_state() != ExtensionStates.confirm or data.get("id") != tap.button.id:
        await stale(query)
        return
    await tap.state.clear()
    new_date = date.fromisoformat(data["new_date"])
    await extension_steps.request_extension(
        tap.ctx, tap.person, item, int(data["dep"]), new_date, str(data["reasons"])
    )
    await query.answer(_("Sent."))
    if asked_of_issuer(tap.ctx.profile, item):
        done = _(
            "The extension request for assignment No. {number} is sent to the control "
            "department, to be asked of the issuer: {issuer}."
        ).format(number=item.reg_number, issuer=_(SOURCE_TITLES[item.source]))
    else:
        done = _("The extension request for assignment No. {number} is sent for a decision.")
        done = done.format(number=item.reg_number)
    if query.message is not None:
        await query.message.edit_text(done)  # type: ignore[union-attr]


# --- the decider decides ----------------------------------------------------------------------


def decision_line(request: ExtensionRequest, decider: str, language: str) -> str:
    if request.letter_ref is not None:
        if request.status is RequestStatus.APPROVED and request.granted_deadline is not None:
            return _(
                "✅ The issuer approved (letter {letter}), recorded by {name}: new deadline "
                "{date}."
            ).format(
                letter=request.letter_ref,
                name=decider,
                date=date_with_weekday(request.granted_deadline, language),
            )
        return _("❌ The issuer refused (letter {letter}), recorded by {name}: {reason}").format(
            letter=request.letter_ref, name=decider, reason=request.reject_reason or ""
        )
    if request.status is RequestStatus.APPROVED and request.granted_deadline is not None:
        return _("✅ Approved by {name}: new deadline {date}.").format(
            name=decider, date=date_with_weekday(request.granted_deadline, language)
        )
    return _("❌ Rejected by {name}: {reason}").format(
        name=decider, reason=request.reject_reason or ""
    )


async def settle_messages(
    bot: Bot, repos: Repos, request: ExtensionRequest, decider: Person
) -> None:
    """Every decider's copy of the request shows who decided (the first decision wins)."""
    for person_id, chat_id, message_id in await repos.outbox.sent_with_prefix(
        f"extreq:{request.id}:"
    ):
        reader = await repos.staff.get(person_id)
        if reader is None:
            continue
        with get_i18n().use_locale(reader.language.value):
            text = decision_line(request, decider.short_name, reader.language.value)
        try:
            await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
        except TelegramAPIError:
            continue


async def after_decision(repos: Repos, bot: Bot, request_id: int, decider: Person) -> None:
    """Once decided: the notices go out, and every decider's copy shows the decision."""
    decided = await repos.extensions.get(request_id)
    assert decided is not None
    await settle_messages(bot, repos, decided, decider)


async def on_approve(
    query: CallbackQuery, tap: Tap[ExtCallback], request: ExtensionRequest, bot: Bot
) -> None:
    item = await tap.ctx.repos.assignments.get(request.assignment_id)
    if item is None or asked_of_issuer(tap.ctx.profile, item):
        await stale(query)  # the issuer decides: its answer is recorded with its letter
        return
    await extension_steps.decide_extension(tap.ctx, tap.person, request)
    await after_decision(tap.ctx.repos, bot, request.id, tap.person)
    await query.answer(_("Approved."))


TYPED_DECISIONS: dict[str, tuple[State, str]] = {
    ExtAction.OTHER: (
        ExtensionStates.other_date,
        N_("Type the deadline you approve for assignment No. {number} as dd.mm.yyyy."),
    ),
    ExtAction.REJECT: (
        ExtensionStates.reject_reason,
        N_("Write the reason for rejecting the request on assignment No. {number}."),
    ),
    ExtAction.ISSUER_YES: (
        ExtensionStates.issuer_date,
        N_("Type the deadline the issuer approved for assignment No. {number} as dd.mm.yyyy."),
    ),
    ExtAction.ISSUER_NO: (
        ExtensionStates.issuer_refusal,
        N_(
            "Type the reference of the issuer's letter refusing the extension of assignment "
            "No. {number} (its number and date) on the first line, and the reasons it gives "
            "on the next lines."
        ),
    ),
}


async def on_typed_decision(
    query: CallbackQuery, tap: Tap[ExtCallback], request: ExtensionRequest
) -> None:
    """«Approve another date» / «Reject»: the decider is asked to type the date or the reason;
    «The issuer approved» / «refused»: the controller, the date and the issuer's letter."""
    next_state, prompt = TYPED_DECISIONS[tap.button.action]
    item = await tap.ctx.repos.assignments.get(request.assignment_id)
    recording = tap.button.action in ISSUER_ANSWERS
    if item is None or recording != asked_of_issuer(tap.ctx.profile, item):
        await stale(query)  # a button of the other kind of decision: forged or stale
        return
    if await extension_steps.deciding_for(tap.ctx, tap.person, item) is None:
        raise Refused(ExtensionRefusal.NOT_DECIDER)
    if request.status is not RequestStatus.PENDING:
        raise Refused(ExtensionRefusal.DECIDED)
    question = _(prompt).format(number=item.reg_number)
    await ask(query, tap.state, next_state, {"request": request.id}, question)


ISSUER_ANSWERS = frozenset({ExtAction.ISSUER_YES, ExtAction.ISSUER_NO})


async def typed_decision(
    message: Message,
    person: Person,
    state: FSMContext,
    data: dict[str, Any],
    ctx: services.Context,
    bot: Bot,
    done: str,
    **decision: Any,
) -> None:
    """Decide as the decider typed (another date, or the reason to reject) on the request the
    state names, and answer `done`. A refused date may be typed again, unless the request is
    out of this decider's hands."""
    request = await ctx.repos.extensions.get(int(data["request"]))
    if request is None:
        await state.clear()
        return
    try:
        await extension_steps.decide_extension(ctx, person, request, **decision)
    except Refused as error:
        if "granted" not in decision or error.refusal in {
            ExtensionRefusal.DECIDED,
            ExtensionRefusal.NOT_DECIDER,
        }:
            await state.clear()
        raise
    await state.clear()
    await after_decision(ctx.repos, bot, request.id, person)
    await message.answer(done)


async def on_other_date(
    message: Message, person: Person, state: FSMContext, bot: Bot, ctx: services.Context
) -> None:
    granted = await typed_day(message)
    if granted is None:
        return
    data = await state.get_data()
    await typed_decision(message, person, state, data, ctx, bot, _("Approved."), granted=granted)


async def on_reject_reason(
    message: Message, person: Person, state: FSMContext, bot: Bot, ctx: services.Context
) -> None:
    typed = await typed_reason(message, state)
    if typed is None:
        return
    reason, data = typed
    await typed_decision(
        message,
        person,
        state,
        data,
        ctx,
        bot,
        _("Rejected."),
        reject_reason=" ".join(reason.split()),
    )


async def on_issuer_date(message: Message, state: FSMContext) -> None:
    """The issuer approved: the date it approved, then the reference of its letter."""
    granted = await typed_day(message)
    if granted is None:
        return
    await state.update_data(granted=granted.isoformat())
    await state.set_state(ExtensionStates.issuer_letter)
    await message.answer(_("Now type the reference of the issuer's letter: its number and date."))


async def on_issuer_letter(
    message: Message, person: Person, state: FSMContext, bot: Bot, ctx: services.Context
) -> None:
    letter = check_letter_ref(message.text or "")  # Refused: asked again, the state stays
    data = await state.get_data()
    granted = date.fromisoformat(str(data["granted"]))
    await typed_decision(
        message, person, state, data, ctx, bot, _("Recorded."), granted=granted, letter=letter
    )


async def on_issuer_refusal(
    message: Message, person: Person, state: FSMContext, bot: Bot, ctx: services.Context
) -> None:
    """The issuer refused: the first line is its letter's reference, the rest its reasons."""
    first, _sep, rest = (message.text or "").strip().partition("\n")
    letter = check_letter_ref(first)  # Refused: asked again, the state stays
    answer = {"letter": letter, "reject_reason": " ".join(rest.split())}
    answer["reject_reason"] = answer["reject_reason"] or _("refused by the issuer's letter")
    data = await state.get_data()
    await typed_decision(message, person, state, data, ctx, bot, _("Recorded."), **answer)


def decision_keyboard(request_id: int, *, issuer: bool = False) -> InlineKeyboardMarkup:
    """The decider's buttons; `issuer`: the controller's, to record the issuer's answer."""
    builder = InlineKeyboardBuilder()
    buttons = (
        (
            (_("✅ The issuer approved"), ExtAction.ISSUER_YES),
            (_("❌ The issuer refused"), ExtAction.ISSUER_NO),
        )
        if issuer
        else (
            (_("✅ Approve"), ExtAction.APPROVE),
            (_("📅 Approve another date"), ExtAction.OTHER),
            (_("❌ Reject"), ExtAction.REJECT),
        )
    )
    for label, action in buttons:
        builder.button(text=label, callback_data=ExtCallback(action=action, id=request_id))
    builder.adjust(1)
    return builder.as_markup()


def request_text(
    item: Assignment, request: ExtensionRequest, requester: str, language: str
) -> str:
    lines = [
        _("⏳ Extension request: assignment No. {number}").format(number=item.reg_number),
    ]
    if item.restricted:
        lines.append(_("Restricted: see the paper copy."))
    else:
        lines.append(item.summary)
    lines += [
        _("From: {who}").format(who=requester),
        _("Current deadline: {date}").format(
            date=date_with_weekday(request.old_deadline, language)
        ),
        _("Asked for: {date}").format(date=date_with_weekday(request.new_deadline, language)),
        _("Reasons: {reasons}").format(reasons=request.reasons),
        ngettext(
            "Extended before: {count} time", "Extended before: {count} times", item.extensions
        ).format(count=item.extensions),
    ]
    if request.exceptional:
        lines.append(
            _("⚠️ Beyond the allowed number of extensions: exceptional, for a disciplinary review.")
        )
    return "\n".join(lines)


def create_router() -> Router:
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(on_request, ItemCallback.filter(F.action == ItemAction.EXT), LoadedItem())
    cb.register(on_offer, ExtCallback.filter(F.action == ExtAction.OFFER))
    cb.register(on_send, ExtCallback.filter(F.action == ExtAction.SEND), LoadedItem())
    cb.register(drop_draft, ExtCallback.filter(F.action == ExtAction.DROP))
    cb.register(on_approve, ExtCallback.filter(F.action == ExtAction.APPROVE), LoadedRequest())
    cb.register(
        on_typed_decision, ExtCallback.filter(F.action.in_(TYPED_DECISIONS)), LoadedRequest()
    )
    not_command = ~F.text.startswith("/")
    on_dialog(router.message, on_date, ExtensionStates.date, not_command)
    router.message.register(on_reasons, ExtensionStates.reasons, not_command)
    router.message.register(on_other_date, ExtensionStates.other_date, not_command)
    router.message.register(on_reject_reason, ExtensionStates.reject_reason, not_command)
    router.message.register(on_issuer_date, ExtensionStates.issuer_date, not_command)
    router.message.register(on_issuer_letter, ExtensionStates.issuer_letter, not_command)
    router.message.register(on_issuer_refusal, ExtensionStates.issuer_refusal, not_command)
    return router

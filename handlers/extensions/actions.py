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

from bot import services
from bot.extensions import steps as extension_steps
from bot.extensions.rules import (
    REASONS_MAX,
    REASONS_MIN,
    ExtensionRefusal,
    asked_of_issuer,
    check_letter_date,
    check_letter_number,
    check_new_date,
)
from bot.i18n import date_with_weekday, long_date
from bot.i18n_marks import N_
from bot.letters import letter_reference
from bot.middlewares import Tap
from handlers.assignments.cards import language
from handlers.callbacks import ExtAction, ExtCallback, ItemAction, ItemCallback
from handlers.drafts import drop_draft, send_or_cancel
from handlers.extensions.letters import (
    by_letter_line,
    issuers_letter,
    refusal_reason,
    to_issuer_body,
)
from handlers.keyboards import Keyboard
from handlers.loaders import Dialog, LoadedItem, LoadedRequest, on_dialog
from handlers.refusals import refusal_text
from handlers.replies import ask, dotted, draft_gone, stale, typed_reason
from handlers.steps import (
    button_day,
    column,
    offer_keyboard,
    typed_day,
    typed_deadline,
    typed_text,
)
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
    issuer_number = State()  # the number of the issuer's letter (approving or refusing)
    issuer_letter_date = State()  # then its date
    issuer_reasons = State()  # a refusal's reasons (optional)


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
            builder = Keyboard()
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


async def on_reasons(
    message: Message, person: Person, repos: Repos, state: FSMContext, ctx: services.Context
) -> None:
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
    if asked_of_issuer(ctx.profile, item):
        lines.append(by_letter_line(item.source))
    await message.answer("\n".join(lines), reply_markup=confirm_keyboard(item.id))


async def on_send(query: CallbackQuery, tap: Tap[ExtCallback], item: Assignment) -> None:
    data = await tap.state.get_data()
    if await tap.state.get_state() != ExtensionStates.confirm or data.get("id") != tap.button.id:
        await draft_gone(query)
        return
    await tap.state.clear()
    new_date = date.fromisoformat(data["new_date"])
    await extension_steps.request_extension(
        tap.ctx, tap.person, item, int(data["dep"]), new_date, str(data["reasons"])
    )
    await query.answer(_("Sent."))
    if asked_of_issuer(tap.ctx.profile, item):
        done = _(
            "The extension request for assignment No. {number} is sent: it will go by letter "
            "{to_body} through the control department."
        ).format(number=item.reg_number, to_body=to_issuer_body(item.source))
    else:
        done = _("The extension request for assignment No. {number} is sent for a decision.")
        done = done.format(number=item.reg_number)
    if query.message is not None:
        await query.message.edit_text(done)  # type: ignore[union-attr]


# --- the decider decides ----------------------------------------------------------------------


def decision_line(request: ExtensionRequest, decider: str, language: str) -> str:
    if request.letter_ref is not None:
        letter = issuers_letter(request, language)
        if request.status is RequestStatus.APPROVED and request.granted_deadline is not None:
            return _(
                "✉️ The issuer's answer (letter {letter}), recorded by {name}: extended to {date}."
            ).format(
                letter=letter,
                name=decider,
                date=long_date(request.granted_deadline, language, "dat"),
            )
        return _(
            "✉️ The issuer's answer (letter {letter}), recorded by {name}: refused. Reasons: "
            "{reason}"
        ).format(letter=letter, name=decider, reason=refusal_reason(request))
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
    """Every decider's copy of the request shows who decided (the first decision wins), under
    the item's number and subject, so the message still says what it was about."""
    item = await repos.assignments.get(request.assignment_id)
    for person_id, chat_id, message_id in await repos.outbox.sent_with_prefix(
        f"extreq:{request.id}:"
    ):
        reader = await repos.staff.get(person_id)
        if reader is None:
            continue
        with get_i18n().use_locale(reader.language.value):
            text = decision_line(request, decider.short_name, reader.language.value)
            if item is not None:
                header = _("⏳ Extension request: assignment No. {number}").format(
                    number=item.reg_number
                )
                subject = _("Restricted: see the paper copy.") if item.restricted else item.summary
                text = f"{header}\n{subject}\n{text}"
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
        N_(
            "You record the issuer's answer on assignment No. {number}: the deadline is "
            "extended. Type the new deadline the issuer's letter sets, as dd.mm.yyyy, or tap "
            "the date asked for. /cancel leaves it."
        ),
    ),
    ExtAction.ISSUER_NO: (
        ExtensionStates.issuer_number,
        N_(
            "You record the issuer's answer on assignment No. {number}: the extension is "
            "refused. Type the number of the issuer's letter. /cancel leaves it."
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
    data = {"request": request.id, "refused": tap.button.action == ExtAction.ISSUER_NO}
    markup = as_requested_keyboard(request) if tap.button.action == ExtAction.ISSUER_YES else None
    await ask(query, tap.state, next_state, data, question, markup)


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
        if (
            "granted" not in decision
            or "letter" in decision
            or error.refusal
            in {
                ExtensionRefusal.DECIDED,
                ExtensionRefusal.NOT_DECIDER,
            }
        ):
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


def as_requested_keyboard(request: ExtensionRequest) -> InlineKeyboardMarkup:
    """«📅 As requested (24.05.2027)»: the date the head asked for, in one tap."""
    day = ExtCallback(
        action=ExtAction.ISSUER_DAY, id=request.id, value=request.new_deadline.isoformat()
    )
    label = _("📅 As requested ({date})").format(date=dotted(request.new_deadline))
    return column([(label, day)])


async def asked_request(
    ctx: services.Context, state: FSMContext
) -> tuple[ExtensionRequest, Assignment] | None:
    """The request the controller records the answer on, and its item (None: gone)."""
    data = await state.get_data()
    request = await ctx.repos.extensions.get(int(data.get("request", 0)))
    item = await ctx.repos.assignments.get(request.assignment_id) if request else None
    if request is None or item is None:
        await state.clear()
        return None
    return request, item


async def take_granted(message: Message, state: FSMContext, granted: date) -> None:
    """The approved date is kept; the letter's number is asked."""
    await state.update_data(granted=granted.isoformat())
    await state.set_state(ExtensionStates.issuer_number)
    await message.answer(
        _("Extended to {date}. Now type the number of the issuer's letter.").format(
            date=long_date(granted, language(), "dat")
        )
    )


async def on_issuer_date(message: Message, state: FSMContext, ctx: services.Context) -> None:
    """The issuer approved: the date it set, checked as typed (a day off offers the next
    working day on a button), then its letter's number and date."""
    asked = await asked_request(ctx, state)
    if asked is None:
        return
    request, item = asked
    granted = await typed_deadline(
        message,
        language(),
        lambda day: check_new_date(ctx.calendar, item, day),
        example=request.new_deadline,
        offer=lambda day: offer_keyboard(
            day, ExtCallback(action=ExtAction.ISSUER_DAY, id=request.id, value=day.isoformat())
        ),
    )
    if granted is not None:
        await take_granted(message, state, granted)


async def on_step(
    query: CallbackQuery, tap: Tap[ExtCallback], step: State
) -> dict[str, Any] | None:
    """The recording dialog's data when the tapped button belongs to its current step (`step`,
    this request, a message to answer under); else the tap is told it is stale (None)."""
    data = await tap.state.get_data()
    if (
        await tap.state.get_state() != step
        or data.get("request") != tap.button.id
        or query.message is None
    ):
        await stale(query)
        return None
    return data


async def on_issuer_day(query: CallbackQuery, tap: Tap[ExtCallback]) -> None:
    """«As requested» or «Take <the next working day>»: the approved date in one tap."""
    if await on_step(query, tap, ExtensionStates.issuer_date) is None:
        return
    asked = await asked_request(tap.ctx, tap.state)
    granted = await button_day(query, tap.button.value)
    if asked is None or granted is None:
        return
    check_new_date(tap.ctx.calendar, asked[1], granted)  # Refused: said, the step stays
    await query.answer()
    await take_granted(query.message, tap.state, granted)  # type: ignore[arg-type]


async def on_issuer_number(message: Message, state: FSMContext) -> None:
    """The number of the issuer's letter; then its date."""
    number = check_letter_number(message.text or "")  # Refused: asked again, the state stays
    await state.update_data(letter=number)
    await state.set_state(ExtensionStates.issuer_letter_date)
    await message.answer(
        _("The letter No. {number}. Now type its date as dd.mm.yyyy.").format(number=number)
    )


async def on_issuer_letter_date(
    message: Message, person: Person, state: FSMContext, bot: Bot, ctx: services.Context
) -> None:
    """The date of the issuer's letter (not after today); an approval is recorded then, a
    refusal asks for the reasons the letter gives (or none)."""
    day = await typed_day(message, example=ctx.today)
    if day is None:
        return
    asked = await asked_request(ctx, state)
    if asked is None:
        return
    asked_on = asked[0].created_at.astimezone(ctx.settings.zone).date()
    check_letter_date(day, ctx.today, asked_on)  # Refused: asked again, the state stays
    data = await state.update_data(letter_date=day.isoformat())
    if not data.get("refused"):
        await record_answer(message, person, state, ctx, bot, data)
        return
    await state.set_state(ExtensionStates.issuer_reasons)
    bare = ExtCallback(action=ExtAction.ISSUER_BARE, id=int(data["request"]))
    await message.answer(
        _("Type the reasons the issuer's letter gives for the refusal, or tap the button."),
        reply_markup=column([(_("Without reasons"), bare)]),
    )


async def on_issuer_reasons(
    message: Message, person: Person, state: FSMContext, bot: Bot, ctx: services.Context
) -> None:
    reasons = await typed_text(
        message,
        REASONS_MIN,
        REASONS_MAX,
        _("Please give the reasons in {min}–{max} characters, or tap «Without reasons»."),
    )
    if reasons is None:
        return
    data = await state.get_data()
    await record_answer(message, person, state, ctx, bot, data, reject_reason=reasons)


async def on_issuer_bare(query: CallbackQuery, tap: Tap[ExtCallback], bot: Bot) -> None:
    """«Without reasons»: the refusal is recorded with none (each reader sees the default)."""
    data = await on_step(query, tap, ExtensionStates.issuer_reasons)
    if data is None:
        return
    await query.answer()
    await record_answer(
        query.message,  # type: ignore[arg-type]
        tap.person,
        tap.state,
        tap.ctx,
        bot,
        data,
    )


async def record_answer(
    message: Message,
    person: Person,
    state: FSMContext,
    ctx: services.Context,
    bot: Bot,
    data: dict[str, Any],
    **reasons: Any,
) -> None:
    """The issuer's answer as gathered (approved with `granted`, or `refused`), with its
    letter's number and date, recorded once; the controller is told what was recorded."""
    asked = await asked_request(ctx, state)
    if asked is None:
        return
    item = asked[1]
    number, dated = str(data["letter"]), date.fromisoformat(str(data["letter_date"]))
    letter = letter_reference(number, dated, language())
    if data.get("refused"):
        answer: dict[str, Any] = {"refused": True, **reasons}
        done = _(
            "Recorded: the issuer refused to extend assignment No. {number} (letter {letter}); "
            "the deadline stays {date}. The head, the control department and the leadership "
            "are told."
        ).format(
            number=item.reg_number,
            letter=letter,
            date=date_with_weekday(item.deadline, language()),
        )
    else:
        granted = date.fromisoformat(str(data["granted"]))
        answer = {"granted": granted}
        done = _(
            "Recorded: the issuer extended assignment No. {number} to {date} (letter "
            "{letter}). The head, the control department and the leadership are told."
        ).format(
            number=item.reg_number,
            letter=letter,
            date=long_date(granted, language(), "dat"),
        )
    answer |= {"letter": number, "letter_date": dated}
    await typed_decision(message, person, state, data, ctx, bot, done, **answer)


def decision_keyboard(request_id: int, *, issuer: bool = False) -> InlineKeyboardMarkup:
    """The decider's buttons; `issuer`: the controller's, to record the issuer's answer."""
    builder = Keyboard()
    buttons = (
        (
            (_("✉️ Answer received: extend until …"), ExtAction.ISSUER_YES),
            (_("✉️ Answer received: refused"), ExtAction.ISSUER_NO),
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
    cb.register(on_issuer_day, ExtCallback.filter(F.action == ExtAction.ISSUER_DAY))
    cb.register(on_issuer_bare, ExtCallback.filter(F.action == ExtAction.ISSUER_BARE))
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
    router.message.register(on_issuer_number, ExtensionStates.issuer_number, not_command)
    router.message.register(on_issuer_letter_date, ExtensionStates.issuer_letter_date, not_command)
    router.message.register(on_issuer_reasons, ExtensionStates.issuer_reasons, not_command)
    return router

"""What recipients, departments and approvers press on the meeting messages
(bot.meeting_delivery): attendance (will attend / cannot, with a reason / a substitute, named),
materials (files, or handed over on paper), the one-tap approval of the agenda and its return
with remarks (typed in the next message).

Any bound person may press these (no role flag): the services re-check against the database
that the person is a recipient, responsible for the item or an approver. A refusal is an alert
with the reason (handlers.refusals.on_refused) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings import steps as meeting_services
from bot.meetings.rules import (
    MAX_FILES,
    REMARKS_MAX,
    TEXT_MAX,
    MeetingRefusal,
    agenda_goes_out,
    check_attendance,
    check_materials,
)
from bot.middlewares import Tap
from handlers.callbacks import MeetAction, MeetCallback, is_number, number
from handlers.drafts import add_file, file_names, send_or_cancel
from handlers.keyboards import Keyboard
from handlers.meetings.cards import agenda_text, answer_line, attendance_keyboard, naming
from handlers.replies import draft_gone, refuse, show
from storage.domain.meetings import AgendaItem, AgendaReturn, Attendance, MaterialFile, Meeting
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos

ANSWERS = {"yes": Attendance.ATTEND, "no": Attendance.ABSENT, "sub": Attendance.SUBSTITUTE}


class AnswerStates(StatesGroup):
    reason = State()  # why not, or whom they send: {"meeting": id, "value": "no" | "sub"}
    materials = State()  # files for an item: {"meeting": id, "item": id, "files": [[id, name]]}
    returning = State()  # remarks on the agenda: {"meeting": id, "round": approval round}


def mc(action: MeetAction, meeting_id: int, value: str = "") -> MeetCallback:
    return MeetCallback(action=action, id=meeting_id, value=value)


async def answered_text(repos: Repos, meeting: Meeting, person: Person) -> str:
    """The agenda with the person's recorded answer under it."""
    chair = await repos.staff.get(meeting.chair_id) if meeting.chair_id else None
    recipient = meeting.recipient_for(person.id)
    assert recipient is not None
    return (
        agenda_text(meeting, chair, person.language.value)
        + "\n\n"
        + _("Your answer: {answer}\nYou can change it until the meeting begins.").format(
            answer=answer_line(recipient)
        )
    )


# --- attendance ----------------------------------------------------------------------------------


async def on_attendance(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    answer = ANSWERS[tap.button.value]
    if await tap.state.get_state() == AnswerStates.reason:  # a new tap replaces an open question
        await tap.state.clear()
    if answer is not Attendance.ATTEND:
        # ask for the reason (or the substitute) only when the answer can be taken
        meeting = await tap.ctx.repos.meetings.get(tap.button.id)
        check_attendance(meeting, tap.person.id, meeting_services.local_now(tap.ctx))
        await tap.state.set_state(AnswerStates.reason)
        await tap.state.set_data({"meeting": tap.button.id, "value": tap.button.value})
        await query.answer()
        prompt = (
            _("Why can you not attend? Write the reason in one message.")
            if answer is Attendance.ABSENT
            else _("Whom do you send instead? Write their name and position in one message.")
        )
        if query.message is not None:
            await query.message.answer(prompt + " " + _("/cancel leaves it."))
        return
    meeting = await meeting_services.answer_attendance(tap.ctx, tap.person, tap.button.id, answer)
    recipient = meeting.recipient_for(tap.person.id)
    assert recipient is not None
    await query.answer(_("Recorded: {answer}").format(answer=answer_line(recipient)))
    await show(
        query,
        await answered_text(tap.ctx.repos, meeting, tap.person),
        attendance_keyboard(meeting.id),
    )


async def on_reason(
    message: Message, person: Person, state: FSMContext, ctx: services.Context
) -> None:
    data: dict[str, Any] = await state.get_data()
    answer = ANSWERS.get(str(data.get("value")))
    text = (message.text or "").strip()
    if answer is None or "meeting" not in data:
        await state.clear()
        return
    if not text:
        await message.answer(_("Write it as text, in one message; /cancel leaves it."))
        return
    if len(text) > TEXT_MAX:
        await message.answer(
            _("That is too long; at most {count} characters.").format(count=TEXT_MAX)
        )
        return
    try:
        meeting = await meeting_services.answer_attendance(
            ctx, person, int(data["meeting"]), answer, text
        )
    except Refused as error:
        if error.refusal is not MeetingRefusal.NO_TEXT:  # with no text, the question stays
            await state.clear()
        raise
    await state.clear()
    await message.answer(
        await answered_text(ctx.repos, meeting, person),
        reply_markup=attendance_keyboard(meeting.id),
    )


async def on_reason_not_text(message: Message) -> None:
    await message.answer(_("Write it as text, in one message; /cancel leaves it."))


# --- materials -----------------------------------------------------------------------------------


def materials_keyboard(meeting_id: int, item_id: int, has_files: bool) -> InlineKeyboardMarkup:
    builder = Keyboard()
    if has_files:
        builder.button(
            text=_("✔️ Send"), callback_data=mc(MeetAction.MATERIALS_SEND, meeting_id, str(item_id))
        )
    builder.button(
        text=_("✖️ Cancel"), callback_data=mc(MeetAction.MATERIALS_DROP, meeting_id, str(item_id))
    )
    builder.adjust(2)
    return builder.as_markup()


async def submittable(
    callback_data: MeetCallback, person: Person, ctx: services.Context
) -> tuple[Meeting, int]:
    """The meeting and the item's number, when `person` may hand in its materials now (the
    button's value is the item); else `Refused`."""
    meeting = await ctx.repos.meetings.get(callback_data.id)
    item = check_materials(meeting, int(callback_data.value), meeting_services.local_now(ctx))
    if not await meeting_services.may_submit(ctx, person, item):
        raise Refused(MeetingRefusal.NOT_RESPONSIBLE)
    assert meeting is not None
    return meeting, item.position


async def on_materials(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    meeting, number = await submittable(tap.button, tap.person, tap.ctx)
    if meeting.restricted:
        raise Refused(MeetingRefusal.RESTRICTED)
    item_id = int(tap.button.value)
    await tap.state.set_state(AnswerStates.materials)
    await tap.state.set_data({"meeting": meeting.id, "item": item_id, "files": []})
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            _(
                "Send the materials of item {number} as files (📎 → File), at most {max}: "
                "in Kazakh and Russian. Then press «Send»; /cancel leaves it."
            ).format(number=number, max=MAX_FILES),
            reply_markup=materials_keyboard(meeting.id, item_id, has_files=False),
        )


async def on_material_file(message: Message, state: FSMContext) -> None:
    data: dict[str, Any] = await state.get_data()
    keyboard = materials_keyboard(int(data["meeting"]), int(data["item"]), has_files=True)
    files = await add_file(message, state, data, MAX_FILES, keyboard)
    if files is None:
        return
    await message.answer(
        ngettext(
            "{count} file received: {names}. Send more, or press «Send».",
            "{count} files received: {names}. Send more, or press «Send».",
            len(files),
        ).format(count=len(files), names=file_names(files)),
        reply_markup=keyboard,
    )


async def on_material_not_file(message: Message, state: FSMContext) -> None:
    data: dict[str, Any] = await state.get_data()
    await message.answer(
        _("Send the materials as files (📎 → File), or press a button below."),
        reply_markup=materials_keyboard(
            int(data["meeting"]), int(data["item"]), has_files=bool(data.get("files"))
        ),
    )


async def received(
    query: CallbackQuery, ctx: services.Context, person: Person, item: AgendaItem, on_paper: bool
) -> None:
    """The materials of `item` are in (or recorded as handed over on paper): said on the tap
    and on its message."""
    if on_paper:
        text = _("Recorded: the materials for item {number} were handed over on paper.")
    else:
        text = _("Materials received for item {number}.")
    text = text.format(number=item.position)
    meeting = await ctx.repos.meetings.get(item.meeting_id)
    assert meeting is not None
    if person.id != meeting.organizer_id:
        text += " " + _("The organizer is told.")
    await query.answer(text)
    await show(query, text, None)


async def on_send_materials(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    data: dict[str, Any] = await tap.state.get_data()
    if (
        await tap.state.get_state() != AnswerStates.materials
        or data.get("meeting") != tap.button.id
        or str(data.get("item")) != tap.button.value
    ):
        await draft_gone(query)
        return
    files = [MaterialFile(file_id, name) for file_id, name in data.get("files", [])]
    try:
        item = await meeting_services.submit_materials(
            tap.ctx, tap.person, tap.button.id, int(data["item"]), files
        )
    except Refused as error:
        if error.refusal is MeetingRefusal.NO_TEXT:
            await refuse(query, _("Send at least one file first."))
            return
        await tap.state.clear()
        raise
    await tap.state.clear()
    await received(query, tap.ctx, tap.person, item, on_paper=False)


async def cancelled(query: CallbackQuery) -> None:
    await query.answer(_("Cancelled. Nothing was saved."))
    await show(query, _("Cancelled. Nothing was saved."), None)


async def on_drop_materials(query: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() == AnswerStates.materials:
        await state.clear()
    await cancelled(query)


async def on_paper(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    meeting, number = await submittable(tap.button, tap.person, tap.ctx)
    await query.answer()
    if query.message is not None:
        await query.message.answer(
            _("Confirm: the materials for item {number} were handed over on paper?").format(
                number=number
            ),
            reply_markup=send_or_cancel(
                _("✅ Yes, handed over"),
                mc(MeetAction.PAPER_YES, meeting.id, tap.button.value),
                mc(MeetAction.PAPER_NO, meeting.id, tap.button.value),
            ),
        )


async def on_paper_yes(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    item = await meeting_services.submit_materials(
        tap.ctx, tap.person, tap.button.id, int(tap.button.value), on_paper=True
    )
    await received(query, tap.ctx, tap.person, item, on_paper=True)


# --- approval ------------------------------------------------------------------------------------


def approval_round(button: MeetCallback) -> int:
    """The approval round an «Approve» or «Return» button belongs to ("" is the first)."""
    return number(button.value) or 1


async def decided_by(repos: Repos, meeting_id: int) -> str:
    """Who already decided on the agenda, in a sentence: approved by … / returned by …"""
    found = await repos.meetings.get(meeting_id)
    if found is not None and found.approved:
        code = found.approved_by or ""
        approver = await repos.staff.by_code(code) if code else None
        return "✅ " + _("The agenda is already approved by {name}.").format(
            name=approver.short_name if approver else (code or "—")
        )
    returned = found.last_return if found is not None else None
    who = await repos.staff.by_code(returned.by) if returned is not None else None
    return "↩️ " + _("The agenda was already returned with remarks by {name}.").format(
        name=who.short_name if who else (returned.by if returned else "—")
    )


def approved_text(ctx: services.Context, meeting: Meeting, language: str) -> str:
    """When the approved agenda reaches its recipients: on its distribution day, and never
    outside working hours (the sender holds it until the working morning)."""
    now = ctx.now.astimezone(ctx.settings.zone)
    sends = agenda_goes_out(ctx.profile, ctx.calendar, meeting, now)
    if sends is None:
        return _("Approved. The agenda has gone out to the recipients.")
    if sends.date() == now.date():
        return _(
            "Approved. The agenda goes out today at {time}, when the working day begins."
        ).format(time=f"{sends:%H:%M}")
    return _("Approved. The agenda goes out on {date}.").format(
        date=date_with_weekday(sends.date(), language)
    )


async def on_approve(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    language = tap.person.language.value
    shown = query.message.text if isinstance(query.message, Message) else None
    try:
        meeting = await meeting_services.approve(
            tap.ctx, tap.person, tap.button.id, round_=approval_round(tap.button)
        )
    except Refused as error:
        if error.refusal not in {MeetingRefusal.ALREADY_APPROVED, MeetingRefusal.RETURNED}:
            raise
        text = await decided_by(tap.ctx.repos, tap.button.id)
        await refuse(query, text)
        await show(query, f"{shown}\n\n{text}" if shown else text, None)
        return
    text = approved_text(tap.ctx, meeting, language)
    await query.answer(text)
    await show(query, f"{shown}\n\n✅ {text}" if shown else f"✅ {text}", None)


def return_keyboard(meeting_id: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    builder.button(text=_("✖️ Cancel"), callback_data=mc(MeetAction.RETURN_DROP, meeting_id))
    return builder.as_markup()


async def on_return(query: CallbackQuery, tap: Tap[MeetCallback]) -> None:
    """«↩️ Return with remarks»: the remarks are asked for (the next text message)."""
    round_ = approval_round(tap.button)
    try:
        meeting = await meeting_services.check_return(tap.ctx, tap.person, tap.button.id, round_)
    except Refused as error:
        if error.refusal not in {MeetingRefusal.ALREADY_APPROVED, MeetingRefusal.RETURNED}:
            raise
        text = await decided_by(tap.ctx.repos, tap.button.id)
        await refuse(query, text)
        shown = query.message.text if isinstance(query.message, Message) else None
        await show(query, f"{shown}\n\n{text}" if shown else text, None)
        return
    await tap.state.set_state(AnswerStates.returning)
    await tap.state.set_data({"meeting": meeting.id, "round": round_})
    await query.answer()
    lines = [
        _(
            "Write your remarks on the agenda of {meeting} in one message: the organizer gets "
            "them and sends the agenda for approval again."
        ).format(**naming(meeting, tap.person.language.value))
    ]
    if meeting.restricted:
        lines.append(
            _(
                "The meeting is restricted (ДСП): do not write its content here, name the items "
                "by their numbers."
            )
        )
    if query.message is not None:
        await query.message.answer("\n".join(lines), reply_markup=return_keyboard(meeting.id))


def settled_text(meeting: Meeting, returned: AgendaReturn, name: str, language: str) -> str:
    """An approver's copy of the request once the agenda was returned (in the current locale)."""
    header = _("📝 The agenda for approval: {meeting}, {when}").format(**naming(meeting, language))
    line = _("↩️ Returned with remarks: {name}").format(name=name)
    return f"{header}\n\n{line}\n«{returned.remarks}»"


async def settle_requests(
    bot: Bot, repos: Repos, meeting: Meeting, returned: AgendaReturn
) -> None:
    """Every approver's copy of the returned round's request says who returned it, with the
    remarks and without buttons (after the commit; a copy that cannot be edited stays)."""
    who = await repos.staff.by_code(returned.by)
    name = who.short_name if who else returned.by
    prefix = meeting_services.approval_key(meeting, returned.round) + ":"
    for person_id, chat_id, message_id in await repos.outbox.sent_with_prefix(prefix):
        reader = await repos.staff.get(person_id)
        if reader is None:
            continue
        with get_i18n().use_locale(reader.language.value):
            text = settled_text(meeting, returned, name, reader.language.value)
        try:
            await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
        except TelegramAPIError:
            continue


async def on_return_text(
    message: Message, person: Person, state: FSMContext, ctx: services.Context, bot: Bot
) -> None:
    data: dict[str, Any] = await state.get_data()
    text = (message.text or "").strip()
    if "meeting" not in data:
        await state.clear()
        return
    if len(text) > REMARKS_MAX:
        await message.answer(
            _("That is too long; at most {count} characters.").format(count=REMARKS_MAX)
        )
        return
    try:
        meeting = await meeting_services.return_agenda(
            ctx, person, int(data["meeting"]), int(data.get("round", 1)), text
        )
    except Refused as error:
        if error.refusal is MeetingRefusal.NO_TEXT:
            await message.answer(
                _("Write the remarks as text, in one message; /cancel leaves it.")
            )
            return
        await state.clear()
        if error.refusal in {MeetingRefusal.ALREADY_APPROVED, MeetingRefusal.RETURNED}:
            await message.answer(await decided_by(ctx.repos, int(data["meeting"])))
            return
        raise
    await state.clear()
    returned = meeting.last_return
    assert returned is not None
    organizer = await ctx.repos.staff.get(meeting.organizer_id)
    if organizer is None or organizer.id == person.id:
        done = _("Returned with remarks. Change the agenda and send it for approval again.")
    else:
        done = _("Returned with remarks: {name} is told and sends the agenda again.").format(
            name=organizer.short_name
        )
    await message.answer(done)
    await settle_requests(bot, ctx.repos, meeting, returned)


async def on_return_not_text(message: Message) -> None:
    await message.answer(_("Write the remarks as text, in one message; /cancel leaves it."))


async def on_return_drop(query: CallbackQuery, state: FSMContext) -> None:
    if await state.get_state() == AnswerStates.returning:
        await state.clear()
    await cancelled(query)


def create_router() -> Router:
    router = Router(name=__name__)
    cb = router.callback_query
    meet = MeetCallback.filter
    item = F.value.func(is_number)  # the agenda item a materials button names
    cb.register(on_attendance, meet((F.action == MeetAction.ATTEND) & F.value.in_(ANSWERS)))
    cb.register(on_materials, meet((F.action == MeetAction.MATERIALS) & item))
    cb.register(on_send_materials, meet(F.action == MeetAction.MATERIALS_SEND))
    cb.register(on_drop_materials, meet(F.action == MeetAction.MATERIALS_DROP))
    cb.register(on_paper, meet((F.action == MeetAction.PAPER) & item))
    cb.register(on_paper_yes, meet((F.action == MeetAction.PAPER_YES) & item))
    cb.register(cancelled, meet(F.action == MeetAction.PAPER_NO))
    cb.register(on_approve, meet(F.action == MeetAction.APPROVE))
    cb.register(on_return, meet(F.action == MeetAction.RETURN))
    cb.register(on_return_drop, meet(F.action == MeetAction.RETURN_DROP))
    msg = router.message
    not_command = ~F.text.startswith("/")
    msg.register(on_reason, AnswerStates.reason, F.text, not_command)
    msg.register(on_reason_not_text, AnswerStates.reason, ~F.text)
    msg.register(on_material_file, AnswerStates.materials, F.document)
    msg.register(on_material_not_file, AnswerStates.materials, not_command)
    msg.register(on_return_text, AnswerStates.returning, F.text, not_command)
    msg.register(on_return_not_text, AnswerStates.returning, not_command)
    return router

"""«Замечаний нет» rounds: one-tap answers, remarks with files, the live sheet and its XLSX."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.i18n import date_with_weekday, long_date
from bot.i18n_marks import N_
from bot.middlewares import Tap, for_roles
from bot.profiles import Profile
from bot.remarks import steps as remark_steps
from bot.remarks.rules import (
    MAX_FILES,
    MAY_START,
    REMARKS_MAX,
    RoundRefusal,
    check_offered,
    final_answer,
    is_open,
    offered_answers,
    remarks_forbidden_paragraphs,
    silent_consent_paragraphs,
)
from bot.remarks.words import AnswerWords, Wording, answer_words, files_line
from bot.xlsx import sheet_xlsx
from handlers.assignments.cards import moment
from handlers.callbacks import RemarkAction, RemarkCallback
from handlers.drafts import drop_draft, send_or_cancel, take_part
from handlers.keyboards import Keyboard
from handlers.loaders import Dialog, LoadedRound, on_dialog
from handlers.remarks.refusals import remarks_forbidden_text
from handlers.replies import cited, draft_gone, fit, reader_language, refuse
from storage.domain.refusals import Refused
from storage.domain.remarks import Addressee, Answer, Round, RoundFile, RoundKind
from storage.models import Person
from storage.repo import Repos

ANSWER_ICONS = {
    Answer.PENDING: "⏳",
    Answer.NO_REMARKS: "✅",
    Answer.REMARKS: "💬",
    Answer.REFUSED: "⛔",
    Answer.AGREED_BY_DEFAULT: "☑️",
    Answer.NO_ANSWER: "➖",
}
KIND_TITLES: dict[RoundKind, str] = {
    RoundKind.RESOLUTION: N_("draft resolution of the akimat"),
    RoundKind.DECISION: N_("draft decision of the akim"),
    RoundKind.ORDER: N_("draft order of the akim"),
    RoundKind.EMERGENCY: N_("draft act on an emergency or humanitarian aid"),
    RoundKind.OTHER_DRAFT: N_("other draft"),
    RoundKind.REPLY: N_("«no remarks» on an assignment or a request"),
}
SHEET_ROUNDS = 10


class RemarkStates(StatesGroup):
    collecting = State()


def round_title(item: Round) -> str:
    """The round as every text names it: its subject; a restricted (ДСП) round by its
    document's registration number (one started before numbers were asked: its own number)."""
    if item.restricted and item.reg_number:
        return _("Document No. {number} (restricted: see the paper copy)").format(
            number=item.reg_number
        )
    if item.restricted:
        return _("Round No. {id} (restricted: see the paper copy)").format(id=item.id)
    return item.subject


def short_title(item: Round, limit: int) -> str:
    """The round on a button: a restricted one by its number; a long subject cut at a word,
    with «…» (a phone shows about 40 characters of a button)."""
    if item.restricted and item.reg_number:
        return fit(_("No. {number} (restricted)").format(number=item.reg_number), limit)
    if item.restricted:
        return _("Round No. {id} (restricted)").format(id=item.id)
    if len(item.subject) <= limit:
        return item.subject
    cut = item.subject[: limit - 1].rsplit(" ", 1)[0] or item.subject[: limit - 1]
    return cut.rstrip(" ,.;:—-") + "…"


# The button each answer is given by.
ANSWER_ACTIONS = {
    Answer.NO_REMARKS: RemarkAction.OK,
    Answer.REMARKS: RemarkAction.HAS,
    Answer.REFUSED: RemarkAction.REFUSE,
}


def request_keyboard(item: Round, profile: Profile) -> InlineKeyboardMarkup:
    """The answers the round takes, in its words: where remarks are forbidden (Baidibek §10.4),
    «agreed» and «not agreed» only. A long label has a row of its own (a phone cuts it in
    half a row)."""
    words = answer_words(profile, item.kind)
    builder = Keyboard()
    for answer in offered_answers(profile, item.kind):
        builder.button(
            text=_(words.buttons[answer]),
            callback_data=RemarkCallback(action=ANSWER_ACTIONS[answer], id=item.id),
        )
    builder.adjust(2, 1) if words.wording is Wording.REMARKS else builder.adjust(1)
    return builder.as_markup()


def answers_line(profile: Profile, kind: RoundKind) -> str | None:
    """Where approval «with remarks» is forbidden, the request says so, with its paragraphs."""
    paragraphs = remarks_forbidden_paragraphs(profile, kind)
    if paragraphs is None:
        return None
    return remarks_forbidden_text(paragraphs)


def kind_line(kind: RoundKind) -> str:
    return _("Kind: {kind}").format(kind=_(KIND_TITLES[kind]))


def silence_line(profile: Profile, kind: RoundKind, due: Any, language: str) -> str:
    """What silence at the due date will mean, with the regulation's paragraph when it is
    consent."""
    paragraphs = silent_consent_paragraphs(profile, kind)
    if paragraphs is None:
        return _(
            "Silence is not agreement: without an answer by {date} you are shown as «no answer»."
        ).format(date=long_date(due, language))
    return _(
        "If you do not answer by {date}, you are counted as agreed (silent consent, "
        "regulation {paragraphs})."
    ).format(date=long_date(due, language), paragraphs=cited(paragraphs))


def request_text(item: Round, initiator: Person | None, language: str, profile: Profile) -> str:
    """The request as its addressee reads it: «Запрос замечаний от …», or «Согласование проекта
    …» for a draft act answered «согласовано»."""
    words = answer_words(profile, item.kind)
    name = f"{initiator.short_name} ({initiator.position_in(language)})" if initiator else "—"
    lines = [_(words.header).format(name=name)]
    if "{name}" not in words.header:
        lines.append(_("From: {name}").format(name=name))
    lines.append(round_title(item))
    if not words.names_kind:
        lines.append(kind_line(item.kind))
    lines.append(_("Answer by: {date}").format(date=date_with_weekday(item.due, language)))
    if item.files:
        lines.append(
            _("Documents: {names}").format(names=", ".join(f.file_name for f in item.files))
        )
    if (answers := answers_line(profile, item.kind)) is not None:
        lines.append(answers)
    lines.append(silence_line(profile, item.kind, item.due, language))
    return "\n".join(lines)


def answered_text(
    item: Round, initiator: Person | None, person: Person, profile: Profile, when: str
) -> str:
    """The request with the addressee's recorded answer under it (the answer's buttons stay:
    it can be changed until the due date)."""
    addressee = item.addressee_for(person.id)
    answer = addressee.answer if addressee is not None else Answer.PENDING
    language = person.language.value
    return (
        request_text(item, initiator, language, profile)
        + "\n\n"
        + _("Your answer: {answer} ({when}). You can change it until {date}.").format(
            answer=_(answer_words(profile, item.kind).titles[answer]),
            when=when,
            date=long_date(item.due, language),
        )
    )


def answer_line(addressee: Addressee, name: str, zone: ZoneInfo, words: AnswerWords) -> str:
    line = f"{ANSWER_ICONS[addressee.answer]} {name}: {_(words.titles[addressee.answer])}"
    if addressee.answered_at is not None:
        line += f", {moment(addressee.answered_at, zone)}"
    if addressee.text:
        line += f"\n    «{addressee.text}»"
    if addressee.files:
        line += "\n    📎 " + ", ".join(f.file_name for f in addressee.files)
    return line


async def names_for(repos: Repos, item: Round) -> dict[int, str]:
    """Addressee id → «Department — Full name» (or the name alone)."""
    names: dict[int, str] = {}
    for addressee in item.addressees:
        person = await repos.staff.get(addressee.person_id)
        department = (
            await repos.staff.department(addressee.department_id)
            if addressee.department_id is not None
            else None
        )
        who = person.full_name if person else str(addressee.person_id)
        where = department.label(reader_language()) if department else ""
        names[addressee.id] = f"{where} — {who}" if where else who
    return names


def shown_answer(profile: Profile, item: Round, addressee: Addressee, today: Any) -> Answer:
    """The live sheet shows what silence will mean once the due date has passed."""
    if addressee.answer is Answer.PENDING and not is_open(item, today):
        return final_answer(profile, item.kind, addressee.answer)
    return addressee.answer


async def sheet_text(
    repos: Repos, profile: Profile, item: Round, zone: ZoneInfo, language: str, today: Any
) -> str:
    names = await names_for(repos, item)
    words = answer_words(profile, item.kind)
    state = _("open") if is_open(item, today) else _("closed")
    lines = [
        _("📋 Sheet: {title}").format(title=round_title(item)),
        kind_line(item.kind),
        _("Due: {date} ({state})").format(date=long_date(item.due, language), state=state),
        "",
    ]
    counts: dict[Answer, int] = {}
    for addressee in item.addressees:
        shown = shown_answer(profile, item, addressee, today)
        counts[shown] = counts.get(shown, 0) + 1
        shown_line = answer_line(
            replace(addressee, answer=shown), names[addressee.id], zone, words
        )
        lines.append(shown_line)
    lines.append("")
    lines.append(
        " · ".join(f"{ANSWER_ICONS[a]} {_(words.titles[a])}: {n}" for a, n in counts.items())
    )
    return "\n".join(lines)


def sheet_keyboard(round_id: int) -> InlineKeyboardMarkup:
    builder = Keyboard()
    for label, action in (
        (_("🔄 Refresh"), RemarkAction.SHEET),
        (_("📊 XLSX"), RemarkAction.XLSX),
    ):
        builder.button(text=label, callback_data=RemarkCallback(action=action, id=round_id))
    builder.adjust(2)
    return builder.as_markup()


async def sheet_file(
    repos: Repos, profile: Profile, item: Round, zone: ZoneInfo, language: str, today: Any
) -> BufferedInputFile:
    names = await names_for(repos, item)
    words = answer_words(profile, item.kind)
    rows = []
    for number, addressee in enumerate(item.addressees, start=1):
        shown = shown_answer(profile, item, addressee, today)
        rows.append(
            [
                str(number),
                names[addressee.id],
                _(words.titles[shown]),
                moment(addressee.answered_at, zone) if addressee.answered_at else "",
                addressee.text or "",
                ", ".join(f.file_name for f in addressee.files),
            ]
        )
    data = sheet_xlsx(
        round_title(item),
        [
            _("No."),
            _("Addressee"),
            _("Answer"),
            _("Answered at"),
            _("Remarks or reasons"),
            _("Files"),
        ],
        rows,
        subtitle_lines=[
            kind_line(item.kind),
            _("Due: {date} ({state})").format(
                date=long_date(item.due, language),
                state=_("open") if is_open(item, today) else _("closed"),
            ),
            _("Exported: {when}").format(when=moment(datetime.now(UTC), zone)),
        ],
    )
    return BufferedInputFile(data, filename=f"remarks-{item.id}.xlsx")


# --- answering -----------------------------------------------------------------------------------


async def show_answered(
    bot: Bot, chat_id: int, message_id: int, tap: Tap[Any], item: Round
) -> None:
    """The request message shows the answer just recorded (after the commit)."""
    initiator = await tap.ctx.repos.staff.get(item.initiator_id)
    when = moment(tap.ctx.now, tap.ctx.settings.zone)
    with suppress(TelegramBadRequest):  # gone, or unchanged
        await bot.edit_message_text(
            text=answered_text(item, initiator, tap.person, tap.ctx.profile, when),
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=request_keyboard(item, tap.ctx.profile),
        )


def recorded(profile: Profile, item: Round, answer: Answer) -> str:
    """The toast once an answer is committed: «Записано: согласовано»."""
    return _("Recorded: {answer}").format(
        answer=_(answer_words(profile, item.kind).titles[answer])
    )


async def on_no_remarks(query: CallbackQuery, tap: Tap[RemarkCallback]) -> None:
    item = await remark_steps.answer_round(tap.ctx, tap.person, tap.button.id, Answer.NO_REMARKS)
    await query.answer(recorded(tap.ctx.profile, item, Answer.NO_REMARKS))
    if isinstance(query.message, Message) and query.bot is not None:
        await show_answered(query.bot, query.message.chat.id, query.message.message_id, tap, item)


def typed_answer(data: dict[str, Any]) -> Answer:
    """The answer a draft of remarks or reasons is for (drafts from before refusals: remarks)."""
    return Answer(data.get("answer", Answer.REMARKS.value))


async def on_typed_answer(query: CallbackQuery, tap: Tap[RemarkCallback], round_: Round) -> None:
    """💬 remarks or ⛔ not agreed: the text (and files) follow in messages."""
    answer = Answer.REFUSED if tap.button.action is RemarkAction.REFUSE else Answer.REMARKS
    if round_.addressee_for(tap.person.id) is None:
        await refuse(query, _("This request is not addressed to you."))
        return
    if not is_open(round_, tap.ctx.today):
        raise Refused(RoundRefusal.CLOSED, due=round_.due)
    check_offered(tap.ctx.profile, round_, answer)
    await query.answer()
    await tap.state.set_state(RemarkStates.collecting)
    data: dict[str, Any] = {"round": round_.id, "answer": answer.value, "text": [], "files": []}
    if isinstance(query.message, Message):  # the request, to show the answer once it is sent
        data["request"] = [query.message.chat.id, query.message.message_id]
    await tap.state.set_data(data)
    if query.message is not None:
        typed = answer_words(tap.ctx.profile, round_.kind).typed[answer]
        ending = _("Then press «{send}»; /cancel leaves it.").format(
            send=_(typed.send).removeprefix("📤 ")
        )
        await query.message.answer(
            " ".join([_(typed.prompt), _(files_line(round_.restricted)), ending])
        )


async def on_remarks_part(message: Message, dialog: Dialog[Round]) -> None:
    item = dialog.item
    await take_part(
        message,
        dialog.state,
        dialog.data,
        send_or_cancel(
            _(answer_words(dialog.ctx.profile, item.kind).typed[typed_answer(dialog.data)].send),
            RemarkCallback(action=RemarkAction.SEND, id=item.id),
            RemarkCallback(action=RemarkAction.DROP, id=item.id),
        ),
        restricted_refusal=_("Files are not accepted for a restricted round.")
        if item.restricted
        else None,
        max_files=MAX_FILES,
        too_many_files=_("At most {count} files.").format(count=MAX_FILES),
        max_chars=REMARKS_MAX,
        too_long=_("The text is too long; at most {count} characters.").format(count=REMARKS_MAX),
    )


async def on_send_remarks(query: CallbackQuery, tap: Tap[RemarkCallback]) -> None:
    data: dict[str, Any] = await tap.state.get_data()
    if (
        await tap.state.get_state() != RemarkStates.collecting
        or data.get("round") != tap.button.id
    ):
        await draft_gone(query)
        return
    answer = typed_answer(data)
    text = "\n\n".join(data["text"]).strip() or None
    files = [RoundFile(file_id, name) for file_id, name in data["files"]]
    try:
        item = await remark_steps.answer_round(
            tap.ctx, tap.person, tap.button.id, answer, text, files
        )
    except Refused as error:
        # with no text (or no reasons), the draft goes on
        if error.refusal not in {RoundRefusal.NO_TEXT, RoundRefusal.NO_REASONS}:
            await tap.state.clear()
        raise
    await tap.state.clear()
    await query.answer(recorded(tap.ctx.profile, item, answer))
    typed = answer_words(tap.ctx.profile, item.kind).typed[answer]
    if query.message is not None:
        await query.message.edit_text(_(typed.sent))  # type: ignore[union-attr]
    if query.bot is not None and (request := data.get("request")):
        await show_answered(query.bot, int(request[0]), int(request[1]), tap, item)


# --- the initiator -----------------------------------------------------------------------------


async def cmd_remarks(message: Message, person: Person, repos: Repos) -> None:
    rounds = (await repos.remarks.for_initiator(person.id))[:SHEET_ROUNDS]
    builder = Keyboard()
    builder.button(text=_("➕ New round"), callback_data=RemarkCallback(action=RemarkAction.NEW))
    for item in rounds:
        builder.button(
            text=f"📋 {item.due:%d.%m} · {short_title(item, 22)}",
            callback_data=RemarkCallback(action=RemarkAction.SHEET, id=item.id),
        )
    builder.adjust(1)
    text = (
        _("«No remarks» rounds. Start a new one or open a sheet.")
        if rounds
        else _("«No remarks» rounds: you have none yet.")
    )
    await message.answer(text, reply_markup=builder.as_markup())


async def on_sheet(query: CallbackQuery, tap: Tap[RemarkCallback], round_: Round) -> None:
    """The live sheet (🔄 refreshes it) or its XLSX file, for the round's initiator only."""
    if round_.initiator_id != tap.person.id:
        await refuse(query, _("Only the initiator of the round sees its sheet."))
        return
    await query.answer()
    if query.message is None:
        return
    shown = (
        tap.ctx.repos,
        tap.ctx.profile,
        round_,
        tap.ctx.settings.zone,
        tap.person.language,
        tap.ctx.today,
    )
    if tap.button.action is RemarkAction.XLSX:
        await query.message.answer_document(await sheet_file(*shown))
    else:
        await query.message.answer(
            await sheet_text(*shown), reply_markup=sheet_keyboard(round_.id)
        )


def create_router() -> Router:
    router = Router(name=__name__)
    cb = router.callback_query
    cb.register(on_no_remarks, RemarkCallback.filter(F.action == RemarkAction.OK))
    typed = RemarkCallback.filter(F.action.in_({RemarkAction.HAS, RemarkAction.REFUSE}))
    cb.register(on_typed_answer, typed, LoadedRound())
    cb.register(on_send_remarks, RemarkCallback.filter(F.action == RemarkAction.SEND))
    cb.register(drop_draft, RemarkCallback.filter(F.action == RemarkAction.DROP))
    sheets = RemarkCallback.filter(F.action.in_({RemarkAction.SHEET, RemarkAction.XLSX}))
    cb.register(on_sheet, sheets, LoadedRound())
    on_dialog(
        router.message,
        on_remarks_part,
        RemarkStates.collecting,
        ~F.text.startswith("/"),
        loaded=LoadedRound(),
        data_key="round",
    )
    starters = for_roles(Router(name=f"{__name__}.starters"), MAY_START)
    starters.message.register(cmd_remarks, Command("remarks"))
    router.include_router(starters)
    return router

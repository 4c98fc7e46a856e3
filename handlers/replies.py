"""The small kit every feature's handlers answer with: typed dates, redrawing the tapped
message, a refusal as an alert (or a message when it is too long), a stale button, and a
question whose answer is typed (a reason, say)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import ALERT_LIMIT, cite_marks

DATE_TYPED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
# A button's message older than 48 hours can no longer be edited: answer below it instead.
Reply = Message | InaccessibleMessage


def parse_date(text: str) -> date | None:
    """dd.mm.yyyy (one-digit day and month accepted); None when it is not a date at all.

    A well-formed but impossible date (31.02.2027) raises ValueError.
    """
    found = DATE_TYPED.fullmatch(text.strip())
    if found is None:
        return None
    day, month, year = (int(part) for part in found.groups())
    return date(year, month, day)


def typed_date(text: str) -> date | None:
    """A typed date, or None when it is not one (malformed or impossible alike)."""
    try:
        return parse_date(text)
    except ValueError:
        return None


def dotted(day: date) -> str:
    return day.strftime("%d.%m.%Y")


BUTTON_MAX = 32  # what a phone shows of an inline button (README, "Languages")


def fit(text: str, limit: int = BUTTON_MAX) -> str:
    """A button label cut to fit a phone («…» at the cut): for labels made of data."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit_in(template: str, limit: int = BUTTON_MAX, **values: str) -> str:
    """A translated label with one name put in, the name cut so the whole fits a phone: the
    label's own words and marks stay whole («✋ Оставить за «Отдел занятости…»» keeps its
    closing quote)."""
    [(key, value)] = values.items()
    room = limit - len(template.format(**{key: ""}))
    return template.format(**{key: fit(value, max(room, 1))})


def reader_language() -> str:
    """The current reader's language (kk, ru): the locale the middleware or the sender set."""
    return get_i18n().current_locale


def cited(text: str) -> str:
    """A regulation reference («п.35», an override) in the current reader's language."""
    return cite_marks(text, reader_language())


def _buttons(markup: Any) -> list[list[tuple[str, str | None, str | None]]]:
    if not isinstance(markup, InlineKeyboardMarkup):
        return []
    return [[(b.text, b.callback_data, b.url) for b in row] for row in markup.inline_keyboard]


def already_shows(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Whether the message shows this text and these buttons already (a second tap on the same
    ▶️, Accept on an accepted item): Telegram would refuse the edit, so none is sent."""
    return message.text == text and _buttons(message.reply_markup) == _buttons(markup)


async def show(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message the button was on (or answer below it when it is too old); one
    that shows this already is left as it is."""
    if isinstance(query.message, Message):
        if not already_shows(query.message, text, markup):
            await query.message.edit_text(text, reply_markup=markup)
    elif query.message is not None:
        await query.message.answer(text, reply_markup=markup)


async def answered(query: CallbackQuery) -> Reply | None:
    """The message the button was on, the tap answered; None (the tap told it is no longer
    valid) when that message is gone."""
    if query.message is None:
        await stale(query)
        return None
    await query.answer()
    return query.message


def sentences(*parts: str) -> str:
    """Sentences one after another, a space between: one that ends without its own stop (a
    translation may end on a date or a name, so as not to write «г..») gets a full stop before
    the next begins."""
    joined = ""
    for part in parts:
        if not part:
            continue
        if joined:
            joined += ("" if joined.rstrip().endswith((".", "!", "?", "…", ":")) else ".") + " "
        joined += part
    return joined


async def present(
    target: Message | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A step's view: a tap replaces the dialog's message (redrawn); a typed answer is
    answered below."""
    if isinstance(target, CallbackQuery):
        await show(target, text, markup)
    else:
        await target.answer(text, reply_markup=markup)


async def refuse(event: CallbackQuery | Message, text: str) -> None:
    """Give the reason: a typed message is answered with it; a tap gets an alert, or a message
    when it is too long for one."""
    if isinstance(event, Message):
        await event.answer(text)
        return
    if len(text) <= ALERT_LIMIT:
        await event.answer(text, show_alert=True)
        return
    await event.answer()
    if event.message is not None:
        await event.message.answer(text)


async def stale(query: CallbackQuery) -> None:
    """Answer a tap on a button whose moment has passed (or that was never ours)."""
    await query.answer(_("This button is no longer valid."), show_alert=True)


async def draft_gone(query: CallbackQuery) -> None:
    """«Send» under a draft its dialog no longer holds (sent already, cancelled with /cancel or
    left for another dialog): say that nothing went and what to do."""
    await query.answer(
        _(
            "This draft is already closed: it was sent, cancelled or replaced by another"
            " dialog. This tap sent nothing more; the card shows what went."
        ),
        show_alert=True,
    )


async def ask(
    query: CallbackQuery,
    state: FSMContext,
    next_state: State,
    data: dict[str, Any],
    question: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """The tap answered, wait in `next_state` (with `data`) for what the person types in answer
    to `question` (or taps on its `markup`)."""
    await query.answer()
    await state.set_state(next_state)
    await state.set_data(data)
    if query.message is not None:
        await query.message.answer(question, reply_markup=markup)


async def typed_reason(message: Message, state: FSMContext) -> tuple[str, dict[str, Any]] | None:
    """The reason typed in answer to `ask`, and the data asked with; the question ends here.
    None when it is not a reason in words (the person is asked again, the question stays)."""
    reason = (message.text or "").strip()
    if len(reason) < 3:
        await message.answer(_("Please write the reason in words."))
        return None
    data = await state.get_data()
    await state.clear()
    return reason, data

"""Helpers shared by the handler tests: joining people, reading what the recording bot sent,
and dates. (Fixtures live in conftest.py; this module holds plain functions.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup

from bot import services
from bot.config import Settings
from handlers.callbacks import LangCallback
from storage.domain.enums import Language
from storage.models import Department, Person
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message

CTRL = 7100  # the controller's Telegram id in the dialog tests
STALE_RU = "Эта кнопка больше не действует."


async def invite(repos: Repos, code: str) -> str:
    person = await repos.staff.by_code(code)
    assert person is not None
    invitation = await repos.invitations.issue(person, ttl=timedelta(days=7), actor="admin")
    return invitation.token


async def join(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, code: str, user_id: int, lang: str = "ru"
) -> None:
    """The person opens their invitation and picks their language; the bot's record is cleared."""
    token = await invite(repos, code)
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=user_id, language_code=lang))
    person = await repos.staff.by_telegram(user_id)
    assert person is not None
    await dp.feed_update(
        bot,
        make_callback(
            LangCallback(language=Language(lang if lang in {"kk", "ru"} else "kk")).pack(),
            user_id=user_id,
        ),
    )
    bot.clear()


async def say(dp: Dispatcher, bot: RecordingBot, text: str, user_id: int = CTRL) -> None:
    await dp.feed_update(bot, make_message(text, user_id=user_id))


async def state_of(dp: Dispatcher, bot: RecordingBot, user_id: int = CTRL) -> str | None:
    return await dp.fsm.get_context(bot=bot, user_id=user_id, chat_id=user_id).get_state()


def buttons(message: SendMessage | EditMessageText) -> dict[str, str]:
    """A message's buttons: label → callback data."""
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return {b.text: str(b.callback_data) for row in markup.inline_keyboard for b in row}


def last_markup(bot: RecordingBot) -> InlineKeyboardMarkup:
    for method in reversed(bot.sent()):
        if isinstance(method, SendMessage | EditMessageText) and isinstance(
            method.reply_markup, InlineKeyboardMarkup
        ):
            return method.reply_markup
    raise AssertionError("no message with buttons")


def last_buttons(bot: RecordingBot) -> list[tuple[str, str]]:
    """The buttons of the last message that had any: (label, callback data), in order."""
    return [
        (button.text, button.callback_data or "")
        for row in last_markup(bot).inline_keyboard
        for button in row
    ]


def alert(bot: RecordingBot) -> str:
    """The text of the last answer to a button."""
    answers = [m for m in bot.sent() if isinstance(m, AnswerCallbackQuery)]
    assert answers
    return answers[-1].text or ""


def alerts(bot: RecordingBot) -> list[str]:
    """Every alert (a pop-up answer to a button) so far."""
    return [
        m.text or "" for m in bot.sent() if isinstance(m, AnswerCallbackQuery) and m.show_alert
    ]


def today(settings: Settings) -> date:
    return datetime.now(UTC).astimezone(settings.zone).date()


async def saturday_ahead(repos: Repos, settings: Settings) -> date:
    """A non-working Saturday at least a week ahead whose next working day is the Monday."""
    cal = await services.load_calendar(repos)
    day = today(settings) + timedelta(days=7)
    while not (
        day.weekday() == 5
        and not cal.is_working_day(day)
        and cal.next_working_day(day) == day + timedelta(days=2)
    ):
        day += timedelta(days=1)
    return day


async def department(repos: Repos, name: str) -> Department:
    found = await repos.staff.department_by_name(name)
    assert found is not None
    return found


async def department_id(repos: Repos, name: str) -> int:
    return (await department(repos, name)).id


async def person(repos: Repos, code: str) -> Person:
    found = await repos.staff.by_code(code)
    assert found is not None
    return found


async def person_id(repos: Repos, code: str) -> int:
    return (await person(repos, code)).id


async def join_all(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, people: Iterable[tuple[str, int, str]]
) -> None:
    """`join` for each (code, Telegram id, language), in order."""
    for code, user_id, lang in people:
        await join(dp, bot, repos, code, user_id, lang)


async def bind_all(repos: Repos, telegram_ids: Mapping[str, int]) -> dict[str, Person]:
    """Bind the accounts (code → Telegram id) without the dialog; returns them, bound."""
    people = {}
    for code, telegram_id in telegram_ids.items():
        await repos.staff.bind_telegram(await person(repos, code), telegram_id, actor="test")
        people[code] = await person(repos, code)
    return people

"""An edit to what a message already shows is done, not an error (`bot.factory.LeaveUnchanged`):
a second tap on the same ▶️ while the first edit is on its way, a list that has not changed, a
retried delivery. Against the fake Bot API over HTTP, which refuses such an edit as Telegram
does («message is not modified»)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.factory import create_bot
from tests.fake_api import FakeBotAPI
from tests.helpers import World, buttons, join

HEAD = 7301

# The texts here are the test's own, not the bot's: the language guard does not read them.
pytestmark = pytest.mark.no_language_guard

USER = 4242


def _keyboard() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="▶️", callback_data="ls:my:1")
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@pytest.fixture(params=["json", "aiogram"])
async def api_bot(request: pytest.FixtureRequest, api: FakeBotAPI) -> AsyncIterator[Bot]:
    """The bot as `create_bot` makes it: with Baqylau's JSON session, and with aiogram's own
    session (the middleware is on both)."""
    settings = Settings(_env_file=None, bot_token=api.token, bot_api_url=api.base_url)
    session = (
        None
        if request.param == "json"
        else AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    )
    made = create_bot(settings, session)
    yield made
    await made.session.close()


async def test_an_edit_to_the_same_text_and_buttons_is_done(api: FakeBotAPI, api_bot: Bot) -> None:
    bot = api_bot
    sent = await bot.send_message(USER, "Мои поручения: 1–8 из 12", reply_markup=_keyboard())
    first = await bot.edit_message_text(
        "Мои поручения: 9–12 из 12", chat_id=USER, message_id=sent.message_id
    )
    assert isinstance(first, Message)
    again = await bot.edit_message_text(
        "Мои поручения: 9–12 из 12", chat_id=USER, message_id=sent.message_id
    )
    assert again is True
    # the same buttons again: done as well
    await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=_keyboard()
    )
    assert await bot.edit_message_reply_markup(
        chat_id=USER, message_id=sent.message_id, reply_markup=_keyboard()
    )
    assert len(api.calls("editMessageText")) == 2  # both reached the fake


async def test_any_other_refusal_is_still_an_error(api: FakeBotAPI, api_bot: Bot) -> None:
    bot = api_bot
    sent = await bot.send_message(USER, "x")
    gone = "Bad Request: message to edit not found"
    api.fail_next("editMessageText", status=400, description=gone)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("y", chat_id=USER, message_id=sent.message_id)
    # a send refused with the same words is not an edit: still an error
    api.fail_next("sendMessage", status=400, description="Bad Request: message is not modified")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER, "z")


# --- a list's ▶️ tapped again on the page it already shows ------------------------------------


async def test_a_page_already_shown_is_not_edited_again(world: World) -> None:
    """▶️ tapped twice (the second tap from the message the first one already turned to page
    2): the tap is answered and nothing is edited; the other page still is."""
    for n in range(10):
        await world.register(f"02-{n:02}", ("Отдел образования",))
    await join(world.dp, world.bot, world.repos, "edu_head", HEAD, "ru")
    await world.say("/my", HEAD)
    [first] = [m for m in world.bot.sent() if isinstance(m, SendMessage)]
    forward = buttons(first)["▶️"]
    await world.tap(forward, HEAD, message_text=first.text)
    [second] = [m for m in world.bot.sent() if isinstance(m, EditMessageText)]
    assert "02-09" in (second.text or "") and "02-00" not in (second.text or "")
    world.bot.clear()
    markup = second.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    await world.tap(forward, HEAD, message_text=second.text, reply_markup=markup)
    assert not [m for m in world.bot.sent() if isinstance(m, EditMessageText)]
    assert [m for m in world.bot.sent() if isinstance(m, AnswerCallbackQuery)]
    # the first page's ◀️ from the same message is a change: edited
    await world.tap(buttons(second)["◀️"], HEAD, message_text=second.text, reply_markup=markup)
    [back] = [m for m in world.bot.sent() if isinstance(m, EditMessageText)]
    assert back.text == first.text

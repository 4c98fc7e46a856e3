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
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.config import Settings
from bot.factory import create_bot
from tests.fake_api import FakeBotAPI

# The texts here are the test's own, not the bot's: the language guard does not read them.
pytestmark = pytest.mark.no_language_guard

USER = 4242


def _keyboard() -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="▶️", callback_data="ls:my:1")
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@pytest.fixture(params=["json", "aiogram"])
async def bot(request: pytest.FixtureRequest, api: FakeBotAPI) -> AsyncIterator[Bot]:
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


async def test_an_edit_to_the_same_text_and_buttons_is_done(api: FakeBotAPI, bot: Bot) -> None:
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


async def test_any_other_refusal_is_still_an_error(api: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(USER, "x")
    gone = "Bad Request: message to edit not found"
    api.fail_next("editMessageText", status=400, description=gone)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("y", chat_id=USER, message_id=sent.message_id)
    # a send refused with the same words is not an edit: still an error
    api.fail_next("sendMessage", status=400, description="Bad Request: message is not modified")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(USER, "z")

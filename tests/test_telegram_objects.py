"""aiogram's objects bound to their bot in one hook (`bot/telegram_objects.py`): the same
private state as aiogram's own chain of hooks leaves, on every object of an update or answer."""

from __future__ import annotations

import copy
from typing import Any

import aiogram.methods
import aiogram.types
import pytest
from aiogram import Bot
from aiogram.client.context_controller import BotContextController
from aiogram.methods import EditMessageText, Response, SendMessage
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    Update,
)
from pydantic import BaseModel

from bot import telegram_objects
from bot.config import Settings
from bot.factory import create_bot

TOKEN = "42:TEST"

MESSAGE: dict[str, Any] = {
    "message_id": 5,
    "from": {"id": 1, "is_bot": True, "first_name": "Baqylau", "username": "baqylau_bot"},
    "chat": {"id": 77, "type": "private", "first_name": "Асхат"},
    "date": 1_700_000_000,
    "text": "Тапсырма № 12",
    "entities": [{"type": "bold", "offset": 0, "length": 8}],
    "reply_markup": {
        "inline_keyboard": [[{"text": f"№ {i}", "callback_data": f"a:view:{i}"}] for i in range(3)]
    },
}
TAP: dict[str, Any] = {
    "update_id": 9,
    "callback_query": {
        "id": "77",
        "from": {"id": 77, "is_bot": False, "first_name": "Асхат", "language_code": "kk"},
        "message": MESSAGE,
        "chat_instance": "1",
        "data": "a:view:1",
    },
}


def objects(value: Any) -> list[TelegramObject]:
    """Every aiogram object in a value, nested ones included."""
    found: list[TelegramObject] = []
    if isinstance(value, BaseModel):
        if isinstance(value, TelegramObject):
            found.append(value)
        for name in type(value).model_fields:
            found += objects(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            found += objects(item)
    return found


@pytest.fixture(scope="module")
def bot() -> Bot:
    # the bot's factory installs the hook, as the running bot does
    return create_bot(Settings(_env_file=None, bot_token=TOKEN))


def test_every_aiogram_class_has_the_one_step_hook(bot: Bot) -> None:
    classes = [
        cls
        for module in (aiogram.types, aiogram.methods)
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, BotContextController)
    ]
    assert len(classes) > 200  # the types and the methods
    for cls in classes:
        assert set(cls.__private_attributes__) == {"_bot"}, cls
        assert cls.model_post_init is telegram_objects.bind_bot, cls


def test_an_update_and_everything_in_it_know_their_bot(bot: Bot) -> None:
    update = Update.model_validate(TAP, context={"bot": bot})
    found = objects(update)
    # the update, the query, its person, the message, its sender and chat, an entity, the
    # keyboard and its three buttons
    assert len(found) == 11
    for item in found:
        assert item.__pydantic_private__ == {"_bot": bot}
        assert item.bot is bot
    query = update.callback_query
    assert query is not None and query.message is not None
    # a method made from an object carries the bot, as handlers use it
    method = query.message.edit_text("x")  # type: ignore[union-attr]
    assert method.bot is bot


def test_without_a_bot_the_objects_hold_none(bot: Bot) -> None:
    for item in objects(Update.model_validate(TAP)):
        assert item.__pydantic_private__ == {"_bot": None}
    built = Message.model_construct(message_id=1, date=None, chat=None)  # type: ignore[arg-type]
    assert built.bot is None
    button = InlineKeyboardButton(text="№ 1", callback_data="a:view:1")
    assert button.__pydantic_private__ == {"_bot": None}


def test_an_answer_binds_the_bot_and_methods_still_work(bot: Bot) -> None:
    response = Response[Message].model_validate(
        {"ok": True, "result": MESSAGE}, context={"bot": bot}
    )
    assert response.result is not None
    assert {item.bot for item in objects(response.result)} == {bot}
    # binding again, copying and comparing behave as before
    other = Bot("43:TEST")
    assert response.result.as_(other).bot is other
    copied = copy.copy(response.result)
    assert copied.bot is other and copied == response.result
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="b")]]
    )
    call = SendMessage(chat_id=1, text="x", reply_markup=markup)
    assert call.bot is None and call.as_(bot).bot is bot
    assert (
        EditMessageText(chat_id=1, message_id=2, text="y").model_dump(exclude_none=True)["text"]
        == "y"
    )


def test_a_class_made_later_still_gets_its_bot(bot: Bot) -> None:
    class Later(TelegramObject):
        value: int

    assert Later.model_validate({"value": 1}, context={"bot": bot}).bot is bot
    assert Later(value=2).bot is None


def test_install_twice_changes_nothing(bot: Bot) -> None:
    telegram_objects.install()
    assert Update.model_post_init is telegram_objects.bind_bot

"""The running bot does not log a line per handled update; a handler's failure is still logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.types import Chat, Message, Update, User

from bot.runner import quiet_update_log

EVENT_LOG = logging.getLogger("aiogram.event")


@pytest.fixture
def quiet() -> Iterator[None]:
    level = EVENT_LOG.level
    quiet_update_log()
    yield
    EVENT_LOG.setLevel(level)


def update(number: int, text: str) -> Update:
    person = User(id=7, is_bot=False, first_name="A")
    chat = Chat(id=7, type="private")
    message = Message(
        message_id=number, date=datetime.now(UTC), chat=chat, from_user=person, text=text
    )
    return Update(update_id=number, message=message)


async def test_handled_updates_leave_no_line_but_failures_do(
    quiet: None, caplog: pytest.LogCaptureFixture
) -> None:
    dp = Dispatcher()
    seen: list[str] = []

    @dp.message(F.text == "boom")
    async def boom(message: Message) -> None:
        raise RuntimeError("the handler failed")

    @dp.message()
    async def fine(message: Message) -> None:
        seen.append(message.text or "")

    bot = Bot("42:TEST")
    with caplog.at_level(logging.DEBUG):
        await dp.feed_update(bot, update(1, "hello"))
        assert seen == ["hello"]
        assert not [r for r in caplog.records if r.name == "aiogram.event"]
        # polling handles each update this way: an exception is logged, not raised
        await dp._process_update(bot, update(2, "boom"))
    failures = [r for r in caplog.records if r.name == "aiogram.event"]
    assert [r.levelno for r in failures] == [logging.ERROR]
    assert "the handler failed" in (failures[0].exc_text or str(failures[0].exc_info))
    await bot.session.close()

"""Self-tests for tests/fake_api/ (real aiogram over HTTP) and tests/fakes.py (no network)."""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Command
from aiogram.methods import AnswerCallbackQuery, EditMessageText, GetMe, SendMessage
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from tests import language_guard
from tests.fake_api import ApiCall, FakeBotAPI, UploadedFile
from tests.fake_api.server import _frozen_after_full, keep_a_long_run_steady
from tests.fakes import RecordingBot, make_callback, make_document, make_message

# The texts here are the test's own, not the bot's: the language guard does not read them.
pytestmark = pytest.mark.no_language_guard

REPO_ROOT = Path(__file__).resolve().parents[1]
USER = 1001


def _keyboard(data: str = "again") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Again", callback_data=data)]]
    )


def _dump(markup: object) -> object:
    assert isinstance(markup, InlineKeyboardMarkup)
    return markup.model_dump(exclude_none=True)


def _make_router() -> Router:
    """Routers attach once: each test builds its own."""
    router = Router(name="ping")

    @router.message(Command("ping"))
    async def cmd_ping(message: Message) -> None:
        await message.answer("pong", reply_markup=_keyboard())

    @router.callback_query(F.data == "again")
    async def on_again(query: CallbackQuery) -> None:
        await query.answer("again!")
        assert isinstance(query.message, Message)
        await query.message.edit_text("pong again")

    @router.message(F.document)
    async def on_document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        content = await bot.download(message.document)
        assert content is not None
        await message.answer(f"got {message.document.file_name}: {content.read().decode()}")

    return router


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    bot = Bot(api.token, session=session)
    yield bot
    await bot.session.close()


# ---------------------------------------------------------------- FakeBotAPI over HTTP


async def test_base_url_is_local(api: FakeBotAPI) -> None:
    assert api.base_url.startswith("http://127.0.0.1:")
    assert api.port > 0


async def test_get_me(api: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == api.bot_id == bot.id
    assert me.is_bot
    assert me.username == "baqylau_test_bot"
    assert [call.method for call in api.requests] == ["getMe"]


async def test_send_message_is_recorded_with_decoded_params(api: FakeBotAPI, bot: Bot) -> None:
    first = await bot.send_message(USER, "123", reply_markup=_keyboard())
    second = await bot.send_message(USER, "true")

    assert isinstance(first, Message)
    assert first.text == "123"
    assert first.chat.id == USER
    assert first.chat.type == "private"
    assert first.from_user is not None
    assert first.from_user.id == api.bot_id
    assert _dump(first.reply_markup) == _dump(_keyboard())
    assert second.message_id == first.message_id + 1

    call = api.calls("sendMessage")[0]
    assert call.params["chat_id"] == USER
    assert call.params["text"] == "123"  # text stays a string
    assert api.calls("sendMessage")[1].params["text"] == "true"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Again", "callback_data": "again"}]]
    }
    assert call.ok
    assert call.result["message_id"] == first.message_id
    assert api.sent_messages == api.calls("sendMessage")


async def test_set_my_commands_and_true_methods(api: FakeBotAPI, bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Бастау")]
    assert await bot.set_my_commands(commands, language_code="kk") is True
    listed = await bot.get_my_commands(language_code="kk")
    # objects from the API carry the bound bot in a private attr, so == needs model_dump
    assert [c.model_dump() for c in listed] == [c.model_dump() for c in commands]
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.delete_my_commands(language_code="kk") is True
    assert await bot.get_my_commands(language_code="kk") == []
    call = api.calls("setMyCommands")[0]
    assert call.params["commands"] == [{"command": "start", "description": "Бастау"}]
    assert call.params["language_code"] == "kk"
    assert api.calls("deleteWebhook")[0].params["drop_pending_updates"] is True


async def test_retry_after_injected(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as excinfo:
        await bot.send_message(USER, "hi")
    assert excinfo.value.retry_after == 7
    assert (await bot.send_message(USER, "hi")).text == "hi"  # only the next call failed
    failed, ok = api.calls("sendMessage")
    assert (failed.status, ok.status) == (429, 200)
    assert api.sent_messages == [ok]


async def test_fail_next_times(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", status=400, description="Bad Request: chat not found", times=2)
    for _ in range(2):
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(USER, "hi")
    await bot.send_message(USER, "hi")


async def test_blocked_user_is_forbidden(api: FakeBotAPI, bot: Bot) -> None:
    api.block_user(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_document(USER, BufferedInputFile(b"x", filename="x.txt"))
    await bot.send_message(USER + 1, "other users still get messages")
    assert [call.status for call in api.requests] == [403, 403, 200]


async def test_server_error(api: FakeBotAPI, bot: Bot) -> None:
    api.fail_next("sendMessage", status=500)
    with pytest.raises(TelegramServerError):
        await bot.send_message(USER, "hi")


async def test_rate_limit(api: FakeBotAPI, bot: Bot) -> None:
    api.rate_limit = 2
    await bot.send_message(USER, "1")
    await bot.send_message(USER, "2")
    with pytest.raises(TelegramRetryAfter) as excinfo:
        await bot.send_message(USER, "3")
    assert excinfo.value.retry_after == 1
    await bot.answer_callback_query("1")  # not a send: not limited
    assert len(api.sent_messages) == 2


async def test_wrong_token_is_not_found(api: FakeBotAPI) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    wrong = Bot("999:WRONG", session=session)
    try:
        with pytest.raises(TelegramNotFound, match="Not Found"):
            await wrong.get_me()
    finally:
        await session.close()
    assert api.requests == []


async def test_edit_message_text_and_not_modified(api: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(USER, "one", reply_markup=_keyboard())
    edited = await bot.edit_message_text(
        "two", chat_id=USER, message_id=sent.message_id, reply_markup=_keyboard()
    )
    assert isinstance(edited, Message)
    assert edited.text == "two"
    assert edited.message_id == sent.message_id
    assert edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "two", chat_id=USER, message_id=sent.message_id, reply_markup=_keyboard()
        )
    cleared = await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert isinstance(cleared, Message)
    assert cleared.reply_markup is None


async def test_send_document_get_file_and_download(api: FakeBotAPI, bot: Bot) -> None:
    content = "Есеп\n".encode() * 1000
    message = await bot.send_document(
        USER, BufferedInputFile(content, filename="report.txt"), caption="123"
    )
    document = message.document
    assert document is not None
    assert document.file_name == "report.txt"
    assert document.file_size == len(content)
    assert message.caption == "123"

    call = api.calls("sendDocument")[0]
    upload = call.params["document"]
    assert isinstance(upload, UploadedFile)
    assert upload.filename == "report.txt"
    assert upload.content == content
    assert call.params["caption"] == "123"

    file = await bot.get_file(document.file_id)
    assert file.file_size == len(content)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == content
    again = await bot.download(document)
    assert again is not None
    assert again.read() == content

    resent = await bot.send_document(USER + 1, document.file_id)
    assert resent.document is not None
    assert resent.document.file_id == document.file_id

    api.forget_file(document.file_id)  # Telegram refuses a file_id it no longer knows
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(USER, document.file_id)
    uploaded = await bot.send_document(USER, BufferedInputFile(content, filename="report.txt"))
    assert uploaded.document is not None and uploaded.document.file_id != document.file_id


async def test_get_file_unknown_id(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_get_updates_offset_and_long_poll(api: FakeBotAPI, bot: Bot) -> None:
    first = api.send_text(USER, "/start payload")
    second = api.press(USER, "lang:kk", message_id=1)
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second]
    message = updates[0].message
    assert message is not None
    assert message.text == "/start payload"
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].length) == ("bot_command", 6)
    assert message.from_user is not None
    assert message.from_user.language_code == "ru"
    query = updates[1].callback_query
    assert query is not None
    assert query.data == "lang:kk"
    assert isinstance(query.message, Message)
    assert query.message.message_id == 1
    assert query.message.text == "/start payload"  # the chat's message 1 as the fake knows it

    assert await bot.get_updates(offset=second + 1, timeout=0) == []
    poll = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=5))
    await api.wait_for("getUpdates", after=api.mark() - 1)
    await asyncio.sleep(0.05)
    assert not poll.done()
    loop = asyncio.get_running_loop()
    started = loop.time()
    third = api.send_text(USER, "hello", language_code="kk")
    woken = await asyncio.wait_for(poll, 2)
    assert loop.time() - started < 1
    assert [u.update_id for u in woken] == [third]
    assert api.calls("getUpdates")[-1].params == {"offset": second + 1, "timeout": 5}


async def test_allowed_updates_filter(api: FakeBotAPI, bot: Bot) -> None:
    api.press(USER, "x", message_id=1)
    kept = api.send_text(USER, "hi")
    updates = await bot.get_updates(timeout=0, allowed_updates=["message"])
    assert [u.update_id for u in updates] == [kept]


async def test_wait_for_times_out_with_listing(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(USER, "hi")
    with pytest.raises(AssertionError, match=r"(?s)no matching sendDocument.*sendMessage"):
        await api.wait_for("sendDocument", timeout=0.1)
    found = await api.wait_for("sendMessage", lambda c: c.params["text"] == "hi")
    assert isinstance(found, ApiCall)
    with pytest.raises(AssertionError):
        await api.wait_for("sendMessage", timeout=0.1, after=api.mark())


async def test_polling_end_to_end(api: FakeBotAPI, bot: Bot) -> None:
    dp = Dispatcher()
    dp.include_router(_make_router())
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        api.send_text(USER, "/ping")
        reply = await api.wait_for("sendMessage", lambda c: c.params["text"] == "pong")
        assert reply.params["chat_id"] == USER
        assert reply.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "again"

        mark = api.mark()
        api.press(USER, "again", message_id=reply.result["message_id"])
        answer = await api.wait_for("answerCallbackQuery", after=mark)
        assert answer.params["text"] == "again!"
        edit = await api.wait_for("editMessageText", after=mark)
        assert edit.ok
        assert edit.params["text"] == "pong again"
        assert edit.params["message_id"] == reply.result["message_id"]

        mark = api.mark()
        api.send_document(USER, b"hello", "note.txt")
        got = await api.wait_for("sendMessage", after=mark)
        assert got.params["text"] == "got note.txt: hello"
        assert api.calls("getFile")
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)
    assert api.calls("getMe")
    allowed = api.calls("getUpdates")[0].params["allowed_updates"]
    assert sorted(allowed) == ["callback_query", "message"]  # aiogram resolves them from handlers


async def test_control_endpoints(api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(USER, "before")
    async with aiohttp.ClientSession(base_url=api.base_url) as http:
        async with http.post(
            "/_control/send_text", json={"user_id": USER, "text": "/start", "language_code": "kk"}
        ) as resp:
            assert resp.status == 200
            sent = await resp.json()
        async with http.post(
            "/_control/press", data=json.dumps({"user_id": USER, "data": "d", "message_id": 1})
        ) as resp:
            pressed = await resp.json()
        async with http.post("/_control/press", json={"user_id": USER}) as resp:
            assert resp.status == 400
        async with http.get("/_control/requests", params={"after": "0"}) as resp:
            calls = await resp.json()
    assert sent["ok"]
    assert pressed["update_id"] == sent["update_id"] + 1
    assert [c["method"] for c in calls] == ["sendMessage"]
    assert calls[0]["params"]["text"] == "before"
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message is not None
    assert updates[0].message.from_user is not None
    assert updates[0].message.from_user.language_code == "kk"


async def test_requests_after_an_index(api: FakeBotAPI, bot: Bot) -> None:
    for text in ("one", "two", "three"):
        await bot.send_message(USER, text)

    async def after(value: str) -> list[tuple[int, str]]:
        async with (
            aiohttp.ClientSession(base_url=api.base_url) as http,
            http.get("/_control/requests", params={"after": value}) as resp,
        ):
            return [(c["index"], c["params"]["text"]) for c in await resp.json()]

    assert await after("1") == [(1, "two"), (2, "three")]
    assert await after("-5") == [(0, "one"), (1, "two"), (2, "three")]
    assert await after("3") == []


def test_a_standalone_fake_keeps_its_log_out_of_full_collections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(language_guard, "current_test", "a test")
    keep_a_long_run_steady()
    keep_a_long_run_steady()  # once is enough
    try:
        assert gc.callbacks.count(_frozen_after_full) == 1
        assert language_guard.current_test is None  # no texts kept for a guard nobody reads
        kept = [{"call": n} for n in range(1000)]
        gc.collect(1)
        assert gc.get_freeze_count() == 0  # a young collection freezes nothing
        gc.collect()
        assert gc.get_freeze_count() >= len(kept)  # the survivors of a full one are frozen
    finally:
        gc.callbacks.remove(_frozen_after_full)
        gc.unfreeze()


async def test_standalone_server() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fake_api",
        "--port",
        "0",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        line = (await asyncio.wait_for(proc.stderr.readline(), 10)).decode()
        base_url = line.strip()
        assert base_url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession(base_url=base_url) as http:
            async with http.get("/bot123456:TEST-token/getMe") as resp:
                me = await resp.json()
            async with http.post("/_control/send_text", json={"user_id": 7, "text": "hi"}) as r:
                assert (await r.json())["ok"]
            async with http.get("/_control/requests") as resp:
                calls = await resp.json()
        assert me["result"]["username"] == "baqylau_test_bot"
        assert [c["method"] for c in calls] == ["getMe"]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        stdout, rest = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0
    assert stdout == b""
    assert rest == b""  # nothing but the one line


# ---------------------------------------------------------------- RecordingBot (no network)


async def test_recording_bot_message_and_callback() -> None:
    dp = Dispatcher()
    dp.include_router(_make_router())
    bot = RecordingBot()

    await dp.feed_update(bot, make_message("/ping"))
    assert bot.texts() == ["pong"]
    request = bot.get_request()
    assert isinstance(request, SendMessage)
    assert request.chat_id == 1001
    assert _dump(request.reply_markup) == _dump(_keyboard())
    assert bot.sent() == []

    await dp.feed_update(bot, make_callback("again", message_id=5, message_text="pong"))
    answer, edit = bot.sent()
    assert isinstance(answer, AnswerCallbackQuery)
    assert answer.text == "again!"
    assert isinstance(edit, EditMessageText)
    assert (edit.chat_id, edit.message_id, edit.text) == (1001, 5, "pong again")
    assert bot.texts() == ["pong again"]
    bot.clear()
    assert bot.sent() == []


async def test_recording_bot_auto_results() -> None:
    bot = RecordingBot()
    first = await bot.send_message(77, "a", reply_markup=_keyboard())
    second = await bot.send_message(77, "b")
    assert (first.chat.id, first.text) == (77, "a")
    assert _dump(first.reply_markup) == _dump(_keyboard())
    assert second.message_id > first.message_id
    assert await bot.answer_callback_query("1") is True
    assert await bot.set_my_commands([BotCommand(command="start", description="s")]) is True
    me = await bot.me()
    assert me.id == 42
    assert not any(isinstance(m, GetMe) for m in bot.sent())

    sent = await bot.send_document(77, BufferedInputFile(b"data", filename="a.csv"))
    assert sent.document is not None
    assert sent.document.file_name == "a.csv"
    downloaded = await bot.download(sent.document)
    assert downloaded is not None
    assert downloaded.read() == b"data"


async def test_recording_bot_programmed_responses_are_fifo_per_method() -> None:
    bot = RecordingBot()
    bot.add_result_for(
        SendMessage, ok=False, error_code=403, description="Forbidden: bot was blocked by the user"
    )
    bot.add_result_for(SendMessage, ok=False, error_code=429, description="Flood", retry_after=3)
    assert await bot.answer_callback_query("1") is True  # not consumed by another method
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(1, "x")
    with pytest.raises(TelegramRetryAfter) as excinfo:
        await bot.send_message(1, "x")
    assert excinfo.value.retry_after == 3
    assert (await bot.send_message(1, "x")).text == "x"
    assert len(bot.session.responses) == 0


async def test_recording_bot_document_update() -> None:
    dp = Dispatcher()
    dp.include_router(_make_router())
    bot = RecordingBot()
    bot.add_file("doc-1", b"payload")
    update = make_document("doc-1", "act.pdf", caption="Акт", language_code="kk")
    assert update.message is not None
    assert update.message.chat.type == "private"
    assert update.message.date.tzinfo is not None
    await dp.feed_update(bot, update)
    assert bot.texts() == ["got act.pdf: payload"]

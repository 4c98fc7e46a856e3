"""The Bot API session (bot/session.py): calls as Telegram receives them — JSON bodies, multipart
only for uploads — and aiogram's exceptions for Telegram's errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import MessageEntityType, ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    DeleteMessage,
    EditMessageReplyMarkup,
    EditMessageText,
    GetUpdates,
    RestrictChatMember,
    SendDocument,
    SendLocation,
    SendMediaGroup,
    SendMessage,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    ChatPermissions,
    CopyTextButton,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaDocument,
    InputMediaPhoto,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    WebAppInfo,
)
from aiohttp import web
from aiohttp.web_request import FileField

from bot.config import Settings
from bot.factory import create_bot
from bot.session import JsonSession, dumps
from handlers.callbacks import ItemAction, ItemCallback
from handlers.keyboards import Keyboard
from tests.fake_api import FakeBotAPI
from tests.fake_api.wire import DEFAULT_TOKEN

# The texts here are the test's own, not the bot's: the language guard does not read them.
pytestmark = pytest.mark.no_language_guard

CHAT = 1001
SENT = {
    "message_id": 7,
    "date": 1_764_000_000,
    "chat": {"id": CHAT, "type": "private", "first_name": "Айгерім"},
    "text": "Сәлем",
}


@dataclass
class Seen:
    method: str
    content_type: str
    body: bytes
    form: dict[str, Any] = field(default_factory=dict)


class Wire:
    """A Bot API that records each request as it arrived (headers and bytes) and answers what
    the test queued for its method (a success with SENT by default)."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.answers: dict[str, tuple[int, bytes]] = {}
        self.held: dict[str, asyncio.Event] = {}  # a method answered only once its event is set

    def answer(self, method: str, status: int, body: object) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[method] = (status, raw)

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        seen = Seen(method, request.content_type, b"")
        if request.content_type != "multipart/form-data":
            seen.body = await request.read()
        else:
            seen.form = {
                key: value.file.read() if isinstance(value, FileField) else value
                for key, value in (await request.post()).items()
            }
        self.seen.append(seen)
        if method in self.held:
            await self.held[method].wait()
        status, raw = self.answers.get(method, (200, json.dumps({"ok": True, "result": SENT})))
        return web.Response(status=status, body=raw, content_type="application/json")


@pytest.fixture
async def wire() -> AsyncIterator[tuple[Wire, Bot]]:
    recorder = Wire()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", recorder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    settings = Settings(
        _env_file=None, bot_token=DEFAULT_TOKEN, bot_api_url=f"http://{host}:{port}"
    )
    bot = create_bot(settings)
    try:
        yield recorder, bot
    finally:
        await bot.session.close()
        await runner.cleanup()


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="✅ Қабылдау", callback_data="it:accept:5:2")],
            [InlineKeyboardButton(text="Ашу", url="https://example.org/a")],
        ]
    )


async def test_the_bot_talks_json(wire: tuple[Wire, Bot]) -> None:
    """create_bot's session sends a call without files as one JSON document: nested objects
    as objects, nothing for the fields left empty, Cyrillic as UTF-8; the answer is aiogram's
    Message."""
    recorder, bot = wire
    assert isinstance(bot.session, JsonSession)

    sent = await bot.send_message(CHAT, "Сәлем", reply_markup=_keyboard())

    assert isinstance(sent, Message)
    assert (sent.message_id, sent.text, sent.chat.id) == (7, "Сәлем", CHAT)
    [call] = recorder.seen
    assert (call.method, call.content_type) == ("sendMessage", "application/json")
    assert "Сәлем".encode() in call.body  # not \u escapes
    assert json.loads(call.body) == {
        "chat_id": CHAT,
        "text": "Сәлем",
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "✅ Қабылдау", "callback_data": "it:accept:5:2"}],
                [{"text": "Ашу", "url": "https://example.org/a"}],
            ]
        },
    }


async def test_values_keep_their_json_types(wire: tuple[Wire, Bot]) -> None:
    """Booleans stay booleans, a moment is a Unix time, a default of the bot is filled in
    (parse_mode), and a False is sent, not dropped."""
    recorder, bot = wire
    recorder.answer("answerCallbackQuery", 200, {"ok": True, "result": True})
    recorder.answer("banChatMember", 200, {"ok": True, "result": True})
    html = Bot(bot.token, session=bot.session, default=DefaultBotProperties(parse_mode="HTML"))
    until = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

    assert await bot.answer_callback_query("cb1", text="Принято.", show_alert=False) is True
    assert await bot.ban_chat_member(-100, CHAT, until_date=until) is True
    await html.send_message(CHAT, "<b>x</b>")

    bodies = [json.loads(call.body) for call in recorder.seen]
    assert bodies[0] == {"callback_query_id": "cb1", "text": "Принято.", "show_alert": False}
    assert bodies[1] == {"chat_id": -100, "user_id": CHAT, "until_date": int(until.timestamp())}
    assert bodies[2] == {"chat_id": CHAT, "text": "<b>x</b>", "parse_mode": "HTML"}


async def test_the_first_upload_cuts_off_no_call_in_flight(wire: tuple[Wire, Bot]) -> None:
    """aiogram 'resets' its connector before its first upload by calling the session's close:
    the long poll and any reply in flight on the lean client must go on regardless."""
    recorder, bot = wire
    recorder.held["getUpdates"] = asyncio.Event()
    recorder.answer("getUpdates", 200, {"ok": True, "result": []})
    polling = asyncio.create_task(bot.get_updates(timeout=5))
    while not recorder.seen:  # the long poll has reached the server
        await asyncio.sleep(0.01)

    await bot.send_document(CHAT, BufferedInputFile(b"x", filename="a.csv"))
    recorder.held["getUpdates"].set()

    assert await asyncio.wait_for(polling, 5) == []
    await bot.send_message(CHAT, "Сәлем")  # and the lean client still works
    assert [call.method for call in recorder.seen] == ["getUpdates", "sendDocument", "sendMessage"]


async def test_an_upload_is_still_multipart(wire: tuple[Wire, Bot]) -> None:
    recorder, bot = wire
    document = BufferedInputFile(b"col1;col2\n", filename="list.csv")

    await bot.send_document(CHAT, document, caption="Тізім", reply_markup=_keyboard())

    [call] = recorder.seen
    assert (call.method, call.content_type) == ("sendDocument", "multipart/form-data")
    attached = call.form["document"]
    assert isinstance(attached, str) and attached.startswith("attach://")
    assert call.form[attached.removeprefix("attach://")] == b"col1;col2\n"
    assert call.form["caption"] == "Тізім"
    assert json.loads(call.form["reply_markup"])["inline_keyboard"][0][0]["text"] == "✅ Қабылдау"


async def test_telegrams_errors_are_aiograms_exceptions(wire: tuple[Wire, Bot]) -> None:
    recorder, bot = wire
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    recorder.answer("sendMessage", 429, too_many)
    with pytest.raises(TelegramRetryAfter) as waited:
        await bot.send_message(CHAT, "x")
    assert waited.value.retry_after == 7

    bad = {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
    recorder.answer("sendMessage", 400, bad)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CHAT, "x")

    blocked = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
    recorder.answer("sendMessage", 403, blocked)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(CHAT, "x")

    recorder.answer("sendMessage", 200, b"<html>gateway</html>")
    with pytest.raises(ClientDecodeError):
        await bot.send_message(CHAT, "x")


async def test_the_fake_reads_json_as_it_reads_forms(api: FakeBotAPI) -> None:
    """The same calls through aiogram's form session and through the JSON one reach the fake
    Bot API (which reads both, as Telegram does) with the same parameters and answers."""
    server = TelegramAPIServer.from_base(api.base_url)
    answers = []
    for session in (AiohttpSession(api=server), JsonSession(api=server)):
        bot = Bot(api.token, session=session)
        try:
            sent = await bot.send_message(CHAT, "123", reply_markup=_keyboard())
            edited = await bot.edit_message_text(
                "ок", chat_id=CHAT, message_id=sent.message_id, reply_markup=_keyboard()
            )
            await bot.send_message(CHAT, "true", disable_notification=True)
            answers.append((sent.model_dump(exclude={"message_id", "date"}), edited))
        finally:
            await session.close()
    form_calls, json_calls = api.requests[:3], api.requests[3:]
    assert [call.method for call in json_calls] == [call.method for call in form_calls]
    for by_form, by_json in zip(form_calls, json_calls, strict=True):
        by_form.params.pop("message_id", None)
        by_json.params.pop("message_id", None)
        assert by_json.params == by_form.params
        assert by_json.ok
    assert json_calls[0].params["text"] == "123"  # a string, though it looks like a number
    assert json_calls[2].params["disable_notification"] is True
    assert answers[0][0] == answers[1][0]


async def test_updates_read_from_bytes_as_aiogram_reads_them() -> None:
    """getUpdates' answer (a message with a command, a button tap) validated from its bytes
    gives the same updates as aiogram's json.loads and validation."""
    user = {"id": CHAT, "is_bot": False, "first_name": "Б", "language_code": "kk"}
    chat = {"id": CHAT, "type": "private", "first_name": "Б"}
    message = {"message_id": 3, "date": 1_764_000_000, "chat": chat, "from": user}
    message |= {"text": "/my", "entities": [{"type": "bot_command", "offset": 0, "length": 3}]}
    shown = {"message_id": 1, "date": 1_764_000_000, "chat": chat, "text": "…"}
    query = {"id": "cb9", "from": user, "message": shown, "chat_instance": "ci", "data": "x"}
    gone = {"message_id": 2, "date": 0, "chat": chat}  # an inaccessible message
    tap_on_gone = query | {"id": "cb10", "message": gone}
    updates = [
        {"update_id": 1, "message": message},
        {"update_id": 2, "callback_query": query},
        {"update_id": 3, "callback_query": tap_on_gone},
    ]
    content = json.dumps({"ok": True, "result": updates}, ensure_ascii=False)
    bot = Bot(DEFAULT_TOKEN)
    try:
        plain = AiohttpSession().check_response(bot, GetUpdates(), 200, content)
        fast = JsonSession().check_response(bot, GetUpdates(), 200, content.encode())
    finally:
        await bot.session.close()
    assert fast.result is not None
    assert fast.result == plain.result
    taps = [update.callback_query for update in fast.result[1:]]
    assert [type(tap.message).__name__ if tap else None for tap in taps] == [
        "Message",
        "InaccessibleMessage",
    ]
    assert fast.result[0].message is not None and fast.result[0].message.bot is bot


async def test_answers_keep_the_keyboard_sent_without_validating_its_echo() -> None:
    """A message sent or edited with an inline keyboard comes back with Telegram's echo of it;
    the session validates the rest and puts the sent keyboard back: the same message as
    aiogram's validation of the whole answer gives (an edit of an inline message: True). A
    message sent without one is the same message as aiogram's too."""
    keyboard = _keyboard()
    echoed = SENT | {"reply_markup": keyboard.model_dump(exclude_none=True)}
    edited = SENT | {"edit_date": 1_764_000_100}  # an empty keyboard: Telegram shows none
    calls: list[tuple[TelegramMethod[Any], object]] = [
        (SendMessage(chat_id=CHAT, text="Сәлем", reply_markup=keyboard), echoed),
        (SendMessage(chat_id=CHAT, text="Сәлем"), SENT),  # no keyboard: parsed the same way
        (EditMessageText(chat_id=CHAT, message_id=7, text="ок", reply_markup=keyboard), echoed),
        (EditMessageReplyMarkup(inline_message_id="i1", reply_markup=keyboard), True),
        (
            EditMessageReplyMarkup(
                chat_id=CHAT, message_id=7, reply_markup=InlineKeyboardMarkup(inline_keyboard=[])
            ),
            edited,
        ),
    ]
    bot = Bot(DEFAULT_TOKEN)
    try:
        for method, result in calls:
            content = json.dumps({"ok": True, "result": result}, ensure_ascii=False)
            plain = AiohttpSession().check_response(bot, method, 200, content)
            fast = JsonSession().check_response(bot, method, 200, content.encode())
            assert type(fast) is type(plain)
            assert type(fast.result) is type(plain.result)
            if isinstance(plain.result, Message):
                assert isinstance(fast.result, Message)
                assert fast.result.model_dump() == plain.result.model_dump()
                assert fast.result.model_fields_set == plain.result.model_fields_set
                assert fast.result.bot is bot
                if result is echoed:
                    assert fast.result.reply_markup is keyboard
                else:
                    assert fast.result.reply_markup is None
            else:
                assert fast.result is plain.result is True
    finally:
        await bot.session.close()


@pytest.mark.parametrize(
    ("status", "content", "error"),
    [
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: x"},
            TelegramBadRequest,
        ),
        (
            200,
            {"ok": False, "error_code": 400, "description": "Bad Request: x"},
            TelegramAPIError,
        ),
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
            TelegramRetryAfter,
        ),
        (200, b"<html>gateway</html>", ClientDecodeError),
        (200, {"ok": True, "result": {"message_id": "not a number"}}, ClientDecodeError),
    ],
)
def test_a_call_with_a_keyboard_gets_aiogram_errors(
    status: int, content: object, error: type[Exception]
) -> None:
    """The answer to a call with a keyboard that is not a plain success is aiogram's to read."""
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    method = SendMessage(chat_id=CHAT, text="x", reply_markup=_keyboard())
    with pytest.raises(error):
        JsonSession().check_response(Bot(DEFAULT_TOKEN), method, status, raw)


def _dumped(session: JsonSession, bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """build_json as it was: a `model_dump` of the whole call, `plain()`, `json.dumps`."""
    files: dict[str, InputFile] = {}
    body = {}
    for key, value in method.model_dump(warnings=False, exclude_none=True).items():
        plain = session.plain(value, bot, files)
        if plain is None or plain == "":
            continue
        body[key] = plain
    return None if files else dumps(body).encode()


def _calls() -> list[TelegramMethod[Any]]:
    until = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    trusted_keyboard = Keyboard()
    trusted_keyboard.button(text="🔎 B-000001", callback_data="a:view:1:0:")
    trusted_keyboard.button(text="▶️", callback_data=ItemCallback(action=ItemAction.VIEW, id=2))
    mixed = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Ашу", url="https://example.org/a", style="primary"),
                InlineKeyboardButton(text="web", web_app=WebAppInfo(url="https://example.org/w")),
            ],
            [
                InlineKeyboardButton(text="copy", copy_text=CopyTextButton(text="B-1")),
                InlineKeyboardButton(text="⭐ pay", pay=True),
                InlineKeyboardButton(text="empty", callback_data=""),
            ],
        ]
    )
    return [
        SendMessage(chat_id=CHAT, text="Сәлем", reply_markup=_keyboard()),
        SendMessage(chat_id=CHAT, text="x", reply_markup=trusted_keyboard.as_markup()),
        SendMessage(
            chat_id="@channel",
            text='<b>x</b> \u2028 "q" \\ 😀',
            parse_mode=ParseMode.HTML,
            entities=[MessageEntity(type=MessageEntityType.BOLD, offset=0, length=1)],
            link_preview_options=LinkPreviewOptions(is_disabled=True, url=None),
            disable_notification=False,
            protect_content=True,
            reply_parameters=ReplyParameters(message_id=3, quote="q"),
            reply_markup=mixed,
        ),
        SendMessage(chat_id=CHAT, text="defaults: parse mode, preview, protection"),
        SendMessage(chat_id=CHAT, text="x", parse_mode=None, link_preview_options=None),
        SendMessage(
            chat_id=CHAT,
            text="reply keyboard",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="a"), KeyboardButton(text="b")]],
                resize_keyboard=True,
            ),
        ),
        SendMessage(chat_id=CHAT, text="x", reply_markup=ReplyKeyboardRemove()),
        SendMessage(chat_id=CHAT, text="x", reply_markup=ForceReply(input_field_placeholder="…")),
        SendMessage(chat_id=CHAT, text="extra", unknown_field="kept", other=None),
        EditMessageText(chat_id=CHAT, message_id=5, text="ок", reply_markup=_keyboard()),
        EditMessageText(inline_message_id="i1", text="", reply_markup=mixed),
        EditMessageReplyMarkup(chat_id=CHAT, message_id=5, reply_markup=_keyboard()),
        EditMessageReplyMarkup(chat_id=CHAT, message_id=5),
        EditMessageReplyMarkup(
            chat_id=CHAT, message_id=5, reply_markup=InlineKeyboardMarkup(inline_keyboard=[])
        ),
        AnswerCallbackQuery(callback_query_id="cb1"),
        AnswerCallbackQuery(callback_query_id="cb1", text="Принято.", show_alert=False),
        AnswerCallbackQuery(callback_query_id="cb1", show_alert=True, cache_time=0),
        BanChatMember(chat_id=-100, user_id=CHAT, until_date=until),
        RestrictChatMember(
            chat_id=-100,
            user_id=CHAT,
            permissions=ChatPermissions(can_send_messages=False),
            until_date=until,
        ),
        SendDocument(chat_id=CHAT, document="file-id", caption="Тізім", reply_markup=_keyboard()),
        SendMediaGroup(
            chat_id=CHAT,
            media=[InputMediaPhoto(media="id1", caption="a"), InputMediaPhoto(media="id2")],
        ),
        SendLocation(chat_id=CHAT, latitude=51.169392, longitude=71.449074),
        SetMyCommands(
            commands=[BotCommand(command="my", description="Менің тапсырмаларым")],
            scope=BotCommandScopeChat(chat_id=CHAT),
            language_code="kk",
        ),
        DeleteMessage(chat_id=CHAT, message_id=9),
        GetUpdates(offset=10, timeout=30, allowed_updates=["message", "callback_query"]),
    ]


@pytest.mark.parametrize("method", _calls(), ids=lambda method: method.__api_method__)
async def test_a_call_reads_as_its_dump_did(method: TelegramMethod[Any]) -> None:
    """build_json reads the call's fields (and a keyboard's buttons) as they are: the same
    JSON as the dump of the whole call gave, bot defaults, moments, enums, extra fields and
    nested objects included."""
    session = JsonSession()
    bot = Bot(
        DEFAULT_TOKEN,
        session=session,
        default=DefaultBotProperties(
            parse_mode="HTML", link_preview_is_disabled=True, protect_content=False
        ),
    )
    assert session.build_json(bot, method) == _dumped(session, bot, method)
    plain = Bot(DEFAULT_TOKEN, session=session)  # no defaults
    assert session.build_json(plain, method) == _dumped(session, plain, method)


@pytest.mark.parametrize(
    "method",
    [
        SendDocument(chat_id=CHAT, document=BufferedInputFile(b"x", "a.csv")),
        SendMediaGroup(
            chat_id=CHAT,
            media=[InputMediaDocument(media=BufferedInputFile(b"x", "a.csv"), caption="a")],
        ),
    ],
)
def test_an_upload_has_no_json_body(method: TelegramMethod[Any]) -> None:
    session = JsonSession()
    bot = Bot(DEFAULT_TOKEN, session=session)
    assert session.build_json(bot, method) is None
    assert _dumped(session, bot, method) is None

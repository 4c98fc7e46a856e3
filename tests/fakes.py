"""Network-free fakes for dispatcher-level tests.

``RecordingBot`` records every method a handler calls and answers it with a schema-valid
result, so handlers run unchanged under ``dp.feed_update(bot, make_message("/start"))``::

    bot = RecordingBot()
    await dp.feed_update(bot, make_message("/ping"))
    assert bot.texts() == ["pong"]

Responses are FIFO: ``add_result_for(SendMessage, ...)`` programs the answer to the next
``SendMessage``; methods without a programmed answer get an automatic one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import types
from collections import deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast, get_args, get_origin

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    CopyMessage,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    CallbackQuery,
    Chat,
    Document,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    TelegramObject,
    Update,
    User,
)

from tests import language_guard

JsonDict = dict[str, Any]

TOKEN = "42:TEST"
BOT_ID = 42
BOT_USERNAME = "test_bot"
DEFAULT_USER_ID = 1001

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _unique_id(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    if isinstance(value, TelegramObject):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _chat_json(chat_id: int | str) -> JsonDict:
    if isinstance(chat_id, str):
        if not chat_id.lstrip("-").isdigit():
            return {"id": -1001, "type": "channel", "username": chat_id.lstrip("@")}
        chat_id = int(chat_id)
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "Test group"}
    return {"id": chat_id, "type": "private"}


def _bot_user_json(bot: Bot) -> JsonDict:
    return {"id": bot.id, "is_bot": True, "first_name": "Test Bot", "username": BOT_USERNAME}


@dataclass
class ProgrammedResponse:
    """An answer queued by ``add_result_for`` for the next call of ``method_type``."""

    method_type: type[TelegramMethod[Any]]
    ok: bool = True
    result: Any = None
    error_code: int = 200
    description: str | None = None
    retry_after: int | None = None

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": self.ok, "error_code": self.error_code}
        if self.ok:
            body["result"] = _jsonable(self.result)
        if self.description is not None:
            body["description"] = self.description
        elif not self.ok:
            body["description"] = f"Error {self.error_code}"
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class RecordingSession(BaseSession):
    """A session that records methods and answers them without any network (FIFO)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.responses: deque[ProgrammedResponse] = deque()
        self.files: dict[str, bytes] = {}
        self.closed = False
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)

    def add_result_for(
        self, method_type: type[TelegramMethod[Any]], **answer: Any
    ) -> ProgrammedResponse:
        """Program the answer to the next call of ``method_type`` (FIFO per method type).

        ``answer`` holds ProgrammedResponse's other fields: ``result`` may be a TelegramObject,
        a list of them, or plain JSON data; an error is
        ``ok=False, error_code=403, description="Forbidden: bot was blocked by the user"``.
        """
        response = ProgrammedResponse(method_type, **answer)
        self.responses.append(response)
        return response

    async def close(self) -> None:
        self.closed = True

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,
    ) -> TelegramType:
        self.closed = False
        self.requests.append(method)
        language_guard.record_method(method)
        programmed = self._take_programmed(type(method))
        if programmed is None:
            status, payload = 200, {"ok": True, "result": await self._auto_result(bot, method)}
        else:
            status, payload = programmed.error_code, programmed.payload()
        response = self.check_response(
            bot=bot, method=method, status_code=status, content=json.dumps(payload)
        )
        return cast(TelegramType, response.result)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        for file_id, content in self.files.items():
            if url.endswith(f"/{self._file_path(file_id)}"):
                for start in range(0, len(content), chunk_size):
                    yield content[start : start + chunk_size]
                return
        msg = f"RecordingSession has no file for {url}; register it with add_file()"
        raise LookupError(msg)

    def add_file(self, file_id: str, content: bytes) -> None:
        """Make ``file_id`` downloadable through get_file + download."""
        self.files[file_id] = content

    def _take_programmed(
        self, method_type: type[TelegramMethod[Any]]
    ) -> ProgrammedResponse | None:
        for index, response in enumerate(self.responses):
            if response.method_type is method_type:
                del self.responses[index]
                return response
        return None

    @staticmethod
    def _file_path(file_id: str) -> str:
        return f"documents/{file_id}"

    def _message(self, bot: Bot, chat_id: int | str, **content: Any) -> JsonDict:
        message: JsonDict = {
            "message_id": next(self._message_ids),
            "date": int(_now().timestamp()),
            "chat": _chat_json(chat_id),
            "from": _bot_user_json(bot),
        }
        for key, value in content.items():
            if key == "reply_markup" and not isinstance(value, InlineKeyboardMarkup):
                continue
            if value is not None:
                message[key] = _jsonable(value)
        return message

    def _edited(self, bot: Bot, method: Any, **content: Any) -> JsonDict | bool:
        if method.inline_message_id:
            return True
        message = self._message(bot, method.chat_id or 0, **content)
        message["message_id"] = method.message_id
        message["edit_date"] = message["date"]
        return message

    async def _upload(self, bot: Bot, value: InputFile | str, file_name: str) -> JsonDict:
        if isinstance(value, InputFile):
            file_id = f"file-{next(self._file_ids)}"
            content = b"".join([chunk async for chunk in value.read(bot)])
            self.files[file_id] = content
            return {
                "file_id": file_id,
                "file_unique_id": _unique_id(file_id),
                "file_name": value.filename or file_name,
                "file_size": len(content),
            }
        return {"file_id": value, "file_unique_id": _unique_id(value)}

    async def _auto_result(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, SendMessage):
            return self._message(
                bot,
                method.chat_id,
                text=method.text,
                entities=method.entities,
                reply_markup=method.reply_markup,
            )
        if isinstance(method, EditMessageText):
            return self._edited(bot, method, text=method.text, reply_markup=method.reply_markup)
        if isinstance(method, EditMessageCaption):
            return self._edited(
                bot, method, caption=method.caption, reply_markup=method.reply_markup
            )
        if isinstance(method, EditMessageReplyMarkup):
            return self._edited(bot, method, reply_markup=method.reply_markup)
        if isinstance(method, SendDocument):
            document = await self._upload(bot, method.document, "document")
            return self._message(
                bot,
                method.chat_id,
                document=document,
                caption=method.caption,
                reply_markup=method.reply_markup,
            )
        if isinstance(method, SendPhoto):
            photo = await self._upload(bot, method.photo, "photo")
            photo.pop("file_name", None)
            size = {**photo, "width": 90, "height": 90}
            return self._message(bot, method.chat_id, photo=[size], caption=method.caption)
        if isinstance(method, GetMe):
            return _bot_user_json(bot)
        if isinstance(method, GetFile):
            result: JsonDict = {
                "file_id": method.file_id,
                "file_unique_id": _unique_id(method.file_id),
                "file_path": self._file_path(method.file_id),
            }
            if method.file_id in self.files:
                result["file_size"] = len(self.files[method.file_id])
            return result
        if isinstance(method, CopyMessage):
            return {"message_id": next(self._message_ids)}
        return self._generic_result(bot, method)

    def _generic_result(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        returning = method.__returning__
        if returning is bool:
            return True
        origin = get_origin(returning)
        if origin is list:
            return []
        if returning is Message or (
            origin in {types.UnionType} and Message in get_args(returning)
        ):
            chat_id = getattr(method, "chat_id", None)
            if chat_id is None:
                return True
            return self._message(bot, chat_id, caption=getattr(method, "caption", None))
        msg = (
            f"RecordingSession has no automatic result for {type(method).__name__}; "
            "program one with add_result_for()"
        )
        raise NotImplementedError(msg)


class RecordingBot(Bot):
    """A Bot with token ``42:TEST`` whose session records instead of sending."""

    if TYPE_CHECKING:
        session: RecordingSession

    def __init__(self, *, default: DefaultBotProperties | None = None) -> None:
        super().__init__(TOKEN, session=RecordingSession(), default=default)
        self._me = User(id=self.id, is_bot=True, first_name="Test Bot", username=BOT_USERNAME)

    def sent(self) -> list[TelegramMethod[Any]]:
        """Every method called so far, oldest first."""
        return list(self.session.requests)

    def texts(self) -> list[str]:
        """Texts of SendMessage and EditMessageText calls, in order."""
        return [
            method.text
            for method in self.session.requests
            if isinstance(method, SendMessage | EditMessageText) and method.text is not None
        ]

    def get_request(self) -> TelegramMethod[Any]:
        """Remove and return the oldest recorded method (FIFO)."""
        if not self.session.requests:
            msg = "RecordingBot has no recorded requests"
            raise AssertionError(msg)
        return self.session.requests.pop(0)

    def clear(self) -> None:
        """Forget recorded methods (programmed responses stay queued)."""
        self.session.requests.clear()

    def add_result_for(
        self, method_type: type[TelegramMethod[Any]], **answer: Any
    ) -> ProgrammedResponse:
        """``RecordingSession.add_result_for``."""
        return self.session.add_result_for(method_type, **answer)

    def add_file(self, file_id: str, content: bytes) -> None:
        self.session.add_file(file_id, content)


# ---------------------------------------------------------------------- update builders


def make_user(
    user_id: int = DEFAULT_USER_ID,
    *,
    first_name: str = "Test",
    language_code: str | None = "ru",
    username: str | None = None,
) -> User:
    return User(
        id=user_id,
        is_bot=False,
        first_name=first_name,
        language_code=language_code,
        username=username,
    )


def bot_user() -> User:
    """The RecordingBot's own user (id 42)."""
    return User(id=BOT_ID, is_bot=True, first_name="Test Bot", username=BOT_USERNAME)


def _chat_for(chat_id: int, user: User) -> Chat:
    if chat_id < 0:
        return Chat(id=chat_id, type="supergroup", title="Test group")
    return Chat(id=chat_id, type="private", first_name=user.first_name, username=user.username)


def _command_entities(text: str) -> list[MessageEntity] | None:
    command = text.split(maxsplit=1)[0] if text.strip() else ""
    if not command.startswith("/") or len(command) == 1:
        return None
    length = len(command.encode("utf-16-le")) // 2
    return [MessageEntity(type="bot_command", offset=0, length=length)]


class Sender(TypedDict, total=False):
    """Who sends a message, and where: the keywords of make_message and make_document."""

    user_id: int
    first_name: str
    language_code: str | None
    username: str | None
    chat_id: int | None  # a negative id: a group; else the sender's private chat
    message_id: int | None  # else the next one


def _from_sender(sender: Sender, **content: Any) -> Update:
    """A message holding `content` from `sender`."""
    user_id = sender.get("user_id", DEFAULT_USER_ID)
    user = make_user(
        user_id,
        first_name=sender.get("first_name", "Test"),
        language_code=sender.get("language_code", "ru"),
        username=sender.get("username"),
    )
    message_id, chat_id = sender.get("message_id"), sender.get("chat_id")
    message = Message(
        message_id=next(_message_ids) if message_id is None else message_id,
        date=_now(),
        chat=_chat_for(user_id if chat_id is None else chat_id, user),
        from_user=user,
        **content,
    )
    return Update(update_id=next(_update_ids), message=message)


def make_message(text: str, **sender: Unpack[Sender]) -> Update:
    """A text message from ``user_id`` (private chat unless ``chat_id`` is negative)."""
    language_guard.typed(text)
    return _from_sender(sender, text=text, entities=_command_entities(text))


def make_callback(
    data: str,
    *,
    user_id: int = DEFAULT_USER_ID,
    message_id: int = 1,
    message_text: str = "...",
    language_code: str | None = "ru",
    first_name: str = "Test",
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Update:
    """A button press on the bot's message ``message_id`` in the user's private chat."""
    user = make_user(user_id, first_name=first_name, language_code=language_code)
    message = Message(
        message_id=message_id,
        date=_now(),
        chat=_chat_for(user_id, user),
        from_user=bot_user(),
        text=message_text,
        reply_markup=reply_markup,
    )
    query = CallbackQuery(
        id=str(next(_callback_ids)),
        from_user=user,
        chat_instance=f"ci{user_id}",
        data=data,
        message=message,
    )
    return Update(update_id=next(_update_ids), callback_query=query)


def make_document(
    file_id: str,
    file_name: str,
    *,
    caption: str | None = None,
    mime_type: str | None = None,
    file_size: int | None = None,
    **sender: Unpack[Sender],
) -> Update:
    """A document message from ``user_id`` in a private chat."""
    document = Document(
        file_id=file_id,
        file_unique_id=_unique_id(file_id),
        file_name=file_name,
        mime_type=mime_type,
        file_size=file_size,
    )
    return _from_sender(sender, document=document, caption=caption)

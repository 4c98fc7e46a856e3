"""A fake Telegram Bot API server for end-to-end tests and manual trials.

Point aiogram at it with
``AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))`` (or ``BOT_API_URL``).

aiogram sends every method as ``POST {base}/bot{token}/{method}`` with form data
(multipart when a file is attached): scalars arrive as strings, nested objects as JSON
strings, and an uploaded file as ``document=attach://<key>`` plus a file part named ``<key>``.
Every call is recorded in :attr:`FakeBotAPI.requests` with its parameters decoded.

Run it standalone with ``python -m tests.fake_api --port 8081``; it writes its base URL
to stderr and serves until Ctrl-C. ``/_control/*`` endpoints let a person drive it with curl::

    curl -d '{"user_id": 1001, "text": "/start"}' http://127.0.0.1:8081/_control/send_text
    curl -d '{"user_id": 1001, "data": "lang:kk", "message_id": 2}' \\
        http://127.0.0.1:8081/_control/press
    curl 'http://127.0.0.1:8081/_control/requests?after=0'
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import mimetypes
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from aiohttp import web
from aiohttp.web_request import FileField

if TYPE_CHECKING:
    from types import TracebackType

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]

# Form fields that stay strings even when they look like JSON ("123", "true", "null").
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "parse_mode",
        "data",
        "url",
        "title",
        "description",
        "short_description",
        "name",
        "language_code",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "question",
        "explanation",
        "first_name",
        "last_name",
        "phone_number",
        "payload",
        "sticker",
        "document",
        "photo",
        "audio",
        "video",
        "voice",
        "animation",
        "video_note",
        "thumbnail",
    }
)

DEFAULT_TOKEN = "123456:TEST-token"
DEFAULT_BOT_ID = 123456
DEFAULT_USERNAME = "baqylau_test_bot"
MAX_UPLOAD_SIZE = 64 * 1024 * 1024
BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a content and reply markup of the current message"
)


@dataclass
class UploadedFile:
    """A file part of a multipart request; it replaces ``attach://<key>`` in the params."""

    filename: str
    content: bytes
    content_type: str


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    file_path: str
    content: bytes
    mime_type: str | None = None

    def as_document(self) -> JsonDict:
        document: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "file_size": len(self.content),
        }
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document

    def as_file(self) -> JsonDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class ApiCall:
    """One Bot API call as the server saw it.

    ``time`` is ``time.monotonic()`` at arrival. ``status`` is the HTTP status answered
    (200 on success); ``result`` is the ``result`` answered (for ``getUpdates`` it is set
    when the long poll returns); ``description`` is the error description, if any.
    """

    method: str
    params: JsonDict
    time: float
    status: int = 200
    result: Any = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def to_json(self) -> JsonDict:
        return {
            "method": self.method,
            "params": self.params,
            "time": self.time,
            "status": self.status,
            "result": self.result,
            "description": self.description,
        }


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    times: int


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _now() -> int:
    return int(time.time())


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _json_default(value: object) -> Any:
    if isinstance(value, UploadedFile):
        return {
            "filename": value.filename,
            "size": len(value.content),
            "content_type": value.content_type,
        }
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return repr(value)


def _dumps(value: object) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _decode_field(key: str, value: str) -> Any:
    if key in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _update_type(update: JsonDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _is_send(method: str) -> bool:
    """A method that posts a new message (rate-limited, refused for blocked chats)."""
    name = method.lower()
    return (name.startswith("send") and name != "sendchataction") or name in {
        "forwardmessage",
        "forwardmessages",
        "copymessage",
        "copymessages",
    }


def _is_message_method(method: str) -> bool:
    """A method whose success means a message was sent or edited."""
    return _is_send(method) or method.lower().startswith("edit")


def _to_chat_id(value: Any) -> int:
    if isinstance(value, bool):
        msg = "Bad Request: chat not found"
        raise _ApiError(400, msg)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value)
        raise _ApiError(400, "Bad Request: chat not found")
    raise _ApiError(400, "Bad Request: chat_id is empty")


def _int_param(params: JsonDict, key: str, default: int) -> int:
    value = params.get(key, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        msg = f"Bad Request: invalid {key} specified"
        raise _ApiError(400, msg) from None


class FakeBotAPI:
    """An aiohttp Telegram Bot API double bound to ``host:port`` (port 0 = a free port)."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_id: int = DEFAULT_BOT_ID,
        username: str = DEFAULT_USERNAME,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.host = host
        self.port = port
        self.rate_limit: float | None = None
        self.requests: list[ApiCall] = []
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[Any]] = {}
        self.blocked: set[int] = set()
        self._base_url: str | None = None
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: list[str] | None = None
        self._updates_event = asyncio.Event()
        self._call_event = asyncio.Event()
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JsonDict] = {}
        self._users: dict[int, JsonDict] = {}
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._failures: dict[str, deque[_Failure]] = {}
        self._send_times: deque[float] = deque()
        self._handlers: dict[str, Callable[[JsonDict], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendmediagroup": self._send_media_group,
            "sendchataction": self._true,
            "copymessage": self._copy_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getwebhookinfo": self._get_webhook_info,
            "answercallbackquery": self._true,
            "setchatmenubutton": self._true,
            "deletewebhook": self._true,
            "deletemessage": self._true,
            "close": self._true,
            "logout": self._true,
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            msg = "FakeBotAPI is not started"
            raise RuntimeError(msg)
        return self._base_url

    @property
    def bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Baqylau Test",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_control/send_text", self._control_send_text)
        app.router.add_post("/_control/press", self._control_press)
        app.router.add_post("/_control/push_update", self._control_push_update)
        app.router.add_post("/_control/fail_next", self._control_fail_next)
        app.router.add_post("/_control/block_user", self._control_block_user)
        app.router.add_get("/_control/requests", self._control_requests)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            handler_cancellation=True,
            shutdown_timeout=5.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self._closing = False
        host, port = runner.addresses[0][:2]
        self.port = port
        self._base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self._closing = True
        self._updates_event.set()  # release pending long polls
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str) -> list[ApiCall]:
        """All recorded calls of ``method`` (case-insensitive), in order."""
        name = method.lower()
        return [call for call in self.requests if call.method.lower() == name]

    def mark(self) -> int:
        """The current number of recorded calls, for ``wait_for(..., after=mark)``."""
        return len(self.requests)

    @property
    def sent_messages(self) -> list[ApiCall]:
        """Successful send*/edit*/copy/forward calls (``sendChatAction`` excluded)."""
        return [call for call in self.requests if call.ok and _is_message_method(call.method)]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        timeout: float = 10.0,
        *,
        after: int = 0,
    ) -> ApiCall:
        """The first call of ``method`` with index >= ``after`` matching ``predicate``."""
        name = method.lower()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = after
        while True:
            while index < len(self.requests):
                call = self.requests[index]
                index += 1
                if call.method.lower() == name and (predicate is None or predicate(call)):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._describe_miss(method, timeout, after))
            self._call_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._call_event.wait(), remaining)

    def _describe_miss(self, method: str, timeout: float, after: int) -> str:
        seen = self.requests[after:]
        polls = sum(1 for call in seen if call.method.lower() == "getupdates")
        lines = [
            f"  #{after + i} {call.method} -> {call.status} {_dumps(call.params)}"
            for i, call in enumerate(seen)
            if call.method.lower() != "getupdates" or method.lower() == "getupdates"
        ]
        listing = "\n".join(lines[-50:]) if lines else "  (none)"
        return (
            f"no matching {method} call within {timeout}s (after index {after}); "
            f"{len(seen)} calls seen, {polls} of them getUpdates:\n{listing}"
        )

    # ------------------------------------------------------------------ feeding updates

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; assigns and returns its ``update_id``."""
        update_id = next(self._update_ids)
        self._updates.append({**update, "update_id": update_id})
        self._updates_event.set()
        return update_id

    def make_user(
        self,
        user_id: int,
        *,
        first_name: str = "Test",
        language_code: str | None = "ru",
        username: str | None = None,
    ) -> JsonDict:
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Test",
        language_code: str | None = "ru",
        username: str | None = None,
    ) -> int:
        """Queue a private-chat text message from ``user_id``; returns the update_id."""
        user = self.make_user(
            user_id, first_name=first_name, language_code=language_code, username=username
        )
        message = self._user_message(user, text=text)
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        if command.startswith("/") and len(command) > 1:
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        return self.push_update({"message": message})

    def send_document(
        self,
        user_id: int,
        content: bytes,
        file_name: str,
        *,
        caption: str | None = None,
        mime_type: str | None = None,
        first_name: str = "Test",
        language_code: str | None = "ru",
    ) -> int:
        """Queue a private-chat document from ``user_id`` (downloadable via getFile)."""
        user = self.make_user(user_id, first_name=first_name, language_code=language_code)
        stored = self.store_file(content, file_name, mime_type)
        message = self._user_message(user, document=stored.as_document())
        if caption is not None:
            message["caption"] = caption
        return self.push_update({"message": message})

    def press(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int,
        language_code: str | None = "ru",
    ) -> int:
        """Queue a callback_query: the user presses a button on message ``message_id``."""
        known = self._users.get(user_id)
        user = self.make_user(
            user_id,
            first_name=known["first_name"] if known else "Test",
            language_code=language_code,
            username=known.get("username") if known else None,
        )
        message = self._messages.get((user_id, message_id)) or {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._chat(user_id),
            "date": _now(),
            "text": "...",
        }
        callback = {
            "id": str(next(self._callback_ids)),
            "from": user,
            "message": message,
            "chat_instance": f"ci{user_id}",
            "data": data,
        }
        return self.push_update({"callback_query": callback})

    def store_file(
        self, content: bytes, file_name: str, mime_type: str | None = None
    ) -> StoredFile:
        """Keep ``content`` as a Telegram file (as if uploaded) and return its record."""
        number = next(self._file_ids)
        file_id = f"BQACAgFake{number:06d}"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=hashlib.sha256(file_id.encode()).hexdigest()[:16],
            file_name=file_name,
            file_path=f"documents/file_{number}_{file_name}",
            content=content,
            mime_type=mime_type or mimetypes.guess_type(file_name)[0],
        )
        self.files[file_id] = stored
        return stored

    # ------------------------------------------------------------------ failure injection

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error."""
        if not description:
            description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
            if retry_after is not None:
                description = f"{description}: retry after {retry_after}"
        self._failures.setdefault(method.lower(), deque()).append(
            _Failure(status=status, description=description, retry_after=retry_after, times=times)
        )

    def block_user(self, chat_id: int) -> None:
        """Sends and edits to ``chat_id`` answer 403 "bot was blocked by the user"."""
        self.blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self.blocked.discard(chat_id)

    def _injected_failure(self, method: str, params: JsonDict) -> _ApiError | None:
        queue = self._failures.get(method.lower())
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.popleft()
            return _ApiError(failure.status, failure.description, failure.retry_after)
        targets_chat = _is_send(method) or method.lower() in {
            "sendchataction",
            "editmessagetext",
            "editmessagecaption",
            "editmessagereplymarkup",
            "editmessagemedia",
        }
        if targets_chat and self.blocked:
            with contextlib.suppress(_ApiError):
                if _to_chat_id(params.get("chat_id")) in self.blocked:
                    return _ApiError(403, BLOCKED_DESCRIPTION)
        if self.rate_limit is not None and _is_send(method):
            now = time.monotonic()
            while self._send_times and now - self._send_times[0] >= 1.0:
                self._send_times.popleft()
            if len(self._send_times) >= self.rate_limit:
                return _ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        return None

    # ------------------------------------------------------------------ HTTP handlers

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(404, "Not Found")
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error_response(400, f"Bad Request: can't parse request: {exc}")
        call = ApiCall(method=method, params=params, time=time.monotonic())
        error = self._injected_failure(method, params)
        if error is None and method.lower() == "getupdates":
            return await self._long_poll(call)
        if error is None:
            try:
                call.result = self._dispatch(method, params)
            except _ApiError as exc:
                error = exc
            except Exception as exc:
                logger.exception("fake Bot API failed on %s", method)
                error = _ApiError(500, f"Internal Server Error: fake_api: {exc!r}")
        if error is None and self.rate_limit is not None and _is_send(method):
            self._send_times.append(call.time)
        if error is not None:
            call.status = error.status
            call.description = error.description
        self._record(call)
        if error is not None:
            return _error_response(error.status, error.description, error.retry_after)
        return web.json_response({"ok": True, "result": call.result}, dumps=_dumps)

    async def _long_poll(self, call: ApiCall) -> web.StreamResponse:
        try:
            offset = _int_param(call.params, "offset", 0)
            limit = max(1, min(100, _int_param(call.params, "limit", 100)))
            timeout = max(0, _int_param(call.params, "timeout", 0))
        except _ApiError as exc:
            call.status, call.description = exc.status, exc.description
            self._record(call)
            return _error_response(exc.status, exc.description)
        allowed = call.params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed] or None
        self._record(call)
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._pending(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                break
            self._updates_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_event.wait(), remaining)
        call.result = batch
        return web.json_response({"ok": True, "result": batch}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(404, "Not Found")
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.file_path == path), None)
        if stored is None:
            return _error_response(404, "Not Found")
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _handle_not_found(self, request: web.Request) -> web.StreamResponse:
        return _error_response(404, "Not Found")

    async def _read_params(self, request: web.Request) -> JsonDict:
        params: JsonDict = {key: _decode_field(key, value) for key, value in request.query.items()}
        if not request.can_read_body:
            return params
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
            return params
        form = await request.post()
        uploads: dict[str, UploadedFile] = {}
        for key, value in form.items():
            if isinstance(value, FileField):
                uploads[key] = UploadedFile(
                    filename=value.filename,
                    content=value.file.read(),
                    content_type=value.content_type,
                )
            elif isinstance(value, str):
                params[key] = _decode_field(key, value)
            else:
                params[key] = _decode_field(key, bytes(value).decode())
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                upload = uploads.pop(value.removeprefix("attach://"), None)
                if upload is not None:
                    params[key] = upload
        params.update(uploads)  # parts nobody referenced, kept under their own names
        return params

    def _record(self, call: ApiCall) -> None:
        self.requests.append(call)
        self._call_event.set()

    # ------------------------------------------------------------------ updates queue

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _pending(self, limit: int) -> list[JsonDict]:
        if self._allowed_updates is not None:
            allowed = set(self._allowed_updates)
            dropped = [u for u in self._updates if _update_type(u) not in allowed]
            for update in dropped:
                logger.debug("dropping %s update: not in allowed_updates", _update_type(update))
            self._updates = [u for u in self._updates if _update_type(u) in allowed]
        return self._updates[:limit]

    # ------------------------------------------------------------------ messages

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _chat(self, chat_id: int) -> JsonDict:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "Test group"}
        chat: JsonDict = {"id": chat_id, "type": "private"}
        user = self._users.get(chat_id)
        if user:
            chat["first_name"] = user["first_name"]
            if "username" in user:
                chat["username"] = user["username"]
        return chat

    def _user_message(self, user: JsonDict, **content: Any) -> JsonDict:
        chat_id = user["id"]
        message: JsonDict = {
            "message_id": self._next_message_id(chat_id),
            "from": user,
            "chat": self._chat(chat_id),
            "date": _now(),
            **content,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _bot_message(self, params: JsonDict, **content: Any) -> JsonDict:
        chat_id = _to_chat_id(params.get("chat_id"))
        message: JsonDict = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": _now(),
        }
        message.update({key: value for key, value in content.items() if value is not None})
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, params: JsonDict, **changes: Any) -> JsonDict | bool:
        if params.get("inline_message_id"):
            return True
        chat_id = _to_chat_id(params.get("chat_id"))
        message_id = _int_param(params, "message_id", 0)
        if message_id <= 0:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        old = self._messages.get((chat_id, message_id))
        known = old is not None
        if old is None:  # lenient: a message we never saw is taken to be the bot's
            old = {
                "message_id": message_id,
                "from": self.bot_user,
                "chat": self._chat(chat_id),
                "date": _now(),
            }
        markup = params.get("reply_markup")
        new = {key: value for key, value in old.items() if key != "reply_markup"}
        new.update({key: value for key, value in changes.items() if value is not None})
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            new["reply_markup"] = markup
        if known and all(new.get(k) == old.get(k) for k in ("text", "caption", "reply_markup")):
            raise _ApiError(400, _NOT_MODIFIED)
        new["edit_date"] = _now()
        self._messages[(chat_id, message_id)] = new
        return new

    # ------------------------------------------------------------------ methods

    def _dispatch(self, method: str, params: JsonDict) -> Any:
        handler = self._handlers.get(method.lower())
        if handler is not None:
            return handler(params)
        if _is_send(method):  # other send*/forward*: a plain message is schema-valid
            return self._bot_message(params, caption=params.get("caption"))
        return True

    def _true(self, params: JsonDict) -> bool:
        return True

    def _get_me(self, params: JsonDict) -> JsonDict:
        return self.bot_user

    def _send_message(self, params: JsonDict) -> JsonDict:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        return self._bot_message(params, text=text, entities=params.get("entities"))

    def _file_from_param(self, params: JsonDict, key: str) -> StoredFile:
        value = params.get(key)
        if isinstance(value, UploadedFile):
            mime = None if value.content_type == "application/octet-stream" else value.content_type
            return self.store_file(value.content, value.filename, mime)
        if isinstance(value, str) and value:
            stored = self.files.get(value)
            if stored is None:  # an unknown file_id is accepted as an empty file
                stored = StoredFile(
                    file_id=value,
                    file_unique_id=hashlib.sha256(value.encode()).hexdigest()[:16],
                    file_name=value,
                    file_path=f"documents/{value}",
                    content=b"",
                )
            return stored
        msg = f"Bad Request: there is no {key} in the request"
        raise _ApiError(400, msg)

    def _send_document(self, params: JsonDict) -> JsonDict:
        stored = self._file_from_param(params, "document")
        return self._bot_message(
            params, document=stored.as_document(), caption=params.get("caption")
        )

    def _send_photo(self, params: JsonDict) -> JsonDict:
        stored = self._file_from_param(params, "photo")
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 90,
            "height": 90,
            "file_size": len(stored.content),
        }
        return self._bot_message(params, photo=[size], caption=params.get("caption"))

    def _send_media_group(self, params: JsonDict) -> list[JsonDict]:
        media = params.get("media")
        if not isinstance(media, list) or not media:
            raise _ApiError(400, "Bad Request: media is empty")
        return [self._bot_message(params, caption=item.get("caption")) for item in media]

    def _copy_message(self, params: JsonDict) -> JsonDict:
        return {"message_id": self._bot_message(params)["message_id"]}

    def _edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        return self._edit(params, text=text)

    def _edit_message_caption(self, params: JsonDict) -> JsonDict | bool:
        return self._edit(params, caption=params.get("caption"))

    def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict | bool:
        return self._edit(params)

    def _get_file(self, params: JsonDict) -> JsonDict:
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return stored.as_file()

    @staticmethod
    def _commands_key(params: JsonDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: commands must be a list")
        self.commands[self._commands_key(params)] = commands
        return True

    def _get_my_commands(self, params: JsonDict) -> list[Any]:
        return self.commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JsonDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    # ------------------------------------------------------------------ control endpoints

    async def _control_body(self, request: web.Request) -> JsonDict:
        body = json.loads(await request.text() or "{}")
        if not isinstance(body, dict):
            msg = "expected a JSON object"
            raise TypeError(msg)
        return body

    async def _control(
        self, request: web.Request, action: Callable[[JsonDict], JsonDict]
    ) -> web.StreamResponse:
        try:
            result = action(await self._control_body(request))
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response(
                {"ok": False, "description": f"{type(exc).__name__}: {exc}"}, status=400
            )
        return web.json_response({"ok": True, **result}, dumps=_dumps)

    async def _control_send_text(self, request: web.Request) -> web.StreamResponse:
        def action(body: JsonDict) -> JsonDict:
            update_id = self.send_text(
                int(body["user_id"]),
                str(body["text"]),
                first_name=str(body.get("first_name", "Test")),
                language_code=body.get("language_code", "ru"),
                username=body.get("username"),
            )
            return {"update_id": update_id}

        return await self._control(request, action)

    async def _control_press(self, request: web.Request) -> web.StreamResponse:
        def action(body: JsonDict) -> JsonDict:
            update_id = self.press(
                int(body["user_id"]),
                str(body["data"]),
                message_id=int(body["message_id"]),
                language_code=body.get("language_code", "ru"),
            )
            return {"update_id": update_id}

        return await self._control(request, action)

    async def _control_push_update(self, request: web.Request) -> web.StreamResponse:
        def action(body: JsonDict) -> JsonDict:
            update = body.get("update", body)
            if not isinstance(update, dict):
                msg = "update must be a JSON object"
                raise TypeError(msg)
            return {"update_id": self.push_update(update)}

        return await self._control(request, action)

    async def _control_fail_next(self, request: web.Request) -> web.StreamResponse:
        def action(body: JsonDict) -> JsonDict:
            retry_after = body.get("retry_after")
            self.fail_next(
                str(body["method"]),
                status=int(body["status"]),
                description=str(body.get("description", "")),
                retry_after=None if retry_after is None else int(retry_after),
                times=int(body.get("times", 1)),
            )
            return {}

        return await self._control(request, action)

    async def _control_block_user(self, request: web.Request) -> web.StreamResponse:
        def action(body: JsonDict) -> JsonDict:
            self.block_user(int(body["chat_id"]))
            return {}

        return await self._control(request, action)

    async def _control_requests(self, request: web.Request) -> web.StreamResponse:
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return web.json_response(
                {"ok": False, "description": "after must be an integer"}, status=400
            )
        calls = [
            {"index": index, **call.to_json()}
            for index, call in enumerate(self.requests)
            if index >= after
        ]
        return web.json_response(calls, dumps=_dumps)


def _error_response(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: JsonDict = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    api = FakeBotAPI(
        token=args.token,
        bot_id=args.bot_id,
        username=args.username,
        host=args.host,
        port=args.port,
    )
    async with api:
        sys.stderr.write(f"{api.base_url}\n")
        sys.stderr.flush()
        await stop.wait()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fake_api", description="Serve a fake Telegram Bot API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-id", type=int, default=DEFAULT_BOT_ID)
    parser.add_argument("--username", default=DEFAULT_USERNAME)
    args = parser.parse_args(None if argv is None else list(argv))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

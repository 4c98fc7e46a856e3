"""The fake Bot API's state: what it recorded, the chats, users and messages it keeps, and
waiting for a call."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import mimetypes
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests import language_guard
from tests.fake_api.wire import (
    _NOT_MODIFIED,
    DEFAULT_BOT_ID,
    DEFAULT_TOKEN,
    DEFAULT_USERNAME,
    ApiCall,
    JsonDict,
    StoredFile,
    _ApiError,
    _dumps,
    _Failure,
    _int_param,
    _is_message_method,
    _now,
    _to_chat_id,
    _update_type,
)

logger = logging.getLogger(__name__)


class ApiState:
    """The recorded calls, files, commands, blocked chats, queued updates, users and messages of
    a fake Bot API bound to ``host:port`` (port 0 = a free port)."""

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
        self.forgotten: set[str] = set()  # file_ids refused as Telegram refuses a lost one
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
        timeout: float = 60.0,  # a deadline, not a pause: generous for a busy machine
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

    def _record(self, call: ApiCall) -> None:
        self.requests.append(call)
        language_guard.record_call(call.method, call.params)
        self._call_event.set()

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

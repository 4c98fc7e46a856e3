"""What a test (or a person through ``/_control/*``) does with the fake Bot API: feeding
updates as users, storing files, injecting failures, blocking chats."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fake_api.state import ApiState
from tests.fake_api.wire import (
    _DEFAULT_DESCRIPTIONS,
    JsonDict,
    _dumps,
    _Failure,
    _now,
    _utf16_len,
)


class Control(ApiState):
    """Feeding updates, files and failures to the fake Bot API, in Python and over HTTP."""

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

    def forget_file(self, file_id: str) -> None:
        """From now on a send naming ``file_id`` is refused with 400, as Telegram refuses a
        file_id it no longer knows (a new upload gets a new file_id)."""
        self.files.pop(file_id, None)
        self.forgotten.add(file_id)

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

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
        page: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error (as the HTML `page` a
        proxy in front of Telegram answers with, when given)."""
        if not description:
            description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
            if retry_after is not None:
                description = f"{description}: retry after {retry_after}"
        self._failures.setdefault(method.lower(), deque()).append(
            _Failure(
                status=status,
                description=description,
                retry_after=retry_after,
                times=times,
                page=page,
            )
        )

    def block_user(self, chat_id: int) -> None:
        """Sends and edits to ``chat_id`` answer 403 "bot was blocked by the user"."""
        self.blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        self.blocked.discard(chat_id)

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
        start = max(after, 0)  # only the calls asked for: a benchmark asks all the time
        calls = [
            {"index": index, **call.to_json()}
            for index, call in enumerate(self.requests[start:], start)
        ]
        return web.json_response(calls, dumps=_dumps)

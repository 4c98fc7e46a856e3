"""The Bot API methods the fake server answers, its long polling and file downloads, and the
failures it was told to inject."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from tests.fake_api.state import ApiState
from tests.fake_api.wire import (
    BLOCKED_DESCRIPTION,
    ApiCall,
    JsonDict,
    StoredFile,
    UploadedFile,
    _ApiError,
    _decode_field,
    _dumps,
    _error_response,
    _int_param,
    _is_send,
    _to_chat_id,
)

logger = logging.getLogger(__name__)


class BotMethods(ApiState):
    """The HTTP handlers of ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``."""

    def _injected_failure(self, method: str, params: JsonDict) -> _ApiError | None:
        queue = self._failures.get(method.lower())
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.popleft()
            return _ApiError(
                failure.status, failure.description, failure.retry_after, failure.page
            )
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
        if error is not None and error.page is not None:  # a proxy's page, not Telegram's
            return web.Response(status=error.status, text=error.page, content_type="text/html")
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

    @functools.cached_property
    def _handlers(self) -> dict[str, Callable[[JsonDict], Any]]:
        """The Bot API methods this double answers, by lower-case name."""
        return {
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
            if value in self.forgotten:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
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

"""The fake Bot API's wire format: its constants, the recorded call, stored and uploaded files,
errors, and how form fields and JSON are read and written."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

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
    page: str | None = None  # answered as this HTML page instead of Telegram's JSON


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        description: str,
        retry_after: int | None = None,
        page: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.page = page


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


def _error_response(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: JsonDict = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)

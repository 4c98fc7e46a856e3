"""The Bot API session: aiogram's aiohttp session with a cheaper request and answer.

aiogram's own session posts every call as a form: each value is dumped to JSON on its own, the
form is URL-encoded (or a multipart body with a random boundary), and the answer is read as text,
parsed by `json.loads` and then validated by pydantic from the Python objects. Telegram accepts a
JSON body as well (`Content-Type: application/json`), so a call without files goes as one JSON
document, and the answer is validated by pydantic straight from its bytes. A call that uploads a
file is still a multipart form, exactly as aiogram sends it. Errors are aiogram's own exceptions
(TelegramRetryAfter with its retry_after, TelegramBadRequest, …): an answer that is not a plain
success is read by aiogram's `check_response`.
"""

from __future__ import annotations

import datetime
import json
import secrets
from enum import Enum
from functools import partial
from http import HTTPStatus
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

from aiogram import __version__ as aiogram_version
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    TelegramObject,
)
from pydantic_core import to_json

from bot.http import HttpClient

if TYPE_CHECKING:
    from aiogram import Bot
    from aiohttp import ClientSession

# Cyrillic as UTF-8, not as \\u escapes (a third of the bytes); no spaces
dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
# what a call that sends or edits a message returns (an inline message's edit: True)
MESSAGE_ANSWERS = frozenset({Message, Message | bool})
# the values a button's fields are dumped as they are
SCALARS = frozenset({str, int, bool, float})


class JsonSession(AiohttpSession):
    """An `AiohttpSession` that sends JSON bodies over `bot.http`'s lean client, uploads as
    aiohttp's multipart forms, and validates answers from their bytes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("json_dumps", dumps)
        super().__init__(**kwargs)
        # aiogram parses every answer as `Response[method.__returning__]`; pydantic keeps such
        # parametrized classes only weakly, so a garbage collection would make the next call
        # build the class again (~17 ms of CPU). Each one used is held here.
        self._responses: dict[Any, Any] = {}
        self.http = HttpClient(user_agent=f"Baqylau aiogram/{aiogram_version}")

    def response_type(self, method: TelegramMethod[TelegramType]) -> type[Response[TelegramType]]:
        returning = method.__returning__
        found = self._responses.get(returning)
        if found is None:
            found = self._responses[returning] = Response[returning]  # type: ignore[valid-type]
        return cast("type[Response[TelegramType]]", found)

    def plain(self, value: Any, bot: Bot, files: dict[str, InputFile]) -> Any:
        """A method's value as JSON would carry it (None where aiogram's form sends nothing);
        a file to upload is put in `files` and named `attach://<key>`, as aiogram does."""
        if value is None or isinstance(value, str | bool | int | float):
            return value
        if isinstance(value, dict):
            return {
                key: plain
                for key, item in value.items()
                if (plain := self.plain(item, bot, files)) is not None
            }
        if isinstance(value, list | tuple):
            return [plain for item in value if (plain := self.plain(item, bot, files)) is not None]
        if isinstance(value, Default):
            return self.plain(bot.default[value.name], bot, files)
        if isinstance(value, InputFile):
            key = secrets.token_urlsafe(10)
            files[key] = value
            return f"attach://{key}"
        if isinstance(value, datetime.timedelta):
            now = datetime.datetime.now()  # noqa: DTZ005 - a moment, as aiogram computes it
            return round((now + value).timestamp())
        if isinstance(value, datetime.datetime):
            return round(value.timestamp())
        if isinstance(value, Enum):
            return self.plain(value.value, bot, files)
        if type(value) is InlineKeyboardMarkup and not value.__pydantic_extra__:
            return {
                "inline_keyboard": [
                    [self.button(b, bot, files) for b in row] for row in value.inline_keyboard
                ]
            }
        if isinstance(value, TelegramObject):
            return self.plain(value.model_dump(warnings=False), bot, files)
        return value

    def button(self, button: InlineKeyboardButton, bot: Bot, files: dict[str, InputFile]) -> Any:
        """A button as its `model_dump` gives it, straight from its fields when those set are
        strings, numbers or booleans (a text and callback data: every button of the bot's)."""
        if type(button) is InlineKeyboardButton and not button.__pydantic_extra__:
            found = {key: v for key, v in button.__dict__.items() if v is not None}
            for value in found.values():
                if type(value) not in SCALARS:
                    return self.plain(button, bot, files)
            return found
        return self.plain(button, bot, files)

    def build_json(self, bot: Bot, method: TelegramMethod[TelegramType]) -> bytes | None:
        """The call as a JSON body; None when it uploads a file (a multipart form, then).

        The method's fields are read as they are rather than from a `model_dump` of the whole
        call, and an inline keyboard's buttons straight from their fields (a sendMessage with
        ten buttons: ~98 -> ~32 µs with the encoding below); the JSON is the same as the dump's."""
        files: dict[str, InputFile] = {}
        body = {}
        extra = method.__pydantic_extra__
        fields = method.__dict__.items()
        for key, value in chain(fields, extra.items()) if extra else fields:
            if value is None:
                continue
            plain = self.plain(value, bot, files)
            if plain is None or plain == "":  # aiogram's form leaves these out too
                continue
            body[key] = plain
        if files:
            return None
        if self.json_dumps is dumps:
            # the same bytes as `dumps` gives (but a float's exponent: 1e-7, not 1e-07), ~4
            # times faster (~5 µs against ~20 µs a /my's page)
            return to_json(body)
        return self.json_dumps(body).encode()

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str | bytes,
    ) -> Response[TelegramType]:
        """A success is validated straight from the answer's bytes; anything else (an error, an
        answer that does not parse) goes through aiogram's own check, which raises its
        exceptions."""
        if HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                if method.__returning__ in MESSAGE_ANSWERS:
                    response = self.message_answer(bot, method, content)
                else:
                    response = self.response_type(method).model_validate_json(
                        content, context={"bot": bot}
                    )
            except ValueError:  # pydantic's ValidationError, or bytes that are not JSON
                pass
            else:
                if response.ok:
                    return response
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        return super().check_response(bot, method, status_code, content)

    def message_answer(
        self, bot: Bot, method: TelegramMethod[TelegramType], content: str | bytes
    ) -> Response[TelegramType]:
        """The answer to a call that sends or edits a message: parsed by `json.loads` (a
        message's text in Cyrillic parses in half the time pydantic's own parser takes: a
        /my list's answer ~28 µs against ~39 µs in all) and validated without the echo of an
        inline keyboard sent: Telegram gives the sent message back with its `reply_markup`,
        the very keyboard we sent, and validating its buttons again is most of the answer's
        cost (~120 µs a message of ten buttons against ~45 µs without them). The sent
        keyboard is put back on the message instead: it IS what Telegram shows."""
        data = json.loads(content)
        markup = getattr(method, "reply_markup", None)
        result = data.get("result") if isinstance(data, dict) else None
        echoed = (
            isinstance(markup, InlineKeyboardMarkup)
            and isinstance(result, dict)
            and result.pop("reply_markup", None) is not None
        )
        response = self.response_type(method).model_validate(data, context={"bot": bot})
        message = response.result
        if echoed and isinstance(message, Message):
            # the model is frozen (validate_assignment): set the field as validation does
            message.__dict__["reply_markup"] = markup
            message.__pydantic_fields_set__.add("reply_markup")
        return response

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> TelegramType:
        body = self.build_json(bot, method)
        if body is None:  # an upload: aiogram's multipart form
            return await super().make_request(bot, method, timeout)
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            status, raw = await self.http.post(
                url, body, self.timeout if timeout is None else timeout
            )
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except OSError as exc:  # refused, reset, closed early, TLS, a malformed answer
            message = f"{type(exc).__name__}: {exc}"
            raise TelegramNetworkError(method=method, message=message) from exc
        response = self.check_response(bot, method, status, raw)
        return cast(TelegramType, response.result)

    async def create_session(self) -> ClientSession:
        """aiohttp's session, for uploads. aiogram's own `create_session` calls `self.close()`
        before its first one (its connector is 'reset'), and this class's `close` also closes
        the lean client: every JSON call in flight (the long poll, a reply being sent) was cut
        off at the process's first upload, «the server closed the connection before
        answering». Only aiohttp's session is reset here."""
        if self._should_reset_connector:
            await super().close()
            self._should_reset_connector = False
        return await super().create_session()

    async def close(self) -> None:
        await self.http.close()
        await super().close()

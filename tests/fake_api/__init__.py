"""A fake Telegram Bot API server for end-to-end tests and manual trials.

Point aiogram at it with
``AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))`` (or ``BOT_API_URL``).

aiogram's own session sends every method as ``POST {base}/bot{token}/{method}`` with form
data (multipart when a file is attached): scalars arrive as strings, nested objects as JSON
strings, and an uploaded file as ``document=attach://<key>`` plus a file part named ``<key>``.
Baqylau's session (``bot/session.py``) sends a call without files as a JSON body
(``application/json``), which Telegram accepts too; the fake reads both the same way.
Every call is recorded in :attr:`FakeBotAPI.requests` with its parameters decoded.

The package: ``wire`` (constants, calls, files, errors), ``state`` (what it keeps),
``methods`` (the Bot API methods), ``control`` (what a test feeds it), ``server`` (routes,
lifecycle, ``main``).

Run it standalone with ``python -m tests.fake_api --port 8081``; it writes its base URL
to stderr and serves until Ctrl-C. ``/_control/*`` endpoints let a person drive it with curl::

    curl -d '{"user_id": 1001, "text": "/start"}' http://127.0.0.1:8081/_control/send_text
    curl -d '{"user_id": 1001, "data": "lang:kk", "message_id": 2}' \\
        http://127.0.0.1:8081/_control/press
    curl 'http://127.0.0.1:8081/_control/requests?after=0'
"""

from tests.fake_api.server import FakeBotAPI, main
from tests.fake_api.wire import (
    BLOCKED_DESCRIPTION,
    DEFAULT_BOT_ID,
    DEFAULT_TOKEN,
    DEFAULT_USERNAME,
    MAX_UPLOAD_SIZE,
    ApiCall,
    StoredFile,
    UploadedFile,
)

__all__ = [
    "BLOCKED_DESCRIPTION",
    "DEFAULT_BOT_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_USERNAME",
    "MAX_UPLOAD_SIZE",
    "ApiCall",
    "FakeBotAPI",
    "StoredFile",
    "UploadedFile",
    "main",
]

"""``python -m tests.fake_api``: serve a fake Telegram Bot API."""

from tests.fake_api.server import main

main()

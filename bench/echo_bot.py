"""The floor: a minimal aiogram 3 bot that echoes every message and answers every button, with
aiogram's default long polling (no limit on updates in flight). `bench.floor_bench` runs it
behind the same fake Bot API as Baqylau.

    python -m bench.echo_bot BOT_API_URL [TOKEN]
"""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

from tests.fake_api.wire import DEFAULT_TOKEN


async def echo(message: Message) -> None:
    await message.answer(message.text or "…")


async def answer(query: CallbackQuery) -> None:
    await query.answer()


async def main(api_url: str, token: str) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    bot = Bot(token, session=session)
    dp = Dispatcher()
    dp.message.register(echo)
    dp.callback_query.register(answer)
    await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else DEFAULT_TOKEN))

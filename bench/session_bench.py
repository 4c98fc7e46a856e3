"""The CPU one Bot API call costs the bot's process: aiogram's own session against Baqylau's
(`bot/session.py`), the same calls to the fake Bot API in a child process.

    python -m bench.session_bench [--calls 500 --rounds 3]

Per round and session, in turn: `--calls` sendMessage calls with /my's size of text (~1.5 KB of
Cyrillic) and a keyboard of 10 buttons, the same number of answerCallbackQuery and of
editMessageText; the process's CPU time (user + system, `time.process_time`) per call is
printed, the best round of each (the least disturbed by other jobs on the machine).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bench.common import out, run_bench, table
from bench.concurrency_parts import ApiProcess
from bot.factory import HoldResponseTypes
from bot.session import JsonSession
from tests.fake_api.wire import DEFAULT_TOKEN

CHAT = 500_001
TEXT = "\n".join(
    f"🔴 B-{n:06d} · 02.12.2025 · Бөлім 001 · не принято\n"
    "    Әкімдіктің қаулысын орындау туралы ақпарат беру; есепті б…"
    for n in range(15)
)
KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text=f"🔎 B-{n:06d}", callback_data=f"it:view:{n}:0")]
        for n in range(8)
    ]
    + [
        [
            InlineKeyboardButton(text="◀️", callback_data="ls:my:0:1"),
            InlineKeyboardButton(text="▶️", callback_data="ls:my:2:1"),
        ]
    ]
)


async def one_round(session: BaseSession, calls: int) -> dict[str, float]:
    bot = Bot(DEFAULT_TOKEN, session=session, default=DefaultBotProperties(parse_mode=None))
    spent: dict[str, float] = {}
    sent = await bot.send_message(CHAT, TEXT, reply_markup=KEYBOARD)  # connection, types
    started = time.process_time()
    for _ in range(calls):
        await bot.send_message(CHAT, TEXT, reply_markup=KEYBOARD)
    spent["sendMessage"] = time.process_time() - started
    started = time.process_time()
    for n in range(calls):
        await bot.answer_callback_query(f"cb{n}", text="Принято.")
    spent["answerCallbackQuery"] = time.process_time() - started
    started = time.process_time()
    for n in range(calls):
        await bot.edit_message_text(
            TEXT + str(n), chat_id=CHAT, message_id=sent.message_id, reply_markup=KEYBOARD
        )
    spent["editMessageText"] = time.process_time() - started
    return {method: seconds / calls for method, seconds in spent.items()}


async def run(args: argparse.Namespace) -> bool:
    best: dict[str, dict[str, float]] = defaultdict(dict)
    async with ApiProcess() as api:
        server = TelegramAPIServer.from_base(api.base_url)
        for _ in range(args.rounds):
            for label in ("aiogram AiohttpSession", "Baqylau JsonSession"):
                session: Any = (
                    JsonSession(api=server)
                    if label.startswith("Baqylau")
                    else AiohttpSession(api=server)
                )
                if not isinstance(session, JsonSession):
                    session.middleware(HoldResponseTypes())  # as create_bot did before
                try:
                    figures = await one_round(session, args.calls)
                finally:
                    await session.close()
                for method, seconds in figures.items():
                    best[label][method] = min(best[label].get(method, seconds), seconds)
    rows = [
        (
            f"{label}: {method}",
            f"{seconds * 1000:.2f} ms CPU per call",
        )
        for label, figures in best.items()
        for method, seconds in figures.items()
    ]
    out(f"{args.calls} calls of each method, best of {args.rounds} rounds")
    table(rows)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    run_bench(run, parser.parse_args(argv))


if __name__ == "__main__":
    main()

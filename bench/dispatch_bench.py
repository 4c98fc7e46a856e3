"""The dispatcher alone: the bot's real Dispatcher fed the floor benchmark's taps one at a time,
in process, with a session that answers every Bot API call at once (the answers built and
validated as the fake Bot API's would be, but no socket); the CPU per update of each kind.

    python -m bench.dispatch_bench [--per-kind 600 --rounds 3 --profile KIND]

What `bench.floor_bench` measures less the network, getUpdates and the fake's share of the
cores: aiogram's middlewares and routers, the handlers, the reads and the rendering, building
each call and validating its answer. Its figures still move with whatever shares the machine,
so two versions are compared side by side, each pinned to a core of its own at the same time,
then with the cores swapped (a checkout of the other version in ../other):

    taskset -c 0 python -m bench.dispatch_bench & \\
        (cd ../other && taskset -c 1 python -m bench.dispatch_bench); wait

Per round and kind (/my, /help, 🔎, ▶️, Accept: `bench.floor_bench.KINDS`, people and items as
there), the process's CPU time (`time.process_time`) per update; then the mean weighted as the
floor mix is. The first round's Accept taps write (each item accepted once); later rounds' are
mostly refused as already accepted, as in a long run. `--profile KIND` prints a cProfile of
that kind's last round (`--sort cumulative`, `--top 80`, and pstats' callers or callees of the
functions matching `--callers REGEX` / `--callees REGEX`); its first line, the number of
function calls, is a steadier measure than CPU time for comparing two versions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from pydantic_core import from_json, to_json

from bench import floor_bench as fb
from bench.common import fake_api_settings, out, run_bench, table
from bot.factory import create_bot, create_deliverer, create_dispatcher
from bot.i18n import make_i18n
from bot.profiles import load_profile
from bot.runner import settle_memory
from bot.session import JsonSession
from storage.db import connect
from storage.repo import Repos

BOT_USER = {"id": 42, "is_bot": True, "first_name": "Baqylau", "username": "baqylau_bot"}


class AnsweringSession(JsonSession):
    """Every call answered at once, as the fake Bot API answers it: a sent or edited message
    echoes its text and keyboard, anything else is `true`. The call's JSON body is built and
    the answer validated as over the wire."""

    def __init__(self) -> None:
        super().__init__()
        self.message_ids = 0

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109, ARG002 - aiogram's signature
    ) -> TelegramType:
        body = self.build_json(bot, method)
        name = method.__api_method__
        params: dict[str, Any] = from_json(body) if body else {}
        result: Any = True
        if name in {"sendMessage", "editMessageText"}:
            self.message_ids += 1
            chat = {"id": params.get("chat_id"), "type": "private", "first_name": "B"}
            result = {"message_id": self.message_ids, "from": BOT_USER, "chat": chat}
            result |= {"date": int(time.time()), "text": params.get("text")}
            if "reply_markup" in params:
                result["reply_markup"] = params["reply_markup"]
        elif name == "getMe":
            result = BOT_USER
        await asyncio.sleep(0)  # a call suspends its handler, as a real one does
        raw = to_json({"ok": True, "result": result})
        return self.check_response(bot, method, 200, raw).result  # type: ignore[return-value]


class NoAnswers:
    """What `floor_bench.Taps` fills in for the answers it would await (nothing awaits here)."""

    def __init__(self) -> None:
        self.chats: dict[int, deque[Any]] = defaultdict(deque)
        self.buttons: dict[str, Any] = {}


def print_profile(profiler: cProfile.Profile, args: argparse.Namespace) -> None:
    stats = pstats.Stats(profiler).sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)
    if args.callees:
        stats.print_callees(args.callees)


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="baqylau-dispatch-") as folder:
        built = Path(folder) / "built.sqlite3"
        people = fb.built_for(built, args)
        settings = fake_api_settings(built, "http://127.0.0.1:9")  # never called
        async with connect(built, background_checkpoints=True) as db:  # as the bot
            repos = Repos(db)
            i18n = make_i18n(settings.default_language)
            profile = load_profile(settings.regulation_profile, settings.regulation_overrides)
            bot = create_bot(settings, session=AnsweringSession())
            deliverer = create_deliverer(bot, repos, i18n, settings, profile, background=False)
            dp = create_dispatcher(settings, repos, i18n, profile=profile, deliverer=deliverer)
            taps = fb.Taps(NoAnswers(), card_on_view=True)  # type: ignore[arg-type]
            updates: dict[str, list[dict[str, Any]]] = {kind: [] for kind in fb.KINDS}
            rng = random.Random(args.seed)
            while min(len(found) for found in updates.values()) < args.per_kind + 20:
                tap = taps.make(rng.choice(people))
                updates[tap.kind].append(tap.update)
            numbers = iter(range(1, 10**9))

            async def feed(update: dict[str, Any]) -> None:
                await dp.feed_raw_update(bot, {"update_id": next(numbers), **update})

            for found in updates.values():  # warm: imports, caches, the calendar
                for update in found[:20]:
                    await feed(update)
            settle_memory()  # as the running bot does after its start
            weights = dict(zip(fb.KINDS, fb.WEIGHTS, strict=True))
            rows: list[tuple[str, str]] = []
            for round_ in range(args.rounds):
                spent: dict[str, float] = {}
                for kind in fb.KINDS:
                    batch = updates[kind][20 : 20 + args.per_kind]
                    profiler = (
                        cProfile.Profile()
                        if args.profile == kind and round_ == args.rounds - 1
                        else None
                    )
                    started = time.process_time()
                    if profiler is not None:
                        profiler.enable()
                    for update in batch:
                        await feed(update)
                    if profiler is not None:
                        profiler.disable()
                    spent[kind] = (time.process_time() - started) / len(batch) * 1000
                    if profiler is not None:
                        print_profile(profiler, args)
                mean = sum(spent[k] * weights[k] for k in fb.KINDS) / sum(weights.values())
                line = " · ".join(f"{kind} {spent[kind]:.3f}" for kind in fb.KINDS)
                rows.append((f"round {round_ + 1}", f"{line} · mix {mean:.3f} ms CPU/update"))
            await bot.session.close()
    out(f"{args.per_kind} updates of each kind, {args.people} people, {args.items:,} items")
    table(rows)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="", metavar="KIND", choices=["", *fb.KINDS])
    parser.add_argument("--sort", default="tottime", help="the profile's order (pstats' keys)")
    parser.add_argument("--top", type=int, default=40, help="rows of the profile to print")
    parser.add_argument("--callers", default="", metavar="REGEX", help="who calls these")
    parser.add_argument("--callees", default="", metavar="REGEX", help="what these call")
    run_bench(run, parser.parse_args(argv))


if __name__ == "__main__":
    main()

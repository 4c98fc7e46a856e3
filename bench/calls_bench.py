"""What each kind of tap costs the bot's process: the Bot API calls it makes and its CPU time.

    python -m bench.calls_bench [--people 50 --taps 200 --items 2000 --think 0.05 --bot bot]

The bot runs as in production (`python -m bot`, or `--bot echo` for `bench.echo_bot`) long-polling
the fake Bot API (`tests.fake_api`, a child process), on a database of `bench.sweep_bench` as
`bench.floor_bench` builds it. For each kind of tap in turn (/my, /help, 🔎, ▶️, Accept — the
floor benchmark's mix) `--people` heads tap `--taps` times in all, each waiting for the answer
and `--think` seconds (exponential) before the next. Printed per kind: the Bot API calls the
fake received per tap, by method (getUpdates included), and the CPU time of the bot's process
(user + system, every thread, read from /proc/<pid>/stat before and after) per tap. CPU time is
robust to other jobs sharing the machine, wall time is not; p50/p99 tap → answer are printed as
an indication only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import aiohttp

from bench.common import out, run_bench, table
from bench.concurrency_parts import ApiProcess, percentile
from bench.floor_bench import ZONE, Answers, Official, Taps, officials, push
from bench.sweep_bench import SPREAD_DAYS, build_in_child
from tests.fake_api.wire import DEFAULT_TOKEN

KINDS = ("my", "help", "view", "page", "accept")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process, all its threads, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class OneKind(random.Random):
    """A person's random source whose `choices` always picks one kind of tap."""

    def __init__(self, seed: int, kind: str) -> None:
        super().__init__(seed)
        self.kind = kind

    def choices(self, population, weights=None, *, cum_weights=None, k=1):  # type: ignore[no-untyped-def]
        if tuple(population) == KINDS:
            return [self.kind] * k
        return super().choices(population, weights, cum_weights=cum_weights, k=k)


async def one_kind(
    kind: str | None,
    base: list[Official],
    taps: Taps,
    answers: CountingAnswers,
    session: aiohttp.ClientSession,
    api_url: str,
    pid: int,
    args: argparse.Namespace,
) -> tuple[float, Counter[str], list[float]]:
    """`args.taps` taps of one kind (think `args.think`), or with kind None the floor
    benchmark's mix for `args.mix` seconds with 1 s think time."""
    people = [
        Official(
            o.chat, o.department, o.items, OneKind(o.chat, kind) if kind else random.Random(o.chat)
        )
        for o in base
    ]
    think = args.think if kind else 1.0
    stop_at = time.monotonic() + args.mix
    left = args.taps if kind else 1 << 30
    latencies: list[float] = []
    await asyncio.sleep(1.0)  # what the previous kind queued is sent
    before_calls = answers.after  # the matcher fetches every 5 ms
    if args.probe:
        os.kill(pid, signal.SIGUSR1)  # the probe counts from here
    before = cpu_seconds(pid)

    async def person(who: Official) -> None:
        nonlocal left
        if not kind:
            await asyncio.sleep(who.rng.uniform(0, think))
        while left > 0 and (kind or time.monotonic() < stop_at):
            left -= 1
            tap = taps.make(who)
            await push(session, api_url, tap)
            latencies.append(await asyncio.wait_for(tap.answered, 60) - tap.pushed)
            if think:
                await asyncio.sleep(who.rng.expovariate(1 / think))

    await asyncio.gather(*(person(who) for who in people))
    await asyncio.sleep(1.0)  # whatever the taps queued (a card after 🔎) is sent too
    spent = cpu_seconds(pid) - before
    calls = await answers.fetch_since(before_calls)
    methods = Counter(str(call["method"]) for call in calls)
    if args.show:
        for call in calls[: args.show]:
            out(f"  {kind}: {call['method']} {str(call['params'])[:300]}")
    return spent, methods, latencies


@contextlib.asynccontextmanager
async def started(
    command: list[str], env: dict[str, str], answers: CountingAnswers, tree: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot's process, run in `tree`, once it polls; stopped at the end."""
    mark = answers.after
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=tree, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        while not any(call["method"] == "getUpdates" for call in await answers.fetch()):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        answers.after = mark + len(await answers.fetch_since(mark))
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()


class CountingAnswers(Answers):
    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        super().__init__(base_url, session)

    async def fetch_since(self, after: int) -> list[dict[str, object]]:
        url = f"{self.base_url}/_control/requests"
        async with self.session.get(url, params={"after": str(after)}) as answer:
            found: list[dict[str, object]] = await answer.json()
        return found


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="baqylau-calls-") as folder:
        built = Path(folder) / "built.sqlite3"
        build = argparse.Namespace(
            items=args.items,
            due=0,
            at=datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M"),
            departments=args.people,
            seed=1,
            spread=SPREAD_DAYS,
        )
        build_in_child(build, built)
        base = officials(built, args.people, 1)
        gc.collect()  # officials() leaves its connection to the collector: close it now
        with contextlib.closing(sqlite3.connect(built)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the heads' chats are in the file
        database = Path(folder) / "run.sqlite3"
        shutil.copy(built, database)
        async with ApiProcess() as api, aiohttp.ClientSession() as session:
            env = dict(os.environ) | {"BOT_TOKEN": DEFAULT_TOKEN, "BOT_API_URL": api.base_url}
            if args.bot == "echo":
                command = [sys.executable, "-m", "bench.echo_bot", api.base_url]
            else:
                command = [sys.executable, "-m", "bot"]
                env |= {"DATABASE_PATH": str(database)}
            answers = CountingAnswers(api.base_url, session)
            taps = Taps(answers, card_on_view=args.bot != "echo")
            rows: list[tuple[str, str]] = []
            tree = args.tree or Path.cwd()  # another checkout's bot (a baseline)
            env |= {"PYTHONPATH": str(tree)}
            if args.probe and args.bot != "echo":  # the loop probe, from this checkout
                probe = Path(__file__).with_name("loop_probe.py")
                command = [sys.executable, str(probe), "bot"]
                env |= {"LOOP_PROBE_OUT": str(args.probe)}
            async with started(command, env, answers, tree) as process:
                matcher = asyncio.get_running_loop().create_task(answers.run())
                await asyncio.sleep(3.0)  # the start-up sweep and its messages
                try:
                    for kind in (None,) if args.mix else KINDS:
                        spent, methods, latencies = await one_kind(
                            kind, base, taps, answers, session, api.base_url, process.pid, args
                        )
                        n = len(latencies)
                        calls = ", ".join(
                            f"{method} {count / n:.2f}" for method, count in methods.most_common()
                        )
                        rows.append(
                            (
                                kind or "mix, 1 s think",
                                f"{spent * 1000 / n:5.1f} ms CPU/tap"
                                f" · {sum(methods.values()) / n:.2f} calls/tap ({calls})"
                                f" · {n} taps · p50 {percentile(latencies, 0.5) * 1000:.0f}"
                                f" / p99 {percentile(latencies, 0.99) * 1000:.0f} ms",
                            )
                        )
                finally:
                    matcher.cancel()
            what = f"{args.mix:.0f} s of the mix" if args.mix else f"{args.taps} taps per kind"
            out(f"{tree} {args.bot}: {args.people} people, {what}, think {args.think} s")
            table(rows)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--taps", type=int, default=200, help="taps of each kind")
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--think", type=float, default=0.05, help="mean pause between taps, s")
    parser.add_argument("--tree", type=Path, help="run the bot of this checkout (a baseline)")
    parser.add_argument("--mix", type=float, default=0, help="seconds of the mix instead")
    parser.add_argument("--probe", type=Path, help="run the bot under bench.loop_probe")
    parser.add_argument("--show", type=int, default=0, help="print N calls of each kind")
    parser.add_argument("--bot", choices=("bot", "echo"), default="bot")
    run_bench(run, parser.parse_args(argv))


if __name__ == "__main__":
    main()

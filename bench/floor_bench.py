"""The floor benchmark: Baqylau against a bare aiogram echo bot behind the same fake Bot API.

    python -m bench.floor_bench [--people 50 --seconds 15 --think-seconds 20 --burst 2000
                                 --items 2000 --rounds 1]

Both bots run as they would in production — a child process long-polling the fake Bot API
(`tests.fake_api`, another child process): `python -m bot` on a database of
`bench.sweep_bench` (`--items` open assignments over `--people` departments, every head bound
to a chat), and `python -m bench.echo_bot`, which echoes each message and answers each
button. This process plays the officials: each of `--people` heads taps in a loop, sending the
update to the fake (`/_control/push_update`) and waiting for its answer there — /my, /help,
🔎 on one of their department's items, ▶️ on /my, Accept (the same mix for both bots; the echo
bot answers each with an echo or an empty button answer). Tap → answer is the time from
pushing the update to the fake receiving the answer (sendMessage for a message,
answerCallbackQuery for a button), on the machine's monotonic clock.

Per bot and round, in one process of the bot: (1) saturation: every person taps again as soon
as answered, `--seconds`; (2) `--people` with a think time of 1 s on average (exponential)
between taps, `--think-seconds`; (3) a burst: `--burst` updates pushed at once (the people's
taps, in turn), every one awaited (up to 120 s). Bots alternate within each round (echo, then
Baqylau), `--rounds` rounds; printed: updates/s, p50/p95/p99, the bot process's CPU
milliseconds per update answered (user + system time of all its threads from /proc/<pid>/stat,
read before and after the phase: robust to other jobs sharing the machine, unlike the wall-clock
figures), the ratios to the echo bot, what was not answered, and each bot process's peak memory
(VmHWM). Exit status 1 if an update was left unanswered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import os
import pstats
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bench.common import out, run_bench, table
from bench.concurrency_parts import ApiProcess, percentile
from bench.sweep_bench import SPREAD_DAYS, build_in_child
from handlers.callbacks import ItemAction, ItemCallback, ListCallback, ListScope
from tests.fake_api.wire import DEFAULT_TOKEN

ZONE = ZoneInfo("Asia/Almaty")
STAFF_CHAT = 500_000  # a person's chat: STAFF_CHAT + their id
ANSWER_TIMEOUT = 60.0
BURST_TIMEOUT = 120.0
START_TIMEOUT = 180.0  # a loaded machine imports slowly
KINDS = ("my", "help", "view", "page", "accept")
WEIGHTS = (25, 15, 25, 20, 15)


@dataclass(slots=True)
class Official:
    chat: int
    department: int
    items: list[int]
    rng: random.Random


@dataclass(slots=True)
class Tap:
    kind: str
    update: dict[str, Any]
    answered: asyncio.Future[float]
    pushed: float = 0.0


@dataclass(slots=True)
class Phase:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    cpu: float = 0.0  # the bot process's CPU seconds (user + system, all threads) in the phase

    @property
    def cpu_ms(self) -> float:
        """The bot process's CPU milliseconds per update answered in the phase."""
        return self.cpu * 1000 / len(self.latencies) if self.latencies else float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000 if self.latencies else float("nan")


# --- the answers, as the fake receives them ---------------------------------------------------


class Answers:
    """The fake's calls fetched as they come and matched to the taps awaiting them: a button's
    answer by its callback id; a message's by its chat, in order (one person's updates are
    answered in order), past the messages a tap sends besides its answer (Baqylau's 🔎 card)."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url
        self.session = session
        self.after = 0
        self.buttons: dict[str, asyncio.Future[float]] = {}
        self.chats: dict[int, deque[asyncio.Future[float] | None]] = defaultdict(deque)
        self.polls = 0

    async def skip_to_now(self) -> None:
        self.after += len(await self.fetch())

    async def fetch(self) -> list[dict[str, Any]]:
        url = f"{self.base_url}/_control/requests"
        async with self.session.get(url, params={"after": str(self.after)}) as answer:
            found: list[dict[str, Any]] = await answer.json()
        return found

    async def run(self) -> None:
        while True:
            calls = await self.fetch()
            self.after += len(calls)
            self.polls += 1
            for call in calls:
                self._match(call)
            await asyncio.sleep(0.005)

    def _match(self, call: dict[str, Any]) -> None:
        params = call.get("params") or {}
        if call["method"] == "answerCallbackQuery":
            waiting = self.buttons.pop(str(params.get("callback_query_id")), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(float(call["time"]))
        elif call["method"] == "sendMessage":
            slots = self.chats.get(int(params.get("chat_id", 0)))
            if slots:
                slot = slots.popleft()
                if slot is not None and not slot.done():
                    slot.set_result(float(call["time"]))


class Taps:
    """The officials' taps, built the same for both bots."""

    def __init__(self, answers: Answers, *, card_on_view: bool) -> None:
        self.answers = answers
        self.card_on_view = card_on_view  # Baqylau's 🔎 sends the card after its answer
        self.ids = itertools.count(1)

    def make(self, official: Official) -> Tap:
        kind = official.rng.choices(KINDS, WEIGHTS)[0]
        item = official.rng.choice(official.items)
        user = {"id": official.chat, "is_bot": False, "first_name": "B", "language_code": "ru"}
        chat = {"id": official.chat, "type": "private", "first_name": "B"}
        answered: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        number = next(self.ids)
        if kind in {"my", "help"}:
            text = f"/{kind}"
            message = {"message_id": number, "date": int(time.time()), "chat": chat}
            message |= {"from": user, "text": text}
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
            self.answers.chats[official.chat].append(answered)
            return Tap(kind, {"message": message}, answered)
        if kind == "view":
            data = ItemCallback(action=ItemAction.VIEW, id=item).pack()
            if self.card_on_view:
                self.answers.chats[official.chat].append(None)
        elif kind == "page":
            data = ListCallback(scope=ListScope.MY, page=1, at=item).pack()
        else:
            data = ItemCallback(action=ItemAction.ACCEPT, id=item, dep=official.department).pack()
        callback_id = f"cb{number}"
        self.answers.buttons[callback_id] = answered
        shown = {"message_id": 1, "date": int(time.time()), "chat": chat, "text": "…"}
        query = {"id": callback_id, "from": user, "message": shown, "chat_instance": "ci"}
        return Tap(kind, {"callback_query": query | {"data": data}}, answered)


async def push(session: aiohttp.ClientSession, base_url: str, tap: Tap) -> None:
    tap.pushed = time.monotonic()
    async with session.post(f"{base_url}/_control/push_update", json=tap.update) as answer:
        answer.raise_for_status()


# --- the phases --------------------------------------------------------------------------------


async def closed_loop(
    name: str,
    people: list[Official],
    taps: Taps,
    session: aiohttp.ClientSession,
    base_url: str,
    seconds: float,
    think: float,
) -> Phase:
    phase = Phase(name)
    stop_at = time.monotonic() + seconds

    async def official(person: Official) -> None:
        if think:
            await asyncio.sleep(person.rng.uniform(0, think))
        while time.monotonic() < stop_at:
            tap = taps.make(person)
            await push(session, base_url, tap)
            try:
                answered = await asyncio.wait_for(tap.answered, ANSWER_TIMEOUT)
            except TimeoutError:
                phase.lost += 1
                continue
            phase.latencies.append(answered - tap.pushed)
            if think:
                await asyncio.sleep(person.rng.expovariate(1 / think))

    started = time.monotonic()
    await asyncio.gather(*(official(person) for person in people))
    phase.seconds = time.monotonic() - started
    return phase


async def burst(
    people: list[Official], taps: Taps, session: aiohttp.ClientSession, base_url: str, size: int
) -> Phase:
    phase = Phase(f"burst of {size:,}")
    made = [taps.make(people[index % len(people)]) for index in range(size)]
    started = time.monotonic()

    async def pushed(person: int) -> None:  # one person's taps in order, the people side by side
        for tap in made[person :: len(people)]:
            await push(session, base_url, tap)

    await asyncio.gather(*(pushed(person) for person in range(len(people))))
    done, pending = await asyncio.wait([tap.answered for tap in made], timeout=BURST_TIMEOUT)
    phase.lost = len(pending)
    answered = [tap.answered.result() for tap in made if tap.answered in done]
    phase.latencies = [tap.answered.result() - tap.pushed for tap in made if tap.answered in done]
    phase.seconds = (max(answered) if answered else time.monotonic()) - started
    return phase


# --- the bots ----------------------------------------------------------------------------------


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (utime + stime of all its threads), in seconds."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of proc(5)
    return 0.0


async def measured(pid: int, phase: Awaitable[Phase]) -> Phase:
    """The phase, with the CPU its bot process spent meanwhile (up to its last answer)."""
    before = cpu_seconds(pid)
    done = await phase
    done.cpu = cpu_seconds(pid) - before
    return done


def peak_mib(pid: int) -> float:
    """A process's peak resident set size (VmHWM), in MiB; 0 when unknown."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextlib.asynccontextmanager
async def bot_process(
    command: list[str], env: dict[str, str], answers: Answers
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The bot's process, once it polls; stopped with SIGTERM at the end."""
    await answers.skip_to_now()
    mark = answers.after
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log
    )
    try:
        started = time.monotonic()
        while time.monotonic() - started < START_TIMEOUT:
            calls = await answers.fetch()
            if any(call["method"] == "getUpdates" for call in calls):
                break
            await asyncio.sleep(0.05)
        else:
            log.seek(0)
            said = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command[1:])} did not start polling:\n{said}")
        answers.after = mark + len(calls)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()


async def one_bot(
    label: str,
    command: list[str],
    env: dict[str, str],
    args: argparse.Namespace,
    people: Callable[[], list[Official]],
    api: ApiProcess,
) -> tuple[list[Phase], float]:
    async with aiohttp.ClientSession() as session:
        answers = Answers(api.base_url, session)
        taps = Taps(answers, card_on_view=label == "Baqylau")
        async with bot_process(command, env, answers) as process:
            matcher = asyncio.get_running_loop().create_task(answers.run())
            try:
                pid = process.pid
                phases = [
                    await measured(
                        pid,
                        closed_loop(
                            "saturation", people(), taps, session, api.base_url, args.seconds, 0.0
                        ),
                    ),
                    await measured(
                        pid,
                        closed_loop(
                            "1 s think time",
                            people(),
                            taps,
                            session,
                            api.base_url,
                            args.think_seconds,
                            1.0,
                        ),
                    ),
                    await measured(pid, burst(people(), taps, session, api.base_url, args.burst)),
                ]
                memory = peak_mib(process.pid)
            finally:
                matcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await matcher
    return phases, memory


# --- the database ------------------------------------------------------------------------------


def officials(path: Path, count: int, seed: int) -> list[Official]:
    """The first `count` departments' heads, bound to chats, with their department's items."""
    # closed (not only committed) before the database is copied: the copy must hold the
    # bindings, not leave them in the WAL file of a connection still open
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        stamp = datetime.now(UTC).isoformat()
        conn.execute(  # only the heads: no weekly list or digest goes to anyone else
            "UPDATE people SET telegram_id = ? + id, bound_at = ?, language_chosen = 1"
            " WHERE code LIKE 'head%'",
            (STAFF_CHAT, stamp),
        )
        heads = conn.execute(
            "SELECT id, department_id FROM people WHERE code LIKE 'head%' ORDER BY code LIMIT ?",
            (count,),
        ).fetchall()
        found = []
        for index, (person_id, department) in enumerate(heads):
            items = [
                row[0]
                for row in conn.execute(
                    "SELECT assignment_id FROM assignment_executors WHERE department_id = ?"
                    " ORDER BY assignment_id LIMIT 200",
                    (department,),
                )
            ]
            found.append(
                Official(STAFF_CHAT + person_id, department, items, random.Random(seed + index))
            )
    return found


def built_for(path: Path, args: argparse.Namespace) -> list[Official]:
    """The database of `--items` open items over `--people` departments at `path` (built in a
    child process), and its officials: every head bound to a chat."""
    build = argparse.Namespace(
        items=args.items,
        due=0,
        at=datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M"),
        departments=args.people,
        seed=args.seed,
        spread=SPREAD_DAYS,
    )
    build_in_child(build, path)
    return officials(path, args.people, args.seed)


def profile_path(round_: int) -> Path:
    """Where a round's profile is kept: named by this run's process, so that runs side by side
    (several people on one machine) do not overwrite each other's."""
    return Path(tempfile.gettempdir()) / f"baqylau-floor-{os.getpid()}-{round_}.prof"


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="baqylau-floor-") as folder:
        built = Path(folder) / "built.sqlite3"
        base = built_for(built, args)
        results: dict[str, list[tuple[list[Phase], float]]] = defaultdict(list)
        async with ApiProcess() as api:
            common = dict(os.environ) | {"BOT_TOKEN": DEFAULT_TOKEN, "BOT_API_URL": api.base_url}
            for round_ in range(args.rounds):
                for label in ("echo aiogram", "Baqylau"):
                    database = Path(folder) / f"run{round_}.sqlite3"
                    shutil.copy(built, database)
                    if label == "Baqylau":
                        command = [sys.executable, "-m", "bot"]
                        if args.profile:
                            profiled = profile_path(round_)
                            command[1:1] = ["-m", "cProfile", "-o", str(profiled)]
                        env = common | {"DATABASE_PATH": str(database)}
                    else:
                        command = [sys.executable, "-m", "bench.echo_bot", api.base_url]
                        env = common

                    def people() -> list[Official]:
                        return [
                            Official(o.chat, o.department, o.items, random.Random(o.chat))
                            for o in base
                        ]

                    out(f"round {round_ + 1}: {label} …")
                    results[label].append(await one_bot(label, command, env, args, people, api))
                    database.unlink(missing_ok=True)
        if args.profile:
            kept = profile_path(0)
            out(f"profile of Baqylau's process (round 1): {kept}")
            stats = pstats.Stats(str(kept))
            stats.sort_stats("tottime").print_stats(args.profile)
            stats.sort_stats("cumulative").print_stats(args.profile)
    return report(args, results)


def report(args: argparse.Namespace, results: dict[str, list[tuple[list[Phase], float]]]) -> bool:
    out()
    out(
        f"{args.people} people, {args.items:,} open items; {args.rounds} round(s), bots"
        " alternating; medians over rounds"
    )
    rows: list[tuple[str, str]] = []
    lost = 0

    def median(label: str, index: int, value: Callable[[Phase], float]) -> float:
        return statistics.median(value(phases[index]) for phases, _ in results[label])

    names = [phase.name for phase in results["Baqylau"][0][0]]
    for index, name in enumerate(names):
        for label in ("echo aiogram", "Baqylau"):
            rate = median(label, index, lambda p: p.rate)
            p50, p95, p99 = (
                median(label, index, functools.partial(Phase.pct, share=s))
                for s in (0.50, 0.95, 0.99)
            )
            cpu = median(label, index, lambda p: p.cpu_ms)
            missing = sum(phases[index].lost for phases, _ in results[label])
            lost += missing
            rows.append(
                (
                    f"{name}: {label}",
                    f"{rate:,.0f} updates/s · p50 {p50:,.0f} ms · p95 {p95:,.0f} ms"
                    f" · p99 {p99:,.0f} ms · CPU {cpu:.2f} ms/update · unanswered {missing}",
                )
            )
        echo_rate = median("echo aiogram", index, lambda p: p.rate)
        bot_rate = median("Baqylau", index, lambda p: p.rate)
        echo_p99 = median("echo aiogram", index, lambda p: p.pct(0.99))
        bot_p99 = median("Baqylau", index, lambda p: p.pct(0.99))
        echo_cpu = median("echo aiogram", index, lambda p: p.cpu_ms)
        bot_cpu = median("Baqylau", index, lambda p: p.cpu_ms)
        rows.append(
            (
                f"{name}: ratio",
                f"throughput {bot_rate / echo_rate:.2f} of echo · p99 {bot_p99 / echo_p99:.1f}×"
                f" · CPU per update {bot_cpu / echo_cpu:.1f}×",
            )
        )
        if args.rounds > 1:  # each round's ratio: the spread behind the median
            each = [
                f"{b.rate / e.rate:.2f} ({b.rate:,.0f}/{e.rate:,.0f},"
                f" p99 {b.pct(0.99):,.0f}/{e.pct(0.99):,.0f} ms)"
                for e, b in (
                    (echo[0][index], bot[0][index])
                    for echo, bot in zip(results["echo aiogram"], results["Baqylau"], strict=True)
                )
            ]
            rows.append((f"{name}: by round", f"{' · '.join(each)} (Baqylau/echo)"))
    memory = {label: statistics.median(m for _, m in runs) for label, runs in results.items()}
    rows.append(
        (
            "peak memory (VmHWM)",
            f"echo {memory['echo aiogram']:.0f} MiB · Baqylau {memory['Baqylau']:.0f} MiB"
            f" · ratio {memory['Baqylau'] / memory['echo aiogram']:.2f}",
        )
    )
    table(rows)
    return lost == 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="the saturation phase")
    parser.add_argument("--think-seconds", type=float, default=20.0, help="the 1 s think phase")
    parser.add_argument("--burst", type=int, default=2_000)
    parser.add_argument("--items", type=int, default=2_000, help="open assignments")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile Baqylau; print N rows"
    )
    run_bench(run, parser.parse_args(argv))


if __name__ == "__main__":
    main()

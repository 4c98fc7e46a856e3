"""Concurrency benchmark: people tapping while a sweep and a delivery run on the same store.

    python -m bench.concurrency_bench [--people 50 --seconds 60 --taps N --think 0
                                       --items 100000 --due 2000 --messages 2000
                                       --send-rate 1000 --baseline 5 --profile]

The database of `bench.sweep_bench` (built the same way, in a child process: a staff directory
of one head and one executor per department, N open assignments bulk-inserted, D of them owing
the deadline notice at the sweep moment), with everyone bound to a chat, plus `--messages`
recipients with one outbox message each ("… has blocked the bot", as in
`bench.delivery_bench`). The fake Bot API (`tests.fake_api`) runs in a child process, as
Telegram would be elsewhere, so its work does not share the bot's event loop.

Each of the `--people` simulated people is the head of a department with cards (open
assignments addressed to the department, not yet accepted). They tap in a loop through the
real aiogram Dispatcher (`bot.factory.create_dispatcher`, fed with `dp.feed_update`, the Bot
from `bot.factory.create_bot` pointed at the fake): Accept on their cards (some as a double
tap: the same button fed twice at once), Accept again on a card already accepted, «Open» (view),
/my, paging of /my, /help, and forged buttons (Accept for another department, an item that
does not exist, unparseable data, the controllers' list). First a baseline with the taps
alone (`--baseline` seconds); then, at the same time, the taps, `Deliverer.drain()` of the
prepared messages and, 1 s in, `sweep(ctx)` at the sweep moment. The people tap while the sweep
or the delivery runs, for at most `--seconds` (60) or `--taps` each, with a pause of `--think`
ms on average between taps (0 by default: each taps again as soon as answered); whatever is left
of the delivery then finishes alone.

Measured per tap: the time from feeding the update to its answer (answerCallbackQuery for a
button, sendMessage for a command) acknowledged by the API, seen by an aiogram request
middleware on the bot's session. Printed: taps answered per second, p50 / p99 time to
answer, taps sent vs answered, answers that were not the expected one, acceptances expected
vs saved, the sweep's and the delivery's time and what they queued and sent, who waited how
long for the writer, the longest event-loop stall, and every log record at WARNING or above.
Exit status 1 if a tap, an acceptance, a notice or a message was lost, or anything failed.

`--profile` adds a cProfile of the event loop's thread during the taps.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import logging
import os
import pstats
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import aiohttp
from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import AnswerCallbackQuery, Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Update

from bench.common import fake_api_settings, mib, out, run_bench, table
from bench.delivery_bench import KIND, analyse, busiest_second
from bench.notice_delivery_bench import LoopLag
from bench.sweep_bench import DEFAULT_AT, SPREAD_DAYS, build_in_child, digest, local_moment
from bot import services
from bot.delivery import Deliverer, DeliveryStats, RateLimiter
from bot.factory import create_bot, create_deliverer, create_dispatcher
from bot.i18n import make_i18n
from bot.profiles import DEFAULT_PROFILE, load_profile
from bot.sweep import SweepStats, sweep
from handlers.callbacks import ItemCallback, ListCallback
from storage.db import open_database
from storage.domain.enums import Language, Role
from storage.models import Person
from storage.repo import Repos
from tests.fake_api import DEFAULT_TOKEN, ApiCall
from tests.fakes import make_callback, make_message

STAFF_CHAT = 900_000_000  # a staff member's chat: this + their id
RECIPIENT_CHAT = 910_000_000  # the delivery's recipients: this + their index
CARD_MESSAGE = 1_000_000  # the (fake) message id of a person's card number i: this + i
NO_SUCH_ITEM = 999_999_999
LAST_PAGE = 6  # paging goes 0 → 1 → … → 6 → 0 (each step changes the text)
# What people tap, and how often (weights).
ACTIONS = {"accept": 30, "accept_again": 5, "view": 20, "my": 12, "page": 13, "help": 10}
FORGED = 10  # weight of a forged button
DOUBLE_TAP = 0.15  # share of Accept taps that arrive twice at once (a double tap)
BUTTON_KINDS = frozenset({"accept", "double", "accept_again", "view", "page", "forged"})

log = logging.getLogger(__name__)

# Who is working, for the writer-lock figures: inherited by the tasks each one starts.
ROLE: ContextVar[str] = ContextVar("bench_role", default="setup")


# --- the fake Bot API, in a child process ------------------------------------------------------


class ApiProcess:
    """`python -m tests.fake_api` on a free port; its calls fetched at the end."""

    def __init__(self) -> None:
        self.base_url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._stderr: asyncio.Task[None] | None = None
        self.pid = 0

    async def __aenter__(self) -> ApiProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fake_api",
            "--port",
            "0",
            "--token",
            DEFAULT_TOKEN,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self._process.stderr is not None
        line = await asyncio.wait_for(self._process.stderr.readline(), timeout=30)
        self.base_url = line.decode().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError(f"the fake Bot API did not start: {line!r}")
        self.pid = self._process.pid
        self._stderr = asyncio.get_running_loop().create_task(self._echo())
        return self

    async def _echo(self) -> None:
        """Pass on whatever the fake writes to stderr (it writes nothing when all is well)."""
        assert self._process is not None and self._process.stderr is not None
        async for line in self._process.stderr:
            log.warning("fake Bot API: %s", line.decode().rstrip())

    async def calls(self) -> list[ApiCall]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.base_url}/_control/requests", params={"after": "0"}) as answer,
        ):
            found = await answer.json()
        return [
            ApiCall(
                method=call["method"],
                params=call["params"],
                time=call["time"],
                status=call["status"],
                result=call["result"],
                description=call["description"],
            )
            for call in found
        ]

    def cpu_seconds(self) -> float:
        """User + system CPU time of the fake so far (Linux /proc), 0 when unknown."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def __aexit__(self, *_: object) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await asyncio.wait_for(self._process.wait(), timeout=30)
        if self._stderr is not None:
            self._stderr.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stderr


# --- instruments -------------------------------------------------------------------------------


class TimedLock(asyncio.Lock):
    """The writer's lock (`Database._write`), timing each unit of work: how long its task
    waited for the writer, and how long it held it, by ROLE and phase."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = "setup"
        self.waits: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.holds: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._since = 0.0
        self._holder = ("setup", "setup")

    async def acquire(self) -> Literal[True]:
        asked = time.monotonic()
        await super().acquire()
        self._since = time.monotonic()
        self._holder = (self.phase, ROLE.get())
        self.waits[self._holder].append(self._since - asked)
        return True

    def release(self) -> None:
        self.holds[self._holder].append(time.monotonic() - self._since)
        super().release()


@dataclass(eq=False, slots=True)
class Tapper:
    """One simulated person: the head of a department, with the cards addressed to it."""

    person: Person
    cards: list[tuple[int, int]]  # (assignment id, department id), not accepted yet
    rng: random.Random
    next_card: int = 0
    accepted: list[int] = field(default_factory=list)  # indexes of cards tapped Accept
    list_message: int | None = None  # the last /my answer, for paging
    page: int = 0

    @property
    def chat(self) -> int:
        assert self.person.telegram_id is not None
        return self.person.telegram_id

    @property
    def department(self) -> int:
        assert self.person.department_id is not None
        return self.person.department_id


@dataclass(eq=False, slots=True)
class Tap:
    """One update fed to the dispatcher and what came of it."""

    tapper: Tapper
    kind: str  # accept, double, accept_again, view, page, my, help, forged
    phase: str
    update: Update
    expect_alert: bool | None = None  # for a button: whether the answer must be an alert
    card: int | None = None  # the card's index, for Accept
    callback_id: str | None = None
    started: float = 0.0
    answered: float | None = None  # the answer acknowledged by the API
    done: float = 0.0  # feed_update returned
    alert: bool | None = None
    answer_text: str = ""
    methods: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def answer_seconds(self) -> float | None:
        return None if self.answered is None else self.answered - self.started


CURRENT_TAP: ContextVar[Tap | None] = ContextVar("bench_tap", default=None)


class AnswerWatch(BaseRequestMiddleware):
    """Sees every Bot API call a handler makes while a tap is being handled (the tap is in a
    context variable of the task that feeds it), and notes the answer's time and shape."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        tap = CURRENT_TAP.get()
        result = await make_request(bot, method)
        if tap is None:
            return result
        acknowledged = time.monotonic()
        tap.methods.append(method.__api_method__)
        answers = AnswerCallbackQuery if tap.kind in BUTTON_KINDS else SendMessage
        if tap.answered is None and isinstance(method, answers):
            tap.answered = acknowledged
            if isinstance(method, AnswerCallbackQuery):
                tap.alert = bool(method.show_alert)
                tap.answer_text = method.text or ""
        if tap.kind == "my" and isinstance(method, SendMessage) and isinstance(result, Message):
            tap.tapper.list_message = result.message_id
            tap.tapper.page = 0
        return result


class LogRecords(logging.Handler):
    """Every record at WARNING or above, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# --- the run -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 when there are no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def spread(values: list[float]) -> str:
    """p50 / p99 / max of some durations, in ms."""
    if not values:
        return "-"
    return (
        f"p50 {ms(percentile(values, 0.5))}, p99 {ms(percentile(values, 0.99))},"
        f" max {ms(max(values))}"
    )


@dataclass(slots=True)
class Background:
    sweep_stats: SweepStats | None = None
    sweep_seconds: float = 0.0
    drain_stats: DeliveryStats | None = None
    drain_seconds: float = 0.0
    drain_started: float = 0.0
    done: bool = False


class Bench:
    def __init__(
        self, args: argparse.Namespace, repos: Repos, dp: Dispatcher, bot: Bot, lock: TimedLock
    ) -> None:
        self.args = args
        self.repos = repos
        self.dp = dp
        self.bot = bot
        self.lock = lock
        self.taps: list[Tap] = []
        self.tappers: list[Tapper] = []
        self.phase = "setup"
        self.load_started = 0.0
        self.background = Background()

    # setup

    async def make_tappers(self) -> None:
        """The heads of the first `--people` departments, each with `--cards` cards."""
        heads = [
            await self.repos.staff.by_code(f"head{index:03d}") for index in range(self.args.people)
        ]
        for index, head in enumerate(heads):
            assert head is not None and head.department_id is not None
            async with self.repos.conn.execute(
                "SELECT e.assignment_id FROM assignment_executors e"
                " JOIN assignments a ON a.id = e.assignment_id"
                " WHERE e.department_id = ? AND e.accepted_at IS NULL"
                " AND e.declined_at IS NULL AND a.status IN"
                " ('registered', 'accepted', 'returned', 'report_submitted')"
                " ORDER BY e.assignment_id",
                (head.department_id,),
            ) as cursor:
                items = [row[0] for row in await cursor.fetchall()]
            rng = random.Random(self.args.seed * 1_000 + index)
            chosen = rng.sample(items, min(self.args.cards, len(items)))
            self.tappers.append(Tapper(head, [(item, head.department_id) for item in chosen], rng))

    # one tap

    async def feed(self, tap: Tap) -> None:
        token = CURRENT_TAP.set(tap)
        tap.started = time.monotonic()
        try:
            await self.dp.feed_update(self.bot, tap.update)
        except Exception as error:  # counted and shown; the run goes on
            tap.error = f"{type(error).__name__}: {error}"
            log.error("tap %s by %s failed: %s", tap.kind, tap.tapper.person.code, tap.error)
        finally:
            tap.done = time.monotonic()
            CURRENT_TAP.reset(token)
        self.taps.append(tap)

    def button(self, tapper: Tapper, kind: str, data: str, message_id: int, **extra: Any) -> Tap:
        update = make_callback(
            data,
            user_id=tapper.chat,
            message_id=message_id,
            language_code=tapper.person.language.value,
            first_name=tapper.person.full_name,
        )
        assert update.callback_query is not None
        return Tap(tapper, kind, self.phase, update, callback_id=update.callback_query.id, **extra)

    def command(self, tapper: Tapper, kind: str, text: str) -> Tap:
        update = make_message(
            text,
            user_id=tapper.chat,
            language_code=tapper.person.language.value,
            first_name=tapper.person.full_name,
        )
        return Tap(tapper, kind, self.phase, update)

    def accept_data(self, tapper: Tapper, card: int) -> str:
        item, department = tapper.cards[card]
        return ItemCallback(action="accept", id=item, dep=department).pack()

    def forged(self, tapper: Tapper) -> Tap:
        """A button nobody was shown: Accept for another department, an item that does not
        exist, data that does not parse, the controllers' list. Each must be refused."""
        choice = tapper.rng.randrange(4)
        if choice == 0:
            other = tapper.rng.choice([t for t in self.tappers if t is not tapper])
            item, department = tapper.rng.choice(other.cards)
            data = ItemCallback(action="accept", id=item, dep=department).pack()
        elif choice == 1:
            data = ItemCallback(action="view", id=NO_SUCH_ITEM).pack()
        elif choice == 2:
            data = "a:accept:" + "x" * tapper.rng.randint(1, 20)
        else:
            data = ListCallback(scope="control").pack()
        return self.button(tapper, "forged", data, CARD_MESSAGE, expect_alert=True)

    async def tap_once(self, tapper: Tapper) -> int:
        """One action of this person; how many updates it fed."""
        names = [*ACTIONS, "forged"]
        kind = tapper.rng.choices(names, weights=[*ACTIONS.values(), FORGED])[0]
        if kind == "accept_again" and not tapper.accepted:
            kind = "accept"
        if kind == "accept" and tapper.next_card >= len(tapper.cards):
            kind = "view"
        if kind == "page" and tapper.list_message is None:
            kind = "my"
        if kind == "accept":
            card = tapper.next_card
            tapper.next_card += 1
            tapper.accepted.append(card)
            data = self.accept_data(tapper, card)
            if tapper.rng.random() < DOUBLE_TAP:
                pair = [
                    self.button(tapper, "double", data, CARD_MESSAGE + card, card=card)
                    for _ in range(2)
                ]
                await asyncio.gather(*(self.feed(tap) for tap in pair))
                return 2
            tap = self.button(
                tapper, "accept", data, CARD_MESSAGE + card, card=card, expect_alert=False
            )
        elif kind == "accept_again":
            card = tapper.rng.choice(tapper.accepted)
            tap = self.button(
                tapper,
                "accept_again",
                self.accept_data(tapper, card),
                CARD_MESSAGE + card,
                card=card,
                expect_alert=True,
            )
        elif kind == "view":
            card = tapper.rng.randrange(len(tapper.cards))
            data = ItemCallback(action="view", id=tapper.cards[card][0]).pack()
            tap = self.button(tapper, "view", data, CARD_MESSAGE + card, expect_alert=False)
        elif kind == "page":
            assert tapper.list_message is not None
            tapper.page = tapper.page + 1 if tapper.page < LAST_PAGE else 0
            data = ListCallback(scope="my", page=tapper.page).pack()
            tap = self.button(tapper, "page", data, tapper.list_message, expect_alert=False)
        elif kind == "forged":
            tap = self.forged(tapper)
        else:
            tap = self.command(tapper, kind, f"/{kind}")
        await self.feed(tap)
        return 1

    async def person(
        self, tapper: Tapper, keep_going: Callable[[], bool], cap: int | None
    ) -> None:
        ROLE.set("tap")
        fed = 0
        while keep_going() and (cap is None or fed < cap):
            fed += await self.tap_once(tapper)
            if self.args.think:
                await asyncio.sleep(tapper.rng.uniform(0, 2 * self.args.think / 1000))

    async def people(self, keep_going: Callable[[], bool], cap: int | None = None) -> None:
        await asyncio.gather(*(self.person(tapper, keep_going, cap) for tapper in self.tappers))

    # the phases

    async def baseline(self) -> float:
        """The taps alone, for `--baseline` seconds; the seconds it took."""
        self.phase = self.lock.phase = "baseline"
        started = time.monotonic()
        until = started + self.args.baseline
        await self.people(lambda: time.monotonic() < until)
        return time.monotonic() - started

    async def run_sweep(self, ctx: services.Context) -> None:
        ROLE.set("sweep")
        await asyncio.sleep(self.args.sweep_after)
        started = time.monotonic()
        self.background.sweep_stats = await sweep(ctx)
        self.background.sweep_seconds = time.monotonic() - started

    async def run_drain(self, deliverer: Deliverer, now: datetime) -> None:
        ROLE.set("drain")
        self.background.drain_started = time.monotonic()
        self.background.drain_stats = await deliverer.drain(now=now)
        self.background.drain_seconds = time.monotonic() - self.background.drain_started

    async def loaded(
        self,
        ctx: services.Context,
        deliverer: Deliverer,
        drain_at: datetime,
        api_cpu: Callable[[], float],
    ) -> tuple[float, float, float]:
        """The taps, the delivery and the sweep at once. The people tap while the sweep or the
        delivery runs, for at most `--seconds` (or `--taps` each); what is left of the
        delivery then finishes alone. (Seconds of tapping; CPU seconds of this process and of
        the fake API meanwhile.)"""
        self.phase = self.lock.phase = "load"
        started, cpu, api = time.monotonic(), time.process_time(), api_cpu()
        self.load_started = started
        until = started + self.args.seconds
        tapping = 0.0

        async def work() -> None:
            try:
                await asyncio.gather(self.run_drain(deliverer, drain_at), self.run_sweep(ctx))
            finally:
                self.background.done = True

        async def tap() -> None:
            nonlocal tapping, cpu, api
            await self.people(
                lambda: time.monotonic() < until and not self.background.done, self.args.taps
            )
            tapping, cpu = time.monotonic() - started, time.process_time() - cpu
            api = api_cpu() - api
            self.phase = self.lock.phase = "after"

        await asyncio.gather(work(), tap())
        return tapping, cpu, api


# --- the database ------------------------------------------------------------------------------


async def prepare(repos: Repos, messages: int, drain_at: datetime) -> tuple[dict[int, int], int]:
    """Everyone bound to a chat; the delivery's recipients and their messages. (Messages per
    chat, staff people.)"""
    stamp = datetime.now(UTC).isoformat()
    subject = await repos.staff.by_code("exec000")
    assert subject is not None
    async with repos.transaction() as conn:
        await conn.execute(
            "UPDATE people SET telegram_id = ? + id, bound_at = ?, language_chosen = 1",
            (STAFF_CHAT, stamp),
        )
        async with conn.execute("SELECT COUNT(*) FROM people") as cursor:
            row = await cursor.fetchone()
        staff = int(row[0]) if row else 0
        await conn.executemany(
            "INSERT INTO people (code, full_name, position, language, telegram_id, bound_at,"
            " language_chosen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            [
                (
                    f"rcpt{index:05d}",
                    f"Алушы {index:05d}",
                    "Маман",
                    "kk" if index % 2 else "ru",
                    RECIPIENT_CHAT + index,
                    stamp,
                    stamp,
                    stamp,
                )
                for index in range(messages)
            ],
        )
        async with conn.execute(
            "SELECT id, telegram_id FROM people WHERE code LIKE 'rcpt%' ORDER BY telegram_id"
        ) as cursor:
            recipients = [(row[0], row[1]) for row in await cursor.fetchall()]
        await repos.outbox.enqueue_many(
            [
                (f"bench:{index}", person_id, KIND, {"person_id": subject.id})
                for index, (person_id, _) in enumerate(recipients)
            ],
            not_before=drain_at,
        )
    return {chat: 1 for _, chat in recipients}, staff


@contextlib.asynccontextmanager
async def bench_database(args: argparse.Namespace) -> AsyncIterator[tuple[Path, dict[str, Any]]]:
    with tempfile.TemporaryDirectory(prefix="baqylau-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        yield path, build_in_child(args, path)


# --- the report --------------------------------------------------------------------------------


@dataclass(slots=True)
class Verdict:
    lines: list[str] = field(default_factory=list)

    def check(self, good: bool, what: str) -> bool:
        if not good:
            self.lines.append(what)
        return good


async def accepted_rows(repos: Repos, codes: list[str]) -> set[tuple[int, int]]:
    async with repos.conn.execute(
        "SELECT assignment_id, department_id FROM assignment_executors"
        " WHERE accepted_at IS NOT NULL AND accepted_by IN (SELECT value FROM json_each(?))",
        (json.dumps(codes),),
    ) as cursor:
        return {(row[0], row[1]) for row in await cursor.fetchall()}


async def scalar(repos: Repos, sql: str, *params: object) -> int:
    async with repos.conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


def phase_rows(taps: list[Tap], seconds: float, label: str) -> list[tuple[str, str]]:
    answered = [t.answer_seconds for t in taps if t.answer_seconds is not None]
    handled = [t.done - t.started for t in taps]
    return [
        (
            f"{label}: taps answered / s",
            f"{len(answered) / seconds:.1f} ({len(answered):,} in {seconds:.1f} s)"
            if seconds
            else "-",
        ),
        ("  time to answer", spread(answered)),
        ("  time to handle (feed_update done)", spread(handled)),
    ]


def kind_rows(taps: list[Tap]) -> list[tuple[str, str]]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for tap in taps:
        if tap.answer_seconds is not None:
            by_kind[tap.kind].append(tap.answer_seconds)
    order = ["accept", "double", "accept_again", "view", "page", "my", "help", "forged"]
    return [
        (f"    {kind}", f"{len(by_kind[kind]):>5,} taps, {spread(by_kind[kind])}")
        for kind in order
        if by_kind.get(kind)
    ]


def lock_rows(lock: TimedLock, phase: str) -> list[tuple[str, str]]:
    rows = []
    for role in ("tap", "sweep", "drain"):
        waits = lock.waits.get((phase, role), [])
        holds = lock.holds.get((phase, role), [])
        if waits:
            rows.append(
                (
                    f"    {role}: {len(waits):,} units",
                    f"waited {spread(waits)}; held {sum(holds):.2f} s in all,"
                    f" max {ms(max(holds, default=0))}",
                )
            )
    return rows


async def run(args: argparse.Namespace) -> bool:
    sweep_at = local_moment(args.at).astimezone(UTC)
    # The delivery runs at a moment before the sweep's, so the sweep's notices (and the
    # acceptances' notices, queued later) are not due for it: it sends exactly its messages.
    drain_at = min(datetime.now(UTC), sweep_at - timedelta(minutes=1))
    records = LogRecords()
    logging.getLogger().addHandler(records)
    verdict = Verdict()
    async with bench_database(args) as (path, built), ApiProcess() as api:
        settings = fake_api_settings(path, api.base_url)
        db = await open_database(path)
        lock = TimedLock()
        db._write = lock  # the bench times the writer's lock
        repos = Repos(db)
        expected_messages, staff = await prepare(repos, args.messages, drain_at)
        profile = load_profile(DEFAULT_PROFILE)
        i18n = make_i18n(Language.KK)
        bot = create_bot(settings)
        bot.session.middleware(AnswerWatch())
        # Handlers kick this one after a change: it sends nothing (background=False), so the
        # acceptances' notices to the two controllers stay queued instead of trickling out at
        # 1 message/s per chat after the run.
        handlers_deliverer = create_deliverer(
            bot, repos, i18n, settings, profile, background=False
        )
        dp = create_dispatcher(
            settings, repos, i18n, profile=profile, deliverer=handlers_deliverer
        )
        deliverer = create_deliverer(
            bot, repos, i18n, settings, profile, RateLimiter(args.send_rate)
        )
        bench = Bench(args, repos, dp, bot, lock)
        await bench.make_tappers()
        ctx = await services.make_context(repos, profile, settings, now=sweep_at)

        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        baseline_seconds = await bench.baseline() if args.baseline else 0.0
        with LoopLag() as lag:
            load_seconds, cpu_load, api_cpu_load = await bench.loaded(
                ctx, deliverer, drain_at, api.cpu_seconds
            )
        if profiler is not None:
            profiler.disable()
        await bot.session.close()

        codes = [tapper.person.code for tapper in bench.tappers]
        saved = await accepted_rows(repos, codes)
        accepted_notices = await scalar(
            repos, "SELECT COUNT(*) FROM outbox WHERE kind = 'accepted'"
        )
        controllers = len(await repos.staff.with_role(Role.CONTROLLER))
        async with repos.conn.execute(
            "SELECT key FROM outbox WHERE key LIKE 'notice:%'"
        ) as cursor:
            notice_keys = [row[0] for row in await cursor.fetchall()]
        async with repos.conn.execute(
            "SELECT chat_id, telegram_message_id FROM outbox"
            " WHERE status = 'sent' AND key LIKE 'bench:%'"
        ) as cursor:
            sent_rows = [(row[0], row[1]) for row in await cursor.fetchall()]
        still = await scalar(
            repos, "SELECT COUNT(*) FROM outbox WHERE key LIKE 'bench:%' AND status != 'sent'"
        )
        await db.close()
        calls = await api.calls()
    logging.getLogger().removeHandler(records)

    # What the API saw: answers to the taps, and the delivery's messages.
    answered_ids = {
        str(call.params.get("callback_query_id"))
        for call in calls
        if call.ok and call.method.lower() == "answercallbackquery"
    }
    sends_per_chat = Counter(
        int(call.params["chat_id"])
        for call in calls
        if call.ok and call.method.lower() == "sendmessage"
    )
    taps = bench.taps
    base = [t for t in taps if t.phase == "baseline"]
    load = [t for t in taps if t.phase == "load"]
    unanswered = [t for t in taps if t.answered is None]
    unconfirmed = [
        t for t in taps if t.callback_id is not None and t.callback_id not in answered_ids
    ]
    expected_sends = Counter(
        t.tapper.chat for t in taps for method in t.methods if method == "sendMessage"
    )
    chats = {t.chat for t in bench.tappers}
    missing_sends = sum(
        max(0, n - sends_per_chat.get(chat, 0)) for chat, n in expected_sends.items()
    )
    wrong = [
        t
        for t in taps
        if t.expect_alert is not None and t.alert is not None and t.alert != t.expect_alert
    ]
    errors = [t for t in taps if t.error is not None]
    # Acceptance: every card tapped Accept (once, or twice at once) must be saved, exactly.
    meant = {
        t.tapper.cards[t.card]
        for t in taps
        if t.kind in {"accept", "double"}
        if t.card is not None
    }
    pairs: dict[tuple[str, int], list[Tap]] = defaultdict(list)
    for t in taps:
        if t.kind == "double" and t.card is not None:
            pairs[(t.tapper.person.code, t.card)].append(t)
    bad_pairs = sum(
        1 for pair in pairs.values() if sorted(bool(t.alert) for t in pair) != [False, True]
    )
    lost_accepts = meant - saved
    extra_accepts = saved - meant
    # The sweep and the delivery.
    bg = bench.background
    swept = bg.sweep_stats
    same_keys = digest(notice_keys) == built["expected_digest"]
    recipient_calls = [
        c
        for c in calls
        if c.params.get("chat_id") is not None and int(c.params["chat_id"]) in expected_messages
    ]
    delivered = analyse(recipient_calls, expected_messages, sent_rows)
    tapped_until = bench.load_started + load_seconds
    during = sum(
        1
        for c in recipient_calls
        if c.ok and c.method.lower() == "sendmessage" and c.time <= tapped_until
    )
    stray = sum(
        n
        for chat, n in sends_per_chat.items()
        if chat not in chats and chat not in expected_messages
    )
    warnings = list(records.records)

    out()
    out(
        f"Concurrency benchmark: {args.people} people tapping while a sweep over"
        f" {args.items:,} items ({args.due:,} due) and a delivery of {args.messages:,} messages"
        " run"
    )
    out(
        f"  taps through the real Dispatcher (dp.feed_update) and Bot; fake Bot API in a child"
        f" process; SEND_RATE raised to {args.send_rate:g}/s (production: ≤ 29/s)"
        f"; think time {args.think:g} ms"
    )
    out()
    rows: list[tuple[str, str]] = [
        (
            "setup (not measured)",
            f"{built['build_seconds']:.1f} s: {staff} staff + {args.messages:,} recipients,"
            f" {len(bench.tappers)} tappers with {args.cards} cards each,"
            f" file {mib(built['db_bytes'])}",
        ),
    ]
    if base:
        rows += phase_rows(base, baseline_seconds, "baseline (taps alone)")
        rows += kind_rows(base)
    rows += phase_rows(load, load_seconds, "under load")
    rows += kind_rows(load)
    rows += [
        ("taps sent / answered", f"{len(taps):,} / {len(taps) - len(unanswered):,}"),
        ("  lost (no answer)", f"{len(unanswered):,}"),
        ("  answers the API has no record of", f"{len(unconfirmed) + missing_sends:,}"),
        ("  wrong answers (alert vs none)", f"{len(wrong):,}"),
        ("  taps that raised", f"{len(errors):,}"),
        (
            "acceptances expected / saved",
            f"{len(meant):,} / {len(saved):,}: lost {len(lost_accepts):,},"
            f" not meant {len(extra_accepts):,}",
        ),
        (
            "  double taps (one saved, one refused)",
            f"{len(pairs) - bad_pairs:,} of {len(pairs):,} pairs",
        ),
        (
            "  'accepted' notices queued",
            f"{accepted_notices:,} (expected {len(saved) * controllers:,}: {controllers}"
            " controllers each)",
        ),
        (
            f"sweep ({args.sweep_after:g} s into the load)",
            f"{bg.sweep_seconds * 1000:.0f} ms; queued {swept.queued if swept else 0:,}"
            f" = {(swept.queued - swept.weekly_lists) if swept else 0:,} notices"
            f" (expected {built['expected_queue']:,}, same keys: {'yes' if same_keys else 'NO'})"
            f" + {swept.weekly_lists if swept else 0} weekly lists",
        ),
        (
            "delivery",
            f"{bg.drain_seconds:.1f} s; sent {bg.drain_stats.sent if bg.drain_stats else 0:,}"
            f" of {args.messages:,}"
            f" ({(bg.drain_stats.sent if bg.drain_stats else 0) / bg.drain_seconds:.0f}/s,"
            f" busiest second {busiest_second(delivered.times)})"
            if bg.drain_seconds
            else "-",
        ),
        (
            "  while the people tapped",
            f"{during:,} sent in {load_seconds:.1f} s ({during / load_seconds:.1f}/s)"
            if load_seconds
            else "-",
        ),
        (
            "  lost / duplicated / not sent",
            f"{delivered.missing + delivered.unconfirmed:,} / {delivered.duplicated:,}"
            f" / {still:,}",
        ),
        ("writer lock under load (wait, hold)", ""),
        *lock_rows(lock, "load"),
    ]
    if any(phase == "after" for phase, _ in lock.waits):
        rows += [("  after the taps stopped", ""), *lock_rows(lock, "after")]
    if base:
        rows += [("writer lock in the baseline", ""), *lock_rows(lock, "baseline")]
    rows += [
        ("event loop blocked at most (load)", ms(lag.worst)),
        (
            "CPU under load",
            f"bot process {cpu_load:.1f} s ({cpu_load / load_seconds:.0%} of a core),"
            f" fake API {api_cpu_load:.1f} s",
        ),
        ("messages to nobody's chat", f"{stray:,}"),
        ("log records at WARNING or above", f"{len(warnings):,}"),
    ]
    table(rows)
    for record in warnings[:10]:
        out(f"    {record.levelname} {record.name}: {record.getMessage()[:300]}")
    for tap in (wrong + errors)[:10]:
        out(
            f"    {tap.kind} by {tap.tapper.person.code}: alert={tap.alert}"
            f" {tap.answer_text[:120]!r} {tap.error or ''}"
        )

    if profiler is not None:
        for order in ("tottime", "cumulative"):
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).sort_stats(order).print_stats(args.top)
            out()
            out(f"cProfile of the baseline and the load (main thread), top {args.top} by {order}:")
            out(buffer.getvalue().split("\n\n", 1)[-1].rstrip())

    answer_times = [t.answer_seconds for t in load if t.answer_seconds is not None]
    out()
    out(
        f"  in short: {args.people} people,"
        f" {len(answer_times) / load_seconds:.1f} taps answered/s,"
        f" p50 {ms(percentile(answer_times, 0.5))}, p99 {ms(percentile(answer_times, 0.99))};"
        f" lost {len(unanswered)} taps, {len(lost_accepts)} acceptances;"
        f" sweep {bg.sweep_seconds:.1f} s, delivery {bg.drain_seconds:.1f} s"
        if load_seconds
        else "  in short: no taps under load"
    )
    verdict.check(not unanswered, f"{len(unanswered)} taps got no answer")
    verdict.check(not unconfirmed and not missing_sends, "answers missing at the API")
    verdict.check(not wrong, f"{len(wrong)} wrong answers")
    verdict.check(not errors, f"{len(errors)} taps raised")
    verdict.check(not lost_accepts, f"{len(lost_accepts)} acceptances lost")
    verdict.check(not extra_accepts, f"{len(extra_accepts)} acceptances nobody meant")
    verdict.check(not bad_pairs, f"{bad_pairs} double taps not saved exactly once")
    verdict.check(accepted_notices == len(saved) * controllers, "'accepted' notices do not match")
    verdict.check(
        swept is not None
        and same_keys
        and swept.queued - swept.weekly_lists == built["expected_queue"],
        "the sweep did not queue exactly the expected notices",
    )
    verdict.check(
        bg.drain_stats is not None
        and bg.drain_stats.sent == args.messages
        and still == 0
        and delivered.missing == 0
        and delivered.unconfirmed == 0
        and delivered.duplicated == 0,
        "the delivery lost or duplicated messages",
    )
    verdict.check(not stray, "messages went to chats nobody expected")
    verdict.check(not warnings, f"{len(warnings)} log records at WARNING or above")
    out()
    out(
        "  check: "
        + (
            "nothing lost: every tap answered, every acceptance saved once, the sweep and the"
            " delivery complete"
            if not verdict.lines
            else "FAILED: " + "; ".join(verdict.lines)
        )
    )
    return not verdict.lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.concurrency_bench",
        description="People tapping while a sweep and a delivery run: answers per second, "
        "time to answer, nothing lost.",
    )
    parser.add_argument("--people", type=int, default=50, help="simulated people tapping")
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="tap for at most this long under load (less if the sweep and delivery end first)",
    )
    parser.add_argument("--taps", type=int, default=None, help="at most this many taps each")
    parser.add_argument(
        "--baseline", type=float, default=5.0, help="seconds of taps alone first (0: none)"
    )
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause between a person's taps, ms"
    )
    parser.add_argument("--items", type=int, default=100_000, help="open assignments")
    parser.add_argument("--due", type=int, default=2_000, help="of which owe a notice")
    parser.add_argument("--messages", type=int, default=2_000, help="messages to deliver")
    parser.add_argument(
        "--send-rate",
        type=float,
        default=1_000.0,
        help="the sender's global rate, messages/s (production SEND_RATE: 28)",
    )
    parser.add_argument("--cards", type=int, default=200, help="cards per person")
    parser.add_argument(
        "--sweep-after", type=float, default=1.0, help="seconds into the load the sweep starts"
    )
    parser.add_argument("--departments", type=int, default=None, help="default: max(40, people)")
    parser.add_argument("--at", default=DEFAULT_AT, help="the sweep's local moment")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the taps' phases")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile to print")
    args = parser.parse_args(argv)
    args.departments = args.departments or max(40, args.people)
    args.spread = SPREAD_DAYS
    if not 2 <= args.people <= args.departments:
        parser.error("need 2 <= --people <= --departments")
    if not 0 <= args.due <= args.items or args.messages < 1 or args.cards < 1:
        parser.error("need 0 <= --due <= --items, --messages >= 1 and --cards >= 1")
    run_bench(run, args)


if __name__ == "__main__":
    main()

"""The concurrency benchmark's parts: the fake Bot API in a child process, the instruments
(the timed writer lock, the taps and the answer watch, the log), the database it runs on,
and the figures of the report. See `bench.concurrency_bench`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import aiohttp
from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import AnswerCallbackQuery, Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Update

from bench.common import add_chat_people
from bench.delivery_bench import KIND
from bench.sweep_bench import build_in_child
from storage.models import Person
from storage.repo import Repos
from tests.fake_api import DEFAULT_TOKEN, ApiCall

STAFF_CHAT = 900_000_000  # a staff member's chat: this + their id
RECIPIENT_CHAT = 910_000_000  # the delivery's recipients: this + their index
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
        recipients = await add_chat_people(conn, messages, "rcpt", RECIPIENT_CHAT, stamp)
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

"""Deliver what a sweep queued: grouped notices and weekly lists through the fake Bot API.

    python -m bench.notice_delivery_bench [--items 20000 --due 400 --limit 30 --weekly-aside]

The database of `bench.sweep_bench` (built the same way, in a child process), everyone bound
to a chat of their own, one sweep at the same moment, then `Deliverer.drain()` at that moment
through `tests.fake_api.FakeBotAPI` with its flood limit. All notices for one person go as one
message, split at 4,096 characters, so a controller (who gets every deadline notice) receives
many pieces in one chat, where the 1 message/s per-chat limit applies.

The default sweep day falls in a week whose weekly control lists are due (its first working
day, Tuesday, was the day before), so the sweep also queues them: one each for the akim, the
head of apparatus and the deputies. Each is a short summary and
an XLSX file of every open item the reader sees; they are delivered with the notices unless
`--weekly-aside` cancels them first. The akim's list is also rendered once on its own to time
it and size the file.

Printed: outbox items, messages and files, the longest chat, elapsed time and rate, 429
answers, how long the event loop was blocked at worst (rendering runs on the loop), and what
was lost or duplicated: every outbox row sent, every notice line arriving exactly once in its
recipient's chat, every weekly reader getting exactly one file.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    add_rate_arguments,
    fake_api_settings,
    mib,
    out,
    report_check,
    run_bench,
    table,
)
from bench.sweep_bench import DEFAULT_AT, build_in_child, local_moment
from bot import services
from bot.delivery import Deliverer, Rendered, Renderer, Renderers, split_text
from bot.factory import create_bot
from bot.i18n import make_i18n
from bot.profiles import DEFAULT_PROFILE, load_profile
from bot.sweep import sweep
from handlers.assignments.outbox import render_weekly
from handlers.outbox import RENDERERS
from storage.db import open_database
from storage.domain.enums import Language
from storage.models import Person
from storage.outbox import OutboxItem
from storage.repo import Repos
from tests.fake_api import ApiCall, FakeBotAPI, UploadedFile

FIRST_CHAT = 800_000_000
# A notice line: "• № B-000123: …" (the bullet, then the item's number on the same line).
NOTICE_LINE = re.compile(r"^• [^\n]*?(B-\d{6})", re.MULTILINE)


async def weekly_list(
    deliverer: Deliverer, person: Person, at: datetime
) -> tuple[float, Rendered, list[bytes]]:
    """(seconds, rendered, its files) of the weekly control list as the sender renders it for
    `person` and builds its workbook (what the first reader of a scope costs; the others get
    the file by its file_id)."""
    local = at.astimezone(deliverer.settings.zone).date()
    item = OutboxItem(
        id=0,
        key="weekly:bench",
        person_id=person.id,
        kind="weekly",
        payload={"week_start": (local - timedelta(days=local.weekday())).isoformat()},
        not_before=at,
        status="sending",
        attempts=1,
    )
    deliverer.now = at
    started = time.perf_counter()
    with deliverer.i18n.context(), deliverer.i18n.use_locale(person.language.value):
        rendered = await render_weekly(deliverer, item, person)
        assert rendered is not None
        files = [(await shared.build()).data for shared in rendered.shared]
    return time.perf_counter() - started, rendered, files


class LoopLag:
    """The longest the event loop was kept from running a 10 ms timer (blocking work on it)."""

    def __init__(self, tick: float = 0.01) -> None:
        self.tick = tick
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(self.tick)
            self.worst = max(self.worst, time.monotonic() - started - self.tick)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


class RenderTimer:
    """Time spent in one outbox kind's renderer while the sender runs (the sender is given a
    registry with that renderer timed)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.seconds = 0.0
        self.calls = 0
        self._original: Renderer = RENDERERS.single[kind]

    async def _timed(self, deliverer: Deliverer, item: OutboxItem, person: Person) -> Any:
        started = time.perf_counter()
        try:
            return await self._original(deliverer, item, person)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1

    @property
    def renderers(self) -> Renderers:
        return Renderers({**RENDERERS.single, self.kind: self._timed}, RENDERERS.grouped)


@dataclass(slots=True)
class Expected:
    """What the outbox says each chat should receive."""

    notices: Counter[tuple[int, str]]  # (chat, item number) -> notice lines
    weekly: Counter[int]  # chat -> weekly lists


async def expected_from_outbox(repos: Repos) -> Expected:
    notices: Counter[tuple[int, str]] = Counter()
    weekly: Counter[int] = Counter()
    async with repos.conn.execute(
        "SELECT o.key, o.kind, p.telegram_id FROM outbox o JOIN people p ON p.id = o.person_id"
        " WHERE o.status = 'pending'"
    ) as cursor:
        for row in await cursor.fetchall():
            if row["kind"] == "notice":
                item_id = int(row["key"].split(":")[1])
                notices[(row["telegram_id"], f"B-{item_id:06d}")] += 1
            elif row["kind"] == "weekly":
                weekly[row["telegram_id"]] += 1
    return Expected(notices, weekly)


@dataclass(slots=True)
class Received:
    texts: list[ApiCall]  # sendMessage answered ok
    files: list[ApiCall]  # sendDocument answered ok
    too_many: int
    notices: Counter[tuple[int, str]]  # (chat, item number) -> notice lines received
    weekly: Counter[int]  # chat -> files received


def received(calls: list[ApiCall]) -> Received:
    sends = [c for c in calls if c.method.lower() in {"sendmessage", "senddocument"}]
    texts = [c for c in sends if c.ok and c.method.lower() == "sendmessage"]
    files = [c for c in sends if c.ok and c.method.lower() == "senddocument"]
    notices: Counter[tuple[int, str]] = Counter()
    for call in texts:
        chat = int(call.params["chat_id"])
        for number in NOTICE_LINE.findall(str(call.params.get("text", ""))):
            notices[(chat, number)] += 1
    return Received(
        texts=texts,
        files=files,
        too_many=sum(c.status == 429 for c in sends),
        notices=notices,
        weekly=Counter(int(c.params["chat_id"]) for c in files),
    )


def surplus(got: Counter[Any], meant: Counter[Any]) -> int:
    return sum(max(0, n - meant.get(key, 0)) for key, n in got.items())


def file_size(call: ApiCall) -> int:
    document = call.params.get("document")
    return len(document.content) if isinstance(document, UploadedFile) else 0


async def run(args: argparse.Namespace) -> bool:
    at = local_moment(args.at).astimezone(UTC)
    with tempfile.TemporaryDirectory(prefix="baqylau-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        build_in_child(args, path)
        async with FakeBotAPI() as api:
            settings = fake_api_settings(path, api.base_url, args.send_rate)
            db = await open_database(path)
            repos = Repos(db)
            async with repos.transaction() as conn:
                await conn.execute(
                    "UPDATE people SET telegram_id = ? + id, bound_at = ?",
                    (FIRST_CHAT, datetime.now(UTC).isoformat()),
                )
            profile = load_profile(DEFAULT_PROFILE)
            swept = await sweep(await services.make_context(repos, profile, settings, now=at))
            aside = await repos.outbox.cancel("weekly:") if args.weekly_aside else 0
            expected = await expected_from_outbox(repos)
            bot = create_bot(settings)
            weekly_render = RenderTimer("weekly")
            deliverer = Deliverer(
                bot,
                repos,
                make_i18n(Language.KK),
                settings,
                profile,
                renderers=weekly_render.renderers,
            )
            akim = await repos.staff.by_code("akim")
            assert akim is not None
            list_seconds, akim_list, akim_files = await weekly_list(deliverer, akim, at)
            api.rate_limit = args.limit
            with LoopLag() as lag:
                started = time.monotonic()
                stats = await deliverer.drain(now=at)
                elapsed = time.monotonic() - started
            await bot.session.close()
            counts = await repos.outbox.counts()
            await db.close()
    got = received(api.requests)
    per_chat = Counter(int(call.params["chat_id"]) for call in got.texts + got.files)
    chat, longest = per_chat.most_common(1)[0] if per_chat else (0, 0)
    # The last piece of a notice message carries the buttons: count messages, not pieces.
    messages = Counter(
        int(call.params["chat_id"]) for call in got.texts if call.params.get("reply_markup")
    )
    split = sorted(messages.values())
    sent = len(got.texts) + len(got.files)
    rate = sent / elapsed if elapsed else 0.0
    lost_rows = swept.queued - aside - counts["sent"]
    lost_lines = surplus(expected.notices, got.notices)
    duplicated_lines = surplus(got.notices, expected.notices)
    lost_files = surplus(expected.weekly, got.weekly)
    duplicated_files = surplus(got.weekly, expected.weekly)
    attachment = akim_files[0] if akim_files else b""
    pieces = len(split_text(akim_list.text))
    out()
    out(
        f"Notice delivery after a sweep: {args.items:,} open assignments, {args.due:,} due;"
        f" fake Bot API limit {args.limit:g}/s, SEND_RATE {settings.send_rate:g}/s"
    )
    out()
    weekly_note = f"{aside} set aside" if args.weekly_aside else "delivered too"
    table(
        [
            (
                "outbox items queued by the sweep",
                f"{swept.queued - swept.weekly_lists:,} notices"
                f" + {swept.weekly_lists} weekly lists ({weekly_note})",
            ),
            ("recipients (chats)", f"{len(per_chat):,}"),
            (
                "sent ok",
                f"{len(got.texts):,} text pieces"
                f" ({sum(len(str(c.params.get('text', ''))) for c in got.texts):,} characters)"
                f" + {len(got.files)} files ({mib(sum(file_size(c) for c in got.files))})",
            ),
            ("  longest chat", f"{longest} sends (chat {chat})"),
            (
                "notice messages per chat (one meant)",
                f"median {statistics.median(split or [0]):g}, max {max(split, default=0)};"
                f" {sum(n > 1 for n in split)} of {len(split)} chats got more than one",
            ),
            ("  answered 429", f"{got.too_many:,}"),
            ("elapsed (drain)", f"{elapsed:.1f} s"),
            ("achieved rate", f"{rate:.2f} sends/s = {rate / args.limit:.1%} of the limit"),
            (
                "  rendering weekly lists",
                f"{weekly_render.seconds:.1f} s for {weekly_render.calls} lists"
                f" (on the event loop)",
            ),
            ("event loop blocked at most", f"{lag.worst * 1000:.0f} ms"),
            ("outbox statuses", ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)),
            (
                "deliverer stats",
                f"sent {stats.sent:,}, retried {stats.retried:,}, failed {stats.failed:,},"
                f" cancelled {stats.cancelled:,}, deferred {stats.deferred:,}",
            ),
            ("lost: outbox items not sent", f"{lost_rows:,}"),
            (
                "  notice lines lost / duplicated",
                f"{lost_lines:,} / {duplicated_lines:,} (of {expected.notices.total():,})",
            ),
            (
                "  weekly files lost / duplicated",
                f"{lost_files:,} / {duplicated_files:,} (of {expected.weekly.total():,})",
            ),
            (
                "weekly list for the akim, alone",
                f"rendered in {list_seconds:.1f} s: {len(akim_list.text):,} characters"
                f" ({pieces} piece{'s' if pieces > 1 else ''})"
                f" + {len(akim_files)} XLSX file of {mib(len(attachment))}",
            ),
        ]
    )
    good = not (lost_rows or lost_lines or duplicated_lines or lost_files or duplicated_files)
    return report_check(good)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.notice_delivery_bench",
        description="Sweep, then deliver its notices and weekly lists through a rate-limited "
        "fake API.",
    )
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--due", type=int, default=400)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--at", default=DEFAULT_AT, help="local moment (Asia/Almaty)")
    parser.add_argument("--seed", type=int, default=1)
    add_rate_arguments(parser)
    parser.add_argument(
        "--weekly-aside", action="store_true", help="cancel the weekly lists before the drain"
    )
    args = parser.parse_args(argv)
    if not 0 <= args.due <= args.items or args.departments < 2:
        parser.error("need 0 <= --due <= --items and --departments >= 2")
    run_bench(run, args)


if __name__ == "__main__":
    main()

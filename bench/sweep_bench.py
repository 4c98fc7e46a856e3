"""Sweep benchmark: select and enqueue the due notices among many open assignments.

    python -m bench.sweep_bench [--items 100000 --due 2000 --departments 40 --profile]

A fresh SQLite file is built in a temporary folder through the real migrations, in a child
process (so that building 100,000 rows does not inflate this process's peak memory): a
generated staff directory imported through the staff CSV path, then N open assignments with
executors bulk-inserted with `executemany`. Their deadlines are spread over two years centred
on the sweep day (`--spread` days either side) on days that owe no notice that day, except
for D of them whose deadline is exactly 3 working days after the sweep day: each of those
owes the deadline notice (to the heads of its executor departments, or their substitutes,
and to the controllers). Then `bot.sweep.sweep` runs at that moment; its wall time, what it
queued, where the time goes and its memory are printed, and the outbox is checked: exactly
the expected rows, and nothing from a second sweep at the same moment. The setup is not
measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import hashlib
import inspect
import io
import json
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import bot.assignments.sweep as assignment_sweep
import bot.sweep as sweep_module
from bench.common import (
    PROFILE_NOTE,
    make_settings,
    mib,
    out,
    rss_now_mib,
    rss_peak_mib,
    staff_csv,
    table,
)
from bot import services
from bot.assignments.notices import CATCH_UP_DAYS, NoticeKind, horizon, owing_deadlines, planned
from bot.assignments.sweep import SWEEP_PAGE, open_items
from bot.calendar import WorkCalendar
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from bot.staff.csv_import import parse_staff_csv
from bot.sweep import SweepStats, sweep
from storage.db import Database, open_database
from storage.domain.enums import Language, Role
from storage.repo import Repos

ZONE = ZoneInfo("Asia/Almaty")
SPREAD_DAYS = 365  # two years of deadlines, centred on the sweep day
DEFAULT_AT = "2027-05-05T09:00"  # a Wednesday, 09:00 in Almaty: within working hours
OPEN = ("registered", "accepted", "returned")
SUMMARY = "Әкімдіктің қаулысын орындау туралы ақпарат беру; есепті бақылау бөліміне жолдау. "


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def digest(keys: list[str]) -> str:
    """A fingerprint of a set of outbox keys, to compare without shipping them all."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


def local_moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def owes_today(profile: Profile, cal: WorkCalendar, deadline: date, today: date) -> list[str]:
    """Kinds of notice an open item with this deadline owes on `today` (as `notices.due`)."""
    return [
        notice.kind.value
        for notice in planned(profile, cal, deadline)
        if notice.due <= today <= notice.until and notice.due >= today - timedelta(CATCH_UP_DAYS)
    ]


# --- building the database (in a child process) ------------------------------------------------


async def build(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """The benchmark's database at `path`, and what the sweep is expected to queue. The
    database is closed however the build ends: an open connection's thread would keep the
    child process (and the parent waiting for it) alive after a failure."""
    started = time.perf_counter()
    db = await open_database(path)
    try:
        built = await fill(args, db)
    finally:
        await db.close()
    built["build_seconds"] = time.perf_counter() - started
    built["db_bytes"] = path.stat().st_size  # noqa: ASYNC240 - setup, once
    return built


async def fill(args: argparse.Namespace, db: Database) -> dict[str, Any]:
    rng = random.Random(args.seed)
    profile = load_profile(DEFAULT_PROFILE)
    cal = WorkCalendar()
    today = local_moment(args.at).date()
    conn = db.writer
    repos = Repos(db)
    rows = parse_staff_csv(staff_csv(args.departments), Language.KK)
    await repos.staff.import_staff(rows, actor="bench")
    staff = {person.code: person for person in await repos.staff.all_people()}
    departments = [staff[f"head{d:03d}"].department_id or 0 for d in range(args.departments)]
    # Whoever receives a department's notices today; two heads are away, their executor acts.
    acting = {d: staff[f"head{i:03d}"].id for i, d in enumerate(departments)}
    stamp = datetime.now(UTC).isoformat()
    # bulk setup straight on the writer, outside units of work
    for index in (0, 1):
        absent, substitute = staff[f"head{index:03d}"], staff[f"exec{index:03d}"]
        await conn.execute(
            "INSERT INTO substitutions (absent_id, substitute_id, starts_on, ends_on, created_by,"
            " created_at) VALUES (?, ?, ?, ?, 'bench', ?)",
            (
                absent.id,
                substitute.id,
                (today - timedelta(days=3)).isoformat(),
                (today + timedelta(days=10)).isoformat(),
                stamp,
            ),
        )
        acting[departments[index]] = substitute.id
    controllers = {p.id for p in staff.values() if Role.CONTROLLER in p.roles}

    due_deadline = cal.add_working_days(today, 3)
    if owes_today(profile, cal, due_deadline, today) != [NoticeKind.DEADLINE.value]:
        raise SystemExit(f"a deadline on {due_deadline} does not owe just the deadline notice")
    notice_due = next(
        n.due for n in planned(profile, cal, due_deadline) if n.kind is NoticeKind.DEADLINE
    )
    quiet_days = [
        day
        for offset in range(-args.spread, args.spread + 1)
        if not owes_today(profile, cal, day := today + timedelta(days=offset), today)
    ]
    due_rows = set(rng.sample(range(1, args.items + 1), args.due))
    low, high = horizon(today)
    owing = owing_deadlines(profile, cal, today)
    assignments: list[tuple[object, ...]] = []
    executors: list[tuple[int, int, int, int]] = []
    expected_keys: list[str] = []
    in_horizon = in_owing = 0
    for number in range(1, args.items + 1):
        is_due = number in due_rows
        deadline = due_deadline if is_due else rng.choice(quiet_days)
        in_horizon += low <= deadline <= high
        in_owing += any(first <= deadline <= last for first, last in owing)
        received = deadline - timedelta(days=rng.randint(10, 60))
        status = rng.choice(OPEN if is_due else (*OPEN, "report_submitted"))
        assignments.append(
            (
                number,
                f"B-{number:06d}",
                received.isoformat(),
                received.isoformat(),
                "akim",
                f"{SUMMARY}№ {number}",
                deadline.isoformat(),
                deadline.isoformat(),
                "",
                "medium",
                int(rng.random() < 0.05),
                status,
                "bench",
                stamp,
                stamp,
            )
        )
        chosen = rng.sample(departments, 1 + rng.choices((0, 1, 2), weights=(6, 3, 1))[0])
        executors.extend(
            (number, department, int(position == 0), position)
            for position, department in enumerate(chosen)
        )
        if is_due:
            expected_keys.extend(
                f"notice:{number}:{NoticeKind.DEADLINE.value}:{notice_due}:{person}"
                for person in {acting[d] for d in chosen} | controllers
            )
    await conn.execute("BEGIN")
    await conn.executemany(
        "INSERT INTO assignments (id, reg_number, received, registered_on, source, summary,"
        " deadline, original_deadline, mark, control_type, restricted, status, created_by,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        assignments,
    )
    await conn.executemany(
        "INSERT INTO assignment_executors (assignment_id, department_id, is_main, position)"
        " VALUES (?, ?, ?, ?)",
        executors,
    )
    await conn.commit()
    await conn.execute("ANALYZE")
    await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "expected_queue": len(expected_keys),
        "expected_digest": digest(expected_keys),
        "executor_rows": len(executors),
        "in_horizon": in_horizon,
        "in_owing": in_owing,
        "due_deadline": due_deadline.isoformat(),
        "people": len(staff),
    }


def build_in_child(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.sweep_bench", "--build-only", str(path)]
    command += ["--items", str(args.items), "--due", str(args.due), "--at", args.at]
    command += ["--departments", str(args.departments), "--seed", str(args.seed)]
    command += ["--spread", str(getattr(args, "spread", SPREAD_DAYS))]
    child = subprocess.run(command, check=False, capture_output=True, text=True)
    if child.returncode != 0:  # the child's own traceback or message, then stop
        sys.stderr.write(child.stderr)
        raise SystemExit(f"sweep_bench: building the database failed (exit {child.returncode})")
    built: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return built


# --- measuring ----------------------------------------------------------------------------------


class Timer:
    """Accumulated wall time and number of the calls to one function (awaited or not)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(function):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - started
                    self.calls += 1

            return timed_async

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        return timed


@contextlib.contextmanager
def timing(targets: list[tuple[object, str, Timer]]) -> Iterator[None]:
    """Wrap each `getattr(owner, name)` in its timer; undo every wrapper on the way out.

    An owner is a module (its globals, which `sweep` looks names up in), a class (a method for
    all instances) or an instance (an attribute that shadows its class's method). A dict owner
    (the sweep's DUTIES) has its entry wrapped."""
    saved = [
        (owner, name, owner.get(name) if isinstance(owner, dict) else vars(owner).get(name))
        for owner, name, _ in targets
    ]
    try:
        for owner, name, timer in targets:
            if isinstance(owner, dict):
                owner[name] = timer.wrap(owner[name])
            else:
                setattr(owner, name, timer.wrap(getattr(owner, name)))
        yield
    finally:
        for owner, name, original in saved:
            if isinstance(owner, dict):
                owner[name] = original
            elif original is None:
                with contextlib.suppress(AttributeError):
                    delattr(owner, name)
            else:
                setattr(owner, name, original)


class Bench:
    def __init__(self, repos: Repos, profile: Profile, path: Path, at: datetime) -> None:
        self.repos = repos
        self.profile = profile
        self.settings = make_settings(path)
        self.at = at.astimezone(UTC)

    async def context(self) -> services.Context:
        return await services.make_context(self.repos, self.profile, self.settings, now=self.at)

    async def empty_outbox(self) -> None:
        async with self.repos.transaction() as conn:
            await conn.execute("DELETE FROM outbox")

    async def timed(self) -> tuple[SweepStats, float, float]:
        """(stats, seconds to make the context, seconds of the sweep). A fresh context each
        time, as the scheduler makes one per sweep."""
        started = time.perf_counter()
        ctx = await self.context()
        made = time.perf_counter()
        stats = await sweep(ctx)
        return stats, made - started, time.perf_counter() - made

    async def warm(self, repeat: int) -> list[float]:
        seconds = []
        for _ in range(repeat):
            await self.empty_outbox()
            seconds.append((await self.timed())[2])
        return seconds

    async def outbox_rows(self) -> set[tuple[Any, ...]]:
        async with self.repos.conn.execute(
            "SELECT key, person_id, kind, payload, not_before, status FROM outbox"
        ) as cursor:
            return {tuple(row) for row in await cursor.fetchall()}

    async def phases(self) -> tuple[dict[str, float], int]:
        """Where a sweep's time goes (into an empty outbox), and how many `open_page` calls it
        made: the same sweep with its steps wrapped in timers, undone afterwards."""
        await self.empty_outbox()
        ctx = await self.context()
        timers = {
            "plan (owing_deadlines)": (assignment_sweep, "owing_deadlines", Timer()),
            "select (open_page)": (self.repos.assignments, "open_page", Timer()),
            "due()": (assignment_sweep, "due", Timer()),
            "recipients": (assignment_sweep.Recipients, "of", Timer()),
            "enqueue_many": (self.repos.outbox, "enqueue_many", Timer()),
            "extension reminders": (sweep_module.DUTIES, "extensions", Timer()),
            "rounds": (sweep_module.DUTIES, "rounds", Timer()),
            "weekly lists": (sweep_module.DUTIES, "weekly", Timer()),
        }
        with timing(list(timers.values())):
            started = time.perf_counter()
            await sweep(ctx)
            total = time.perf_counter() - started
        found = {name: timer.seconds for name, (_, _, timer) in timers.items()}
        found["loop and rest"] = total - sum(found.values())
        return found, timers["select (open_page)"][2].calls

    async def select_only(self) -> tuple[int, int, float]:
        """(items, open_page calls, seconds): reading what the sweep reads, and nothing else."""
        ctx = await self.context()
        calls = Timer()
        loaded = 0
        with timing([(self.repos.assignments, "open_page", calls)]):
            started = time.perf_counter()
            for first, last in owing_deadlines(ctx.profile, ctx.calendar, ctx.today):
                async for _ in open_items(ctx, first, last):
                    loaded += 1
            seconds = time.perf_counter() - started
        return loaded, calls.calls, seconds

    async def traced(self) -> tuple[SweepStats, int, float]:
        """(stats, peak traced bytes, seconds) of one sweep under tracemalloc."""
        await self.empty_outbox()
        ctx = await self.context()
        tracemalloc.start()
        started = time.perf_counter()
        stats = await sweep(ctx)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return stats, peak, seconds

    async def profiled(self, top: int) -> None:
        await self.empty_outbox()
        ctx = await self.context()
        profiler = cProfile.Profile()
        profiler.enable()
        await sweep(ctx)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).sort_stats(order).print_stats(top)
            out()
            out(f"cProfile of one warm sweep (main thread only), top {top} by {order}:")
            out(buffer.getvalue().split("\n\n", 1)[-1].rstrip())


async def measure(args: argparse.Namespace, path: Path, built: dict[str, Any]) -> bool:
    at = local_moment(args.at)
    rss_before = rss_now_mib()
    db = await open_database(path)
    bench = Bench(Repos(db), load_profile(DEFAULT_PROFILE), path, at)

    first, context_seconds, first_seconds = await bench.timed()
    rss_after, rss_peak = rss_now_mib(), rss_peak_mib()
    queued_rows = await bench.outbox_rows()
    second, _, second_seconds = await bench.timed()
    warm = await bench.warm(args.repeat)
    phases, list_open_calls = await bench.phases()
    loaded, select_calls, select_seconds = await bench.select_only()
    traced, traced_peak, traced_seconds = await bench.traced()
    traced_rows = await bench.outbox_rows()
    ctx = await bench.context()
    owing = owing_deadlines(ctx.profile, ctx.calendar, ctx.today)
    low, high = horizon(ctx.today)

    expected = built["expected_queue"]
    notice_keys = [row[0] for row in queued_rows if row[0].startswith("notice:")]
    same_keys = digest(notice_keys) == built["expected_digest"]
    ok = (
        same_keys
        and first.queued - sum(first.by_duty.values()) == expected
        and len(queued_rows) == first.queued
        and second.queued == 0
        and traced.queued == first.queued
        and {row[:4] for row in traced_rows} == {row[:4] for row in queued_rows}
    )
    out()
    out(f"Sweep benchmark: {args.items:,} open assignments, {args.due:,} due notices")
    out(f"  at {at.isoformat()}, {args.departments} departments, {PROFILE_NOTE}")
    out()
    table(
        [
            (
                "setup (not measured)",
                f"{built['build_seconds']:.1f} s: {built['executor_rows']:,} executor rows,"
                f" {built['people']} people, file {mib(built['db_bytes'])}",
            ),
            ("deadline of the due items", built["due_deadline"]),
            (
                "deadlines within the horizon",
                f"{built['in_horizon']:,} ({low} … {high}, {(high - low).days + 1} days)",
            ),
            (
                "  of which on days that can owe",
                f"{built['in_owing']:,} ({sum((b - a).days + 1 for a, b in owing)} days in"
                f" {len(owing)} runs; only these are read, {SWEEP_PAGE:,} per page)",
            ),
            (
                "items checked by the sweep",
                f"{first.items_checked:,} in {list_open_calls} open_page calls",
            ),
            ("notices due", f"{first.notices_due:,}"),
            (
                "queued by the 1st sweep",
                f"{first.queued:,} = {first.queued - sum(first.by_duty.values()):,} notices"
                f" (expected {expected:,}, same keys: {'yes' if same_keys else 'NO'})"
                + "".join(f" + {n} {name}" for name, n in first.by_duty.items() if n),
            ),
            ("make_context (calendar)", ms(context_seconds)),
            ("1st sweep (cold)", ms(first_seconds)),
            ("2nd sweep, same moment", f"{ms(second_seconds)}, queued {second.queued}"),
            (
                f"sweep into an empty outbox (x{len(warm)})",
                f"median {ms(statistics.median(warm))}, min {ms(min(warm))}" if warm else "-",
            ),
            ("  phases", ", ".join(f"{k} {ms(v)}" for k, v in phases.items())),
            (
                "  open_page alone",
                f"{ms(select_seconds)} for {loaded:,} items in {select_calls} calls",
            ),
            ("peak Python memory (tracemalloc)", f"{mib(traced_peak)}"),
            ("  sweep under tracemalloc", ms(traced_seconds)),
            ("process RSS before / after", f"{rss_before:.0f} MiB / {rss_after:.0f} MiB"),
            ("process peak RSS (getrusage)", f"{rss_peak:.0f} MiB"),
        ]
    )
    out()
    out(
        "  check: "
        + (
            "queued exactly as expected; the second sweep queued nothing"
            if ok
            else "MISMATCH in what was queued"
        )
    )
    if args.profile:
        await bench.profiled(args.top)
    await db.close()
    return ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.sweep_bench", description="Time a sweep over many assignments."
    )
    parser.add_argument("--items", type=int, default=100_000, help="open assignments")
    parser.add_argument("--due", type=int, default=2_000, help="of which owe a notice now")
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--at", default=DEFAULT_AT, help="local moment (Asia/Almaty)")
    parser.add_argument(
        "--spread",
        type=int,
        default=SPREAD_DAYS,
        help="other deadlines fall within this many days either side of the sweep day",
    )
    parser.add_argument("--repeat", type=int, default=3, help="sweeps into an empty outbox")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="also cProfile one sweep")
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 0 <= args.due <= args.items:
        parser.error("--due must be between 0 and --items")
    if args.departments < 2:
        parser.error("--departments must be at least 2")
    if args.build_only:
        sys.stdout.write(json.dumps(asyncio.run(build(args, args.build_only))) + "\n")
        return
    with tempfile.TemporaryDirectory(prefix="baqylau-bench-") as folder:
        path = Path(folder) / "bench.sqlite3"
        built = build_in_child(args, path)
        if not asyncio.run(measure(args, path, built)):
            raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Report benchmark: the execution-discipline report over a year of many assignments.

    python -m bench.report_bench [--items 100000 --departments 40 --files]

A fresh SQLite file is built through the real migrations in a child process (so building the
rows does not count in this process's memory): a generated staff directory, then N items
registered over 2026 with their main executor, and their facts — reported, removed (executed
or impossible), returned, extended — bulk-inserted into `assignment_facts` (about 80 % removed,
10 % returned once, 15 % extended). Then the report for the year is read as `/report` reads it
(the figures per department and source, the worst five overdue) and its wall time and the
process's peak memory are printed; with `--files`, the item list, the chart and the workbook
too. The setup is not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import department_name, out, rss_now_mib, rss_peak_mib, staff_csv, table
from bot.reports import steps, texts
from bot.staff.csv_import import parse_staff_csv
from storage.db import open_database
from storage.domain.enums import Language, Source
from storage.repo import Repos

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
TODAY = date(2027, 1, 15)
ZONE = ZoneInfo("Asia/Almaty")


def moment(day: date) -> str:
    return datetime(day.year, day.month, day.day, 6, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000")


async def build(items: int, departments: int, seed: int, path: Path) -> dict[str, object]:
    rng = random.Random(seed)
    started = time.perf_counter()
    db = await open_database(path)
    repos = Repos(db)
    await repos.staff.import_staff(
        parse_staff_csv(staff_csv(departments), Language.KK), actor="bench"
    )
    ids = [d.id for d in await repos.staff.departments() if d.name.startswith("Бөлім")]
    assert len(ids) == departments, department_name(0)
    stamp = datetime.now(UTC).isoformat()
    sources = list(Source)
    rows, executors, facts = [], [], []
    audit_id = 0

    def fact(item: int, kind: str, day: date, **more: str | None) -> None:
        nonlocal audit_id
        audit_id += 1
        facts.append(
            (
                audit_id,
                item,
                kind,
                moment(day),
                more.get("ground"),
                more.get("old"),
                more.get("new"),
            )
        )

    for number in range(1, items + 1):
        registered = YEAR[0] + timedelta(days=rng.randrange(365))
        deadline = registered + timedelta(days=rng.randint(10, 60))
        status = "accepted"
        ground = None
        if rng.random() < 0.15:
            extended = deadline + timedelta(days=rng.randint(5, 20))
            fact(
                number,
                "extended",
                deadline - timedelta(days=3),
                old=str(deadline),
                new=str(extended),
            )
            deadline = extended
        reported = registered + timedelta(days=rng.randint(5, 75))
        if reported < TODAY and rng.random() < 0.85:
            if rng.random() < 0.1:
                fact(number, "reported", reported)
                fact(number, "returned", reported + timedelta(days=1))
                reported += timedelta(days=5)
            fact(number, "reported", reported)
            status = "report_submitted"
            if rng.random() < 0.95:
                ground = "executed" if rng.random() < 0.97 else "impossible"
                fact(number, "removed", reported + timedelta(days=2), ground=ground)
                status = "removed"
        rows.append(
            (
                number,
                f"R-{number:06d}",
                registered.isoformat(),
                registered.isoformat(),
                rng.choice(sources).value,
                f"Тапсырма № {number}",
                deadline.isoformat(),
                deadline.isoformat(),
                "",
                "short",
                int(rng.random() < 0.05),
                status,
                ground,
                "bench",
                stamp,
                stamp,
            )
        )
        executors.append((number, rng.choice(ids), 1, 0))
    conn = db.writer
    await conn.execute("BEGIN")
    await conn.executemany(
        "INSERT INTO assignments (id, reg_number, received, registered_on, source, summary,"
        " deadline, original_deadline, mark, control_type, restricted, status, removal_ground,"
        " created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    await conn.executemany(
        "INSERT INTO assignment_executors (assignment_id, department_id, is_main, position)"
        " VALUES (?, ?, ?, ?)",
        executors,
    )
    await conn.executemany(
        "INSERT INTO assignment_facts (audit_id, assignment_id, kind, at, ground, old_deadline,"
        " new_deadline) VALUES (?, ?, ?, ?, ?, ?, ?)",
        facts,
    )
    await conn.commit()
    await conn.execute("ANALYZE")
    await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    await db.close()
    return {"seconds": time.perf_counter() - started, "facts": len(facts)}


async def measure(path: Path, with_files: bool) -> list[tuple[str, str]]:
    db = await open_database(path)
    repos = Repos(db)
    before = rss_now_mib()
    started, cpu = time.perf_counter(), time.process_time()
    gathered = await steps.gather(
        repos, ZONE, TODAY, *YEAR, None, language="ru", with_items=with_files
    )
    read = f"{time.perf_counter() - started:.2f} s wall, {time.process_time() - cpu:.2f} s CPU"
    rows = [("report (figures, worst five)", read)]
    total = gathered.report.total
    rows.append(
        (
            "figures",
            f"received {total.received}, on time {total.on_time}, late {total.late},"
            f" overdue {total.overdue}, extended {total.extended}",
        )
    )
    if with_files:
        rows[0] = ("report with every item and the moves", read)
        started, cpu = time.perf_counter(), time.process_time()
        built = await steps.built(texts.translator("ru"), gathered)
        rows.append(
            (
                "chart and workbook",
                f"{time.perf_counter() - started:.2f} s wall,"
                f" {time.process_time() - cpu:.2f} s CPU",
            )
        )
        rows.append(("workbook size", f"{len(built.xlsx) / 1024 / 1024:.1f} MiB"))
    rows.append(("RSS before / peak", f"{before:.0f} MiB / {rss_peak_mib():.0f} MiB"))
    await db.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--files", action="store_true", help="also the item list and the files")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        built = asyncio.run(build(args.items, args.departments, args.seed, args.build_only))
        out(json.dumps(built))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.sqlite3"
        command = [sys.executable, "-m", "bench.report_bench", "--build-only", str(path)]
        command += ["--items", str(args.items), "--departments", str(args.departments)]
        command += ["--seed", str(args.seed)]
        child = subprocess.run(command, check=True, capture_output=True, text=True)
        built = json.loads(child.stdout.strip().splitlines()[-1])
        out(
            f"report over {args.items:,} items in {args.departments} departments, a year"
            f" ({built['facts']:,} facts; built in {built['seconds']:.1f} s, not measured)"
        )
        table(asyncio.run(measure(path, args.files)))


if __name__ == "__main__":
    main()

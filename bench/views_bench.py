"""Views benchmark: /control, /my and /overview at 1,000 and at 10,000 open items.

    python -m bench.views_bench [--sizes 1000,10000 --repeat 30]

For each size, a database of `bench.sweep_bench` (built in a child process, then ANALYZEd as
there) and the controller's /control list rendered through its handler code
(`handlers.assignments.lists.render_list`: the page read by key, the count, the title and the
keyboard), in Russian: the first page, the last page (reached by key, as ▶️ would), and the
last page of the «overdue» filter; a department head's /my (its first and last page) and a
deputy akim's department list (`handlers.leaders.overview.department_view`), both a page read
by key from the department's executor rows; the akim's and a deputy akim's /overview
(`overview_view`: the counts per department and deadline). Printed: the median and the worst
of `--repeat` renders, each reading its page (the pages kept in memory are dropped first), and
the median of the same render served from its kept page. A page read by key costs the same on
the last page as on the first, and at 10k as at 1k; the overview's counts grow with the items
counted, read from an index.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from bench.common import make_settings, out, run_bench, table
from bench.sweep_bench import SPREAD_DAYS, build_in_child
from bot import services
from bot.i18n import make_i18n
from bot.profiles import DEFAULT_PROFILE, load_profile
from handlers.assignments.lists import PAGE_SIZE, render_list
from handlers.callbacks import ListScope
from handlers.leaders.overview import department_view, overview_view
from storage.db import connect
from storage.repo import Repos

ZONE = ZoneInfo("Asia/Almaty")


async def last_page_key(repos: Repos, overdue_before: str | None) -> int:
    """The item the last page starts at (what ▶️ on the page before it names)."""
    where = "status <> 'removed'" + (" AND deadline < ?" if overdue_before else "")
    params = (overdue_before,) if overdue_before else ()
    async with repos.conn.execute(
        f"SELECT id FROM assignments WHERE {where}"  # noqa: S608 - fixed fragments
        " ORDER BY deadline DESC, reg_number DESC LIMIT 1 OFFSET ?",
        (*params, PAGE_SIZE - 1),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def last_department_key(repos: Repos, department_id: int) -> int:
    """The item the last page of a department's list starts at."""
    async with repos.conn.execute(
        "SELECT a.id FROM assignments a JOIN assignment_executors e ON e.assignment_id = a.id"
        " WHERE a.status <> 'removed' AND e.department_id = ? AND e.declined_at IS NULL"
        " ORDER BY a.deadline DESC, a.reg_number DESC LIMIT 1 OFFSET ?",
        (department_id, PAGE_SIZE - 1),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


Render = Callable[[], Awaitable[tuple[str, InlineKeyboardMarkup]]]


async def timed(
    name: str, size: int, repeat: int, render: Render, repos: Repos
) -> tuple[str, str]:
    """The render's median and worst time with its page read each time (the kept pages
    dropped before each render: what a view costs after any change of the items), then its
    median when served from the kept page (nothing changed since the last render)."""
    times, kept = [], []
    for _ in range(repeat):
        repos.assignments.forget_pages()
        started = time.perf_counter()
        text, _markup = await render()
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        await render()
        kept.append(time.perf_counter() - started)
    first_line = text.splitlines()[0]
    return (
        f"{size:,} items: {name}",
        f"median {statistics.median(times) * 1000:.1f} ms"
        f" · worst {max(times) * 1000:.1f} ms · kept {statistics.median(kept) * 1000:.1f} ms"
        f" · «{first_line}»",
    )


async def measure(size: int, args: argparse.Namespace, folder: Path) -> list[tuple[str, str]]:
    path = folder / f"views-{size}.sqlite3"
    now = datetime.now(ZONE)
    build = argparse.Namespace(
        items=size, due=0, at=now.strftime("%Y-%m-%dT%H:%M"), departments=40, seed=1
    )
    build.spread = SPREAD_DAYS
    build_in_child(build, path)
    settings = make_settings(path)
    profile = load_profile(DEFAULT_PROFILE)
    i18n = make_i18n(settings.default_language)
    rows = []
    async with connect(path) as db:
        repos = Repos(db)
        controller = await repos.staff.by_code("ctrl0")
        assert controller is not None
        ctx = await services.make_context(repos, profile, settings, datetime.now(UTC))
        cases = {
            "first page": ("", 0),
            "last page": ("", await last_page_key(repos, None)),
            "overdue, last page": ("overdue", await last_page_key(repos, ctx.today.isoformat())),
        }
        head = await repos.staff.by_code("head001")
        deputy = await repos.staff.by_code("dep1")
        akim = await repos.staff.by_code("akim")
        assert head is not None and deputy is not None and akim is not None
        assert head.department_id is not None
        head_last = await last_department_key(repos, head.department_id)
        curated = min(deputy.curates)
        curated_last = await last_department_key(repos, curated)
        renders: dict[str, Render] = {
            f"/control {name}": partial(
                render_list, ListScope.CONTROL, flt, 1, controller, ctx, at
            )
            for name, (flt, at) in cases.items()
        }
        renders |= {
            "/my (a head) first page": partial(render_list, ListScope.MY, "", 0, head, ctx),
            "/my (a head) last page": partial(
                render_list, ListScope.MY, "", 1, head, ctx, head_last
            ),
            "a deputy's department, last page": partial(
                department_view, deputy, ctx, curated, 1, curated_last
            ),
            "/overview (the akim)": partial(overview_view, akim, ctx),
            "/overview (a deputy akim)": partial(overview_view, deputy, ctx),
        }
        with i18n.context(), i18n.use_locale("ru"):
            for name, render in renders.items():
                rows.append(await timed(name, size, args.repeat, render, repos))
    return rows


async def run(args: argparse.Namespace) -> bool:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="baqylau-views-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            rows += await measure(size, args, Path(folder))
    out(f"/control, /my and /overview rendered by their handler code, {args.repeat} times each:")
    table(rows)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=30)
    run_bench(run, parser.parse_args(argv))


if __name__ == "__main__":
    main()

"""`/control`'s counts from the counts per deadline and source that triggers keep (migration
0024): always the number of open items that match, whatever changed them, from any process."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from typing import Any

import aiosqlite

from storage.assignments.reading import OpenFilters, count_sql, counted_sql, open_where
from storage.db import open_database
from storage.domain.enums import Source
from storage.repo import Repos
from tests import stored_assignments
from tests.stored_assignments import EDU, FIN
from tests.test_kept_items import other_connection

DAYS = [date(2026, 4, 1) + timedelta(days=n) for n in range(6)]
FILTERS: list[dict[str, Any]] = [
    {},
    {"overdue_on": DAYS[3]},
    {"due_from": DAYS[1], "due_to": DAYS[4]},
    {"source": Source.AKIM},
    {"source": Source.OBLAST_AKIM, "overdue_on": DAYS[5]},
]


async def both_counts(repos: Repos, filters: OpenFilters) -> tuple[int, int]:
    """(the sum of the kept counts, a count over the items themselves)."""
    summed = counted_sql(filters)
    assert summed is not None
    where, params = open_where(filters)
    assert where is not None
    kept = await repos.assignments.fetch_one(*summed)
    counted = await repos.assignments.fetch_one(*count_sql(where, params))
    assert kept is not None and counted is not None
    return int(kept[0]), int(counted[0])


async def test_the_counts_follow_every_change_from_any_path(staffed: Repos) -> None:
    rng = random.Random(3)
    ids = [
        await stored_assignments.register(
            staffed,
            f"C-{n}",
            rng.choice((EDU, FIN)),
            deadline=rng.choice(DAYS),
            source=rng.choice((Source.AKIM, Source.OBLAST_AKIM)),
        )
        for n in range(30)
    ]
    item = await staffed.assignments.get(ids[3])
    assert item is not None  # accepted by the bot: another open status, the same count
    assert await stored_assignments.accept(staffed, ids[3], item.executors[0].department_id, "x")
    with other_connection(staffed) as other:  # and changed by hand, in another process
        other.execute("PRAGMA foreign_keys = ON")
        for item_id in ids[:6]:  # removed from control
            other.execute("UPDATE assignments SET status = 'removed' WHERE id = ?", (item_id,))
        other.execute("UPDATE assignments SET status = 'accepted' WHERE id = ?", (ids[0],))
        other.execute("UPDATE assignments SET deadline = ? WHERE id = ?", (str(DAYS[5]), ids[7]))
        other.execute("UPDATE assignments SET source = 'oblast_akim' WHERE id = ?", (ids[8],))
        other.execute(
            "UPDATE assignments SET deadline = ?, source = 'akim', status = 'removed'"
            " WHERE id = ?",
            (str(DAYS[0]), ids[9]),
        )
        other.execute(
            "UPDATE assignments SET deadline = ?, status = 'returned' WHERE id = ?",
            (str(DAYS[2]), ids[1]),
        )
        other.execute("DELETE FROM assignments WHERE id IN (?, ?)", (ids[10], ids[2]))
    await stored_assignments.register(staffed, "C-new", EDU, deadline=DAYS[3])
    for filters in FILTERS:
        kept, counted = await both_counts(staffed, filters)  # type: ignore[arg-type]
        assert kept == counted, filters
    page = await staffed.assignments.open_page(size=5)
    # 30, 6 removed, 2 of them back (ids 0, 1), one more removed, one open one deleted, a new one
    assert page.total == (await both_counts(staffed, {}))[1] == 30 - 6 + 2 - 1 - 1 + 1
    with other_connection(staffed) as other:
        rows = other.execute("SELECT COUNT(*) FROM open_counts WHERE n <= 0").fetchone()
    assert rows == (0,)  # a day with no open item left has no row


async def test_the_upgrade_counts_the_items_already_there(
    staffed: Repos,
) -> None:
    for n, day in enumerate(DAYS * 2):
        await stored_assignments.register(staffed, f"U-{n}", EDU, deadline=day)
    path = staffed.db.path
    await staffed.db.close()
    raw = await aiosqlite.connect(path, isolation_level=None)
    try:
        await raw.executescript(
            "BEGIN; DROP TABLE open_counts; DROP TRIGGER open_counts_inserted;"
            " DROP TRIGGER open_counts_deleted; DROP TRIGGER open_counts_updated_out;"
            " DROP TRIGGER open_counts_updated_in; PRAGMA user_version = 23; COMMIT;"
        )
    finally:
        await raw.close()
    upgraded = Repos(await open_database(path))
    try:
        for filters in FILTERS:
            kept, counted = await both_counts(upgraded, filters)  # type: ignore[arg-type]
            assert kept == counted, filters
        assert (await both_counts(upgraded, {}))[0] == 12
    finally:
        await upgraded.db.close()


async def test_the_count_reads_the_kept_counts_not_the_items(staffed: Repos) -> None:
    summed = counted_sql({"overdue_on": DAYS[2], "source": Source.AKIM})
    assert summed is not None
    conn = sqlite3.connect(staffed.db.path)
    try:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {summed[0]}", summed[1])]
    finally:
        conn.close()
    assert plan and all(step.startswith(("SEARCH c ", "SCAN c")) for step in plan), plan
    assert "FROM open_counts c" in summed[0]
    assert counted_sql({"passed_to": 1}) is None  # read from the passes: counted as before

"""Pages of views kept in memory (`AssignmentReading.open_page`, migrations 0022–0023): a kept
page is served only while the items' clock and the directory's version are the ones it was read
under, so a change from any path, this process or another, is seen on the next read."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from typing import Any

import pytest

from storage.assignments.reading import AssignmentReading
from storage.domain.assignments import OpenPage
from storage.repo import Repos
from tests import stored_assignments
from tests.helpers import quick_statements
from tests.stored_assignments import EDU, FIN
from tests.test_kept_items import changed_at_once, fresh, other_connection


async def department_of(repos: Repos, item_id: int, index: int = 0) -> int:
    item = await repos.assignments.get(item_id)
    assert item is not None
    return item.executors[index].department_id


async def page(repos: Repos, department: int, at: int = 0, **more: Any) -> OpenPage:
    return await repos.assignments.open_page(size=3, at=at, department_ids=[department], **more)


def shown(found: OpenPage) -> tuple[list[str], int, int | None, bool]:
    return [i.reg_number for i in found.items], found.total, found.next_at, found.before_first


async def test_a_kept_page_is_served_after_one_read_of_the_clock(staffed: Repos) -> None:
    ids = [await stored_assignments.register(staffed, f"P-{n}", EDU) for n in range(5)]
    edu = await department_of(staffed, ids[0])
    first = await page(staffed, edu)
    with quick_statements(staffed.db) as ran:
        again = await page(staffed, edu)
        whole = await staffed.assignments.open_page(size=3)  # another list: read
    assert shown(again) == shown(first) and again.items == first.items
    assert again.items is not first.items  # a list of its own for each caller
    assert ran[0].startswith("SELECT tick") and "FROM assignment_clock" in ran[0]
    assert ran[1].startswith("SELECT tick")  # the other list: its stamp, then its reads
    assert len(ran) > 2 and shown(whole)[1] == 5


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("assignments", "deadline = '2026-01-05'"),
        ("assignments", "status = 'removed'"),
        ("assignments", "summary = 'вручную'"),
        ("assignment_executors", "declined_at = '2026-03-03T05:00:00+00:00'"),
        ("assignment_executors", "accepted_at = '2026-03-03T05:00:00+00:00'"),
    ],
)
async def test_a_change_by_another_process_is_seen_on_the_next_read(
    staffed: Repos, table: str, change: str
) -> None:
    ids = [await stored_assignments.register(staffed, f"P-{n}", EDU) for n in range(4)]
    edu = await department_of(staffed, ids[0])
    kept = await page(staffed, edu)
    key = "id" if table == "assignments" else "assignment_id"
    with other_connection(staffed) as other:
        other.execute(f"UPDATE {table} SET {change} WHERE {key} = ?", (ids[2],))  # noqa: S608
    now = await page(staffed, edu)
    assert shown(now) == shown(await page(fresh(staffed), edu))
    assert now.items != kept.items


async def test_new_and_deleted_items_are_seen_on_the_next_read(staffed: Repos) -> None:
    ids = [await stored_assignments.register(staffed, f"P-{n}", EDU) for n in range(2)]
    edu = await department_of(staffed, ids[0])
    assert shown(await page(staffed, edu))[1] == 2
    await stored_assignments.register(staffed, "P-new", EDU)
    assert shown(await page(staffed, edu))[1] == 3
    with other_connection(staffed) as other:  # a hand-made fix in the sqlite3 shell
        other.execute("PRAGMA foreign_keys = ON")
        other.execute("DELETE FROM assignments WHERE id = ?", (ids[0],))
    assert shown(await page(staffed, edu)) == shown(await page(fresh(staffed), edu))
    assert shown(await page(staffed, edu))[1] == 2


async def test_a_renamed_department_is_seen_on_the_next_read(staffed: Repos) -> None:
    item_id = await stored_assignments.register(staffed, "P-1", EDU)
    edu = await department_of(staffed, item_id)
    await page(staffed, edu)
    with other_connection(staffed) as other:
        other.execute(
            "UPDATE departments SET name_ru = 'Управление образования' WHERE id = ?", (edu,)
        )
    [item] = (await page(staffed, edu)).items
    assert item.executors[0].department_in("ru") == "Управление образования"


async def test_what_a_page_is_read_by_is_its_key(staffed: Repos) -> None:
    """Each page by its start, its size and its filters; items passed to an executor (read
    from the passes, which do not move the clock) and reads in a unit are never kept."""
    ids = [await stored_assignments.register(staffed, f"P-{n}", EDU, FIN) for n in range(5)]
    edu = await department_of(staffed, ids[0])
    fin = await department_of(staffed, ids[0], 1)
    first = await page(staffed, edu)
    assert first.next_at is not None
    second = await page(staffed, edu, at=first.next_at)
    assert shown(second)[0] == ["P-3", "P-4"] and shown(first)[0] == ["P-0", "P-1", "P-2"]
    assert shown(await page(staffed, fin))[0] == shown(first)[0]
    reading: AssignmentReading = staffed.assignments
    kept = len(reading._pages)
    await page(staffed, edu, passed_to=1)
    async with staffed.transaction():
        await page(staffed, fin, at=first.next_at)
    assert len(reading._pages) == kept


async def test_a_change_between_the_clock_and_the_page_is_read_again(
    staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock is read before the page: a change that commits in between is in the page
    read, and the next call, reading the newer clock, reads the page again instead of serving
    a page kept under the older one as if it were newer (or the reverse)."""
    ids = [await stored_assignments.register(staffed, f"P-{n}", EDU) for n in range(3)]
    edu = await department_of(staffed, ids[0])
    reading = staffed.assignments
    original = AssignmentReading._open_page

    async def changed_meanwhile(self: AssignmentReading, *args: Any) -> OpenPage:
        with other_connection(staffed) as other:
            other.execute("UPDATE assignments SET status = 'removed' WHERE id = ?", (ids[1],))
        return await original(self, *args)

    monkeypatch.setattr(AssignmentReading, "_open_page", changed_meanwhile)
    raced = await page(staffed, edu)
    monkeypatch.setattr(AssignmentReading, "_open_page", original)
    assert shown(raced)[0] == ["P-0", "P-2"]  # the page read after the change …
    with quick_statements(staffed.db) as ran:
        again = await page(staffed, edu)
    assert shown(again)[0] == ["P-0", "P-2"]
    assert len(ran) > 1  # … was kept under the older clock: read again, not served
    assert reading is staffed.assignments


async def test_concurrent_taps_and_changes_leave_every_page_as_read_cold(
    staffed: Repos,
) -> None:
    """Pages read while items are accepted, declined and removed at once on a real database
    file; afterwards every kept page is the page a reader with nothing kept reads."""
    ids = [await stored_assignments.register(staffed, f"P-C{n}", EDU, FIN) for n in range(12)]
    edu = await department_of(staffed, ids[0])
    fin = await department_of(staffed, ids[0], 1)
    rng = random.Random(5)
    starts = [0, *ids]

    async def reader() -> None:
        for _ in range(40):
            await page(staffed, rng.choice((edu, fin)), at=rng.choice(starts))
            await asyncio.sleep(0)

    def remove(item_id: int) -> Awaitable[bool]:
        return stored_assignments.remove(staffed, item_id)

    writers = changed_at_once(staffed, ids, edu, fin, remove)
    await asyncio.gather(*(reader() for _ in range(4)), *writers)
    cold = fresh(staffed)
    for department in (edu, fin):
        for at in starts:
            assert shown(await page(staffed, department, at=at)) == shown(
                await page(cold, department, at=at)
            )

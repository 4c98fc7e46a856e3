"""Items kept in memory between reads (`storage/assignments/kept.py`, migration 0022): a kept
item is served only while its version and the directory's are the ones it was read under, so a
change from any path, this process or another, is seen on the next read."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import pytest

from storage.assignments.kept import KeptItems
from storage.domain.assignments import Assignment
from storage.repo import Repos
from tests import stored_assignments
from tests.helpers import quick_statements
from tests.stored_assignments import EDU, FIN


def fresh(repos: Repos) -> Repos:
    """Repositories of their own on the same database: nothing kept yet."""
    return Repos(repos.db)


@contextmanager
def other_connection(repos: Repos) -> Iterator[sqlite3.Connection]:
    """A connection as another process (a CLI command, the sqlite3 shell) would have."""
    conn = sqlite3.connect(repos.db.path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


async def read(repos: Repos, item_id: int) -> Assignment:
    item = await repos.assignments.get(item_id)
    assert item is not None
    return item


def changed_at_once(
    repos: Repos,
    ids: list[int],
    edu: int,
    fin: int,
    third: Callable[[int], Awaitable[object]],
) -> list[Awaitable[None]]:
    """Three writers over a third of the items each: the education department accepts, the
    finance department declines, and `third` changes the rest; each gives the others their
    turn after every step."""

    async def writer(n: int) -> None:
        for item_id in ids[n::3]:
            if n == 0:
                await stored_assignments.accept(repos, item_id, edu, "edu_head")
            elif n == 1:
                await stored_assignments.decline(repos, item_id, fin, "fin_head", "не наше")
            else:
                await third(item_id)
            await asyncio.sleep(0)

    return [writer(n) for n in range(3)]


def test_kept_items_serve_only_the_version_they_were_read_under() -> None:
    item = Assignment.__new__(Assignment)
    object.__setattr__(item, "id", 7)
    kept = KeptItems(limit=2)
    assert kept.under(3)
    kept.put(item, 10)
    assert kept.get(7, 10) is item
    assert kept.get(7, 11) is None  # the item moved on
    assert not kept.under(2)  # an older directory: nothing served, nothing kept
    assert kept.get(7, 10) is item  # (and nothing dropped)
    assert kept.under(4)  # a newer directory drops everything
    assert kept.get(7, 10) is None
    kept.put(item, 12)
    kept.put(item, 11)  # a slower reader's older state does not replace the newer one
    assert kept.get(7, 12) is item
    for other_id in (8, 9):  # past the limit the longest kept goes
        other = Assignment.__new__(Assignment)
        object.__setattr__(other, "id", other_id)
        kept.put(other, 20)
    assert len(kept) == 2 and kept.get(7, 12) is None and kept.get(9, 20) is not None


async def test_a_kept_item_is_served_without_reading_it_again(staffed: Repos) -> None:
    item_id = await stored_assignments.register(staffed, "K-1", EDU, FIN)
    first = await read(staffed, item_id)
    with quick_statements(staffed.db) as ran:
        again = await read(staffed, item_id)
        page = await staffed.assignments.get_many([item_id])
    assert again is first and page[item_id] is first
    assert not any("FROM assignment_executors" in sql for sql in ran), ran
    assert not any(sql.startswith("SELECT * FROM assignments") for sql in ran), ran


async def test_every_change_of_an_item_or_its_executors_is_seen_on_the_next_read(
    staffed: Repos,
) -> None:
    item_id = await stored_assignments.register(staffed, "K-2", EDU, FIN)
    before = await read(staffed, item_id)
    edu = before.executors[0].department_id
    fin = before.executors[1].department_id
    assert await stored_assignments.accept(staffed, item_id, edu, "edu_head")
    accepted = await read(staffed, item_id)
    assert accepted is not before and accepted.executors[0].accepted_by == "edu_head"
    assert (await staffed.assignments.get_many([item_id]))[item_id] is accepted
    assert await stored_assignments.decline(staffed, item_id, fin, "fin_head", "не наше")
    declined = (await staffed.assignments.get_many([item_id]))[item_id]
    assert not declined.executors[1].active
    assert await read(staffed, item_id) is declined


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("assignments", "summary = 'Исправлено вручную'"),
        ("assignments", "deadline = '2026-05-05'"),
        ("assignment_executors", "accepted_at = '2026-03-03T05:00:00+00:00'"),
        ("assignment_executors", "accepted_by = 'fin_head'"),
        ("assignment_executors", "declined_at = '2026-03-03T05:00:00+00:00'"),
        ("assignment_executors", "decline_reason = 'вручную'"),
        ("assignment_executors", "position = 5"),
        ("assignment_executors", "is_main = 1 - is_main"),
    ],
)
async def test_a_change_by_another_process_is_seen_on_the_next_read(
    staffed: Repos, table: str, change: str
) -> None:
    item_id = await stored_assignments.register(staffed, "K-3", EDU, FIN)
    kept = await read(staffed, item_id)
    key = "id" if table == "assignments" else "assignment_id"
    with other_connection(staffed) as other:
        other.execute(f"UPDATE {table} SET {change} WHERE {key} = ?", (item_id,))  # noqa: S608
    now = await read(staffed, item_id)
    assert now is not kept and now == await read(fresh(staffed), item_id)
    assert (await staffed.assignments.get_many([item_id]))[item_id] == now


async def test_a_renamed_department_is_seen_on_the_next_read(staffed: Repos) -> None:
    item_id = await stored_assignments.register(staffed, "K-4", EDU)
    department = (await read(staffed, item_id)).executors[0].department_id
    with other_connection(staffed) as other:
        other.execute(
            "UPDATE departments SET name_ru = 'Управление образования' WHERE id = ?", (department,)
        )
    assert (await read(staffed, item_id)).executors[0].department_in("ru") == (
        "Управление образования"
    )
    page = await staffed.assignments.get_many([item_id])
    assert page[item_id].executors[0].department_in("ru") == "Управление образования"


async def test_an_item_given_a_deleted_items_id_is_not_served_as_the_old_one(
    staffed: Repos,
) -> None:
    item_id = await stored_assignments.register(staffed, "K-5", EDU)
    assert (await read(staffed, item_id)).reg_number == "K-5"
    with other_connection(staffed) as other:
        other.execute("PRAGMA foreign_keys = ON")
        other.execute("DELETE FROM assignments WHERE id = ?", (item_id,))
    assert await staffed.assignments.get(item_id) is None
    again = await stored_assignments.register(staffed, "K-6", FIN)
    assert again == item_id  # SQLite gave the new item the free id
    assert (await read(staffed, item_id)).reg_number == "K-6"


async def test_a_unit_of_work_reads_its_own_changes_and_keeps_nothing_of_them(
    staffed: Repos,
) -> None:
    item_id = await stored_assignments.register(staffed, "K-7", EDU)
    kept = await read(staffed, item_id)
    with pytest.raises(RuntimeError):
        async with staffed.transaction() as conn:
            await conn.execute(
                "UPDATE assignments SET summary = 'черновик' WHERE id = ?", (item_id,)
            )
            assert (await read(staffed, item_id)).summary == "черновик"
            raise RuntimeError("the step failed")
    assert await read(staffed, item_id) is kept  # the rolled back change left nothing


async def test_concurrent_taps_leave_every_reader_with_the_committed_state(
    staffed: Repos,
) -> None:
    """Readers and writers at once on a real database file: pages and cards read while the
    items are accepted, declined and edited; afterwards what is read (kept) is what a reader
    with nothing kept reads."""
    ids = [await stored_assignments.register(staffed, f"K-C{n}", EDU, FIN) for n in range(12)]
    first = await read(staffed, ids[0])
    edu, fin = (executor.department_id for executor in first.executors)
    rng = random.Random(17)

    async def reader() -> None:
        for _ in range(40):
            chosen = rng.sample(ids, 4)
            page = await staffed.assignments.get_many(chosen)
            assert sorted(page) == sorted(chosen)
            await read(staffed, rng.choice(ids))
            await asyncio.sleep(0)

    async def edit(item_id: int) -> None:
        async with staffed.transaction() as conn:
            await conn.execute("UPDATE assignments SET summary = 'v2' WHERE id = ?", (item_id,))

    writers = changed_at_once(staffed, ids, edu, fin, edit)
    await asyncio.gather(*(reader() for _ in range(4)), *writers)
    cold = fresh(staffed)
    for item_id in ids:
        assert await read(staffed, item_id) == await read(cold, item_id)
    kept_page = await staffed.assignments.get_many(ids)
    assert kept_page == await cold.assignments.get_many(ids)

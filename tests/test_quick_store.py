"""Short reads and a person's step on the event loop's thread (`storage/quick.py`): the same
units of work, the same committed-only reads, as through aiosqlite's threads."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage.repo import Repos


async def position(repos: Repos, code: str) -> str | None:
    person = await repos.staff.by_code(code)  # StaffRepo reads on the quick reader
    assert person is not None
    return person.position


async def test_a_quick_unit_is_invisible_until_it_commits_and_units_take_turns(
    staffed: Repos,
) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with staffed.transaction(quick=True) as conn:
            await conn.execute("UPDATE people SET position = 'draft' WHERE code = 'edu_head'")
            assert await position(staffed, "edu_head") == "draft"  # its own change, inside
            inside.set()
            await release.wait()
            order.append("first committed")

    async def second() -> None:
        await inside.wait()
        async with staffed.transaction(quick=True) as conn:  # waits for the first to end
            order.append("second began")
            await conn.execute("UPDATE people SET position = 'second' WHERE code = 'fin_head'")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await inside.wait()
    assert await position(staffed, "edu_head") != "draft"  # not committed yet
    assert not staffed.db.quick.in_transaction  # no read left open between statements
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first committed", "second began"]
    assert await position(staffed, "edu_head") == "draft"
    assert await position(staffed, "fin_head") == "second"


async def test_a_failed_quick_unit_leaves_nothing_and_the_quick_reader_cannot_write(
    staffed: Repos,
) -> None:
    with pytest.raises(RuntimeError):
        async with staffed.transaction(quick=True) as conn:
            await conn.execute("UPDATE people SET position = 'lost' WHERE code = 'ctrl'")
            async with staffed.transaction() as joined:  # a nested unit joins, quick too
                await joined.execute("UPDATE people SET position = 'lost' WHERE code = 'akim'")
            raise RuntimeError("the step failed")
    assert not staffed.db.writer.in_transaction
    assert await position(staffed, "ctrl") != "lost"
    assert await position(staffed, "akim") != "lost"
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await staffed.staff.conn.execute("UPDATE people SET position = 'y'")


async def test_quick_reads_see_what_another_connection_committed(staffed: Repos) -> None:
    assert await position(staffed, "edu_head") != "elsewhere"
    other = sqlite3.connect(staffed.db.path, isolation_level=None)
    try:
        other.execute("UPDATE people SET position = 'elsewhere' WHERE code = 'edu_head'")
    finally:
        other.close()
    assert await position(staffed, "edu_head") == "elsewhere"

"""Short reads and a person's step on the event loop's thread (`storage/quick.py`): the same
units of work, the same committed-only reads, as through aiosqlite's threads."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import storage.db
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


async def test_quick_reads_between_and_during_units_see_only_committed_states(
    staffed: Repos,
) -> None:
    """Quick reads run on the idle writer between units and on the quick reader while a unit
    holds it: concurrent units each change two people in two statements with a pause
    between, readers meanwhile never see one changed without the other; a unit cancelled
    mid-way leaves nothing; and the writer refuses a change outside units."""
    stop = asyncio.Event()
    seen: list[tuple[str, str]] = []

    async def step(n: int) -> None:
        async with staffed.transaction(quick=n % 2 == 0) as conn:
            await conn.execute(
                "UPDATE people SET position = ? WHERE code = 'edu_head'", (f"v{n}",)
            )
            await asyncio.sleep(0)
            await conn.execute(
                "UPDATE people SET position = ? WHERE code = 'fin_head'", (f"v{n}",)
            )

    async def reader() -> None:
        while not stop.is_set():
            rows = await staffed.staff.fetch_all(  # one statement: one snapshot (quick reads)
                "SELECT position FROM people WHERE code IN ('edu_head', 'fin_head') ORDER BY code"
            )
            seen.append((rows[0][0], rows[1][0]))
            await asyncio.sleep(0)

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    await asyncio.gather(*(step(n) for n in range(30)))
    cancelled = asyncio.create_task(step(99))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    cancelled.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await cancelled
    stop.set()
    await asyncio.gather(*readers)
    changed = [(edu, fin) for edu, fin in seen if edu.startswith("v") or fin.startswith("v")]
    assert changed and all(edu == fin for edu, fin in changed)
    assert await position(staffed, "edu_head") == await position(staffed, "fin_head")
    assert await position(staffed, "edu_head") != "v99"
    assert staffed.db._idle_writer() is not None  # the quick reads run on the writer now
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await staffed.staff.conn.execute("UPDATE people SET position = 'stray'")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await staffed.staff.conn.executemany("UPDATE people SET position = ?", [("stray",)])
    assert await position(staffed, "edu_head") != "stray"


def threads_of(conn: sqlite3.Connection, ran: list[tuple[str, int]]) -> None:
    """Note each statement `conn` runs with the thread that runs it."""
    conn.set_trace_callback(lambda sql: ran.append((sql, threading.get_ident())))


async def test_a_quick_unit_begins_and_commits_on_the_loops_thread_when_the_lock_is_free(
    staffed: Repos,
) -> None:
    ran: list[tuple[str, int]] = []
    threads_of(staffed.db.writer._conn, ran)
    try:
        async with staffed.transaction(quick=True) as conn:
            await conn.execute("UPDATE people SET position = 'here' WHERE code = 'edu_head'")
        async with staffed.transaction() as conn:  # a plain unit: aiosqlite's thread
            await conn.execute("UPDATE people SET position = 'there' WHERE code = 'fin_head'")
    finally:
        staffed.db.writer._conn.set_trace_callback(None)
    loop = threading.get_ident()
    brackets = [(sql, thread) for sql, thread in ran if sql.startswith(("BEGIN", "COMMIT"))]
    assert [sql for sql, _ in brackets] == ["BEGIN IMMEDIATE", "COMMIT"] * 2
    assert [thread == loop for _, thread in brackets] == [True, True, False, False]
    assert await position(staffed, "edu_head") == "here"
    assert await position(staffed, "fin_head") == "there"


async def test_a_quick_unit_waits_for_another_processs_write_lock_off_the_loop(
    staffed: Repos,
) -> None:
    """Another process holds the write lock: the step's BEGIN fails at once on the loop's
    thread and waits on aiosqlite's thread instead, while the loop goes on (here: it is the
    loop that lets the other process go), then the step commits."""
    holder = sqlite3.connect(staffed.db.path, isolation_level=None)
    ran: list[tuple[str, int]] = []
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE people SET position = 'holder' WHERE code = 'ctrl'")
        threads_of(staffed.db.writer._conn, ran)
        asyncio.get_running_loop().call_later(0.2, holder.execute, "COMMIT")
        async with staffed.transaction(quick=True) as conn:
            await conn.execute("UPDATE people SET position = 'after' WHERE code = 'edu_head'")
    finally:
        staffed.db.writer._conn.set_trace_callback(None)
        holder.close()
    loop = threading.get_ident()
    begins = [thread == loop for sql, thread in ran if sql == "BEGIN IMMEDIATE"]
    assert begins == [True, False]  # tried here, then waited on the writer's thread
    assert await position(staffed, "ctrl") == "holder"
    assert await position(staffed, "edu_head") == "after"


async def test_the_bots_wal_is_checkpointed_every_so_many_commits_off_the_loop(
    staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With background checkpoints (the bot), COMMIT never checkpoints (the writer's automatic
    checkpoint is off); every CHECKPOINT_EVERY commits a checkpoint copies the WAL into the
    database file. The file itself is read with the WAL ignored (`immutable`): what a
    checkpoint has copied."""
    monkeypatch.setattr(storage.db, "CHECKPOINT_EVERY", 5)
    path = staffed.db.path

    def in_the_file() -> set[str]:
        uri = f"file:{path}?mode=ro&immutable=1"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as file:
            rows = file.execute("SELECT actor FROM audit WHERE actor LIKE 'wal-%'").fetchall()
        return {actor for (actor,) in rows}

    async with storage.db.connect(path, background_checkpoints=True) as db:
        repos = Repos(db)

        async def step(n: int) -> None:
            async with repos.transaction(quick=True):
                await repos.audit.record(actor=f"wal-{n}", action="x", entity="y", entity_id=n)

        for n in range(4):
            await step(n)
        assert db._checkpoint is None
        assert in_the_file() == set()  # four commits: all still in the WAL only
        await step(4)
        assert db._checkpoint is not None  # the fifth: a checkpoint, on a reader's thread
        await db._checkpoint
        assert in_the_file() == {f"wal-{n}" for n in range(5)}


async def test_only_the_bot_turns_sqlites_checkpoint_at_commit_off(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.sqlite3"
    for background, expected in ((False, 1000), (True, 0)):
        async with storage.db.connect(path, background_checkpoints=background) as db:
            row = await (await db.writer.execute("PRAGMA wal_autocheckpoint")).fetchone()
            assert row is not None and tuple(row) == (expected,)


# a process registering unit after unit, as an import does (its argv: the file, and its
# wal_autocheckpoint); it says «writing» once it holds the write lock
IMPORTING = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute(f"PRAGMA wal_autocheckpoint = {int(sys.argv[2])}")
said = False
while True:
    conn.execute("BEGIN IMMEDIATE")
    if not said:
        print("writing", flush=True)
        said = True
    conn.executemany("INSERT INTO t VALUES (randomblob(4000))", [()] * 300)
    conn.execute("COMMIT")
"""


def test_an_import_beside_the_bot_leaves_it_room_between_its_units(tmp_path: Path) -> None:
    """Why only the bot checkpoints in the background: a process writing unit after unit (an
    import, with SQLite's checkpoint at COMMIT, as every process but the bot keeps it) leaves
    the write lock free while it checkpoints, and the bot's step waiting on its busy timeout
    gets in. (With no checkpoint at COMMIT the lock is free only between two units, and the
    waiter was starved: 5 failures in 5 in a measurement, and an end-to-end import test's
    deliverer failed on «database is locked».)"""
    path = tmp_path / "import.sqlite3"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as setup:
        setup.execute("PRAGMA journal_mode = WAL")
        setup.execute("CREATE TABLE t (x)")
    with subprocess.Popen(
        [sys.executable, "-c", IMPORTING, str(path), "1000"], stdout=subprocess.PIPE, text=True
    ) as writer:
        try:
            assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
            waiting = sqlite3.connect(path, isolation_level=None, timeout=5.0)
            try:
                waiting.execute("BEGIN IMMEDIATE")  # waits its turn, then gets it
                waiting.execute("COMMIT")
            finally:
                waiting.close()
        finally:
            writer.kill()

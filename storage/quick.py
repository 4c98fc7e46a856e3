"""Short reads on the event loop's own thread (see `Store.quick_reads`).

A read through aiosqlite is a hand-off to its worker thread and back (the statement, then each
fetch, then closing the cursor: three trips), and each trip wakes the loop and passes the GIL
between the threads; for an indexed read of a row or a page that costs far more than the query
(about a quarter of the bot's CPU per update, measured with py-spy). A `QuickReader` runs the
statement at once on a plain `sqlite3` connection of its own, read-only (`PRAGMA query_only`),
in autocommit: in WAL each statement reads the latest committed snapshot and never waits for the
writer. Every row is fetched and the statement reset before `execute` returns, so no read
transaction stays open between awaits (none holds back a checkpoint or sees an old snapshot).

It offers what the repositories use of an aiosqlite connection: `execute` (and
`executemany`) as an awaitable and an async context manager giving a cursor with `fetchone`,
`fetchall`, `rowcount` and `lastrowid`. Only for short work: a long read would stall every
other update (those stay on aiosqlite's readers, whose thread lets the loop run meanwhile).

A quick unit of work (`Database.transaction(quick=True)`, a person's step) uses the writer's
own sqlite3 connection the same way between its BEGIN IMMEDIATE and its COMMIT, which still go
through aiosqlite's thread: waiting for another process's write lock (the busy timeout) or a
checkpoint at commit never stalls the loop. Inside the unit the task holds the writer alone
(`Database._write`), so aiosqlite's thread has nothing queued on that connection meanwhile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any


class QuickCursor:
    """The rows of one statement, already fetched."""

    __slots__ = ("_at", "_rows", "description", "lastrowid", "rowcount")

    def __init__(self, rows: list[Any], cursor: sqlite3.Cursor) -> None:
        self._rows = rows
        self._at = 0
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self.description = cursor.description

    async def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    async def fetchall(self) -> list[Any]:
        rows, self._at = self._rows[self._at :], len(self._rows)
        return rows

    async def close(self) -> None:
        """Nothing to release: the statement was reset when it was read."""

    def __aiter__(self) -> QuickCursor:
        return self

    async def __anext__(self) -> Any:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class _QuickResult:
    """What `QuickReader.execute` returns: awaited, or used with `async with`, the cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: QuickCursor) -> None:
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, QuickCursor]:
        return self._get().__await__()

    async def _get(self) -> QuickCursor:
        return self._cursor

    async def __aenter__(self) -> QuickCursor:
        return self._cursor

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


class SyncConnection:
    """A sqlite3 connection used synchronously on the calling (event loop) thread, with the
    reading and writing calls of an aiosqlite connection that the repositories use."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _QuickResult:
        cursor = self.conn.execute(sql, tuple(params))
        try:
            rows = cursor.fetchall()
            return _QuickResult(QuickCursor(rows, cursor))
        finally:
            cursor.close()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> _QuickResult:
        cursor = self.conn.executemany(sql, rows)
        try:
            return _QuickResult(QuickCursor([], cursor))
        finally:
            cursor.close()

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    @property
    def total_changes(self) -> int:
        return self.conn.total_changes


class ReadingConnection(SyncConnection):
    """The writer's own connection between units of work, for quick reads only: a statement
    that is not a query is refused before it runs, as a read-only connection would refuse it,
    so a write slipped outside a unit fails loudly instead of committing on its own.

    (Not `PRAGMA query_only`, switched off and on around each unit: like every flag pragma it
    expires all the connection's prepared statements, and each statement then compiled again,
    with its triggers, cost several times its run: an Accept's audit row ~75 -> ~320 µs.)"""

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _QuickResult:
        if not sql.lstrip()[:6].upper().startswith(READS):
            raise sqlite3.OperationalError(
                "attempt to write a readonly database (a change outside a unit of work)"
            )
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> _QuickResult:  # noqa: ARG002
        raise sqlite3.OperationalError(
            "attempt to write a readonly database (a change outside a unit of work)"
        )


# how a query begins (a CTE's WITH may lead to a change: none of the repositories' quick reads
# is one)
READS = ("SELECT", "WITH", "VALUES")


def quick_reader(path: Path | str, busy_timeout_ms: int) -> SyncConnection:
    """A read-only connection of its own, in autocommit (each statement its own snapshot); used
    by one thread at a time, the loop's, never across an await."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return SyncConnection(conn)

"""The SQLite file: connections, units of work, and versioned migrations (PRAGMA user_version).

How the store keeps many officials' taps apart (see README "How the store works"):

- **One writer connection.** Every change runs in a *unit of work*: `async with
  db.transaction():` takes the writer for the whole transaction (an `asyncio.Lock`), opens it with
  `BEGIN IMMEDIATE` (so another process — an import, a `sweep` command — waits on SQLite's busy
  timeout instead of failing halfway), and commits or rolls back before the next unit may start.
  No other task can join, commit or roll back a unit; a nested `transaction()` in the *same* task
  joins its outer unit, so a step and the repository calls inside it commit together.
- **Reader connections in WAL.** Reads outside a unit go to read-only connections
  (`PRAGMA query_only`), which see only committed data and never wait for the writer. Reads
  inside a unit use the writer, so a step sees its own changes and decides on the latest state.
  A write attempted outside a unit fails loudly (the readers are read-only) instead of slipping
  into someone else's transaction.
- **A quick reader on the loop's thread.** Short indexed reads outside a unit (the person, the
  dialog state, a page of a list, a card: `Store.quick_reads`, `Database.quickly()`) run at once
  on a read-only `sqlite3` connection (`storage/quick.py`) instead of a trip through
  aiosqlite's worker thread; committed data only, one snapshot per statement, like the readers.
  While no unit of work holds the writer, they run on the writer's own connection instead,
  which refuses anything but a query between units (`storage.quick.ReadingConnection`): its
  page cache survives its own commits, which empty every other connection's.
  A quick unit of work (`transaction(quick=True)`: a person's step, a dialog's state) runs its
  statements on the writer's own connection the same way, and its BEGIN and COMMIT too when
  they cannot wait: BEGIN IMMEDIATE is tried at once with no busy timeout, and only when another
  process holds the write lock does the unit wait for it on aiosqlite's thread.
- **The bot's checkpoints off the loop.** In the bot (`background_checkpoints`), the writer
  never checkpoints at COMMIT (`wal_autocheckpoint` off): every `CHECKPOINT_EVERY` commits a
  PASSIVE checkpoint runs on a reader's thread, so a COMMIT on the loop's thread never copies
  the WAL into the database or waits for the disk. Other processes (an import, `sweep --at`)
  keep SQLite's own checkpoint at COMMIT: the lock is free while it runs, and that pause is
  what lets the bot's waiting steps in between an import's back-to-back units (without it a
  process waiting on the busy timeout is starved: measured, five failures in five).
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import itertools
import os
import re
import sqlite3
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import ClassVar, Concatenate, ParamSpec, TypeVar, cast

import aiosqlite

from storage.quick import ReadingConnection, SyncConnection, quick_reader

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000
READERS = 2
# commits between two checkpoints of the WAL (a step writes ~10 pages: ~1,000 pages, SQLite's
# own automatic checkpoint's size)
CHECKPOINT_EVERY = 100


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


def is_storage_failure(error: BaseException) -> bool:
    """A failure of the store (disk full, locked, read-only, damaged), not a rule or a bug in
    the SQL's use of the data: the step changed nothing and may be tried again.
    IntegrityError (a broken constraint) is not one: it is a programming error. (aiosqlite
    re-raises sqlite3's errors; OperationalError is a DatabaseError.)"""
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(
        error, sqlite3.IntegrityError | sqlite3.ProgrammingError
    )


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise DatabaseError(f"migrations are not numbered 1..n: {versions}")
    return found


def latest_version() -> int:
    return len(migrations())


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply every migration newer than the database; return the version reached."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    shipped = migrations()
    if current > len(shipped):
        raise DatabaseError(
            f"the database is at schema version {current}, newer than this code knows "
            f"({len(shipped)}): run a newer Baqylau or restore a matching backup."
        )
    for version, name, sql in shipped[current:]:
        # The migration and its version bump go in one transaction: all or nothing.
        try:
            await conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        except Exception as exc:
            if conn.in_transaction:
                await conn.rollback()
            raise DatabaseError(f"migration {name} failed: {exc}") from exc
    return len(shipped)


@dataclass(eq=False, slots=True)
class _Unit:
    """One task's open transaction on the writer."""

    db: Database
    task: asyncio.Task[object] | None
    active: bool = True
    quick: bool = False  # its statements run on the loop's thread (see storage/quick.py)


_current_unit: ContextVar[_Unit | None] = ContextVar("baqylau_unit_of_work", default=None)
# Set by `Database.quickly()`: the calling task's reads outside a unit go to the quick reader.
_quick_reads: ContextVar[bool] = ContextVar("baqylau_quick_reads", default=False)


async def _connect(path: Path | str, *, reader: bool) -> aiosqlite.Connection:
    # (check_same_thread off: a quick unit of work uses the writer from the loop's thread)
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        if reader:
            await conn.execute("PRAGMA query_only = ON")
        else:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await conn.close()
        raise
    return conn


class Database:
    """The SQLite file through one writer (units of work, one at a time) and read-only readers."""

    def __init__(
        self,
        path: Path | str,
        writer: aiosqlite.Connection,
        readers: list[aiosqlite.Connection],
        quick: SyncConnection | None = None,
        *,
        background_checkpoints: bool = False,
    ) -> None:
        self.path = path
        self.writer = writer
        if not readers:
            raise ValueError("a database needs at least one reader connection")
        self.readers = readers
        self.quick = quick if quick is not None else quick_reader(path, BUSY_TIMEOUT_MS)
        # the writer's own sqlite3 connection, for the statements of a quick unit of work
        self._writer_now: SyncConnection | None = None
        # …and for quick reads between units (queries only)
        self._writer_reading: ReadingConnection | None = None
        self._next_reader = itertools.cycle(self.readers)
        self._write = asyncio.Lock()
        # False from a unit's start until every call it gave the writer's thread has returned
        # (a cancelled await leaves its call running there): only then may the loop's thread
        # use the writer (`_idle_writer`, and a quick unit's BEGIN and COMMIT)
        self._settled = False
        self._background_checkpoints = background_checkpoints  # see `open`, `_committed`
        self._commits = 0  # since the last checkpoint began
        self._checkpoint: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls, path: Path | str, *, readers: int = READERS, background_checkpoints: bool = False
    ) -> Database:
        """Open (creating its folder), switch on WAL and foreign keys, migrate, and open the
        readers and the quick reader."""
        if str(path) == ":memory:":
            raise DatabaseError("an in-memory database cannot be shared: give a file path")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, reader=False)
        opened: list[aiosqlite.Connection] = []
        try:
            await migrate(writer)
            if background_checkpoints:  # see `_committed`
                await writer.execute("PRAGMA wal_autocheckpoint = 0")
            opened.extend([await _connect(path, reader=True) for _ in range(readers)])
            quick = quick_reader(path, BUSY_TIMEOUT_MS)
        except BaseException:
            for conn in [writer, *opened]:
                await conn.close()
            raise
        db = cls(path, writer, opened, quick, background_checkpoints=background_checkpoints)
        db._settled = True  # the writer is idle: quick reads may use it
        return db

    async def close(self) -> None:
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
        self.quick.conn.close()
        self._writer_now = self._writer_reading = None
        for conn in [*self.readers, self.writer]:
            await conn.close()

    def _unit(self) -> _Unit | None:
        unit = _current_unit.get()
        if (
            unit is not None
            and unit.db is self
            and unit.active
            and unit.task is asyncio.current_task()
        ):
            return unit
        return None

    @property
    def writes_here(self) -> int:
        """Rows this process's writer has changed since it opened (sqlite3's total_changes):
        a number that moves whenever this process writes, committed or not."""
        return self.writer._conn.total_changes

    @property
    def in_unit(self) -> bool:
        """Whether the calling task is inside a unit of work on this database."""
        return self._unit() is not None

    def _in_unit(self, unit: _Unit) -> aiosqlite.Connection:
        """The writer for the statements of `unit`: synchronously for a quick one."""
        if not unit.quick:
            return self.writer
        if self._writer_now is None:  # aiosqlite's own sqlite3 connection
            self._writer_now = SyncConnection(self.writer._conn)
        return cast(aiosqlite.Connection, self._writer_now)

    @property
    def conn(self) -> aiosqlite.Connection:
        """The connection for the calling task: the writer inside its unit of work, else a
        reader (committed data only)."""
        unit = self._unit()
        if unit is not None:
            return self._in_unit(unit)
        if _quick_reads.get():
            return cast(aiosqlite.Connection, self._idle_writer() or self.quick)
        return next(self._next_reader)

    @property
    def quick_conn(self) -> aiosqlite.Connection:
        """Like `conn`, but outside a unit of work the quick reader: the statement runs at once
        on the loop's thread (`storage.quick`), for short indexed reads only."""
        unit = self._unit()
        if unit is not None:
            return self._in_unit(unit)
        # (duck-typed: it offers what the repositories use of a connection for reading)
        return cast(aiosqlite.Connection, self._idle_writer() or self.quick)

    def _idle_writer(self) -> ReadingConnection | None:
        """The writer's own connection for a short read on the loop's thread, while no unit of
        work holds it and nothing it was given is still running on its thread; None
        otherwise (the quick reader serves, then).

        Both see the latest committed data, one snapshot per statement. The writer's pages
        stay in its cache across its own commits, while every other connection's cache is
        emptied by each of them (SQLite's WAL reader starts over after another connection's
        write): under a stream of Accepts, a read here costs about a fifth less. It runs
        queries only (`ReadingConnection`), so a write slipped outside a unit still fails
        loudly."""
        if self._write.locked() or not self._settled or self.writer._conn.in_transaction:
            return None
        if self._writer_reading is None:
            self._writer_reading = ReadingConnection(self.writer._conn)
        return self._writer_reading

    @contextmanager
    def quickly(self) -> Iterator[None]:
        """Within it, the calling task's reads outside a unit of work go to the quick reader
        (`quick_conn`): for a few short reads of a repository that also has long ones."""
        token = _quick_reads.set(True)
        try:
            yield
        finally:
            _quick_reads.reset(token)

    @asynccontextmanager
    async def transaction(self, *, quick: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """A unit of work: BEGIN IMMEDIATE … COMMIT on the writer, held by this task alone for
        its whole length; ROLLBACK on any error (then the error goes on). Joins the calling
        task's own open unit, if any. `quick`: a short unit (a person's step), whose
        statements between BEGIN and COMMIT run at once on the loop's thread
        (`storage/quick.py`)."""
        joined = self._unit()
        if joined is not None:
            yield self._in_unit(joined)
            return
        async with self._write:
            # nothing an earlier unit gave the writer's thread can still be running there: a
            # quick unit's BEGIN and COMMIT may run at once on the loop's thread
            here = quick and self._settled
            self._settled = False
            unit = _Unit(self, asyncio.current_task())
            token = _current_unit.set(unit)
            try:
                try:
                    if not (here and _begin_at_once(self.writer._conn)):
                        here = False  # another process holds the write lock: wait off the loop
                        await self._on_writer_thread(_begin)
                except BaseException:
                    await self._rollback()
                    raise
                unit.quick = quick
                try:
                    yield self._in_unit(unit)
                except BaseException:
                    await self._rollback()
                    raise
                try:
                    if here:
                        _end(self.writer._conn, "COMMIT")
                    else:
                        await self._on_writer_thread(_end, "COMMIT")
                except BaseException:
                    await self._rollback()
                    raise
                self._settled = True
                self._committed()
            finally:
                unit.active = False
                _current_unit.reset(token)

    async def _rollback(self) -> None:
        """ROLLBACK if a transaction is open, on the writer's thread after whatever it is still
        running."""
        await self._on_writer_thread(_end, "ROLLBACK")
        self._settled = True

    async def _on_writer_thread(self, work: Callable[..., None], *args: str) -> None:
        """`work(the writer's sqlite3 connection, *args)` on aiosqlite's thread, after whatever
        it was given before (one queue, in order)."""
        await self.writer._execute(work, self.writer._conn, *args)  # type: ignore[no-untyped-call]

    def _committed(self) -> None:
        """After each commit, with `background_checkpoints` (the bot): every
        `CHECKPOINT_EVERY` commits, a PASSIVE checkpoint on a reader's thread (it copies what
        no reader still needs from the WAL into the database, waiting for nobody), unless one
        is still running. The writer's own automatic checkpoint is off then, so that a COMMIT
        on the loop's thread stays a few writes to the WAL; the last connection to close
        checkpoints what is left."""
        if not self._background_checkpoints:
            return  # SQLite's own, at COMMIT
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._checkpoint is not None:
            return
        self._commits = 0
        self._checkpoint = asyncio.get_running_loop().create_task(self._checkpoint_now())

    async def _checkpoint_now(self) -> None:
        try:
            async with self.readers[0].execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
                await cursor.fetchall()
        except sqlite3.Error:
            pass  # the next one tries again; readers still read the WAL meanwhile
        finally:
            self._checkpoint = None


def _begin_at_once(conn: sqlite3.Connection) -> bool:
    """On the loop's thread: BEGIN IMMEDIATE if the write lock is free now (no busy timeout);
    False if another process holds it."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # (and its extended codes)
            raise
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return True


def _begin(conn: sqlite3.Connection) -> None:
    """On the writer's thread: BEGIN IMMEDIATE, waiting up to the busy timeout for another
    process's write lock."""
    conn.execute("BEGIN IMMEDIATE")


def _end(conn: sqlite3.Connection, how: str) -> None:
    """COMMIT, or ROLLBACK if a transaction is open: on the writer's thread, or on the loop's
    for a quick unit that began there."""
    if how == "COMMIT" or conn.in_transaction:
        conn.execute(how)


class Store:
    """A repository's base: its queries run on the calling task's connection (see Database).

    A repository whose reads are all short (indexed, a row or a page) sets `quick_reads`: its
    reads outside a unit of work then run on the event loop's thread (`Database.quick_conn`)
    instead of a trip through aiosqlite's worker thread."""

    quick_reads: ClassVar[bool] = False

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def conn(self) -> aiosqlite.Connection:
        return self.db.quick_conn if self.quick_reads else self.db.conn

    async def fetch_one(self, sql: str, params: Iterable[object] = ()) -> aiosqlite.Row | None:
        """The query's first row on the calling task's connection, if any."""
        async with self.conn.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Iterable[object] = ()) -> list[aiosqlite.Row]:
        """The query's rows on the calling task's connection."""
        async with self.conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def write(self, sql: str, params: Iterable[object] = ()) -> int:
        """One statement in a unit of work of its own (or the caller's): how many rows it
        changed."""
        async with self.db.transaction(), self.conn.execute(sql, tuple(params)) as cursor:
            return cursor.rowcount

    async def replace_rows(
        self,
        table: str,
        key: str,
        key_id: int,
        columns: Sequence[str],
        rows: Iterable[Sequence[object]],
    ) -> None:
        """`table`'s rows whose `key` is `key_id` become `rows` (the values of `columns`, the
        key aside): the old ones deleted, the new inserted (fixed names only)."""
        await self.conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (key_id,))  # noqa: S608
        marks = ", ".join("?" * (len(columns) + 1))
        await self.conn.executemany(
            f"INSERT INTO {table} ({key}, {', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            [(key_id, *row) for row in rows],
        )

    async def transition(
        self,
        table: str,
        row_id: int,
        was: Enum,
        values: Mapping[str, object],
        *,
        also: str = "",
        also_params: Iterable[object] = (),
    ) -> bool:
        """Set `values` (fixed column names; enums stored as their values) on row `row_id` of
        `table` only while its status is still `was` and the fixed condition `also` (" AND …")
        holds: whether it changed. Of two concurrent decisions the first wins; the second
        finds the row moved on and changes nothing."""
        columns, stored = set_clause(values)
        cursor = await self.conn.execute(
            f"UPDATE {table} SET {columns}"  # noqa: S608 - fixed fragments only
            f" WHERE id = ? AND status = ?{also}",
            (*stored, row_id, was.value, *also_params),
        )
        return cursor.rowcount > 0


S = TypeVar("S", bound=Store)
P = ParamSpec("P")
T = TypeVar("T")


def quick(
    read: Callable[Concatenate[S, P], Awaitable[T]],
) -> Callable[Concatenate[S, P], Awaitable[T]]:
    """A repository's short read (a row or a few by an index): outside a unit of work it runs
    on the quick reader (`Database.quickly`)."""

    @functools.wraps(read)
    async def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self.db.quickly():
            return await read(self, *args, **kwargs)

    return run


def set_clause(values: Mapping[str, object]) -> tuple[str, tuple[object, ...]]:
    """An UPDATE's "a = ?, b = ?" for `values` (fixed column names) and the values to bind,
    enums as their values."""
    columns = ", ".join(f"{column} = ?" for column in values)
    return columns, tuple(v.value if isinstance(v, Enum) else v for v in values.values())


async def open_database(
    path: Path | str, *, readers: int = READERS, background_checkpoints: bool = False
) -> Database:
    return await Database.open(
        path, readers=readers, background_checkpoints=background_checkpoints
    )


@asynccontextmanager
async def connect(
    path: Path | str, *, readers: int = READERS, background_checkpoints: bool = False
) -> AsyncIterator[Database]:
    db = await Database.open(path, readers=readers, background_checkpoints=background_checkpoints)
    try:
        yield db
    finally:
        await db.close()


class Busy(Exception):
    """Another process holds the lock for this kind of work; the message says who."""


@contextmanager
def exclusive(path: Path | str, work: str) -> Iterator[None]:
    """One process at a time for `work` (e.g. imports) on this database: an OS file lock next
    to it, released when the process ends however it ends. Busy when it is held."""
    lock_path = Path(f"{path}.{work}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            raise Busy(f"another {work} is running ({holder or 'holder unknown'})") from None
        os.ftruncate(fd, 0)
        since = datetime.now(UTC).astimezone()
        os.pwrite(fd, f"pid {os.getpid()}, since {since:%Y-%m-%d %H:%M:%S}".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def backup_to(source: Path | str, target: Path | str) -> int:
    """A consistent copy of the live database with SQLite's online backup API, in one step
    under one read snapshot (in WAL, the bot keeps reading and writing meanwhile, and the copy
    never restarts); written beside the target and renamed when complete. The page count."""
    if not Path(source).is_file():
        raise DatabaseError(f"{source}: no database here (see DATABASE_PATH)")
    target = Path(target)
    if target.exists():
        raise DatabaseError(f"{target} exists already: name a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000) as src:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            count = int(dst.execute("PRAGMA page_count").fetchone()[0])
        finally:
            dst.close()
    src.close()
    os.replace(partial, target)
    return count


def check_copy(path: Path | str) -> tuple[int, dict[str, int]]:
    """Check a copy: integrity, foreign keys, schema version; (version, rows per main table).
    DatabaseError says what is wrong."""
    if not Path(path).is_file():
        raise DatabaseError(f"{path}: no such file")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if integrity != ["ok"]:
            raise DatabaseError(f"{path}: integrity check failed: {'; '.join(integrity[:5])}")
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise DatabaseError(f"{path}: foreign key check failed")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > latest_version():
            raise DatabaseError(f"{path}: schema version {version} is newer than this code")
        counts = {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
            for table in COUNTED_TABLES
            if conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
        }
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path}: not a readable Baqylau database: {exc}") from exc
    finally:
        conn.close()
    return version, counts


COUNTED_TABLES = (
    "people",
    "departments",
    "assignments",
    "extension_requests",
    "remark_rounds",
    "meetings",
    "outbox",
    "audit",
)

"""The SQLite file: connection set-up and versioned migrations (PRAGMA user_version)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


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


async def open_database(path: Path | str) -> aiosqlite.Connection:
    """Open (creating its folder), switch on WAL and foreign keys, and migrate."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await migrate(conn)
    except BaseException:
        await conn.close()
        raise
    return conn


@asynccontextmanager
async def connect(path: Path | str) -> AsyncIterator[aiosqlite.Connection]:
    conn = await open_database(path)
    try:
        yield conn
    finally:
        await conn.close()


@asynccontextmanager
async def transaction(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error; joins an outer transaction if open."""
    if conn.in_transaction:
        yield conn
        return
    await conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        await conn.rollback()
        raise
    await conn.commit()

"""The file tables (report, material, round and answer files): an owner's row id, a position,
the Telegram file id and the file's name."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite

from storage.domain.files import Attachment


async def attachments_of(
    conn: aiosqlite.Connection, table: str, owner: str, owner_ids: Sequence[int]
) -> dict[int, list[Attachment]]:
    """The files of several owners in one query, each owner's in position order."""
    found: dict[int, list[Attachment]] = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return found
    async with conn.execute(
        f"SELECT * FROM {table} WHERE {owner} IN (SELECT value FROM json_each(?))"  # noqa: S608
        f" ORDER BY {owner}, position",
        (json.dumps(list(owner_ids)),),
    ) as cursor:
        for row in await cursor.fetchall():
            found[row[owner]].append(Attachment(row["file_id"], row["file_name"]))
    return found


async def save_attachments(
    conn: aiosqlite.Connection,
    table: str,
    owner: str,
    owner_id: int,
    files: Sequence[Attachment],
    *,
    first: int = 0,
) -> None:
    """Add the owner's files, numbered from `first` in their order."""
    await conn.executemany(
        f"INSERT INTO {table} ({owner}, position, file_id, file_name)"  # noqa: S608 - fixed names
        " VALUES (?, ?, ?, ?)",
        [
            (owner_id, position, item.file_id, item.file_name)
            for position, item in enumerate(files, start=first)
        ],
    )

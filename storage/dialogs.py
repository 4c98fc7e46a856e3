"""The dialogs in progress: each person's dialog state and its data (aiogram's FSM, kept by
`bot/dialogs.py`) on the SQLite file, so a restart loses no half-written report or dialog."""

from __future__ import annotations

import json
from typing import Any

from storage.audit import now_utc
from storage.db import Store


class DialogRepo(Store):
    """One row per storage key; the data is JSON (the dialogs keep plain values: texts, numbers,
    lists, ISO dates)."""

    quick_reads = True  # one row by its key, on every update

    async def state(self, key: str) -> str | None:
        row = await self.fetch_one("SELECT state FROM dialogs WHERE key = ?", (key,))
        return row["state"] if row else None

    async def data(self, key: str) -> dict[str, Any]:
        row = await self.fetch_one("SELECT data FROM dialogs WHERE key = ?", (key,))
        return dict(json.loads(row["data"])) if row else {}

    async def set_state(self, key: str, state: str | None) -> None:
        await self._put(key, "state", state)

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        await self._put(key, "data", json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    async def _put(self, key: str, column: str, value: str | None) -> None:
        """One unit of work: the new state or data; a row left with neither is deleted (a
        finished dialog leaves nothing)."""
        assert column in {"state", "data"}
        async with self.db.transaction(quick=True) as conn:
            await conn.execute(
                f"INSERT INTO dialogs (key, {column}, updated_at) VALUES (?, ?, ?)"  # noqa: S608
                f" ON CONFLICT (key) DO UPDATE SET {column} = excluded.{column},"
                " updated_at = excluded.updated_at",
                (key, value, now_utc().isoformat()),
            )
            await conn.execute(
                "DELETE FROM dialogs WHERE key = ? AND state IS NULL AND data = '{}'", (key,)
            )

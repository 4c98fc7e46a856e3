"""The dialogs in progress: each person's dialog state and its data (aiogram's FSM, kept by
`bot/dialogs.py`) on the SQLite file, so a restart loses no half-written report or dialog."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from storage.audit import now_utc
from storage.db import Database, Store

# The most dialog states kept (every Telegram account that writes to the bot has one, joined
# or not: aiogram reads it before anyone is looked up).
KEPT_STATES = 10_000


class DialogRepo(Store):
    """One row per storage key; the data is JSON (the dialogs keep plain values: texts, numbers,
    lists, ISO dates)."""

    quick_reads = True  # one row by its key, on every update

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # Each key's committed state as last read (None: no dialog), asked on every update by
        # aiogram's FSM middleware. Only this repository writes the table, in the bot's own
        # process. A read is kept only if no write began or ended meanwhile (`_changes`) and
        # none is under way for the key; a write empties the key before and after, so the next
        # read goes to the file. A write that joins a caller's unit of work commits with that
        # unit, later than the write returns: its key is never kept again (rare).
        self._states: dict[str, str | None] = {}
        self._writing: Counter[str] = Counter()
        self._unsettled: set[str] = set()
        self._changes = 0

    async def state(self, key: str) -> str | None:
        if key in self._states:
            return self._states[key]
        changes = self._changes
        row = await self.fetch_one("SELECT state FROM dialogs WHERE key = ?", (key,))
        state: str | None = row["state"] if row else None
        if (
            changes == self._changes
            and key not in self._writing
            and key not in self._unsettled
            and not self.db.in_unit  # (the writer's view, not yet committed)
        ):
            if len(self._states) >= KEPT_STATES:  # strangers' accounts cannot grow it unbounded
                self._states.clear()
            self._states[key] = state
        return state

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
        if self.db.in_unit:
            self._unsettled.add(key)
        self._changes += 1
        self._writing[key] += 1
        self._states.pop(key, None)
        try:
            await self._write(key, column, value)
        finally:
            self._changes += 1
            self._writing[key] -= 1
            if not self._writing[key]:
                del self._writing[key]
            self._states.pop(key, None)

    async def _write(self, key: str, column: str, value: str | None) -> None:
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

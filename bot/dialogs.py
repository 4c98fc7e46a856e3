"""aiogram's FSM storage on the SQLite file (`storage/dialogs.py`): dialogs and drafts survive
a restart of the bot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StorageKey

from storage.dialogs import DialogRepo


class SqliteStorage(BaseStorage):
    def __init__(self, dialogs: DialogRepo) -> None:
        self.dialogs = dialogs
        self.keys = DefaultKeyBuilder(with_destiny=True)

    def _key(self, key: StorageKey) -> str:
        return self.keys.build(key)

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self.dialogs.set_state(self._key(key), name)

    async def get_state(self, key: StorageKey) -> str | None:
        return await self.dialogs.state(self._key(key))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self.dialogs.set_data(self._key(key), dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self.dialogs.data(self._key(key))

    async def close(self) -> None:
        """The database is closed by whoever opened it."""

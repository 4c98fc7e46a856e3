"""The dialog state asked on every update is kept in memory (`storage/dialogs.py`), and what is
kept is never older than the file: writes empty it, a read overlapping a write is not kept, and
a write inside a caller's unit of work that is rolled back leaves the old state."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from storage.db import Database
from storage.dialogs import DialogRepo
from storage.repo import Repos

KEY = "bot:77:77:default"


class Counting(DialogRepo):
    """A DialogRepo that counts the statements it reads."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.reads = 0

    async def fetch_one(self, sql: str, params: Any = ()) -> Any:
        self.reads += 1
        return await super().fetch_one(sql, params)


@pytest.fixture
def dialogs(db: Database) -> Counting:
    return Counting(db)


async def test_a_state_is_read_once_then_kept(dialogs: Counting) -> None:
    assert await dialogs.state(KEY) is None
    assert await dialogs.state(KEY) is None
    assert dialogs.reads == 1
    await dialogs.set_state(KEY, "Report:collecting")
    assert await dialogs.state(KEY) == "Report:collecting"
    assert await dialogs.state(KEY) == "Report:collecting"
    assert dialogs.reads == 2
    await dialogs.set_data(KEY, {"id": 5})  # the data's write empties the key too
    assert await dialogs.state(KEY) == "Report:collecting"
    await dialogs.set_state(KEY, None)
    await dialogs.set_data(KEY, {})
    assert await dialogs.state(KEY) is None
    assert await dialogs.fetch_all("SELECT * FROM dialogs") == []


async def test_another_repository_on_the_file_sees_the_change(db: Database) -> None:
    first, second = DialogRepo(db), DialogRepo(db)
    assert await second.state(KEY) is None
    await first.set_state(KEY, "Extension:reason")
    # `second` (say, the bot before a restart) kept None; a fresh one reads the file
    assert await DialogRepo(db).state(KEY) == "Extension:reason"


async def test_a_read_during_a_write_is_not_kept(db: Database, dialogs: Counting) -> None:
    # the write holds the writer while a read of the same key runs meanwhile
    entered, release = asyncio.Event(), asyncio.Event()
    real = dialogs._write

    async def slow_write(key: str, column: str, value: str | None) -> None:
        entered.set()
        await release.wait()
        await real(key, column, value)

    dialogs._write = slow_write  # type: ignore[method-assign]
    writing = asyncio.create_task(dialogs.set_state(KEY, "Remark:text"))
    await entered.wait()
    assert await dialogs.state(KEY) is None  # committed: nothing yet
    assert KEY not in dialogs._states
    release.set()
    await writing
    assert await dialogs.state(KEY) == "Remark:text"


async def test_concurrent_writes_and_reads_end_on_the_last_write(dialogs: Counting) -> None:
    states = [f"Dialog:step{i}" for i in range(20)]

    async def reader() -> None:
        for _ in range(40):
            await dialogs.state(KEY)
            await asyncio.sleep(0)

    async def writer() -> None:
        for state in states:
            await dialogs.set_state(KEY, state)

    await asyncio.gather(reader(), writer(), reader())
    assert await dialogs.state(KEY) == states[-1]
    assert await DialogRepo(dialogs.db).state(KEY) == states[-1]


async def test_a_write_in_a_rolled_back_unit_leaves_the_old_state(
    repos: Repos, dialogs: Counting
) -> None:
    await dialogs.set_state(KEY, "Report:collecting")
    assert await dialogs.state(KEY) == "Report:collecting"
    with pytest.raises(RuntimeError):
        async with repos.transaction():
            await dialogs.set_state(KEY, "Report:confirm")
            # another task reads meanwhile: the committed state, not kept
            assert await asyncio.create_task(dialogs.state(KEY)) == "Report:collecting"
            raise RuntimeError("the step failed")
    assert await dialogs.state(KEY) == "Report:collecting"
    # a write joining a unit that commits: seen once the unit has committed
    async with repos.transaction():
        await dialogs.set_state(KEY, "Report:confirm")
        assert await asyncio.create_task(dialogs.state(KEY)) == "Report:collecting"
    assert await dialogs.state(KEY) == "Report:confirm"


async def test_strangers_cannot_grow_the_kept_states_without_bound(
    dialogs: Counting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.dialogs.KEPT_STATES", 3)
    for account in range(10):
        assert await dialogs.state(f"bot:{account}:{account}:default") is None
        assert len(dialogs._states) <= 3
    await dialogs.set_state(KEY, "Report:collecting")
    assert await dialogs.state(KEY) == "Report:collecting"

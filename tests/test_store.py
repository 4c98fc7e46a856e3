"""The store itself: units of work, the sender's claims and parts, imports in slices, the
import lock, and backups."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n

from bot import cli
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter, Rendered, Renderers, dead_owners
from bot.factory import create_bot
from bot.profiles import Profile
from bot.staff.csv_import import parse_staff_csv
from handlers.outbox import RENDERERS
from storage.assignments import ImportInterrupted
from storage.db import Busy, Database, DatabaseError, backup_to, check_copy, exclusive
from storage.domain.assignments import ControlType, NewAssignment
from storage.domain.enums import Language, Source
from storage.domain.staff import CsvProblem
from storage.models import Person
from storage.outbox import OutboxItem
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.fake_api import FakeBotAPI
from tests.helpers import everyone_joined

AT = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
EDU = "Отдел образования"


def new_item(number: str, line: int = 0) -> NewAssignment:
    return NewAssignment(
        reg_number=number,
        received=TODAY,
        source=Source.AKIM,
        summary=f"Поручение {number}",
        executors=(EDU,),
        line=line,
    )


async def count(repos: Repos, sql: str, *params: object) -> int:
    async with repos.conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


# --- units of work ------------------------------------------------------------------------------


async def test_a_unit_is_invisible_to_others_until_it_commits(staffed: Repos) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    async def writer() -> None:
        async with staffed.transaction() as conn:
            await conn.execute("UPDATE people SET position = 'draft' WHERE code = 'edu_head'")
            inside.set()
            await release.wait()
            order.append("first committed")

    async def other_writer() -> None:
        await inside.wait()
        async with staffed.transaction() as conn:  # waits for the first unit to end
            order.append("second began")
            await conn.execute("UPDATE people SET position = 'second' WHERE code = 'fin_head'")

    first = asyncio.create_task(writer())
    second = asyncio.create_task(other_writer())
    await inside.wait()
    # a reader sees only committed data, even while the unit is open
    person = await staffed.staff.by_code("edu_head")
    assert person is not None
    assert person.position != "draft"
    assert not staffed.db.in_unit
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first committed", "second began"]
    assert await count(staffed, "SELECT COUNT(*) FROM people WHERE position = 'draft'") == 1


async def test_another_tasks_failure_rolls_back_only_its_own_unit(staffed: Repos) -> None:
    started = asyncio.Event()

    async def failing() -> None:
        async with staffed.transaction() as conn:
            await conn.execute("UPDATE people SET position = 'lost' WHERE code = 'edu_head'")
            started.set()
            await asyncio.sleep(0)
            raise RuntimeError("the step failed")

    async def succeeding() -> None:
        await started.wait()
        async with staffed.transaction() as conn:
            await conn.execute("UPDATE people SET position = 'kept' WHERE code = 'fin_head'")

    results = await asyncio.gather(failing(), succeeding(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert results[1] is None
    assert await count(staffed, "SELECT COUNT(*) FROM people WHERE position = 'lost'") == 0
    assert await count(staffed, "SELECT COUNT(*) FROM people WHERE position = 'kept'") == 1


async def test_nested_units_join_and_writes_outside_a_unit_fail(staffed: Repos) -> None:
    with pytest.raises(RuntimeError):
        async with staffed.transaction():
            async with staffed.transaction() as inner:  # the same task: joins
                await inner.execute("UPDATE people SET position = 'x' WHERE code = 'ctrl'")
            raise RuntimeError("outer fails")
    assert await count(staffed, "SELECT COUNT(*) FROM people WHERE position = 'x'") == 0
    # the readers are read-only: a write that forgot its unit fails loudly
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await staffed.conn.execute("UPDATE people SET position = 'y'")


async def test_a_task_started_inside_a_unit_does_not_join_it(staffed: Repos) -> None:
    seen: list[bool] = []

    async def child() -> None:
        seen.append(staffed.db.in_unit)

    async with staffed.transaction():
        task = asyncio.create_task(child())
        await asyncio.sleep(0)
    await task
    assert seen == [False]


async def test_a_failed_commit_rolls_back_and_the_store_recovers(staffed: Repos) -> None:
    writer = staffed.db.writer
    async with writer.execute("PRAGMA page_count") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    await writer.execute(f"PRAGMA max_page_count = {row[0]}")  # the disk is full
    with pytest.raises(sqlite3.OperationalError, match="full"):
        async with staffed.transaction() as conn:
            await conn.executemany(
                "INSERT INTO audit (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)",
                [("2026", "t", "bulk", "x", "y" * 2000)] * 500,
            )
    assert not writer.in_transaction
    assert await count(staffed, "SELECT COUNT(*) FROM audit WHERE action = 'bulk'") == 0
    await writer.execute("PRAGMA max_page_count = 1073741823")
    async with staffed.transaction() as conn:
        await conn.execute(
            "INSERT INTO audit (at, actor, action, entity, entity_id) VALUES (?, ?, ?, ?, ?)",
            ("2026", "t", "after", "x", "y"),
        )
    assert await count(staffed, "SELECT COUNT(*) FROM audit WHERE action = 'after'") == 1


async def test_an_in_memory_database_is_refused() -> None:
    with pytest.raises(DatabaseError, match="file path"):
        await Database.open(":memory:")


# --- the sender's claims ------------------------------------------------------------------------


async def test_claims_carry_their_owner_and_a_dead_owners_claims_are_taken_at_once(
    staffed: Repos,
) -> None:
    await everyone_joined(staffed)
    edu = await staffed.staff.by_code("edu_head")
    assert edu is not None
    for key in ("a", "b"):
        await staffed.outbox.enqueue(key, edu.id, "card", {}, not_before=AT)
    gone = "thishost:999999999:dead"
    claimed = await staffed.outbox.claim(AT, owner=gone)
    assert len(claimed) == 2
    assert await staffed.outbox.claim_owners() == [gone]
    # a live owner's claims wait for the lease; a dead one's are taken at once
    assert await staffed.outbox.claim(AT, owner="me") == []
    assert dead_owners([gone, "otherhost:1:x"], host="thishost") == [gone]
    again = await staffed.outbox.claim(AT, owner="me", dead_owners=[gone])
    assert [item.key for item in again] == ["a", "b"]
    # renewing keeps them; releasing gives them back
    later = AT + timedelta(seconds=25)
    assert await staffed.outbox.renew("me", later) == 2
    assert await staffed.outbox.claim(later + timedelta(seconds=20), owner="other") == []
    assert await staffed.outbox.release("me") == 2
    assert (await staffed.outbox.counts())["pending"] == 2


async def test_the_last_persons_group_is_completed_past_the_limit(staffed: Repos) -> None:
    await everyone_joined(staffed)
    edu = await staffed.staff.by_code("edu_head")
    fin = await staffed.staff.by_code("fin_head")
    assert edu is not None
    assert fin is not None
    await staffed.outbox.enqueue("f", fin.id, "notice", {}, not_before=AT - timedelta(1))
    for number in range(5):
        await staffed.outbox.enqueue(f"e{number}", edu.id, "notice", {}, not_before=AT)
    claimed = await staffed.outbox.claim(AT, limit=2)
    assert [item.key for item in claimed] == ["f", "e0", "e1", "e2", "e3", "e4"]


def texts(api: FakeBotAPI) -> list[str]:
    return [str(call.params["text"]) for call in api.calls("sendMessage") if call.ok]


# --- parts of a message -------------------------------------------------------------------------


@pytest.fixture
async def bound(staffed: Repos) -> Person:
    person = await staffed.staff.by_code("edu_head")
    assert person is not None
    await staffed.staff.bind_telegram(person, 101, actor="test")
    bound = await staffed.staff.by_code("edu_head")
    assert bound is not None
    return bound


@pytest.mark.no_language_guard  # a made-up text of 4,000+ characters, split in parts
async def test_a_message_in_parts_resumes_after_the_last_part_sent(
    api: FakeBotAPI,
    staffed: Repos,
    bound: Person,
    i18n: I18n,
    settings: Settings,
    profile: Profile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [f"строка {n:05d} " + "ж" * 80 for n in range(100)]  # ~9,000 characters

    async def render(_d: Deliverer, _item: OutboxItem, _p: Person) -> Rendered:
        text = "\n".join(lines)
        return Rendered(text, attachments=[BufferedInputFile(b"x", filename="list.xlsx")])

    renderers = Renderers({**RENDERERS.single, "test_parts": render}, RENDERERS.grouped)
    real = Settings(
        _env_file=None,
        bot_token=api.token,
        bot_api_url=api.base_url,
        database_path=settings.database_path,
    )
    bot = create_bot(real)
    try:
        sender = Deliverer(
            bot, staffed, i18n, real, profile, RateLimiter(1000, 0), renderers=renderers
        )
        await staffed.outbox.enqueue("parts:1", bound.id, "test_parts", {})
        api.fail_next("sendDocument", status=500)
        first = await sender.drain()
        assert (first.sent, first.retried) == (0, 1)
        pieces = texts(api)
        assert len(pieces) == 3
        stored = await staffed.outbox.get("parts:1")
        assert stored is not None
        assert (stored.status, stored.parts_sent) == ("pending", 3)
        assert stored.pieces == pieces
        # the list grows before the retry: the message goes on with the text it started with
        lines.extend(f"новая {n:05d} " + "ж" * 80 for n in range(50))
        second = await sender.drain(now=datetime.now(UTC) + timedelta(minutes=5))
        assert second.sent == 1
    finally:
        await bot.session.close()
    # the text went once; only the file was sent again
    assert texts(api) == pieces
    assert len([c for c in api.calls("sendDocument") if c.ok]) == 1
    done = await staffed.outbox.get("parts:1")
    assert done is not None
    assert done.status == "sent"


# --- imports ------------------------------------------------------------------------------------


async def test_an_import_is_checked_whole_then_written_in_slices(staffed: Repos) -> None:
    rows = [
        (new_item(f"S-{n}", line=n + 2), date(2026, 4, 1), ControlType.MEDIUM) for n in range(6)
    ]
    bad = [*rows[:3], (new_item("S-0", line=9), date(2026, 4, 1), ControlType.MEDIUM)]
    with pytest.raises(CsvProblem, match="line 9: registration number S-0 appears twice"):
        await staffed.assignments.import_many(bad, registered_on=TODAY, actor="t")
    assert await count(staffed, "SELECT COUNT(*) FROM assignments") == 0

    seen: list[int] = []
    units: list[bool] = []

    async def then(_item: Any) -> None:
        units.append(staffed.db.in_unit)

    created = await staffed.assignments.import_many(
        rows, registered_on=TODAY, actor="t", then=then, slice_seconds=0, progress=seen.append
    )
    assert [a.reg_number for a in created] == [f"S-{n}" for n in range(6)]
    assert seen == [1, 2, 3, 4, 5, 6]  # one unit a row with a zero slice
    assert units == [True] * 6


async def test_a_row_that_turns_bad_mid_import_says_how_far_it_went(staffed: Repos) -> None:
    rows = [
        (new_item(f"R-{n}", line=n + 2), date(2026, 4, 1), ControlType.MEDIUM) for n in range(4)
    ]

    async def someone_registers_r2(item: Any) -> None:
        if item.reg_number == "R-0":
            await staffed.assignments.create(
                new_item("R-2"),
                deadline=date(2026, 4, 1),
                control_type=ControlType.MEDIUM,
                registered_on=TODAY,
                actor="someone",
            )

    with pytest.raises(ImportInterrupted) as stop:
        await staffed.assignments.import_many(
            rows, registered_on=TODAY, actor="t", then=someone_registers_r2, slice_seconds=0
        )
    assert (stop.value.line, stop.value.registered) == (4, 2)
    numbers = await count(staffed, "SELECT COUNT(*) FROM assignments WHERE created_by = 't'")
    assert numbers == 2


def test_a_second_import_is_refused_while_one_runs(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with (
        exclusive(path, "import"),
        pytest.raises(Busy, match=r"another import is running \(pid \d+"),
        exclusive(path, "import"),
    ):
        pass
    with exclusive(path, "import"):  # free again
        pass


async def test_cli_import_while_another_runs_changes_nothing(
    settings: Settings, staffed: Repos, tmp_path: Path
) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text(
        "reg_number,received,source,issuer_code,summary,executors,deadline,mark,restricted\n"
        "X-1,2026-03-02,akim,,Поручение,Отдел образования,2026-04-01,,\n",
        encoding="utf-8",
    )
    with exclusive(settings.database_path, "import"):
        with pytest.raises(cli.CliError, match="another import is running"):
            await cli.assignments_import(settings, csv)
        with pytest.raises(cli.CliError, match="another import is running"):
            staff = tmp_path / "s.csv"
            staff.write_text(STAFF_CSV, encoding="utf-8")
            await cli.staff_import(settings, staff)
    assert await count(staffed, "SELECT COUNT(*) FROM assignments") == 0


# --- backups ------------------------------------------------------------------------------------


async def test_backup_while_writing_is_consistent_and_checked(
    settings: Settings, staffed: Repos, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = asyncio.Event()

    async def keep_writing() -> int:
        written = 0
        while not stop.is_set():
            async with staffed.transaction() as conn:
                await conn.execute(
                    "INSERT INTO audit (at, actor, action, entity, entity_id)"
                    " VALUES ('2026', 't', 'w', 'x', ?)",
                    (str(written),),
                )
            written += 1
            await asyncio.sleep(0)
        return written

    writing = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    copy = tmp_path / "backups" / "copy.sqlite3"
    await cli.backup(settings, copy)
    stop.set()
    written = await writing
    assert written > 0
    out = capsys.readouterr().out
    assert "integrity ok" in out
    assert "people 8" in out
    version, counts = check_copy(copy)
    assert counts["people"] == 8
    assert version >= 6
    # the copy opens as a database of its own
    restored = await Database.open(copy)
    try:
        assert await count(Repos(restored), "SELECT COUNT(*) FROM departments") > 0
    finally:
        await restored.close()
    with pytest.raises(DatabaseError, match="exists already"):
        backup_to(settings.database_path, copy)


def test_a_damaged_copy_is_reported(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="not a readable"):
        check_copy(junk)
    with pytest.raises(DatabaseError, match="no such file"):
        check_copy(tmp_path / "missing.sqlite3")


async def test_people_import_through_the_cli_still_works(
    settings: Settings, tmp_path: Path
) -> None:
    staff = tmp_path / "s.csv"
    staff.write_text(STAFF_CSV, encoding="utf-8")
    await cli.staff_import(settings, staff)
    rows = parse_staff_csv(STAFF_CSV, Language.KK)
    db = await Database.open(settings.database_path)
    try:
        assert await count(Repos(db), "SELECT COUNT(*) FROM people") == len(rows)
    finally:
        await db.close()


async def test_a_dead_senders_group_is_taken_over_whole(staffed: Repos) -> None:
    """A digest the killed sender had claimed is not split by the claim limit at restart (a
    piece would resume at the wrong part and its lines would be lost)."""
    await everyone_joined(staffed)
    edu = await staffed.staff.by_code("edu_head")
    assert edu is not None
    for number in range(5):
        await staffed.outbox.enqueue(f"n{number}", edu.id, "notice", {}, not_before=AT)
    gone = "thishost:999999999:dead"
    assert len(await staffed.outbox.claim(AT, owner=gone)) == 5
    taken = await staffed.outbox.claim(AT, limit=2, owner="me", dead_owners=[gone])
    assert [item.key for item in taken] == [f"n{number}" for number in range(5)]

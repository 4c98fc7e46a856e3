"""Storage failures while officials work: a full disk, a failed COMMIT and a held write lock
leave nothing half done, and each person is told in their language that nothing was saved."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.utils.i18n import I18n

import storage.db
from bot import services
from bot.assignments import steps as assignment_steps
from bot.config import Settings
from bot.profiles import Profile
from handlers.common import STORAGE_FAILED
from storage.db import Database, connect
from storage.domain.assignments import Status
from storage.repo import Repos
from tests.concurrency_kit import (
    EDUCATION,
    MOMENT,
    TG,
    answers,
    ask_extension,
    check_one_decision,
    decide,
    decisions_on,
    fetch,
    number,
    outbox_keys,
    query_id,
    register,
    said,
)
from tests.fakes import make_callback
from tests.helpers import (
    World,
    bind_all,
    buttons,
    department_id,
    join,
    person,
)

# --- 5. storage failures ------------------------------------------------------------------------


async def page_limit(db: Database, pages: int | None = None) -> None:
    """Let the file grow to `pages` (its size now when None: the disk is full) or without limit."""
    if pages is None:
        async with db.writer.execute("PRAGMA page_count") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        pages = int(row[0])
    async with db.writer.execute(f"PRAGMA max_page_count = {pages}") as cursor:
        await cursor.fetchall()


async def fill_the_disk(db: Database) -> None:
    """The disk is full: the file may not grow, and the room left in the audit table's last
    page is taken, so the next row a step writes needs a page that cannot be had."""
    await page_limit(db)
    for size in (1000, 200, 40, 1):
        while True:
            try:
                async with db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO audit (at, actor, action, entity, entity_id, new_value)"
                        " VALUES ('2000-01-01', 'filler', 'filler', 'filler', 'filler', ?)",
                        ("x" * size,),
                    )
            except sqlite3.OperationalError as error:
                assert "full" in str(error)
                break


async def snapshot(repos: Repos) -> dict[str, object]:
    """What a failed step must leave exactly as it was."""
    return {
        "outbox": await fetch(repos, "SELECT key, status FROM outbox ORDER BY id"),
        "audit": await number(repos, "SELECT COUNT(*) FROM audit"),
        "executors": await fetch(
            repos,
            "SELECT assignment_id, department_id, accepted_at, accepted_by"
            " FROM assignment_executors ORDER BY assignment_id, department_id",
        ),
        "assignments": await fetch(
            repos, "SELECT id, status, deadline, extensions FROM assignments ORDER BY id"
        ),
        "requests": await fetch(
            repos, "SELECT id, status, decided_by FROM extension_requests ORDER BY id"
        ),
        "reports": await number(repos, "SELECT COUNT(*) FROM reports"),
    }


def plain(shot: dict[str, object]) -> dict[str, object]:
    return {
        key: [tuple(row) for row in value] if isinstance(value, list) else value
        for key, value in shot.items()
    }


async def test_a_full_disk_tells_each_person_nothing_was_saved_in_their_language(
    world: World,
    i18n: I18n,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two heads tap Accept at once on a full disk: each hears «not saved» in their own
    language, nobody hears «accepted», nothing changed; with room again, the tap is saved."""
    repos = world.repos
    for code, lang in (("edu_head", "kk"), ("fin_head", "ru"), ("ctrl", "ru")):
        await join(world.dp, world.bot, repos, code, TG[code], lang)
    ctx = await services.make_context(repos, world.profile, world.settings)
    item = await register(ctx, "F-1")
    await world.deliverer.drain()
    taps = {}
    for code, label in (("edu_head", "✅ Қабылдау"), ("fin_head", "✅ Принять")):
        [card] = [
            m for m in world.bot.sent() if isinstance(m, SendMessage) and m.chat_id == TG[code]
        ]
        taps[code] = buttons(card)[label]
    world.bot.clear()

    await fill_the_disk(repos.db)
    before = plain(await snapshot(repos))
    audit_rows = await number(repos, "SELECT COUNT(*) FROM audit")
    edu_tap = make_callback(taps["edu_head"], user_id=TG["edu_head"], language_code="kk")
    fin_tap = make_callback(taps["fin_head"], user_id=TG["fin_head"], language_code="ru")
    await asyncio.gather(
        world.dp.feed_update(world.bot, edu_tap), world.dp.feed_update(world.bot, fin_tap)
    )

    told = answers(world.bot)
    [edu_answer] = told[query_id(edu_tap)]
    [fin_answer] = told[query_id(fin_tap)]
    assert edu_answer.text == said(i18n, "kk", STORAGE_FAILED)
    assert (edu_answer.text or "").startswith("Сақталмады")
    assert fin_answer.text == said(i18n, "ru", STORAGE_FAILED)
    assert (fin_answer.text or "").startswith("Не сохранено")
    assert edu_answer.show_alert and fin_answer.show_alert
    assert not any(isinstance(m, EditMessageText) for m in world.bot.sent())  # no «Қабылданды»
    assert plain(await snapshot(repos)) == before
    assert not repos.db.writer.in_transaction
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert all("full" in r.getMessage() for r in failures)

    # room again: the same tap is saved, with its audit row and its notice
    await page_limit(repos.db, 1_073_741_823)
    world.bot.clear()
    again = make_callback(taps["edu_head"], user_id=TG["edu_head"], language_code="kk")
    await world.dp.feed_update(world.bot, again)
    [answer] = answers(world.bot)[query_id(again)]
    assert answer.text == said(i18n, "kk", "Accepted.")
    stored = await repos.assignments.get(item.id)
    assert stored is not None
    assert stored.status is Status.ACCEPTED
    edu = await department_id(repos, EDUCATION)
    executor = stored.executor(edu)
    assert executor is not None and executor.accepted_by == "edu_head"
    assert await number(repos, "SELECT COUNT(*) FROM audit") == audit_rows + 1
    ctrl = await person(repos, "ctrl")
    assert await outbox_keys(repos, "accepted:") == [f"accepted:{item.id}:{edu}:{ctrl.id}"]


async def test_a_step_that_cannot_be_written_leaves_nothing_half_done(
    staffed: Repos,
    profile: Profile,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed COMMIT (everything written, then the write refused), a full disk halfway
    through a step, and the write lock held by another process past the busy timeout: the step
    raises a storage failure and the database is as it was; then it works again."""
    repos = staffed
    people = await bind_all(
        repos, {code: TG[code] for code in ["akim", "hoa", "edu_head", "fin_head", "ctrl"]}
    )
    ctx = await services.make_context(repos, profile, settings, now=MOMENT)
    item = await register(ctx, "H-1")
    request = await ask_extension(ctx, people["edu_head"], item)
    edu = await department_id(repos, EDUCATION)
    writer = repos.db.writer

    # 1. the COMMIT fails after the whole decision was written
    before = plain(await snapshot(repos))
    end = storage.db._end

    def refusing_commit(conn: sqlite3.Connection, how: str) -> None:
        if how == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        end(conn, how)

    monkeypatch.setattr(storage.db, "_end", refusing_commit)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        await decide(ctx, people["akim"], request, approve=True)
    monkeypatch.undo()
    assert not writer.in_transaction
    assert plain(await snapshot(repos)) == before
    assert await decisions_on(repos, request.id) == []
    assert await outbox_keys(repos, "extdone:") == []

    # 2. the disk fills up halfway through a report and an acceptance
    await fill_the_disk(repos.db)
    before = plain(await snapshot(repos))
    results = await asyncio.gather(
        assignment_steps.submit_report(ctx, people["edu_head"], item, edu, "Исполнено.", []),
        assignment_steps.accept(ctx, people["edu_head"], item, edu),
        decide(ctx, people["hoa"], request, approve=False),
        return_exceptions=True,
    )
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
    assert not writer.in_transaction
    assert plain(await snapshot(repos)) == before
    await page_limit(repos.db, 1_073_741_823)

    # 3. another process holds the write lock past the busy timeout
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(settings.database_path, isolation_level=None)
    try:
        async with connect(settings.database_path) as impatient:
            impatient_ctx = await services.make_context(
                Repos(impatient), profile, settings, now=MOMENT
            )
            holder.execute("BEGIN IMMEDIATE")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await assignment_steps.accept(impatient_ctx, people["edu_head"], item, edu)
            assert not impatient.writer.in_transaction
            holder.execute("ROLLBACK")
            assert plain(await snapshot(repos)) == before
            # the lock is free: the same process's next unit works
            assert await assignment_steps.accept(impatient_ctx, people["edu_head"], item, edu)
    finally:
        holder.close()

    # the store works again for everyone: the decision is made once, completely
    assert await decide(ctx, people["akim"], request, approve=True)
    await check_one_decision(
        repos,
        request,
        {"akim": True},
        {"akim": True},
        {people["ctrl"].id, people["edu_head"].id},
        # the co-executor's head, and the curating deputy (not joined: the message waits)
        moved={"fin_head": people["fin_head"].id, "dep1": (await person(repos, "dep1")).id},
    )
    stored = await repos.assignments.get(item.id)
    assert stored is not None
    executor = stored.executor(edu)
    assert executor is not None and executor.accepted_by == "edu_head"

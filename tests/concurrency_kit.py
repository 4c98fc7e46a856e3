"""What the concurrency tests share: the people's Telegram ids, a second process on the same
file, senders of their own, committed data read back, and the checks of one decision, of the
outbox and of acceptances."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import aiosqlite
import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Update
from aiogram.utils.i18n import I18n

from bot import services
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter
from bot.extensions import steps as extension_steps
from bot.extensions.rules import ExtensionRefusal
from bot.factory import create_deliverer
from bot.i18n import translate
from bot.profiles import Profile
from storage.db import connect
from storage.domain.assignments import Assignment
from storage.domain.enums import Mark
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos
from tests.fakes import RecordingBot
from tests.helpers import (
    person,
    register_assignment,
)

ALMATY = ZoneInfo("Asia/Almaty")
# A Wednesday at 10:00 in Almaty: a working day in working hours, so nothing waits for morning.
MOMENT = datetime(2027, 2, 10, 10, 0, tzinfo=ALMATY).astimezone(UTC)
EDUCATION = "Отдел образования"
FINANCE = "Отдел финансов"
TG = {
    "admin": 8100,
    "akim": 8101,  # kk
    "hoa": 8102,  # ru
    "dep1": 8103,  # kk
    "edu_head": 8104,  # kk
    "fin_head": 8105,  # ru
    "edu_exec": 8106,  # kk
    "ctrl": 8107,  # ru
    "org": 8108,
    "m1": 8109,
    "m2": 8110,
    "m3": 8111,
}
STRANGER = 8999
REASONS = "Мердігер материалдарды кешіктіріп жеткізді."
NO_GROUNDS = "Оснований для продления нет"


@asynccontextmanager
async def other_process(settings: Settings) -> AsyncIterator[Repos]:
    """A second `Database` on the same file: what another process (a sweep command, a second
    sender) works with. Its units wait for ours on SQLite's lock, not on our asyncio lock."""
    async with connect(settings.database_path) as other:
        yield Repos(other)


def sender(
    bot: RecordingBot, repos: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> Deliverer:
    """A sender of its own (its own claim owner), stepped by explicit drains."""
    limiter = RateLimiter(100_000, per_chat_interval=0)
    return create_deliverer(bot, repos, i18n, settings, profile, limiter, background=False)


async def fetch(repos: Repos, sql: str, *params: object) -> list[aiosqlite.Row]:
    """Committed data, through a reader."""
    async with repos.conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def number(repos: Repos, sql: str, *params: object) -> int:
    [row] = await fetch(repos, sql, *params)
    return int(row[0])


async def register(
    ctx: services.Context, reg_number: str, *, deadline: date | None = None
) -> Assignment:
    """Education is the main executor, finance the co-executor."""
    summary = f"Подготовить информацию {reg_number}"
    deadline = deadline or ctx.calendar.add_working_days(ctx.today, 15)
    return await register_assignment(
        ctx, reg_number, summary, (EDUCATION, FINANCE), deadline=deadline, mark=Mark.NONE
    )


async def ask_extension(
    ctx: services.Context, head: Person, item: Assignment, days: int = 5
) -> ExtensionRequest:
    main = item.main_executor
    assert main is not None
    new_date = ctx.calendar.add_working_days(item.deadline, days)
    return await extension_steps.request_extension(
        ctx, head, item, main.department_id, new_date, REASONS
    )


async def decide(
    ctx: services.Context, decider: Person, request: ExtensionRequest, *, approve: bool
) -> bool:
    if approve:
        return await extension_steps.decide_extension(ctx, decider, request)
    return await extension_steps.decide_extension(ctx, decider, request, reject_reason=NO_GROUNDS)


async def decisions_on(repos: Repos, request_id: int) -> list[tuple[str, str, str | None]]:
    """(action, actor, on behalf of) of the audit rows deciding this request."""
    rows = await fetch(
        repos,
        "SELECT action, actor, on_behalf_of, new_value FROM audit"
        " WHERE action IN ('extension_approved', 'extension_rejected') ORDER BY id",
    )
    return [
        (row["action"], row["actor"], row["on_behalf_of"])
        for row in rows
        if json.loads(row["new_value"])["request"] == request_id
    ]


async def outbox_keys(repos: Repos, prefix: str) -> list[str]:
    rows = await fetch(
        repos,
        "SELECT key FROM outbox WHERE substr(key, 1, length(?)) = ? ORDER BY key",
        prefix,
        prefix,
    )
    return [row["key"] for row in rows]


async def check_one_decision(
    repos: Repos,
    request: ExtensionRequest,
    outcomes: Mapping[str, object],
    approves: Mapping[str, bool],
    audience: set[int],
    *,
    behalf: dict[str, str] | None = None,
    moved: Mapping[str, int] | None = None,
) -> str:
    """Exactly one decider won and the others were told it is decided already; the request,
    the item, the audit and the outbox say the same: `audience` is told of the decision, and of
    an approval (the deadline moved) also `moved` (code → person id), but not the winner, who
    is answered in the chat. Returns the winner."""
    winners = [code for code, outcome in outcomes.items() if outcome is True]
    assert len(winners) == 1, outcomes
    [winner] = winners
    for code, outcome in outcomes.items():
        if code != winner:
            assert isinstance(outcome, Refused), (code, outcome)
            assert outcome.refusal is ExtensionRefusal.DECIDED
    stored = await repos.extensions.get(request.id)
    item = await repos.assignments.get(request.assignment_id)
    assert stored is not None and item is not None
    assert stored.decided_by == winner
    [(on_behalf,)] = await fetch(
        repos, "SELECT decided_on_behalf_of FROM extension_requests WHERE id = ?", request.id
    )
    expected_behalf = (behalf or {}).get(winner)
    assert on_behalf == expected_behalf
    if approves[winner]:
        assert stored.status is RequestStatus.APPROVED
        assert stored.granted_deadline == request.new_deadline
        assert (item.deadline, item.extensions) == (request.new_deadline, 1)  # moved once
        action = "extension_approved"
    else:
        assert stored.status is RequestStatus.REJECTED
        assert stored.reject_reason == NO_GROUNDS
        assert (item.deadline, item.extensions) == (request.old_deadline, 0)
        action = "extension_rejected"
    assert await decisions_on(repos, request.id) == [(action, winner, expected_behalf)]
    told = set(audience)
    if approves[winner]:
        told |= {pid for code, pid in (moved or {}).items() if code != winner}
    keys = await outbox_keys(repos, f"extdone:{request.id}:")
    assert sorted(keys) == sorted(f"extdone:{request.id}:{pid}" for pid in told)
    return winner


async def check_outbox(repos: Repos, bot: RecordingBot, moment: datetime | None = None) -> None:
    """No key twice; nothing left claimed; nothing both sent and pending; every message that
    went out is recorded once (one text message per delivery), and nothing went out twice."""
    assert await fetch(repos, "SELECT key FROM outbox GROUP BY key HAVING COUNT(*) > 1") == []
    assert await number(repos, "SELECT COUNT(*) FROM outbox WHERE status = 'sending'") == 0
    half = await fetch(
        repos,
        "SELECT key FROM outbox WHERE status = 'pending'"
        " AND (parts_sent > 0 OR telegram_message_id IS NOT NULL OR sent_at IS NOT NULL)",
    )
    assert half == []
    assert (
        await number(
            repos,
            "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
            " AND (telegram_message_id IS NULL OR chat_id IS NULL)",
        )
        == 0
    )
    if moment is not None:  # after a final drain nothing due is left behind
        due = await fetch(
            repos,
            "SELECT key FROM outbox WHERE status = 'pending' AND not_before <= ?",
            moment.astimezone(UTC).isoformat(timespec="microseconds"),
        )
        assert due == []
    texts = [m for m in bot.sent() if isinstance(m, SendMessage)]
    assert all(len(m.text) <= 4096 for m in texts)  # one text message per delivery
    deliveries = await number(
        repos, "SELECT COUNT(DISTINCT telegram_message_id) FROM outbox WHERE status = 'sent'"
    )
    assert len(texts) == deliveries


def no_trouble_logged(caplog: pytest.LogCaptureFixture) -> None:
    bad = [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING or "within a transaction" in record.getMessage()
    ]
    assert bad == []


def storage_errors(results: Iterable[object]) -> list[BaseException]:
    return [r for r in results if isinstance(r, sqlite3.Error)]


def answers(bot: RecordingBot) -> dict[str, list[AnswerCallbackQuery]]:
    found: dict[str, list[AnswerCallbackQuery]] = {}
    for method in bot.sent():
        if isinstance(method, AnswerCallbackQuery):
            found.setdefault(method.callback_query_id, []).append(method)
    return found


def query_id(update: Update) -> str:
    assert update.callback_query is not None
    return update.callback_query.id


def said(i18n: I18n, language: str, message: str, **values: object) -> str:
    return translate(i18n, language, message, **values)


async def check_acceptances(repos: Repos, owner: Mapping[int, str]) -> int:
    """Every executor's row accepted, by its department's head (`owner`: department id → code),
    each with one audit row and its notice to the controller. Returns how many rows."""
    rows = await fetch(
        repos,
        "SELECT e.assignment_id, e.department_id, e.accepted_by, a.reg_number, d.name"
        " FROM assignment_executors e JOIN assignments a ON a.id = e.assignment_id"
        " JOIN departments d ON d.id = e.department_id",
    )
    assert all(row["accepted_by"] == owner[row["department_id"]] for row in rows)
    audited = Counter(
        (row["entity_id"], json.loads(row["new_value"])["department"])
        for row in await fetch(
            repos, "SELECT entity_id, new_value FROM audit WHERE action = 'accept'"
        )
    )
    assert audited == Counter((row["reg_number"], row["name"]) for row in rows)
    ctrl = await person(repos, "ctrl")
    assert set(await outbox_keys(repos, "accepted:")) == {
        f"accepted:{row['assignment_id']}:{row['department_id']}:{ctrl.id}" for row in rows
    }
    return len(rows)

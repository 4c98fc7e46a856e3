"""Many officials at once on one real database file: simultaneous decisions, accepts, answers,
sweeps and sender runs, with the outcome checked in the database afterwards.

Every test here runs its steps truly side by side (`asyncio.gather` of many tasks) on the file of
the `db` fixture; where a second `Database` on the same file joins in, it stands for a second
process (a `sweep` command, a second sender). The invariants are the ones the store exists to
keep: one decision per request and the deadline moved once; every acceptance with its audit row
and its notices; no message twice, none both sent and pending; every tap answered; a failed write
leaves nothing half done and the person is told so in their language.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite
import pytest
from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup, Update
from aiogram.utils.i18n import I18n

import storage.db
from bot import services
from bot.assignments import steps as assignment_steps
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter
from bot.extensions import steps as extension_steps
from bot.extensions.rules import ExtensionRefusal
from bot.factory import create_deliverer
from bot.i18n import ALERT_LIMIT, translate
from bot.meetings import steps as ms
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from bot.remarks import steps as remark_steps
from bot.sweep import sweep
from handlers.assignments.refusals import REFUSALS as RULE_REFUSALS
from handlers.callbacks import ItemCallback, LangCallback
from handlers.common import STORAGE_FAILED
from handlers.start import REFUSALS as START_REFUSALS
from handlers.start import refusal_text as start_refusal_text
from storage.db import Database, connect
from storage.domain.assignments import Assignment, Refusal, Status
from storage.domain.enums import Language, Mark
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.domain.meetings import (
    Attendance,
    Meeting,
    NewAgendaItem,
)
from storage.domain.refusals import Refused
from storage.domain.remarks import Answer
from storage.invitations import Redemption
from storage.models import Person
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import (
    World,
    approve_and_distribute,
    bind_all,
    department_id,
    make_meeting,
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


# --- helpers -------------------------------------------------------------------------------


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
) -> str:
    """Exactly one decider won and the others were told it is decided already; the request,
    the item, the audit and the outbox say the same. Returns the winner."""
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
    keys = await outbox_keys(repos, f"extdone:{request.id}:")
    assert sorted(keys) == sorted(f"extdone:{request.id}:{pid}" for pid in audience)
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


# --- dialogue helpers (copied small, so this file stands alone) ----------------------------------


async def invite(repos: Repos, code: str) -> str:
    invitation = await repos.invitations.issue(
        await person(repos, code), ttl=timedelta(days=7), actor="admin"
    )
    return invitation.token


async def join(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, code: str, user_id: int, lang: str
) -> None:
    """Open the invitation and choose the language, as a person does."""
    token = await invite(repos, code)
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=user_id, language_code=lang))
    assert await repos.staff.by_telegram(user_id) is not None
    data = LangCallback(language=Language(lang)).pack()
    await dp.feed_update(bot, make_callback(data, user_id=user_id))
    bot.clear()


def buttons(message: SendMessage | EditMessageText) -> dict[str, str]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return {b.text: str(b.callback_data) for row in markup.inline_keyboard for b in row}


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


# --- 1. simultaneous decisions on extension requests -------------------------------------------


async def test_simultaneous_decisions_make_exactly_one_decision_per_request(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    """The akim (this process) and the head of apparatus (another process) tap at the same
    moment on each of several requests, approving or rejecting; later an acting head of
    apparatus joins in while the absent one still taps."""
    repos = staffed
    people = await bind_all(
        repos, {code: TG[code] for code in ["akim", "hoa", "dep1", "edu_head", "fin_head", "ctrl"]}
    )
    audience = {people["ctrl"].id, people["edu_head"].id}
    ctx = await services.make_context(repos, profile, settings, now=MOMENT)
    async with other_process(settings) as far:
        far_ctx = await services.make_context(far, profile, settings, now=MOMENT)
        winners: Counter[str] = Counter()
        for round_number in range(3):
            items = [await register(ctx, f"D{round_number}-{n}") for n in range(8)]
            requests = [await ask_extension(ctx, people["edu_head"], item) for item in items]
            plans: list[tuple[ExtensionRequest, dict[str, bool]]] = []
            jobs: list[Awaitable[bool]] = []
            for n, request in enumerate(requests):
                approves = {"akim": n % 2 == 0, "hoa": n % 3 == 0}
                pair = [
                    decide(ctx, people["akim"], request, approve=approves["akim"]),
                    decide(far_ctx, people["hoa"], request, approve=approves["hoa"]),
                ]
                jobs.extend(pair if (n + round_number) % 2 else pair[::-1])
                plans.append((request, approves))
            results = await asyncio.gather(*jobs, return_exceptions=True)
            assert storage_errors(results) == []
            for n, (request, approves) in enumerate(plans):
                first, second = results[2 * n], results[2 * n + 1]
                akim, hoa = (first, second) if (n + round_number) % 2 else (second, first)
                outcomes = {"akim": akim, "hoa": hoa}
                winner = await check_one_decision(repos, request, outcomes, approves, audience)
                winners[winner] += 1
        assert sum(winners.values()) == 24

        # The head of apparatus is away today: the deputy akim acts for them. The akim and the
        # acting head decide at once; the absent head's own tap is no longer a decider's.
        today = ctx.today
        await repos.staff.add_substitution(
            people["hoa"], people["dep1"], today, today, actor="admin"
        )
        items = [await register(ctx, f"S-{n}") for n in range(6)]
        requests = [await ask_extension(ctx, people["edu_head"], item) for item in items]
        triples: list[Awaitable[bool]] = []
        for n, request in enumerate(requests):
            triple = [
                decide(ctx, people["akim"], request, approve=n % 2 == 0),
                decide(far_ctx, people["dep1"], request, approve=n % 2 == 1),
                decide(ctx, people["hoa"], request, approve=True),
            ]
            triples.extend(triple[n % 3 :] + triple[: n % 3])
        results = await asyncio.gather(*triples, return_exceptions=True)
        assert storage_errors(results) == []
        for n, request in enumerate(requests):
            chunk = results[3 * n : 3 * n + 3]
            shift = n % 3
            ordered = chunk[-shift:] + chunk[:-shift] if shift else chunk
            outcomes = dict(zip(("akim", "dep1", "hoa"), ordered, strict=True))
            absent = outcomes.pop("hoa")
            assert isinstance(absent, Refused)
            assert absent.refusal is ExtensionRefusal.NOT_DECIDER
            approves = {"akim": n % 2 == 0, "dep1": n % 2 == 1}
            await check_one_decision(
                repos, request, outcomes, approves, audience, behalf={"dep1": "hoa"}
            )


# --- 2. everything at once, round after round -------------------------------------------------


@dataclass
class Job:
    kind: str
    key: Any  # what the outcome is counted under
    step: Awaitable[object]


async def create_meeting(ctx: services.Context, repos: Repos) -> Meeting:
    """A session three weeks ahead, approved and distributed: its recipients can answer."""
    day = ctx.calendar.add_working_days(ctx.today, 15)
    items = (
        NewAgendaItem(
            "О ходе отопительного сезона", "Асель Нурланова", await department_id(repos, EDUCATION)
        ),
        NewAgendaItem("Об исполнении бюджета", "Олег Ким", await department_id(repos, FINANCE)),
    )
    starts_at = datetime.combine(day, time(10))
    meeting = await make_meeting(ctx, repos, starts_at=starts_at, chair="hoa", items=items)
    return await approve_and_distribute(ctx, repos, meeting.id)


async def test_many_steps_sweeps_and_senders_at_once_keep_every_invariant(
    meeting_staffed: Repos,
    settings: Settings,
    bot: RecordingBot,
    i18n: I18n,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Per round, over 50 tasks at once: heads accept their cards (each tapped twice), forged
    accepts, reports (the final one tapped twice), answers to a «no remarks» round, attendance
    answers, extension decisions by two deciders, sweeps in this and another process, and
    three senders (one in the other process) draining."""
    caplog.set_level(logging.WARNING)
    repos = meeting_staffed
    profile = load_profile(DEFAULT_PROFILE, {"weekly_control_list": "off"})
    people = await bind_all(repos, TG)
    ctx = await services.make_context(repos, profile, settings, now=MOMENT)
    edu = await department_id(repos, EDUCATION)
    fin = await department_id(repos, FINANCE)
    meeting = await create_meeting(ctx, repos)
    async with other_process(settings) as far:
        far_ctx = await services.make_context(far, profile, settings, now=MOMENT)
        senders = [
            sender(bot, repos, i18n, settings, profile),
            sender(bot, repos, i18n, settings, profile),
            sender(bot, far, i18n, settings, profile),
        ]
        accepted_ok: Counter[tuple[int, int]] = Counter()
        final_reports = 0
        co_reports = 0
        remarks_answers = 0
        attendance_answers = 0
        requests: list[tuple[ExtensionRequest, dict[str, object], dict[str, bool]]] = []
        previous: list[Assignment] = []
        for round_number in range(3):
            items = []
            for n in range(10):
                # a few deadlines close at hand, so the sweeps have notices to queue
                deadline = ctx.calendar.add_working_days(ctx.today, 1 + n % 4) if n >= 6 else None
                items.append(await register(ctx, f"M{round_number}-{n}", deadline=deadline))
            asked = [await ask_extension(ctx, people["edu_head"], item) for item in items[:2]]
            rnd = await remark_steps.start_round(
                ctx,
                people["ctrl"],
                subject=f"Проект постановления {round_number}",
                restricted=False,
                due=ctx.calendar.add_working_days(ctx.today, 3),
                files=[],
                department_ids=[edu, fin],
                person_ids=[people[c].id for c in ("dep1", "akim", "m1", "m2", "m3")],
            )
            edu_head, fin_head = people["edu_head"], people["fin_head"]
            jobs: list[Job] = []
            for item in items:  # each head taps each card twice
                for head, dep in ((edu_head, edu), (fin_head, fin)) * 2:
                    jobs += [
                        Job(
                            "accept", (item.id, dep), assignment_steps.accept(ctx, head, item, dep)
                        )
                    ]
            # forged: another department's card, or not a head at all
            jobs += [
                Job("forged", item.id, assignment_steps.accept(ctx, fin_head, item, edu))
                for item in items[:5]
            ]
            jobs += [
                Job("forged", 0, assignment_steps.accept(ctx, people["edu_exec"], items[5], edu))
            ]
            for item in previous[:4]:  # the final report tapped twice, and a co-executor's
                for _ in range(2):
                    report = assignment_steps.submit_report(
                        ctx, edu_head, item, edu, "Исполнено.", []
                    )
                    jobs += [Job("final", item.id, report)]
                co = assignment_steps.submit_report(
                    ctx, fin_head, item, fin, "Информация направлена.", []
                )
                jobs += [Job("co", item.id, co)]
            for code in ("edu_head", "fin_head", "dep1", "akim", "m1", "m2", "m3", "edu_head"):
                remarks = code in {"fin_head", "m1"}
                answer = Answer.REMARKS if remarks else Answer.NO_REMARKS
                text = f"Замечание {round_number} от {code}" if remarks else None
                said_it = remark_steps.answer_round(ctx, people[code], rnd.id, answer, text)
                jobs += [Job("remarks", code, said_it)]
            for code in ("m1", "m2", "m3", "edu_head", "fin_head"):
                absent = (code in {"m2", "fin_head"}) != (round_number == 1)
                attendance = Attendance.ABSENT if absent else Attendance.ATTEND
                reason = "Командировка" if absent else None
                step = ms.answer_attendance(ctx, people[code], meeting.id, attendance, reason)
                jobs += [Job("attend", code, step)]
            for n, request in enumerate(asked):  # the akim here, the head of apparatus there
                approves = {"akim": n == 0, "hoa": round_number == 2}
                outcome: dict[str, object] = {}
                requests.append((request, outcome, approves))
                akim_step = decide(ctx, people["akim"], request, approve=approves["akim"])
                hoa_step = decide(far_ctx, people["hoa"], request, approve=approves["hoa"])
                jobs += [Job("decide", (outcome, "akim"), akim_step)]
                jobs += [Job("decide", (outcome, "hoa"), hoa_step)]
            jobs += [
                Job("sweep", 0, sweep(ctx)),
                Job("sweep", 1, sweep(ctx)),
                Job("sweep", 2, sweep(far_ctx)),
            ]
            jobs += [Job("drain", n, senders[n % 3].drain(MOMENT)) for n in range(6)]
            assert len(jobs) >= 50
            random.Random(round_number).shuffle(jobs)

            results = await asyncio.gather(*(job.step for job in jobs), return_exceptions=True)

            assert storage_errors(results) == []
            finals: Counter[int] = Counter()
            for job, result in zip(jobs, results, strict=True):
                if job.kind == "accept":
                    if result is True:
                        accepted_ok[job.key] += 1
                    else:
                        assert isinstance(result, Refused), result
                        assert result.refusal is Refusal.ALREADY_ACCEPTED
                elif job.kind == "forged":
                    assert isinstance(result, Refused), result
                    assert result.refusal in {Refusal.NOT_EXECUTOR, Refusal.NOT_HEAD}
                elif job.kind == "final":
                    if result is True:
                        finals[job.key] += 1
                    else:
                        assert isinstance(result, Refused), result
                        assert result.refusal is Refusal.CLOSED
                elif job.kind == "co":
                    assert result is True, result
                    co_reports += 1
                elif job.kind == "remarks":
                    assert not isinstance(result, BaseException), result
                    remarks_answers += 1
                elif job.kind == "attend":
                    assert not isinstance(result, BaseException), result
                    attendance_answers += 1
                elif job.kind == "decide":
                    outcome, code = job.key
                    outcome[code] = result
                else:
                    assert not isinstance(result, BaseException), (job.kind, result)
            assert all(count == 1 for count in finals.values())
            assert len(finals) == len(previous[:4])
            final_reports += len(finals)
            # every card was accepted by exactly one of its two taps
            assert all(accepted_ok[(item.id, dep)] == 1 for item in items for dep in (edu, fin))
            # every answer of the round is stored
            stored = await repos.remarks.get(rnd.id)
            assert stored is not None
            with_remarks = {people["fin_head"].id, people["m1"].id}
            assert {a.person_id: a.answer for a in stored.addressees} == {
                people[c].id: Answer.REMARKS if people[c].id in with_remarks else Answer.NO_REMARKS
                for c in ("edu_head", "fin_head", "dep1", "akim", "m1", "m2", "m3")
            }
            assert await number(repos, "SELECT COUNT(*) FROM outbox WHERE status = 'sending'") == 0
            previous = items

        for drain in senders:  # what the last round queued goes out
            await drain.drain(MOMENT)

    # acceptances: each with one audit row and its notice to the controller
    executors = await fetch(
        repos,
        "SELECT e.assignment_id, e.department_id, e.accepted_by, a.reg_number, d.name"
        " FROM assignment_executors e JOIN assignments a ON a.id = e.assignment_id"
        " JOIN departments d ON d.id = e.department_id",
    )
    assert len(executors) == 60
    assert all(row["accepted_by"] is not None for row in executors)
    assert sum(accepted_ok.values()) == 60
    audited = Counter(
        (row["entity_id"], json.loads(row["new_value"])["department"])
        for row in await fetch(
            repos, "SELECT entity_id, new_value FROM audit WHERE action = 'accept'"
        )
    )
    assert audited == Counter((row["reg_number"], row["name"]) for row in executors)
    owner = {edu: "edu_head", fin: "fin_head"}
    assert all(row["accepted_by"] == owner[row["department_id"]] for row in executors)
    accepted_keys = set(await outbox_keys(repos, "accepted:"))
    ctrl = people["ctrl"].id
    assert accepted_keys == {
        f"accepted:{row['assignment_id']}:{row['department_id']}:{ctrl}" for row in executors
    }

    # reports: one final report per item (the double tap refused), each co-report stored,
    # each with its audit row and its message
    reports = await fetch(repos, "SELECT id, final FROM reports")
    assert sum(1 for r in reports if r["final"]) == final_reports == 8
    assert sum(1 for r in reports if not r["final"]) == co_reports == 8
    assert await number(repos, "SELECT COUNT(*) FROM audit WHERE action = 'report'") == 8
    assert await number(repos, "SELECT COUNT(*) FROM audit WHERE action = 'co_report'") == 8
    assert set(await outbox_keys(repos, "report:")) == {
        f"report:{r['id']}:{ctrl}" for r in reports if r["final"]
    }
    assert set(await outbox_keys(repos, "coreport:")) == {
        f"coreport:{r['id']}:{people['edu_head'].id}" for r in reports if not r["final"]
    }

    # answers: every one recorded; each answer with remarks tells the initiator once
    assert remarks_answers == 24
    assert len(await outbox_keys(repos, "rmans:")) == 6
    assert attendance_answers == 15
    assert (
        await number(repos, "SELECT COUNT(*) FROM audit WHERE action = 'attendance_answer'") == 15
    )
    answered = await repos.meetings.get(meeting.id)
    assert answered is not None
    expected = {
        people[c].id: Attendance.ABSENT if c in {"m2", "fin_head"} else Attendance.ATTEND
        for c in ("m1", "m2", "m3", "edu_head", "fin_head")
    }
    assert {r.person_id: r.answer for r in answered.recipients} == expected

    # decisions: one per request, the deadline moved once
    audience = {ctrl, people["edu_head"].id}
    for request, outcome, approves in requests:
        await check_one_decision(repos, request, outcome, approves, audience)

    await check_outbox(repos, bot, MOMENT)
    no_trouble_logged(caplog)


# --- 3. through the dispatcher: real and forged taps while a sweep runs ------------------------


async def test_real_and_forged_taps_at_once_are_all_answered_and_only_real_ones_saved(
    world: World,
    i18n: I18n,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The Accept buttons of the cards the heads received, each tapped twice by its head, mixed
    with forged and stale taps (another department's card, an unknown item or department,
    garbage data, a stranger, the controller), all fed to the dispatcher at once while sweeps
    in two processes and two senders run."""
    caplog.set_level(logging.WARNING)
    repos = world.repos
    for code, lang in (("edu_head", "kk"), ("fin_head", "ru"), ("ctrl", "ru")):
        await join(world.dp, world.bot, repos, code, TG[code], lang)
    ctx = await services.make_context(repos, world.profile, world.settings)
    items = {(await register(ctx, f"T-{n}")).id for n in range(12)}
    await world.deliverer.drain()
    edu = await department_id(repos, EDUCATION)
    fin = await department_id(repos, FINANCE)
    owner = {edu: ("edu_head", "kk", "✅ Қабылдау"), fin: ("fin_head", "ru", "✅ Принять")}
    cards: list[tuple[ItemCallback, str]] = []
    for message in world.bot.sent():
        if isinstance(message, SendMessage) and message.reply_markup is not None:
            for dep, (code, _lang, label) in owner.items():
                if message.chat_id == TG[code] and label in buttons(message):
                    data = buttons(message)[label]
                    parsed = ItemCallback.unpack(data)
                    assert parsed.dep == dep
                    cards.append((parsed, data))
    assert len(cards) == 24
    assert {c.id for c, _ in cards} == items

    real: list[tuple[Update, ItemCallback]] = []
    forged: list[Update] = []
    for n, (parsed, data) in enumerate(cards):
        code, lang, _label = owner[parsed.dep]
        real += [  # everyone taps twice
            (make_callback(data, user_id=TG[code], language_code=lang, message_id=n), parsed)
            for _ in range(2)
        ]
        other = fin if parsed.dep == edu else edu
        forged_data = ItemCallback(action="accept", id=parsed.id, dep=parsed.dep).pack()
        other_code, other_lang, _ = owner[other]
        forged.append(make_callback(forged_data, user_id=TG[other_code], language_code=other_lang))
    forged += [
        make_callback(
            ItemCallback(action="accept", id=99_999, dep=edu).pack(), user_id=TG["edu_head"]
        ),
        make_callback(
            ItemCallback(action="accept", id=min(items), dep=99_999).pack(), user_id=TG["fin_head"]
        ),
        make_callback("a:accept:nonsense", user_id=TG["edu_head"]),
        make_callback(cards[0][1], user_id=STRANGER),
        make_callback(cards[1][1], user_id=TG["ctrl"]),
    ]
    updates = [update for update, _ in real] + forged
    random.Random(3).shuffle(updates)
    async with other_process(world.settings) as far:
        far_ctx = await services.make_context(far, world.profile, world.settings)
        far_sender = sender(world.bot, far, i18n, world.settings, world.profile)
        jobs: list[Awaitable[object]] = [
            world.dp.feed_update(world.bot, update) for update in updates
        ]
        jobs += [sweep(ctx), sweep(far_ctx), world.deliverer.drain(), far_sender.drain()]
        assert len(jobs) >= 50
        results = await asyncio.gather(*jobs, return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []

    # every tap got exactly one answer
    told = answers(world.bot)
    assert sorted(told) == sorted(query_id(u) for u in updates)
    assert all(len(said_once) == 1 for said_once in told.values())
    # of the two taps on each card, one saved it and one heard it was accepted already
    by_card: dict[tuple[int, int], list[str]] = {}
    for update, parsed in real:
        by_card.setdefault((parsed.id, parsed.dep), []).append(
            told[query_id(update)][0].text or ""
        )
    for (item_id, dep), texts in by_card.items():
        _code, lang, _label = owner[dep]
        item = await repos.assignments.get(item_id)
        assert item is not None
        already = said(i18n, lang, RULE_REFUSALS[Refusal.ALREADY_ACCEPTED]).format(
            reg_number=item.reg_number
        )
        assert sorted(texts) == sorted([said(i18n, lang, "Accepted."), already])
    accepted_texts = {said(i18n, lang, "Accepted.") for lang in ("kk", "ru")}
    for update in forged:  # each refused, with a reason
        [answer] = told[query_id(update)]
        assert answer.show_alert
        assert answer.text and answer.text not in accepted_texts
    edits = [m for m in world.bot.sent() if isinstance(m, EditMessageText)]
    assert len(edits) == 24  # only the saved taps redraw their card

    # the database: each card accepted once, by its own head, with its audit row and notice
    rows = await fetch(
        repos,
        "SELECT e.assignment_id, e.department_id, e.accepted_by, a.reg_number, d.name"
        " FROM assignment_executors e JOIN assignments a ON a.id = e.assignment_id"
        " JOIN departments d ON d.id = e.department_id",
    )
    assert len(rows) == 24
    assert all(row["accepted_by"] == owner[row["department_id"]][0] for row in rows)
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
    await world.deliverer.drain()
    await check_outbox(
        repos, world.bot
    )  # the taps were answered with alerts and edits, no messages
    no_trouble_logged(caplog)


async def test_every_tap_is_answered_within_telegrams_alert_limit(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram refuses an answerCallbackQuery text over 200 characters: such a tap is never
    answered (the spinner turns, then nothing). A stranger's tap, and a member's tap when the
    store cannot even say who is tapping, must be answered within the limit too."""
    await join(dp, bot, staffed, "edu_head", TG["edu_head"], "kk")
    data = ItemCallback(action="accept", id=1, dep=1).pack()
    stranger = make_callback(data, user_id=STRANGER, language_code="ru")
    await dp.feed_update(bot, stranger)

    async def unreadable(telegram_id: int) -> Person | None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(staffed.staff, "by_telegram", unreadable)
    member = make_callback(data, user_id=TG["edu_head"], language_code="kk")
    await dp.feed_update(bot, member)

    told = answers(bot)
    assert sorted(told) == sorted([query_id(stranger), query_id(member)])
    too_long = {
        len(answer.text or ""): answer.text
        for [answer] in told.values()
        if len(answer.text or "") > ALERT_LIMIT
    }
    assert too_long == {}


# --- 4. one invitation, two accounts ---------------------------------------------------------


async def test_one_invitation_opened_by_two_accounts_at_once_binds_one(
    staffed: Repos, settings: Settings
) -> None:
    """Six invitations, each opened at the same moment by two accounts, one in this process
    and one in another; then one account opening two people's invitations at once."""
    repos = staffed
    codes = ["edu_head", "fin_head", "ctrl", "akim", "hoa", "dep1"]
    tokens = {code: await invite(repos, code) for code in codes}
    async with other_process(settings) as far:
        jobs = []
        for n, code in enumerate(codes):
            mine = repos.invitations.redeem(tokens[code], 7000 + 2 * n)
            theirs = far.invitations.redeem(tokens[code], 7001 + 2 * n)
            jobs += [mine, theirs] if n % 2 else [theirs, mine]
        results = await asyncio.gather(*jobs)
    for n, code in enumerate(codes):
        pair = results[2 * n : 2 * n + 2]
        outcomes = sorted(outcome for outcome, _ in pair)
        assert outcomes == sorted([Redemption.BOUND, Redemption.USED])
        bound = await person(repos, code)
        assert all(person_id == bound.id for _, person_id in pair)
        invitation = await repos.invitations.get(tokens[code])
        assert invitation is not None and invitation.used_at is not None
        [(used_by,)] = await fetch(
            repos, "SELECT used_by_telegram FROM invitations WHERE token = ?", tokens[code]
        )
        assert bound.telegram_id == used_by
        assert bound.telegram_id in {7000 + 2 * n, 7001 + 2 * n}
        binds = await fetch(
            repos, "SELECT new_value FROM audit WHERE action = 'bind' AND entity_id = ?", code
        )
        assert [row["new_value"] for row in binds] == [json.dumps(bound.telegram_id)]

    # one account opening two people's invitations at once is bound to one of them
    first, second = await invite(repos, "edu_exec"), await invite(repos, "admin")
    both = await asyncio.gather(
        repos.invitations.redeem(first, 7100), repos.invitations.redeem(second, 7100)
    )
    assert sorted(outcome for outcome, _ in both) == sorted([Redemption.BOUND, Redemption.TAKEN])
    assert await number(repos, "SELECT COUNT(*) FROM people WHERE telegram_id = 7100") == 1


async def test_one_invitation_opened_by_two_accounts_through_the_bot(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos, i18n: I18n
) -> None:
    """/start with the same token from two accounts at once: one is greeted, one is told the
    link was used, in both languages (it is nobody's account yet)."""
    token = await invite(staffed, "fin_head")
    kazakh, russian = 7201, 7202
    await asyncio.gather(
        dp.feed_update(bot, make_message(f"/start {token}", user_id=kazakh, language_code="kk")),
        dp.feed_update(bot, make_message(f"/start {token}", user_id=russian, language_code="ru")),
    )
    fin_head = await person(staffed, "fin_head")
    assert fin_head.telegram_id in {kazakh, russian}
    winner = fin_head.telegram_id
    loser = russian if winner == kazakh else kazakh
    language = "ru"  # the directory's language, whichever account won
    to = {
        chat: [m.text for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat]
        for chat in (kazakh, russian)
    }
    [greeting] = to[winner]
    assert greeting.startswith(said(i18n, language, "Welcome, {name}!", name=fin_head.full_name))
    refusal = await start_refusal_text(i18n, staffed, START_REFUSALS[Redemption.USED], None)
    assert to[loser] == [refusal]
    assert await staffed.staff.by_telegram(loser) is None
    binds = await fetch(
        staffed, "SELECT COUNT(*) FROM audit WHERE action = 'bind' AND entity_id = 'fin_head'"
    )
    assert binds[0][0] == 1


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
    execute = writer.execute

    def refusing_commit(sql: str, parameters: Any = None) -> Any:
        if sql.strip().upper() == "COMMIT":

            async def full() -> None:
                raise sqlite3.OperationalError("database or disk is full")

            return full()
        return execute(sql, parameters)

    monkeypatch.setattr(writer, "execute", refusing_commit)
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
    )
    stored = await repos.assignments.get(item.id)
    assert stored is not None
    executor = stored.executor(edu)
    assert executor is not None and executor.accepted_by == "edu_head"

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
import logging
import random
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import pytest
from aiogram.utils.i18n import I18n

from bot import services
from bot.assignments import steps as assignment_steps
from bot.config import Settings
from bot.extensions.rules import ExtensionRefusal
from bot.meetings import steps as ms
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from bot.remarks import steps as remark_steps
from bot.sweep import sweep
from storage.domain.assignments import Assignment, Refusal
from storage.domain.extensions import ExtensionRequest
from storage.domain.meetings import (
    Attendance,
    Meeting,
    NewAgendaItem,
)
from storage.domain.refusals import Refused
from storage.domain.remarks import Answer
from storage.repo import Repos
from tests.concurrency_kit import (
    EDUCATION,
    FINANCE,
    MOMENT,
    TG,
    ask_extension,
    check_acceptances,
    check_one_decision,
    check_outbox,
    decide,
    fetch,
    no_trouble_logged,
    number,
    other_process,
    outbox_keys,
    register,
    sender,
    storage_errors,
)
from tests.fakes import RecordingBot
from tests.helpers import (
    approve_and_distribute,
    bind_all,
    department_id,
    make_meeting,
)

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
    # an approval moves the deadline: the co-executor's head and the curating deputy hear too
    moved = {code: people[code].id for code in ("fin_head", "dep1")}
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
                winner = await check_one_decision(
                    repos, request, outcomes, approves, audience, moved=moved
                )
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
                repos, request, outcomes, approves, audience, behalf={"dep1": "hoa"}, moved=moved
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


def won(result: object, otherwise: Refusal) -> bool:
    """Whether a step tapped twice was the tap that succeeded; if not, it was refused as
    `otherwise`."""
    if result is True:
        return True
    assert isinstance(result, Refused), result
    assert result.refusal is otherwise
    return False


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
                    if won(result, Refusal.ALREADY_ACCEPTED):
                        accepted_ok[job.key] += 1
                elif job.kind == "forged":
                    assert isinstance(result, Refused), result
                    assert result.refusal in {Refusal.NOT_EXECUTOR, Refusal.NOT_HEAD}
                elif job.kind == "final":
                    if won(result, Refusal.CLOSED):
                        finals[job.key] += 1
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
    assert await check_acceptances(repos, {edu: "edu_head", fin: "fin_head"}) == 60
    assert sum(accepted_ok.values()) == 60
    ctrl = people["ctrl"].id

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
    moved = {code: people[code].id for code in ("fin_head", "dep1")}
    for request, outcome, approves in requests:
        await check_one_decision(repos, request, outcome, approves, audience, moved=moved)

    await check_outbox(repos, bot, MOMENT)
    no_trouble_logged(caplog)

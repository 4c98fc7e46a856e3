"""The agenda returned with remarks instead of approved: the return recorded (migration 0017),
the organizer told, a new approval round that is not suppressed by the old requests, the old
round's buttons refused; and approve versus return at the same moment on a real database file.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, time

import pytest
from aiogram.utils.i18n import I18n

from bot import services
from bot.config import Settings
from bot.i18n import translate
from bot.meetings import steps as ms
from bot.meetings.rules import MeetingRefusal
from bot.profiles import DEFAULT_PROFILE, load_profile
from storage.domain.meetings import Meeting, MeetingStatus, NewAgendaItem
from storage.domain.refusals import Refused
from storage.repo import Repos
from tests import meeting_moments as mm
from tests.concurrency_kit import EDUCATION, MOMENT, TG, fetch, other_process
from tests.helpers import World, bind_all, department_id, found, make_meeting
from tests.meeting_moments import profile  # noqa: F401 (the fixture, for this module)

CREATED = mm.at(date(2025, 1, 27), 10)
REMARKS = "Вопрос 2 перенести, докладчика по вопросу 1 уточнить."


async def refusal_of(step: object) -> MeetingRefusal:
    with pytest.raises(Refused) as refused:
        await step  # type: ignore[misc]
    assert isinstance(refused.value.refusal, MeetingRefusal)
    return refused.value.refusal


async def test_a_returned_agenda_goes_round_again_and_is_then_approved(
    meeting_world: World, i18n: I18n
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, mm.TG)
    meeting = await mm.create(meeting_world, CREATED)
    ctx = await mm.ctx_at(meeting_world, CREATED)
    await ms.request_approval(ctx, people["org"], meeting.id)
    await mm.deliver(meeting_world, CREATED)
    for code in ("hoa", "akim"):
        [asked] = mm.messages(meeting_world.bot, code)
        assert [(c.action, c.value) for c in mm.callbacks(asked)] == [("appr", ""), ("ret", "")]

    # nobody else may return it, and not without remarks
    assert (
        await refusal_of(ms.return_agenda(ctx, people["m1"], meeting.id, 1, REMARKS))
        is MeetingRefusal.NOT_APPROVER
    )
    assert (
        await refusal_of(ms.return_agenda(ctx, people["akim"], meeting.id, 1, "   "))
        is MeetingRefusal.NO_TEXT
    )

    # the akim returns it: recorded, still a draft, the next request is round 2
    returned = await ms.return_agenda(ctx, people["akim"], meeting.id, 1, f"  {REMARKS}\n")
    assert returned.status is MeetingStatus.DRAFT and not returned.approved
    assert returned.approval_round == 2
    last = found(returned.returned)
    assert (last.round, last.version, last.remarks, last.by, last.at) == (
        1,
        1,
        REMARKS,
        "akim",
        CREATED,
    )
    assert await repos.meetings.agenda_return(meeting.id, 1) == last
    [audit] = await fetch(
        repos,
        "SELECT * FROM audit WHERE entity = 'meeting' AND entity_id = ? AND action = ?",
        str(meeting.id),
        "agenda_returned",
    )
    assert json.loads(audit["new_value"])["approval_round"] == 2

    # the round is over: neither its approval nor a second return acts any more
    assert (
        await refusal_of(ms.approve(ctx, people["hoa"], meeting.id, round_=1))
        is MeetingRefusal.RETURNED
    )
    assert (
        await refusal_of(ms.return_agenda(ctx, people["hoa"], meeting.id, 1, "ещё"))
        is MeetingRefusal.RETURNED
    )
    assert found(await repos.meetings.get(meeting.id)).last_return == last

    # the organizer hears the remarks, who returned it and which meeting, with a button
    await mm.deliver(meeting_world, CREATED)
    [told] = mm.messages(meeting_world.bot, "org")
    assert mm.chats(meeting_world.bot.sent()) == mm.codes("org")
    assert told.text.startswith(
        translate(
            i18n,
            "ru",
            "↩️ The agenda is returned with remarks: {meeting}, {when}",
            meeting=f"Заседание акимата № {meeting.id} «Заседание по ЖКХ»",
            when="12 февраля 2025 г. (среда), 10:00",
        )
    )
    assert f"«{REMARKS}»" in told.text
    assert translate(i18n, "ru", "From: {name}", name=people["akim"].short_name) in told.text
    assert [c.action for c in mm.callbacks(told)] == ["open"]

    # sent again: a new round, new messages (not suppressed by the first round's)
    asked_again = mm.at(date(2025, 1, 28), 9)
    ctx = await mm.ctx_at(meeting_world, asked_again)
    await ms.request_approval(ctx, people["org"], meeting.id)
    for code in ("hoa", "akim"):
        assert await repos.outbox.get(f"mtappr:{meeting.id}:1r2:{people[code].id}") is not None
    await mm.deliver(meeting_world, asked_again)
    assert mm.chats(mm.messages(meeting_world.bot)) == mm.codes("hoa", "akim")
    [asked] = mm.messages(meeting_world.bot, "hoa")
    assert [(c.action, c.value) for c in mm.callbacks(asked)] == [("appr", "2"), ("ret", "2")]

    approved = await ms.approve(ctx, people["hoa"], meeting.id, round_=2)
    assert approved.approved_by == "hoa" and approved.returned is None
    assert approved.last_return == last  # the history stays
    assert (
        await refusal_of(ms.return_agenda(ctx, people["akim"], meeting.id, 2, REMARKS))
        is MeetingRefusal.ALREADY_APPROVED
    )


async def test_a_request_not_yet_sent_when_the_agenda_is_returned_is_not_sent(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, mm.TG)
    meeting = await mm.create(meeting_world, CREATED)
    ctx = await mm.ctx_at(meeting_world, CREATED)
    await ms.request_approval(ctx, people["org"], meeting.id)
    await ms.return_agenda(ctx, people["hoa"], meeting.id, 1, REMARKS)
    await mm.deliver(meeting_world, CREATED)
    assert not mm.messages(meeting_world.bot, "hoa") and not mm.messages(meeting_world.bot, "akim")
    [told] = mm.messages(meeting_world.bot, "org")  # only the remarks
    assert REMARKS in told.text


async def test_a_cancelled_or_begun_meeting_cannot_be_returned(meeting_world: World) -> None:
    repos = meeting_world.repos
    people = await bind_all(repos, mm.TG)
    meeting = await mm.create(meeting_world, CREATED)
    ctx = await mm.ctx_at(meeting_world, CREATED)
    began = await mm.ctx_at(meeting_world, mm.at(mm.START.date(), 10, 5))
    assert (
        await refusal_of(ms.return_agenda(began, people["akim"], meeting.id, 1, REMARKS))
        is MeetingRefusal.STARTED
    )
    await ms.cancel_meeting(ctx, people["org"], meeting.id)
    assert (
        await refusal_of(ms.return_agenda(ctx, people["akim"], meeting.id, 1, REMARKS))
        is MeetingRefusal.CANCELLED
    )
    assert found(await repos.meetings.get(meeting.id)).last_return is None


# --- at the same moment, on one real database file -----------------------------------------------


async def draft(ctx: services.Context, repos: Repos) -> Meeting:
    day = ctx.calendar.add_working_days(ctx.today, 15)
    items = (
        NewAgendaItem("О ходе отопительного сезона", "", await department_id(repos, EDUCATION)),
    )
    return await make_meeting(
        ctx, repos, starts_at=datetime.combine(day, time(10)), chair="hoa", items=items
    )


async def test_approve_and_return_at_the_same_moment_exactly_one_takes_effect(
    meeting_staffed: Repos, settings: Settings
) -> None:
    """Per meeting, the chair approves and the akim returns at once (the akim's step on a
    second connection, as another process), in either order; then two returns at once."""
    repos = meeting_staffed
    rules = load_profile(DEFAULT_PROFILE)
    people = await bind_all(repos, TG)
    ctx = await services.make_context(repos, rules, settings, now=MOMENT)
    meetings = [await draft(ctx, repos) for _ in range(8)]
    winners: set[str] = set()
    async with other_process(settings) as far:
        far_ctx = await services.make_context(far, rules, settings, now=MOMENT)
        for n, meeting in enumerate(meetings):
            approve = ms.approve(ctx, people["hoa"], meeting.id, round_=1)
            give_back = ms.return_agenda(far_ctx, people["akim"], meeting.id, 1, REMARKS)
            steps = [approve, give_back] if n % 2 == 0 else [give_back, approve]
            outcomes = await asyncio.gather(*steps, return_exceptions=True)
            done = [o for o in outcomes if isinstance(o, Meeting)]
            lost = [o for o in outcomes if isinstance(o, Refused)]
            assert len(done) == 1 and len(lost) == 1, outcomes
            stored = found(await repos.meetings.get(meeting.id))
            returns = await fetch(
                repos, "SELECT * FROM meeting_returns WHERE meeting_id = ?", meeting.id
            )
            if stored.approved:
                winners.add("approve")
                assert lost[0].refusal is MeetingRefusal.ALREADY_APPROVED
                assert stored.approval_round == 1 and returns == []
            else:
                winners.add("return")
                assert lost[0].refusal is MeetingRefusal.RETURNED
                assert stored.status is MeetingStatus.DRAFT and stored.approval_round == 2
                assert len(returns) == 1
        # two returns of one round at once: one is recorded
        both = await draft(ctx, repos)
        twice = await asyncio.gather(
            ms.return_agenda(ctx, people["hoa"], both.id, 1, "первое"),
            ms.return_agenda(far_ctx, people["akim"], both.id, 1, "второе"),
            return_exceptions=True,
        )
        assert sorted(type(o).__name__ for o in twice) == ["Meeting", "Refused"]
        rows = await fetch(repos, "SELECT * FROM meeting_returns WHERE meeting_id = ?", both.id)
        assert len(rows) == 1
        assert found(await repos.meetings.get(both.id)).approval_round == 2
    assert winners  # at least one kind of winner was seen; each case checked above

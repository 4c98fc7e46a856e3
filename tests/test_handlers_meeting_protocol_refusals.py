"""The protocol dialog's refusals through the dispatcher: a restricted meeting's protocol, the
signing date, a meeting not begun or cancelled, other roles, a past deadline, /cancel (the
meetings and the way through the dialog: tests/protocol_meetings.py).
"""

from __future__ import annotations

from datetime import timedelta

from aiogram.methods import SendDocument, SendMessage

from bot.i18n import long_date
from bot.meetings import steps as meeting_services
from handlers.meetings.protocol_dialog import ProtocolStates
from tests import protocol_meetings as pm
from tests.conftest import MEETING_STAFF_CSV
from tests.fakes import make_document
from tests.helpers import (
    World,
    alerts,
    data_of,
    department,
    join,
    last_text,
    person,
    saturday_ahead,
    sent_to,
    today,
)

DIRECTORY_CSV, PEOPLE = MEETING_STAFF_CSV, pm.PEOPLE

# --- refusals -----------------------------------------------------------------------------------


async def test_a_restricted_meetings_protocol_stays_on_paper(meeting_world: World) -> None:
    repos = meeting_world.repos
    await pm.join_everyone(meeting_world.dp, meeting_world.bot, repos)
    meeting = await pm.held_meeting(
        repos, meeting_world.profile, meeting_world.settings, restricted=True
    )
    fin = await department(repos, pm.FIN)
    year = today(meeting_world.settings).year

    await pm.start(meeting_world.dp, meeting_world.bot, meeting.id)
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    assert data_of(meeting_world.bot) == ["pr:file:paper"]
    await meeting_world.dp.feed_update(
        meeting_world.bot, make_document("secret-1", "Протокол ДСП.pdf", user_id=pm.ORG)
    )
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    assert "ДСП" in last_text(meeting_world.bot)
    assert data_of(meeting_world.bot) == ["pr:file:paper"]
    await pm.press(meeting_world.dp, meeting_world.bot, "file", "paper")
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.signed.state
    await pm.press(
        meeting_world.dp, meeting_world.bot, "today", today(meeting_world.settings).isoformat()
    )
    await pm.add_task(meeting_world.dp, meeting_world.bot, pm.FIRST, [fin.id], None)
    await pm.press(meeting_world.dp, meeting_world.bot, "task", "end")
    assert "Протокол ДСП.pdf" not in last_text(meeting_world.bot)
    await pm.press(meeting_world.dp, meeting_world.bot, "ok")

    protocol = await repos.meetings.protocol_for(meeting.id)
    assert protocol is not None
    assert (protocol.file_id, protocol.file_name) == (None, None)
    item = await pm.assignment(repos, f"П-1/{year}/1")
    assert item.restricted

    meeting_world.bot.clear()
    await meeting_world.deliverer.drain()
    to_member = sent_to(meeting_world.bot, pm.M2)
    assert any(isinstance(m, SendMessage) and f"1/{year}" in m.text for m in to_member)
    assert not any(isinstance(m, SendDocument) for m in to_member)
    assert not any(
        isinstance(m, SendMessage) and pm.FIRST in m.text for m in meeting_world.bot.sent()
    )


async def test_the_signing_date_is_neither_in_the_future_nor_before_the_meeting(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    meeting = await pm.held_meeting(repos, joined_world.profile, joined_world.settings)
    await pm.start(joined_world.dp, joined_world.bot, meeting.id)
    await pm.press(joined_world.dp, joined_world.bot, "file", "paper")
    assert await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.signed.state

    for typed in (
        pm.dotted(today(joined_world.settings) + timedelta(days=1)),  # the future
        pm.dotted(meeting.day - timedelta(days=1)),  # before the meeting
        "31.02.2026",  # no such date
        "вчера",  # not a date
    ):
        joined_world.bot.clear()
        await pm.say(joined_world.dp, joined_world.bot, typed)
        assert (
            await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.signed.state
        ), typed
        assert len(joined_world.bot.texts()) == 1
    joined_world.bot.clear()
    await pm.press(
        joined_world.dp,
        joined_world.bot,
        "today",
        (today(joined_world.settings) + timedelta(days=1)).isoformat(),
    )  # forged
    assert await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.signed.state
    assert alerts(joined_world.bot)
    await pm.say(joined_world.dp, joined_world.bot, pm.dotted(meeting.day))
    assert await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.summary.state


async def test_no_protocol_before_the_meeting_begins_nor_for_a_cancelled_one(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    coming, _ctx = await pm.plan_meeting(
        repos,
        joined_world.profile,
        joined_world.settings,
        day=await pm.next_working_day(repos, joined_world.settings),
    )
    await pm.start(joined_world.dp, joined_world.bot, coming.id)
    assert await pm.state_of(joined_world.dp, joined_world.bot) is None
    [alert] = alerts(joined_world.bot)
    assert f"{coming.starts_at:%H:%M}" in alert

    day = await pm.last_working_day(repos, joined_world.settings)
    cancelled, early = await pm.plan_meeting(
        repos, joined_world.profile, joined_world.settings, day=day
    )
    await meeting_services.cancel_meeting(early, await person(repos, "org"), cancelled.id)
    joined_world.bot.clear()
    await pm.start(joined_world.dp, joined_world.bot, cancelled.id)
    assert await pm.state_of(joined_world.dp, joined_world.bot) is None
    assert len(alerts(joined_world.bot)) == 1

    joined_world.bot.clear()
    await pm.start(joined_world.dp, joined_world.bot, 999_999)  # unknown
    assert await pm.state_of(joined_world.dp, joined_world.bot) is None
    assert len(alerts(joined_world.bot)) == 1


async def test_only_an_organizer_registers_a_protocol(meeting_world: World) -> None:
    repos = meeting_world.repos
    await join(meeting_world.dp, meeting_world.bot, repos, "ctrl", pm.CTRL, "ru")
    await join(meeting_world.dp, meeting_world.bot, repos, "m1", pm.M1, "kk")
    meeting = await pm.held_meeting(repos, meeting_world.profile, meeting_world.settings)
    for user_id in (pm.CTRL, pm.M1):
        meeting_world.bot.clear()
        await pm.start(meeting_world.dp, meeting_world.bot, meeting.id, user_id=user_id)
        assert await pm.state_of(meeting_world.dp, meeting_world.bot, user_id) is None
        assert len(alerts(meeting_world.bot)) == 1
        await pm.press(meeting_world.dp, meeting_world.bot, "file", "paper", user_id=user_id)
        assert await pm.state_of(meeting_world.dp, meeting_world.bot, user_id) is None
    assert await repos.meetings.protocol_for(meeting.id) is None


async def test_a_meeting_cancelled_meanwhile_registers_nothing(joined_world: World) -> None:
    repos = joined_world.repos
    day = await pm.last_working_day(repos, joined_world.settings)
    meeting, early = await pm.plan_meeting(
        repos, joined_world.profile, joined_world.settings, day=day
    )
    fin = await department(repos, pm.FIN)
    await pm.to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await pm.add_task(joined_world.dp, joined_world.bot, pm.FIRST, [fin.id], None)
    await pm.press(joined_world.dp, joined_world.bot, "task", "end")
    assert await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.confirm.state

    await meeting_services.cancel_meeting(early, await person(repos, "org"), meeting.id)
    await pm.press(joined_world.dp, joined_world.bot, "ok")
    assert await pm.state_of(joined_world.dp, joined_world.bot) is None
    assert await repos.meetings.protocol_for(meeting.id) is None
    assert await repos.assignments.by_number(f"П-1/{today(joined_world.settings).year}/1") is None
    assert "О подготовке к зиме" in last_text(joined_world.bot)


async def test_a_deadline_past_by_the_time_of_registering_is_asked_again_in_its_place(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    meeting = await pm.held_meeting(repos, joined_world.profile, joined_world.settings)
    edu = await department(repos, pm.EDU)
    fin = await department(repos, pm.FIN)
    saturday = await saturday_ahead(repos, joined_world.settings)
    year = today(joined_world.settings).year
    await pm.to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await pm.add_task(joined_world.dp, joined_world.bot, pm.FIRST, [edu.id], saturday)
    await pm.press(joined_world.dp, joined_world.bot, "task", "add")
    await pm.add_task(joined_world.dp, joined_world.bot, pm.SECOND, [fin.id], None)
    await pm.press(joined_world.dp, joined_world.bot, "task", "end")
    assert await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.confirm.state

    # The dialog was left open for long: the first deadline is past when «Register» is pressed.
    fsm = joined_world.dp.fsm.get_context(bot=joined_world.bot, user_id=pm.ORG, chat_id=pm.ORG)
    data = await fsm.get_data()
    tasks = [dict(task) for task in data["tasks"]]
    tasks[0]["deadline"] = (meeting.day - timedelta(days=1)).isoformat()
    await fsm.update_data(tasks=tasks)
    await pm.press(joined_world.dp, joined_world.bot, "ok")
    assert await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.deadline.state
    assert await repos.meetings.protocol_for(meeting.id) is None
    assert long_date(meeting.day - timedelta(days=1), "ru") in last_text(joined_world.bot)

    await pm.say(joined_world.dp, joined_world.bot, pm.dotted(saturday + timedelta(days=2)))
    assert await pm.state_of(joined_world.dp, joined_world.bot) == ProtocolStates.more.state
    await pm.press(joined_world.dp, joined_world.bot, "task", "end")
    confirmation = last_text(joined_world.bot)
    assert confirmation.index(pm.FIRST) < confirmation.index(pm.SECOND)
    await pm.press(joined_world.dp, joined_world.bot, "ok")
    first = await pm.assignment(repos, f"П-1/{year}/1")
    second = await pm.assignment(repos, f"П-1/{year}/2")
    assert (first.summary, second.summary) == (pm.FIRST, pm.SECOND)
    assert first.deadline == saturday + timedelta(days=2)


async def test_cancel_keeps_nothing(joined_world: World) -> None:
    repos = joined_world.repos
    meeting = await pm.held_meeting(repos, joined_world.profile, joined_world.settings)
    await pm.to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await pm.press(joined_world.dp, joined_world.bot, "task", "none")
    await pm.press(joined_world.dp, joined_world.bot, "no")
    assert await pm.state_of(joined_world.dp, joined_world.bot) is None
    assert await repos.meetings.protocol_for(meeting.id) is None
    await pm.to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await pm.say(joined_world.dp, joined_world.bot, "/cancel")
    assert await pm.state_of(joined_world.dp, joined_world.bot) is None

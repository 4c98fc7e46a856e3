"""Registering a meeting's protocol through the dispatcher: the file, the signing date, the
assignments with their executors and deadlines, the confirmation, what goes out, the numbering
and the refusals (the meetings and the way through the dialog: tests/protocol_meetings.py).
"""

from __future__ import annotations

import re
from datetime import time, timedelta

from aiogram.methods import SendDocument, SendMessage

from bot import services
from bot.i18n import date_with_weekday, long_date
from bot.meetings import steps as meeting_services
from bot.profiles import default_deadline
from handlers.meetings.protocol_dialog import ProtocolStates
from storage.domain.enums import Mark, Source
from storage.domain.meetings import (
    MeetingKind,
    MeetingStatus,
)
from tests import protocol_meetings as pm
from tests.conftest import MEETING_STAFF_CSV
from tests.fakes import make_document
from tests.helpers import (
    STALE_RU,
    World,
    alerts,
    data_of,
    department,
    join,
    last_buttons,
    last_text,
    person,
    saturday_ahead,
    sent_to,
    today,
)

DIRECTORY_CSV, PEOPLE = MEETING_STAFF_CSV, pm.PEOPLE

# --- the happy path -----------------------------------------------------------------------------


async def test_an_organizer_registers_a_protocol_with_a_file_and_two_assignments(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    await pm.join_everyone(meeting_world.dp, meeting_world.bot, repos)
    meeting = await pm.held_meeting(repos, meeting_world.profile, meeting_world.settings)
    edu = await department(repos, pm.EDU)
    fin = await department(repos, pm.FIN)
    build = await department(repos, pm.BUILD)
    year = today(meeting_world.settings).year
    cal = await services.load_calendar(repos)
    regulation = default_deadline(meeting_world.profile, cal, received=meeting.day, mark=Mark.NONE)
    saturday = await saturday_ahead(repos, meeting_world.settings)
    monday = saturday + timedelta(days=2)

    await pm.start(meeting_world.dp, meeting_world.bot, meeting.id)
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    assert data_of(meeting_world.bot) == ["pr:file:paper"]
    assert "О подготовке к зиме" in last_text(meeting_world.bot)
    await pm.say(meeting_world.dp, meeting_world.bot, "вот протокол")  # not a file: asked again
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    await meeting_world.dp.feed_update(
        meeting_world.bot, make_document("proto-17", "Протокол.pdf", user_id=pm.ORG)
    )
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.signed.state
    assert "Протокол.pdf" in last_text(meeting_world.bot)
    assert data_of(meeting_world.bot) == [f"pr:today:{today(meeting_world.settings).isoformat()}"]
    await pm.press(
        meeting_world.dp, meeting_world.bot, "today", today(meeting_world.settings).isoformat()
    )

    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.summary.state
    assert data_of(meeting_world.bot) == ["pr:task:none"]
    await pm.say(meeting_world.dp, meeting_world.bot, "ок")  # too short
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.summary.state
    await pm.say(meeting_world.dp, meeting_world.bot, pm.FIRST)
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.executors.state
    assert f"pr:dep:{edu.id}" in data_of(meeting_world.bot)
    await pm.press(meeting_world.dp, meeting_world.bot, "done")  # nothing chosen yet
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.executors.state
    assert alerts(meeting_world.bot)
    await pm.press(meeting_world.dp, meeting_world.bot, "dep", str(edu.id))
    await pm.press(meeting_world.dp, meeting_world.bot, "dep", str(fin.id))
    assert f"⭐ {pm.EDU}" in [text for text, _ in last_buttons(meeting_world.bot)]
    assert f"✅ {pm.FIN}" in [text for text, _ in last_buttons(meeting_world.bot)]
    assert f"{pm.EDU} (основной), {pm.FIN}" in last_text(meeting_world.bot)
    await pm.press(meeting_world.dp, meeting_world.bot, "done")
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.deadline.state
    assert data_of(meeting_world.bot) == ["pr:dl:reg"]
    assert pm.dotted(regulation) in last_buttons(meeting_world.bot)[0][0]
    await pm.say(
        meeting_world.dp,
        meeting_world.bot,
        pm.dotted(today(meeting_world.settings) - timedelta(days=1)),
    )  # past
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.deadline.state
    await pm.say(
        meeting_world.dp, meeting_world.bot, pm.dotted(saturday)
    )  # a day off: moves to Monday, and says so
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.more.state
    assert date_with_weekday(monday, "ru") in last_text(meeting_world.bot)
    assert date_with_weekday(saturday, "ru") in last_text(meeting_world.bot)
    assert data_of(meeting_world.bot) == ["pr:task:add", "pr:task:end"]

    await pm.press(meeting_world.dp, meeting_world.bot, "task", "add")
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.summary.state
    assert data_of(meeting_world.bot) == ["pr:task:end"]
    await pm.add_task(meeting_world.dp, meeting_world.bot, pm.SECOND, [build.id], None)
    assert date_with_weekday(regulation, "ru") in last_text(meeting_world.bot)
    await pm.say(meeting_world.dp, meeting_world.bot, "готово")  # buttons expected
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.more.state

    await pm.press(meeting_world.dp, meeting_world.bot, "task", "end")
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.confirm.state
    confirmation = last_text(meeting_world.bot)
    for shown in (
        pm.FIRST,
        pm.SECOND,
        "Протокол.pdf",
        f"{pm.EDU} (основной), {pm.FIN}",
        f"{pm.BUILD} (основной)",
        date_with_weekday(monday, "ru"),
        date_with_weekday(regulation, "ru"),
        date_with_weekday(today(meeting_world.settings), "ru"),
    ):
        assert shown in confirmation
    assert data_of(meeting_world.bot) == ["pr:ok:", "pr:no:"]
    assert await repos.meetings.protocol_for(meeting.id) is None

    await pm.press(meeting_world.dp, meeting_world.bot, "ok")
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) is None
    protocol = await repos.meetings.protocol_for(meeting.id)
    assert protocol is not None
    assert (protocol.number, protocol.year, protocol.label) == (1, year, f"1/{year}")
    assert protocol.signed_on == today(meeting_world.settings)
    assert (protocol.file_id, protocol.file_name) == ("proto-17", "Протокол.pdf")
    result = last_text(meeting_world.bot)
    assert f"1/{year}" in result
    assert f"П-1/{year}/1, П-1/{year}/2" in result
    # the recipients m1–m3 and edu_head, the executors' heads edu_head, fin_head, m1, and ctrl
    assert re.search(r"\b6\b", result)
    assert data_of(meeting_world.bot) == [f"m:open:{meeting.id}:"]

    first = await pm.assignment(repos, f"П-1/{year}/1")
    second = await pm.assignment(repos, f"П-1/{year}/2")
    assert protocol.assignment_ids == (first.id, second.id)
    akim = await person(repos, "akim")
    for item in (first, second):
        assert item.source is Source.AKIMAT
        assert item.received == meeting.day
        assert item.issuer_id == akim.id
        assert not item.restricted
    assert first.summary == pm.FIRST
    assert [(e.department_name, e.main) for e in first.executors] == [
        (pm.EDU, True),
        (pm.FIN, False),
    ]
    assert first.deadline == monday
    assert second.summary == pm.SECOND
    assert [(e.department_name, e.main) for e in second.executors] == [(pm.BUILD, True)]
    assert second.deadline == regulation
    held = await repos.meetings.get(meeting.id)
    assert held is not None
    assert held.status is MeetingStatus.HELD

    heads = {code: await person(repos, code) for code in ("edu_head", "fin_head", "m1")}
    for item, dep, code in (
        (first, edu, "edu_head"),
        (first, fin, "fin_head"),
        (second, build, "m1"),
    ):
        card = await repos.outbox.get(f"card:{item.id}:{dep.id}:{heads[code].id}")
        assert card is not None
        assert card.kind == "card"
    audience = ("m1", "m2", "m3", "edu_head", "fin_head", "ctrl")
    for code in audience:
        queued = await repos.outbox.get(f"mtprot:{protocol.id}:{(await person(repos, code)).id}")
        assert queued is not None, code
        assert queued.kind == "meeting_protocol"
    org = await person(repos, "org")
    assert await repos.outbox.get(f"mtprot:{protocol.id}:{org.id}") is None

    # A second tap on «Register» registers nothing more.
    meeting_world.bot.clear()
    await pm.press(meeting_world.dp, meeting_world.bot, "ok")
    assert alerts(meeting_world.bot) == [STALE_RU]
    assert await repos.assignments.by_number(f"П-1/{year}/3") is None
    assert await repos.assignments.by_number(f"П-2/{year}/1") is None
    # Nor does the live view's button, now that the protocol is in.
    meeting_world.bot.clear()
    await pm.start(meeting_world.dp, meeting_world.bot, meeting.id)
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) is None
    [refusal] = alerts(meeting_world.bot)
    assert f"1/{year}" in refusal

    meeting_world.bot.clear()
    await meeting_world.deliverer.drain()
    to_member = sent_to(meeting_world.bot, pm.M2)
    assert any(
        isinstance(m, SendMessage) and f"1/{year}" in m.text and pm.FIRST in m.text
        for m in to_member
    )
    assert any(isinstance(m, SendDocument) and m.document == "proto-17" for m in to_member)
    to_head = [
        m.text for m in sent_to(meeting_world.bot, pm.FIN_HEAD) if isinstance(m, SendMessage)
    ]
    assert any(f"П-1/{year}/1" in text and pm.FIRST in text for text in to_head)  # the card
    assert any(f"1/{year}" in text and pm.SECOND in text for text in to_head)  # the protocol
    to_builder = [m.text for m in sent_to(meeting_world.bot, pm.M1) if isinstance(m, SendMessage)]
    assert any(f"П-1/{year}/2" in text and pm.SECOND in text for text in to_builder)


async def test_the_next_protocol_of_the_year_gets_the_next_number(meeting_world: World) -> None:
    repos = meeting_world.repos
    await pm.join_everyone(meeting_world.dp, meeting_world.bot, repos)
    morning = await pm.held_meeting(
        repos, meeting_world.profile, meeting_world.settings, at=time(10, 0)
    )
    afternoon = await pm.held_meeting(
        repos, meeting_world.profile, meeting_world.settings, at=time(15, 0)
    )
    fin = await department(repos, pm.FIN)
    year = today(meeting_world.settings).year

    await pm.to_assignments(meeting_world.dp, meeting_world.bot, morning, meeting_world.settings)
    await pm.press(
        meeting_world.dp, meeting_world.bot, "task", "none"
    )  # a protocol without assignments
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.confirm.state
    await pm.press(meeting_world.dp, meeting_world.bot, "ok")
    first = await repos.meetings.protocol_for(morning.id)
    assert first is not None
    assert (first.label, first.file_id, first.assignment_ids) == (f"1/{year}", None, ())

    await pm.to_assignments(meeting_world.dp, meeting_world.bot, afternoon, meeting_world.settings)
    await pm.add_task(meeting_world.dp, meeting_world.bot, pm.FIRST, [fin.id], None)
    await pm.press(meeting_world.dp, meeting_world.bot, "task", "end")
    await pm.press(meeting_world.dp, meeting_world.bot, "ok")
    second = await repos.meetings.protocol_for(afternoon.id)
    assert second is not None
    assert (second.number, second.year) == (2, year)
    item = await pm.assignment(repos, f"П-2/{year}/1")
    assert second.assignment_ids == (item.id,)
    assert f"2/{year}" in last_text(meeting_world.bot)


async def test_a_protocol_of_an_apparatus_meeting_gives_the_akims_assignments(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    day = await pm.last_working_day(repos, joined_world.settings)
    meeting, _ctx = await pm.plan_meeting(
        repos, joined_world.profile, joined_world.settings, day=day, kind=MeetingKind.APPARATUS
    )
    fin = await department(repos, pm.FIN)
    await pm.to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await pm.add_task(joined_world.dp, joined_world.bot, pm.FIRST, [fin.id], None)
    await pm.press(joined_world.dp, joined_world.bot, "task", "end")
    await pm.press(joined_world.dp, joined_world.bot, "ok")
    item = await pm.assignment(repos, f"П-1/{today(joined_world.settings).year}/1")
    assert item.source is Source.AKIM


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
    # an assignment's text is never typed: only its executors and deadline
    assert "pr:task:paper" in data_of(meeting_world.bot)
    await meeting_world.say(pm.FIRST, pm.ORG)  # typed anyway: not kept
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.summary.state
    await pm.press(meeting_world.dp, meeting_world.bot, "task", "paper")
    await pm.press(meeting_world.dp, meeting_world.bot, "dep", str(fin.id))
    await pm.press(meeting_world.dp, meeting_world.bot, "done")
    await pm.press(meeting_world.dp, meeting_world.bot, "dl", "reg")
    assert await pm.state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.more.state
    await pm.press(meeting_world.dp, meeting_world.bot, "task", "end")
    assert "Протокол ДСП.pdf" not in last_text(meeting_world.bot)
    await pm.press(meeting_world.dp, meeting_world.bot, "ok")

    protocol = await repos.meetings.protocol_for(meeting.id)
    assert protocol is not None
    assert (protocol.file_id, protocol.file_name) == (None, None)
    item = await pm.assignment(repos, f"П-1/{year}/1")
    assert item.restricted
    assert item.summary == "—"

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

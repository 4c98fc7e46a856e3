"""Registering a meeting's protocol through the dispatcher: the file, the signing date, the
assignments with their executors and deadlines, the confirmation, and what goes out.

The meetings are created by the service with a context a week before they start (a recent past
working day), and the dialog then runs at the real time, after the meeting has begun.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from aiogram import Dispatcher
from aiogram.methods import SendDocument, SendMessage

from bot import services
from bot.config import Settings
from bot.i18n import date_with_weekday, long_date
from bot.meetings import steps as meeting_services
from bot.profiles import Profile, default_deadline
from handlers.callbacks import MeetCallback, ProtocolCallback
from handlers.meetings.protocol_dialog import ProtocolStates
from storage.domain.assignments import Assignment
from storage.domain.enums import Mark, Source
from storage.domain.meetings import (
    Meeting,
    MeetingKind,
    MeetingStatus,
    NewAgendaItem,
)
from storage.repo import Repos
from tests.conftest import MEETING_STAFF_CSV
from tests.fakes import RecordingBot, make_document, make_message
from tests.helpers import (
    STALE_RU,
    World,
    alerts,
    data_of,
    department,
    join,
    join_all,
    last_buttons,
    last_text,
    make_meeting,
    person,
    presser,
    saturday_ahead,
    sent_to,
    tap,
    today,
)

DIRECTORY_CSV = MEETING_STAFF_CSV
ORG = 7300
PEOPLE = {"org": ORG}
M1 = 7301
M2 = 7302
M3 = 7303
EDU_HEAD = 7304
FIN_HEAD = 7305
CTRL = 7306
FIRST = "Обеспечить подготовку школ к отопительному сезону"
SECOND = "Представить план ремонта дорог на 2027 год"
EDU = "Отдел образования"
FIN = "Отдел финансов"
BUILD = "Отдел строительства"


# --- helpers ------------------------------------------------------------------------------------


async def say(dp: Dispatcher, bot: RecordingBot, text: str, user_id: int = ORG) -> None:
    await dp.feed_update(bot, make_message(text, user_id=user_id))


press = presser(ProtocolCallback, ORG)


async def start(dp: Dispatcher, bot: RecordingBot, meeting_id: int, user_id: int = ORG) -> None:
    """The «📄 Register the protocol» button of the organizer's live view."""
    await tap(dp, bot, MeetCallback(action="proto", id=meeting_id).pack(), user_id)


async def state_of(dp: Dispatcher, bot: RecordingBot, user_id: int = ORG) -> str | None:
    return await dp.fsm.get_context(bot=bot, user_id=user_id, chat_id=user_id).get_state()


def dotted(day: date) -> str:
    return day.strftime("%d.%m.%Y")


async def last_working_day(repos: Repos, settings: Settings) -> date:
    """The latest working day before today: a meeting on it has begun."""
    cal = await services.load_calendar(repos)
    day = today(settings) - timedelta(days=1)
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


async def next_working_day(repos: Repos, settings: Settings) -> date:
    cal = await services.load_calendar(repos)
    return cal.next_working_day(today(settings) + timedelta(days=1))


async def plan_meeting(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    *,
    day: date,
    at: time = time(10, 0),
    restricted: bool = False,
    kind: MeetingKind = MeetingKind.SESSION,
) -> tuple[Meeting, services.Context]:
    """A meeting on `day`, created a week before it; returns it with that week-early context."""
    starts_at = datetime.combine(day, at)
    before = (starts_at - timedelta(days=7)).replace(tzinfo=settings.zone).astimezone(UTC)
    ctx = await services.make_context(repos, profile, settings, now=before)
    build = await department(repos, BUILD)
    meeting = await make_meeting(
        ctx,
        repos,
        starts_at=starts_at,
        chair="akim",
        items=(NewAgendaItem("О ремонте дорог", "Нурлан Абенов", build.id),),
        members=("m1", "m2", "m3", "edu_head"),
        kind=kind,
        title="О подготовке к зиме",
        restricted=restricted,
    )
    return meeting, ctx


async def held_meeting(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    *,
    at: time = time(10, 0),
    restricted: bool = False,
) -> Meeting:
    day = await last_working_day(repos, settings)
    meeting, _ctx = await plan_meeting(
        repos, profile, settings, day=day, at=at, restricted=restricted
    )
    return meeting


async def join_everyone(dp: Dispatcher, bot: RecordingBot, repos: Repos) -> None:
    ids = {"org": ORG, "m1": M1, "m2": M2, "m3": M3, "edu_head": EDU_HEAD, "fin_head": FIN_HEAD}
    await join_all(dp, bot, repos, {**ids, "ctrl": CTRL})


async def to_assignments(
    dp: Dispatcher, bot: RecordingBot, meeting: Meeting, settings: Settings
) -> None:
    """Through the file (on paper) and the signing date (today): the first assignment's text
    is awaited."""
    await start(dp, bot, meeting.id)
    await press(dp, bot, "file", "paper")
    await press(dp, bot, "today", today(settings).isoformat())
    assert await state_of(dp, bot) == ProtocolStates.summary.state


async def add_task(
    dp: Dispatcher,
    bot: RecordingBot,
    summary: str,
    departments: list[int],
    deadline: date | None,
) -> None:
    """One assignment: its text, executors (the first is the main one), the deadline typed or
    (None) by the regulation."""
    await say(dp, bot, summary)
    for department_id in departments:
        await press(dp, bot, "dep", str(department_id))
    await press(dp, bot, "done")
    if deadline is None:
        await press(dp, bot, "dl", "reg")
    else:
        await say(dp, bot, dotted(deadline))
    assert await state_of(dp, bot) == ProtocolStates.more.state


async def assignment(repos: Repos, number: str) -> Assignment:
    found = await repos.assignments.by_number(number)
    assert found is not None, number
    return found


# --- the happy path -----------------------------------------------------------------------------


async def test_an_organizer_registers_a_protocol_with_a_file_and_two_assignments(
    meeting_world: World,
) -> None:
    repos = meeting_world.repos
    await join_everyone(meeting_world.dp, meeting_world.bot, repos)
    meeting = await held_meeting(repos, meeting_world.profile, meeting_world.settings)
    edu = await department(repos, EDU)
    fin = await department(repos, FIN)
    build = await department(repos, BUILD)
    year = today(meeting_world.settings).year
    cal = await services.load_calendar(repos)
    regulation = default_deadline(meeting_world.profile, cal, received=meeting.day, mark=Mark.NONE)
    saturday = await saturday_ahead(repos, meeting_world.settings)
    monday = saturday + timedelta(days=2)

    await start(meeting_world.dp, meeting_world.bot, meeting.id)
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    assert data_of(meeting_world.bot) == ["pr:file:paper"]
    assert "О подготовке к зиме" in last_text(meeting_world.bot)
    await say(meeting_world.dp, meeting_world.bot, "вот протокол")  # not a file: asked again
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    await meeting_world.dp.feed_update(
        meeting_world.bot, make_document("proto-17", "Протокол.pdf", user_id=ORG)
    )
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.signed.state
    assert "Протокол.pdf" in last_text(meeting_world.bot)
    assert data_of(meeting_world.bot) == [f"pr:today:{today(meeting_world.settings).isoformat()}"]
    await press(
        meeting_world.dp, meeting_world.bot, "today", today(meeting_world.settings).isoformat()
    )

    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.summary.state
    assert data_of(meeting_world.bot) == ["pr:task:none"]
    await say(meeting_world.dp, meeting_world.bot, "ок")  # too short
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.summary.state
    await say(meeting_world.dp, meeting_world.bot, FIRST)
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.executors.state
    assert f"pr:dep:{edu.id}" in data_of(meeting_world.bot)
    await press(meeting_world.dp, meeting_world.bot, "done")  # nothing chosen yet
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.executors.state
    assert alerts(meeting_world.bot)
    await press(meeting_world.dp, meeting_world.bot, "dep", str(edu.id))
    await press(meeting_world.dp, meeting_world.bot, "dep", str(fin.id))
    assert f"⭐ {EDU}" in [text for text, _ in last_buttons(meeting_world.bot)]
    assert f"✅ {FIN}" in [text for text, _ in last_buttons(meeting_world.bot)]
    assert f"{EDU} (основной), {FIN}" in last_text(meeting_world.bot)
    await press(meeting_world.dp, meeting_world.bot, "done")
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.deadline.state
    assert data_of(meeting_world.bot) == ["pr:dl:reg"]
    assert dotted(regulation) in last_buttons(meeting_world.bot)[0][0]
    await say(
        meeting_world.dp,
        meeting_world.bot,
        dotted(today(meeting_world.settings) - timedelta(days=1)),
    )  # past
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.deadline.state
    await say(
        meeting_world.dp, meeting_world.bot, dotted(saturday)
    )  # a day off: moves to Monday, and says so
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.more.state
    assert date_with_weekday(monday, "ru") in last_text(meeting_world.bot)
    assert date_with_weekday(saturday, "ru") in last_text(meeting_world.bot)
    assert data_of(meeting_world.bot) == ["pr:task:add", "pr:task:end"]

    await press(meeting_world.dp, meeting_world.bot, "task", "add")
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.summary.state
    assert data_of(meeting_world.bot) == ["pr:task:end"]
    await add_task(meeting_world.dp, meeting_world.bot, SECOND, [build.id], None)
    assert date_with_weekday(regulation, "ru") in last_text(meeting_world.bot)
    await say(meeting_world.dp, meeting_world.bot, "готово")  # buttons expected
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.more.state

    await press(meeting_world.dp, meeting_world.bot, "task", "end")
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.confirm.state
    confirmation = last_text(meeting_world.bot)
    for shown in (
        FIRST,
        SECOND,
        "Протокол.pdf",
        f"{EDU} (основной), {FIN}",
        f"{BUILD} (основной)",
        date_with_weekday(monday, "ru"),
        date_with_weekday(regulation, "ru"),
        date_with_weekday(today(meeting_world.settings), "ru"),
    ):
        assert shown in confirmation
    assert data_of(meeting_world.bot) == ["pr:ok:", "pr:no:"]
    assert await repos.meetings.protocol_for(meeting.id) is None

    await press(meeting_world.dp, meeting_world.bot, "ok")
    assert await state_of(meeting_world.dp, meeting_world.bot) is None
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

    first = await assignment(repos, f"П-1/{year}/1")
    second = await assignment(repos, f"П-1/{year}/2")
    assert protocol.assignment_ids == (first.id, second.id)
    akim = await person(repos, "akim")
    for item in (first, second):
        assert item.source is Source.AKIMAT
        assert item.received == meeting.day
        assert item.issuer_id == akim.id
        assert not item.restricted
    assert first.summary == FIRST
    assert [(e.department_name, e.main) for e in first.executors] == [(EDU, True), (FIN, False)]
    assert first.deadline == monday
    assert second.summary == SECOND
    assert [(e.department_name, e.main) for e in second.executors] == [(BUILD, True)]
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
    await press(meeting_world.dp, meeting_world.bot, "ok")
    assert alerts(meeting_world.bot) == [STALE_RU]
    assert await repos.assignments.by_number(f"П-1/{year}/3") is None
    assert await repos.assignments.by_number(f"П-2/{year}/1") is None
    # Nor does the live view's button, now that the protocol is in.
    meeting_world.bot.clear()
    await start(meeting_world.dp, meeting_world.bot, meeting.id)
    assert await state_of(meeting_world.dp, meeting_world.bot) is None
    [refusal] = alerts(meeting_world.bot)
    assert f"1/{year}" in refusal

    meeting_world.bot.clear()
    await meeting_world.deliverer.drain()
    to_member = sent_to(meeting_world.bot, M2)
    assert any(
        isinstance(m, SendMessage) and f"1/{year}" in m.text and FIRST in m.text for m in to_member
    )
    assert any(isinstance(m, SendDocument) and m.document == "proto-17" for m in to_member)
    to_head = [m.text for m in sent_to(meeting_world.bot, FIN_HEAD) if isinstance(m, SendMessage)]
    assert any(f"П-1/{year}/1" in text and FIRST in text for text in to_head)  # the card
    assert any(f"1/{year}" in text and SECOND in text for text in to_head)  # the protocol
    to_builder = [m.text for m in sent_to(meeting_world.bot, M1) if isinstance(m, SendMessage)]
    assert any(f"П-1/{year}/2" in text and SECOND in text for text in to_builder)


async def test_the_next_protocol_of_the_year_gets_the_next_number(meeting_world: World) -> None:
    repos = meeting_world.repos
    await join_everyone(meeting_world.dp, meeting_world.bot, repos)
    morning = await held_meeting(
        repos, meeting_world.profile, meeting_world.settings, at=time(10, 0)
    )
    afternoon = await held_meeting(
        repos, meeting_world.profile, meeting_world.settings, at=time(15, 0)
    )
    fin = await department(repos, FIN)
    year = today(meeting_world.settings).year

    await to_assignments(meeting_world.dp, meeting_world.bot, morning, meeting_world.settings)
    await press(
        meeting_world.dp, meeting_world.bot, "task", "none"
    )  # a protocol without assignments
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.confirm.state
    await press(meeting_world.dp, meeting_world.bot, "ok")
    first = await repos.meetings.protocol_for(morning.id)
    assert first is not None
    assert (first.label, first.file_id, first.assignment_ids) == (f"1/{year}", None, ())

    await to_assignments(meeting_world.dp, meeting_world.bot, afternoon, meeting_world.settings)
    await add_task(meeting_world.dp, meeting_world.bot, FIRST, [fin.id], None)
    await press(meeting_world.dp, meeting_world.bot, "task", "end")
    await press(meeting_world.dp, meeting_world.bot, "ok")
    second = await repos.meetings.protocol_for(afternoon.id)
    assert second is not None
    assert (second.number, second.year) == (2, year)
    item = await assignment(repos, f"П-2/{year}/1")
    assert second.assignment_ids == (item.id,)
    assert f"2/{year}" in last_text(meeting_world.bot)


async def test_a_protocol_of_an_apparatus_meeting_gives_the_akims_assignments(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    day = await last_working_day(repos, joined_world.settings)
    meeting, _ctx = await plan_meeting(
        repos, joined_world.profile, joined_world.settings, day=day, kind=MeetingKind.APPARATUS
    )
    fin = await department(repos, FIN)
    await to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await add_task(joined_world.dp, joined_world.bot, FIRST, [fin.id], None)
    await press(joined_world.dp, joined_world.bot, "task", "end")
    await press(joined_world.dp, joined_world.bot, "ok")
    item = await assignment(repos, f"П-1/{today(joined_world.settings).year}/1")
    assert item.source is Source.AKIM


# --- refusals -----------------------------------------------------------------------------------


async def test_a_restricted_meetings_protocol_stays_on_paper(meeting_world: World) -> None:
    repos = meeting_world.repos
    await join_everyone(meeting_world.dp, meeting_world.bot, repos)
    meeting = await held_meeting(
        repos, meeting_world.profile, meeting_world.settings, restricted=True
    )
    fin = await department(repos, FIN)
    year = today(meeting_world.settings).year

    await start(meeting_world.dp, meeting_world.bot, meeting.id)
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    assert data_of(meeting_world.bot) == ["pr:file:paper"]
    await meeting_world.dp.feed_update(
        meeting_world.bot, make_document("secret-1", "Протокол ДСП.pdf", user_id=ORG)
    )
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.file.state
    assert "ДСП" in last_text(meeting_world.bot)
    assert data_of(meeting_world.bot) == ["pr:file:paper"]
    await press(meeting_world.dp, meeting_world.bot, "file", "paper")
    assert await state_of(meeting_world.dp, meeting_world.bot) == ProtocolStates.signed.state
    await press(
        meeting_world.dp, meeting_world.bot, "today", today(meeting_world.settings).isoformat()
    )
    await add_task(meeting_world.dp, meeting_world.bot, FIRST, [fin.id], None)
    await press(meeting_world.dp, meeting_world.bot, "task", "end")
    assert "Протокол ДСП.pdf" not in last_text(meeting_world.bot)
    await press(meeting_world.dp, meeting_world.bot, "ok")

    protocol = await repos.meetings.protocol_for(meeting.id)
    assert protocol is not None
    assert (protocol.file_id, protocol.file_name) == (None, None)
    item = await assignment(repos, f"П-1/{year}/1")
    assert item.restricted

    meeting_world.bot.clear()
    await meeting_world.deliverer.drain()
    to_member = sent_to(meeting_world.bot, M2)
    assert any(isinstance(m, SendMessage) and f"1/{year}" in m.text for m in to_member)
    assert not any(isinstance(m, SendDocument) for m in to_member)
    assert not any(
        isinstance(m, SendMessage) and FIRST in m.text for m in meeting_world.bot.sent()
    )


async def test_the_signing_date_is_neither_in_the_future_nor_before_the_meeting(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    meeting = await held_meeting(repos, joined_world.profile, joined_world.settings)
    await start(joined_world.dp, joined_world.bot, meeting.id)
    await press(joined_world.dp, joined_world.bot, "file", "paper")
    assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.signed.state

    for typed in (
        dotted(today(joined_world.settings) + timedelta(days=1)),  # the future
        dotted(meeting.day - timedelta(days=1)),  # before the meeting
        "31.02.2026",  # no such date
        "вчера",  # not a date
    ):
        joined_world.bot.clear()
        await say(joined_world.dp, joined_world.bot, typed)
        assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.signed.state, (
            typed
        )
        assert len(joined_world.bot.texts()) == 1
    joined_world.bot.clear()
    await press(
        joined_world.dp,
        joined_world.bot,
        "today",
        (today(joined_world.settings) + timedelta(days=1)).isoformat(),
    )  # forged
    assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.signed.state
    assert alerts(joined_world.bot)
    await say(joined_world.dp, joined_world.bot, dotted(meeting.day))
    assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.summary.state


async def test_no_protocol_before_the_meeting_begins_nor_for_a_cancelled_one(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    coming, _ctx = await plan_meeting(
        repos,
        joined_world.profile,
        joined_world.settings,
        day=await next_working_day(repos, joined_world.settings),
    )
    await start(joined_world.dp, joined_world.bot, coming.id)
    assert await state_of(joined_world.dp, joined_world.bot) is None
    [alert] = alerts(joined_world.bot)
    assert f"{coming.starts_at:%H:%M}" in alert

    day = await last_working_day(repos, joined_world.settings)
    cancelled, early = await plan_meeting(
        repos, joined_world.profile, joined_world.settings, day=day
    )
    await meeting_services.cancel_meeting(early, await person(repos, "org"), cancelled.id)
    joined_world.bot.clear()
    await start(joined_world.dp, joined_world.bot, cancelled.id)
    assert await state_of(joined_world.dp, joined_world.bot) is None
    assert len(alerts(joined_world.bot)) == 1

    joined_world.bot.clear()
    await start(joined_world.dp, joined_world.bot, 999_999)  # unknown
    assert await state_of(joined_world.dp, joined_world.bot) is None
    assert len(alerts(joined_world.bot)) == 1


async def test_only_an_organizer_registers_a_protocol(meeting_world: World) -> None:
    repos = meeting_world.repos
    await join(meeting_world.dp, meeting_world.bot, repos, "ctrl", CTRL, "ru")
    await join(meeting_world.dp, meeting_world.bot, repos, "m1", M1, "kk")
    meeting = await held_meeting(repos, meeting_world.profile, meeting_world.settings)
    for user_id in (CTRL, M1):
        meeting_world.bot.clear()
        await start(meeting_world.dp, meeting_world.bot, meeting.id, user_id=user_id)
        assert await state_of(meeting_world.dp, meeting_world.bot, user_id) is None
        assert len(alerts(meeting_world.bot)) == 1
        await press(meeting_world.dp, meeting_world.bot, "file", "paper", user_id=user_id)
        assert await state_of(meeting_world.dp, meeting_world.bot, user_id) is None
    assert await repos.meetings.protocol_for(meeting.id) is None


async def test_a_meeting_cancelled_meanwhile_registers_nothing(joined_world: World) -> None:
    repos = joined_world.repos
    day = await last_working_day(repos, joined_world.settings)
    meeting, early = await plan_meeting(
        repos, joined_world.profile, joined_world.settings, day=day
    )
    fin = await department(repos, FIN)
    await to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await add_task(joined_world.dp, joined_world.bot, FIRST, [fin.id], None)
    await press(joined_world.dp, joined_world.bot, "task", "end")
    assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.confirm.state

    await meeting_services.cancel_meeting(early, await person(repos, "org"), meeting.id)
    await press(joined_world.dp, joined_world.bot, "ok")
    assert await state_of(joined_world.dp, joined_world.bot) is None
    assert await repos.meetings.protocol_for(meeting.id) is None
    assert await repos.assignments.by_number(f"П-1/{today(joined_world.settings).year}/1") is None
    assert "О подготовке к зиме" in last_text(joined_world.bot)


async def test_a_deadline_past_by_the_time_of_registering_is_asked_again_in_its_place(
    joined_world: World,
) -> None:
    repos = joined_world.repos
    meeting = await held_meeting(repos, joined_world.profile, joined_world.settings)
    edu = await department(repos, EDU)
    fin = await department(repos, FIN)
    saturday = await saturday_ahead(repos, joined_world.settings)
    year = today(joined_world.settings).year
    await to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await add_task(joined_world.dp, joined_world.bot, FIRST, [edu.id], saturday)
    await press(joined_world.dp, joined_world.bot, "task", "add")
    await add_task(joined_world.dp, joined_world.bot, SECOND, [fin.id], None)
    await press(joined_world.dp, joined_world.bot, "task", "end")
    assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.confirm.state

    # The dialog was left open for long: the first deadline is past when «Register» is pressed.
    fsm = joined_world.dp.fsm.get_context(bot=joined_world.bot, user_id=ORG, chat_id=ORG)
    data = await fsm.get_data()
    tasks = [dict(task) for task in data["tasks"]]
    tasks[0]["deadline"] = (meeting.day - timedelta(days=1)).isoformat()
    await fsm.update_data(tasks=tasks)
    await press(joined_world.dp, joined_world.bot, "ok")
    assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.deadline.state
    assert await repos.meetings.protocol_for(meeting.id) is None
    assert long_date(meeting.day - timedelta(days=1), "ru") in last_text(joined_world.bot)

    await say(joined_world.dp, joined_world.bot, dotted(saturday + timedelta(days=2)))
    assert await state_of(joined_world.dp, joined_world.bot) == ProtocolStates.more.state
    await press(joined_world.dp, joined_world.bot, "task", "end")
    confirmation = last_text(joined_world.bot)
    assert confirmation.index(FIRST) < confirmation.index(SECOND)
    await press(joined_world.dp, joined_world.bot, "ok")
    first = await assignment(repos, f"П-1/{year}/1")
    second = await assignment(repos, f"П-1/{year}/2")
    assert (first.summary, second.summary) == (FIRST, SECOND)
    assert first.deadline == saturday + timedelta(days=2)


async def test_cancel_keeps_nothing(joined_world: World) -> None:
    repos = joined_world.repos
    meeting = await held_meeting(repos, joined_world.profile, joined_world.settings)
    await to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await press(joined_world.dp, joined_world.bot, "task", "none")
    await press(joined_world.dp, joined_world.bot, "no")
    assert await state_of(joined_world.dp, joined_world.bot) is None
    assert await repos.meetings.protocol_for(meeting.id) is None
    await to_assignments(joined_world.dp, joined_world.bot, meeting, joined_world.settings)
    await say(joined_world.dp, joined_world.bot, "/cancel")
    assert await state_of(joined_world.dp, joined_world.bot) is None

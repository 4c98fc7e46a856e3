"""The meetings the protocol dialog tests work on, and the organizer's way through the dialog.

The meetings are created by the service with a context a week before they start (a recent past
working day), and the dialog then runs at the real time, after the meeting has begun.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from aiogram import Dispatcher

from bot import services
from bot.config import Settings
from bot.profiles import Profile
from handlers.callbacks import MeetCallback, ProtocolCallback
from handlers.meetings.protocol_dialog import ProtocolStates
from storage.domain.assignments import Assignment
from storage.domain.meetings import (
    Meeting,
    MeetingKind,
    NewAgendaItem,
)
from storage.repo import Repos
from tests.fakes import RecordingBot, make_message
from tests.helpers import (
    department,
    join_all,
    make_meeting,
    presser,
    tap,
    today,
)

ORG = 7300
PEOPLE = {"org": ORG}  # who has joined in every test
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

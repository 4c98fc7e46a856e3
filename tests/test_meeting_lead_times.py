"""Lead times by kind of meeting (seed 003): an apparatus meeting asks for materials 2 working
days before (§5.28) and sends its agenda 4 working days before (§5.27); an akimat session asks
for materials 5 working days before (§5.6). Around Nauryz 2026 (21-25 March are days off), with
the sweep at chosen moments and the organiser's live view through the dispatcher.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from aiogram.methods import SendMessage

from bot import services
from bot.i18n import date_with_weekday
from bot.meetings.rules import distribution_day, materials_due
from bot.profiles import Profile, load_profile
from handlers.callbacks import MeetCallback
from storage.domain.meetings import Meeting, MeetingKind, NewAgendaItem
from tests.conftest import MEETING_STAFF_CSV
from tests.helpers import (
    World,
    department,
    join_all,
    last_text,
    local_moment,
    make_meeting,
    sweep_and_drain,
    tap,
)

DIRECTORY_CSV = MEETING_STAFF_CSV
ORG = 7500
M1 = 7501  # head of the construction department, writes in Kazakh
DAY = date(2026, 3, 26)  # Thursday, the first working day after Nauryz


@pytest.fixture
def profile() -> Profile:
    return load_profile("baidibek-2025")


async def plan(world: World, kind: MeetingKind) -> Meeting:
    """A meeting at 10:00 on DAY with one item from the construction department, created by
    the organiser on Tuesday 10 March (the request for materials goes out at once)."""
    ctx = await services.make_context(
        world.repos,
        world.profile,
        world.settings,
        now=local_moment(world.settings, date(2026, 3, 10), 10),
    )
    build = await department(world.repos, "Отдел строительства")
    return await make_meeting(
        ctx,
        world.repos,
        starts_at=datetime.combine(DAY, time(10)),
        chair="akim",
        members=("m1", "m2", "m3"),
        kind=kind,
        items=(NewAgendaItem("О ремонте дорог", "Нурлан Абенов", build.id),),
    )


def texts(world: World, chat: int) -> list[str]:
    return [m.text for m in world.bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat]


async def test_an_apparatus_meeting_asks_for_materials_two_working_days_before(
    meeting_world: World,
) -> None:
    world = meeting_world
    await join_all(world.dp, world.bot, world.repos, {"org": ORG, "m1": M1})
    cal = await services.load_calendar(world.repos)
    due = date(2026, 3, 19)  # 2 wd before 26 March: Friday 20, Thursday 19 (§5.28)
    assert materials_due(world.profile, cal, DAY, MeetingKind.APPARATUS) == due
    assert distribution_day(world.profile, cal, DAY, MeetingKind.APPARATUS) == date(2026, 3, 17)
    assert materials_due(world.profile, cal, DAY, MeetingKind.SESSION) == date(2026, 3, 16)

    meeting = await plan(world, MeetingKind.APPARATUS)
    await world.deliverer.drain(now=local_moment(world.settings, date(2026, 3, 10), 10))
    (request,) = texts(world, M1)
    assert f"{date_with_weekday(due, 'kk')}" in request

    await sweep_and_drain(
        world, local_moment(world.settings, date(2026, 3, 17), 10)
    )  # not yet reminded
    assert len(texts(world, M1)) == 1
    await sweep_and_drain(
        world, local_moment(world.settings, date(2026, 3, 18), 10)
    )  # 1 wd before the due date
    assert len(texts(world, M1)) == 2 and texts(world, M1)[-1].startswith("⏰")
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 19), 15))
    assert not any(text.startswith("⚠️ Материалы") for text in texts(world, ORG))
    await sweep_and_drain(
        world, local_moment(world.settings, date(2026, 3, 20), 10)
    )  # the day after: late
    late = [text for text in texts(world, ORG) if f"№ {meeting.id}" in text and "⚠️" in text]
    assert any(date_with_weekday(due, "ru") in text for text in late)

    # the organiser's live view gives the same due date, and the protocol's
    await tap(world.dp, world.bot, MeetCallback(action="open", id=meeting.id).pack(), ORG)
    view = last_text(world.bot)
    assert f"Материалы (срок представления: {date_with_weekday(due, 'ru')}):" in view
    assert f"{date_with_weekday(DAY + timedelta(days=1), 'ru')}" in view


async def test_a_session_on_the_same_day_asks_five_working_days_before(
    meeting_world: World,
) -> None:
    world = meeting_world
    await join_all(world.dp, world.bot, world.repos, {"org": ORG, "m1": M1})
    await plan(world, MeetingKind.SESSION)
    await world.deliverer.drain(now=local_moment(world.settings, date(2026, 3, 10), 10))
    (request,) = texts(world, M1)
    assert date_with_weekday(date(2026, 3, 16), "kk") in request  # §5.6: 5 wd
    await sweep_and_drain(
        world, local_moment(world.settings, date(2026, 3, 13), 10)
    )  # Friday, 1 wd before
    assert texts(world, M1)[-1].startswith("⏰")


def test_a_lead_time_is_overridden_per_kind_and_shown_with_its_cite() -> None:
    bai = load_profile("baidibek-2025")
    assert bai.materials_lead is not None and "§5.28" in bai.materials_lead.cite
    assert str(bai.materials_lead.value) == "default=5wd, session=5wd, apparatus=2wd"
    ust = load_profile("ust-kamenogorsk-2025", {"materials_lead.apparatus": "2wd"})
    assert ust.materials_lead is not None
    assert str(ust.materials_lead.value.for_kind(MeetingKind.APPARATUS)) == "2wd"
    assert str(ust.materials_lead.value.for_kind(MeetingKind.SESSION)) == "5wd"

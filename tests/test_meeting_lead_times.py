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
    approve_and_distribute,
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


async def plan(
    world: World, kind: MeetingKind, members: tuple[str, ...] = ("m1", "m2", "m3")
) -> Meeting:
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
        members=members,
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


async def test_apparatus_invitees_are_notified_one_working_day_before(
    meeting_world: World,
) -> None:
    """§5.30: invitees (edu_head is not an akimat member) are notified on Friday 20 March, the
    working day before Thursday 26 March; members are not, and nothing goes twice."""
    world = meeting_world
    edu_head, m2 = 7502, 7503
    await join_all(world.dp, world.bot, world.repos, {"edu_head": edu_head, "m2": m2})
    meeting = await plan(world, MeetingKind.APPARATUS, ("m1", "m2", "m3", "edu_head"))
    ctx = await services.make_context(
        world.repos,
        world.profile,
        world.settings,
        now=local_moment(world.settings, date(2026, 3, 17), 10),
    )
    await approve_and_distribute(ctx, world.repos, meeting.id)
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 19), 10))
    invited = "🔔 Сіз шақырылдыңыз"
    assert not any(text.startswith(invited) for text in texts(world, edu_head))
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 20), 10))
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 20), 15))
    notices = [text for text in texts(world, edu_head) if text.startswith(invited)]
    assert len(notices) == 1 and f"№ {meeting.id}" in notices[0]
    assert not any(text.startswith("🔔 Вы приглашены") for text in texts(world, m2))


async def test_a_session_package_goes_to_the_head_of_apparatus_one_working_day_before(
    meeting_world: World,
) -> None:
    """§5.8: the package (agenda and materials) goes to the head of apparatus on Friday 20
    March for a session on Thursday 26 March; not for an apparatus meeting."""
    world = meeting_world
    hoa = 7504
    await join_all(world.dp, world.bot, world.repos, {"hoa": hoa})
    session = await plan(world, MeetingKind.SESSION)
    apparatus = await plan(world, MeetingKind.APPARATUS)
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 19), 10))
    assert not any(text.startswith("📦") for text in texts(world, hoa))
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 20), 10))
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 20), 15))
    (package,) = [text for text in texts(world, hoa) if text.startswith("📦 Пакет документов")]
    assert f"№ {session.id}" in package and "О ремонте дорог" in package
    assert f"№ {apparatus.id}" not in package

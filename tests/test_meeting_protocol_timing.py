"""The protocol's due date (seed 003 §5.11, §5.34, §8.5: drawn up within 1 working day of the
meeting's end), the organiser's reminder the working day before, the late flag in the live view,
registration stating lateness, and the Monday report on late protocols (§8.6) — through the
sweep at chosen moments around Nauryz 2026 and the dispatcher (which runs at the real time,
long after those meetings).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from aiogram.methods import SendMessage

from bot import services
from bot.calendar import WorkCalendar
from bot.i18n import date_with_weekday, long_date
from bot.meetings.rules import protocol_due, protocol_reminder_day, protocol_timing
from bot.profiles import Profile, load_profile
from handlers.callbacks import MeetCallback, ProtocolCallback
from storage.domain.meetings import Meeting, MeetingKind, NewAgendaItem
from storage.repo import Repos
from tests.conftest import MEETING_STAFF_CSV
from tests.helpers import (
    World,
    join_all,
    last_text,
    local_moment,
    make_meeting,
    presser,
    sweep_and_drain,
    tap,
    today,
)

DIRECTORY_CSV = MEETING_STAFF_CSV
ORG = 7400
HOA = 7401
CTRL = 7402
M1 = 7403
press = presser(ProtocolCallback, ORG)


@pytest.fixture
def profile() -> Profile:
    return load_profile("baidibek-2025")


async def held_on(world: World, day: date, kind: MeetingKind = MeetingKind.APPARATUS) -> Meeting:
    """A meeting from 10:00 to 12:00 on `day`, created a week before."""
    before = local_moment(world.settings, day - timedelta(days=7), 10)
    ctx = await services.make_context(world.repos, world.profile, world.settings, now=before)
    return await make_meeting(
        ctx,
        world.repos,
        starts_at=datetime.combine(day, time(10)),
        chair="akim",
        members=("m1", "m2", "m3"),
        kind=kind,
        items=(NewAgendaItem("О ремонте дорог", "Нурлан Абенов"),),
    )


def reminders(world: World, meeting: Meeting) -> list[str]:
    """The protocol reminders the organiser got about `meeting` (in Russian)."""
    return [
        m.text
        for m in world.bot.sent()
        if isinstance(m, SendMessage)
        and m.chat_id == ORG
        and m.text.startswith("📄 Срок оформления протокола")
        and f"№ {meeting.id}" in m.text
    ]


def to(world: World, chat: int, start: str) -> list[str]:
    return [
        m.text
        for m in world.bot.sent()
        if isinstance(m, SendMessage) and m.chat_id == chat and m.text.startswith(start)
    ]


async def calendar_of(repos: Repos) -> WorkCalendar:
    return await services.load_calendar(repos)


async def test_a_late_protocol_is_reminded_flagged_stated_and_reported(
    meeting_world: World,
) -> None:
    world = meeting_world
    await join_all(world.dp, world.bot, world.repos, {"org": ORG, "hoa": HOA, "ctrl": CTRL})
    friday = date(2026, 3, 20)  # the last working day before Nauryz (21-25 March 2026)
    meeting = await held_on(world, friday)
    forgotten = await held_on(world, date(2026, 3, 19), MeetingKind.SESSION)
    cal = await calendar_of(world.repos)
    due = protocol_due(world.profile, cal, meeting)
    assert due == date(2026, 3, 26)  # 1 wd from the end: the holidays do not count (§8.5)
    assert protocol_reminder_day(cal, due) == friday

    await sweep_and_drain(
        world, local_moment(world.settings, friday, 9)
    )  # the meeting has not ended
    assert reminders(world, meeting) == []
    await sweep_and_drain(world, local_moment(world.settings, friday, 14))
    (reminder,) = reminders(world, meeting)
    assert date_with_weekday(due, "ru") in reminder
    await sweep_and_drain(
        world, local_moment(world.settings, friday, 16)
    )  # again, and after a restart
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 26), 10))
    await sweep_and_drain(
        world, local_moment(world.settings, date(2026, 3, 27), 10)
    )  # past due: flag only
    assert len(reminders(world, meeting)) == 1

    # the live view, long after: ⚠️ late
    await tap(world.dp, world.bot, MeetCallback(action="open", id=meeting.id).pack(), ORG)
    assert f"⚠️ Протокол просрочен: срок был {date_with_weekday(due, 'ru')}" in last_text(world.bot)

    # registration refuses nothing, and says it is late
    await tap(world.dp, world.bot, MeetCallback(action="proto", id=meeting.id).pack(), ORG)
    await press(world.dp, world.bot, "file", "paper")
    await press(world.dp, world.bot, "today", today(world.settings).isoformat())
    await press(world.dp, world.bot, "task", "none")
    await press(world.dp, world.bot, "ok")
    protocol = await world.repos.meetings.protocol_for(meeting.id)
    assert protocol is not None
    result = last_text(world.bot)
    assert f"Протокол № {protocol.label} зарегистрирован" in result
    assert f"⚠️ Оформлен с опозданием: срок протокола был {date_with_weekday(due, 'ru')}" in (
        result
    )
    await tap(world.dp, world.bot, MeetCallback(action="open", id=meeting.id).pack(), ORG)
    view = last_text(world.bot)
    assert f"📄 Протокол № {protocol.label}" in view
    assert "⚠️ Оформлен с опозданием" in view

    # the next Monday (the week's first working day): the late protocols to the head of
    # apparatus and the control department, once (the first went on Thursday 26 March, the
    # first working day of the Nauryz week, with the forgotten meeting overdue)
    now = today(world.settings)
    monday = cal.next_working_day(now + timedelta(days=7 - now.weekday()))
    await sweep_and_drain(world, local_moment(world.settings, monday, 10))
    await sweep_and_drain(world, local_moment(world.settings, monday, 15))
    for chat in (HOA, CTRL):
        nauryz_week, report = to(world, chat, "📄 Протоколы за")
        assert f"№ {forgotten.id}" in nauryz_week and f"№ {meeting.id}" not in nauryz_week
        assert "Зарегистрирован 1 протокол." in report
        late, overdue = report.split("Не зарегистрированы, срок истёк:")
        assert f"№ {meeting.id}" in late and f"срок {long_date(due, 'ru')}" in late
        assert f"№ {forgotten.id}" in overdue
        assert f"срок {long_date(date(2026, 3, 20), 'ru')}" in overdue


async def test_the_report_goes_once_a_week_and_not_for_profiles_without_it(
    meeting_world: World,
) -> None:
    world = meeting_world
    await join_all(world.dp, world.bot, world.repos, {"hoa": HOA, "ctrl": CTRL})
    await held_on(world, date(2026, 3, 19))  # overdue from 21 March
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 30), 10))  # a Monday
    assert len(to(world, HOA, "📄 Протоколы за")) == 1
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 31), 10))
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 4, 4), 10))  # Saturday
    assert len(to(world, HOA, "📄 Протоколы за")) == 1
    await sweep_and_drain(
        world, local_moment(world.settings, date(2026, 4, 6), 10)
    )  # the next Monday
    assert len(to(world, HOA, "📄 Протоколы за")) == 2

    almaty = replace(world, profile=load_profile("almaty-2016"))
    await sweep_and_drain(
        almaty, local_moment(world.settings, date(2026, 4, 13), 10)
    )  # off in almaty-2016
    assert len(to(world, HOA, "📄 Протоколы за")) == 2


async def test_almaty_counts_three_days_from_the_end_past_8_march(meeting_world: World) -> None:
    """001 п.18: «в трехдневный срок со дня завершения заседания» — 6 March 2026 + 3 days is
    Monday 9 March, the day off for 8 March: the protocol is due Tuesday 10 March, and the
    organiser is reminded on Friday 6 March, after the meeting."""
    world = replace(meeting_world, profile=load_profile("almaty-2016"))
    await join_all(world.dp, world.bot, world.repos, {"org": ORG})
    meeting = await held_on(world, date(2026, 3, 6), MeetingKind.SESSION)
    cal = await calendar_of(world.repos)
    assert protocol_due(world.profile, cal, meeting) == date(2026, 3, 10)
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 5), 14))
    assert reminders(world, meeting) == []
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 6), 15))
    (reminder,) = reminders(world, meeting)
    assert date_with_weekday(date(2026, 3, 10), "ru") in reminder


async def test_ust_kamenogorsk_counts_only_distribution_from_signing(
    meeting_world: World,
) -> None:
    """002 п.17 counts only distribution, within 3 wd of signing: no reminder before signing,
    and a protocol signed before Nauryz and registered after the third working day is late."""
    world = replace(meeting_world, profile=load_profile("ust-kamenogorsk-2025"))
    await join_all(world.dp, world.bot, world.repos, {"org": ORG})
    meeting = await held_on(world, date(2026, 3, 20), MeetingKind.SESSION)
    cal = await calendar_of(world.repos)
    assert protocol_due(world.profile, cal, meeting) is None
    await sweep_and_drain(world, local_moment(world.settings, date(2026, 3, 20), 14))
    assert reminders(world, meeting) == []
    signed = date(2026, 3, 20)
    timing = protocol_timing(
        world.profile, cal, meeting, signed_on=signed, registered_on=date(2026, 3, 30)
    )
    assert (timing.due, timing.distribute_by) == (None, date(2026, 3, 30))
    assert not timing.late
    late = protocol_timing(
        world.profile, cal, meeting, signed_on=signed, registered_on=date(2026, 3, 31)
    )
    assert late.distributed_late and not late.drawn_late

"""The organizer's meetings the handler tests of /meeting work on: the people, a session
chaired by the deputy akim, approved and distributed, answered; taps and texts of the
organizer. Handlers run on the real clock, so the meetings are in 2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import AnswerCallbackQuery
from aiogram.utils.i18n import I18n

from bot import services
from bot.i18n import translate
from bot.meetings import steps as meeting_services
from bot.meetings.rules import distribution_day
from handlers.callbacks import MeetCallback, MeetChangeCallback
from storage.domain.meetings import (
    Attendance,
    Meeting,
    NewAgendaItem,
)
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import (
    World,
    department_id,
    found,
    make_meeting,
    person,
)

ALMATY = ZoneInfo("Asia/Almaty")
ORG, M1, M2, M3, AKIM, DEP1, EDU = 8101, 8102, 8103, 8104, 8105, 8106, 8107
PEOPLE = {"org": ORG, "m1": M1, "m2": M2, "m3": M3, "akim": AKIM, "dep1": DEP1, "edu_head": EDU}
DAY = date(2027, 4, 13)  # a Tuesday, a working day; distributed on Thursday 8 April
SATURDAY, MONDAY = date(2027, 4, 17), date(2027, 4, 19)
SUBJECT = "О подготовке к паводкам"
FIRST = "О ходе подготовки к весеннему паводку"
SECOND = "О благоустройстве дворов"
NOT_FOUND = "There is no such meeting or agenda item any more."


def tr(i18n: I18n, message: str, language: str = "ru", **values: Any) -> str:
    """The text a person sees (the organizer reads Russian)."""
    return translate(i18n, language, message, **values)


async def create(
    world: World,
    *,
    starts_at: datetime | None = None,
    restricted: bool = False,
    items: int = 2,
) -> Meeting:
    """A session chaired by the deputy akim: three members (m1–m3) and an invitee (edu_head)."""
    repos = world.repos
    ctx = await services.make_context(repos, world.profile, world.settings)
    agenda = (
        NewAgendaItem(FIRST, "Абенов Н., руководитель", await department_id(repos, "Отдел ЖКХ")),
        NewAgendaItem(SECOND),
    )[:items]
    return await make_meeting(
        ctx,
        repos,
        starts_at=starts_at or datetime.combine(DAY, time(10, 0)),
        chair="dep1",
        items=agenda,
        members=("m1", "m2", "m3", "edu_head"),
        title=SUBJECT,
        place="Зал заседаний, каб. 301",
        restricted=restricted,
    )


async def distributed(world: World, meeting: Meeting) -> services.Context:
    """Approved by the akim, then sent on its distribution day; the context of that morning."""
    repos, profile, settings = world.repos, world.profile, world.settings
    ctx = await services.make_context(repos, profile, settings)
    await meeting_services.approve(ctx, await person(repos, "akim"), meeting.id)
    send_on = distribution_day(profile, ctx.calendar, meeting.day, meeting.kind)
    morning = datetime.combine(send_on, time(9, 0), ALMATY).astimezone(UTC)
    later = await services.make_context(repos, profile, settings, now=morning)
    current = await fresh(repos, meeting.id)
    assert await meeting_services.distribute(later, current) == len(current.recipients)
    return later


async def answered(repos: Repos, ctx: services.Context, meeting_id: int) -> None:
    """m1 will attend, m2 cannot, m3 sends a substitute; the invitee is silent."""
    for code, answer, reason in (
        ("m1", Attendance.ATTEND, None),
        ("m2", Attendance.ABSENT, "командировка"),
        ("m3", Attendance.SUBSTITUTE, "Сейткали А., заместитель"),
    ):
        await meeting_services.answer_attendance(
            ctx, await person(repos, code), meeting_id, answer, reason
        )


async def tap(world: World, data: str, user_id: int = ORG) -> None:
    await world.dp.feed_update(world.bot, make_callback(data, user_id=user_id))


async def meet(world: World, action: str, meeting_id: int, value: str = "") -> None:
    await tap(world, MeetCallback(action=action, id=meeting_id, value=value).pack())


async def step(world: World, name: str, meeting_id: int, value: str = "") -> None:
    await tap(world, MeetChangeCallback(step=name, value=f"{meeting_id}.{value}").pack())


async def say(world: World, text: str, user_id: int = ORG) -> None:
    await world.dp.feed_update(world.bot, make_message(text, user_id=user_id))


def last_alert(bot: RecordingBot) -> str:
    answers = [m for m in bot.sent() if isinstance(m, AnswerCallbackQuery)]
    assert answers
    return answers[-1].text or ""


async def fresh(repos: Repos, meeting_id: int) -> Meeting:
    return found(await repos.meetings.get(meeting_id))


async def outbox_kinds(repos: Repos, prefix: str, people_ids: list[int]) -> list[str | None]:
    kinds = []
    for person_id in people_ids:
        item = await repos.outbox.get(f"{prefix}:{person_id}")
        kinds.append(item.kind if item else None)
    return kinds

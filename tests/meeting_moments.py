"""The meeting of the meeting-step tests and moments around it: on Wednesday 12.02.2025 at
10:00 (ust-kamenogorsk-2025), materials due Wednesday 05.02 (5 wd before; reminder Tuesday
04.02), the agenda goes out Friday 07.02 (3 wd before), the silent are nudged Monday 10.02.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot import services
from bot.meetings import steps as ms
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from bot.sweep import sweep
from handlers.callbacks import MeetCallback
from storage.domain.meetings import (
    Meeting,
    MeetingFormat,
    NewAgendaItem,
)
from tests.fakes import RecordingBot
from tests.helpers import World, department_id, found, make_meeting, person

ZONE = ZoneInfo("Asia/Almaty")
DAY = date(2025, 2, 12)  # Wednesday
START = datetime.combine(DAY, time(10))
TG = {
    "org": 7001,
    "m1": 7002,  # kk
    "m2": 7003,  # ru
    "m3": 7004,  # kk
    "edu_head": 7005,  # kk
    "fin_head": 7006,  # ru
    "akim": 7007,  # kk
    "hoa": 7008,  # ru
    "dep1": 7009,  # kk
    "edu_exec": 7010,  # kk
    "ctrl": 7011,  # ru
}
HEATING = "О ходе отопительного сезона"
BUDGET = "Об исполнении бюджета за январь"


@pytest.fixture
def profile() -> Profile:
    """ust-kamenogorsk-2025 without the weekly control list: its Monday messages are not the
    subject here, and every count below is of meeting messages alone."""
    return load_profile(DEFAULT_PROFILE, {"weekly_control_list": "off"})


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """Local wall time in Almaty as an aware UTC moment."""
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


async def ctx_at(
    world: World, moment: datetime, profile: Profile | None = None
) -> services.Context:
    return await services.make_context(
        world.repos, profile or world.profile, world.settings, now=moment
    )


async def create(
    world: World,
    moment: datetime,
    *,
    restricted: bool = False,
    starts_at: datetime = START,
    profile: Profile | None = None,
) -> Meeting:
    repos = world.repos
    ctx = await ctx_at(world, moment, profile)
    education = await department_id(repos, "Отдел образования")
    items = (
        NewAgendaItem(HEATING, "Асель Нурланова", education),
        NewAgendaItem(BUDGET, "Олег Ким", await department_id(repos, "Отдел финансов")),
        NewAgendaItem("Разное"),
    )
    return await make_meeting(
        ctx,
        repos,
        starts_at=starts_at,
        chair="hoa",
        items=items,
        format=MeetingFormat.MIXED,
        title="Заседание по ЖКХ",
        place="Зал заседаний, каб. 301",
        link="https://vc.example.kz/akimat",
        restricted=restricted,
    )


def messages(bot: RecordingBot, code: str | None = None) -> list[SendMessage]:
    return [
        m
        for m in bot.sent()
        if isinstance(m, SendMessage) and (code is None or m.chat_id == TG[code])
    ]


def documents(bot: RecordingBot, code: str | None = None) -> list[SendDocument]:
    return [
        m
        for m in bot.sent()
        if isinstance(m, SendDocument) and (code is None or m.chat_id == TG[code])
    ]


def chats(sent: list[Any]) -> set[int]:
    return {m.chat_id for m in sent}


def codes(*names: str) -> set[int]:
    return {TG[name] for name in names}


def callbacks(message: SendMessage) -> list[MeetCallback]:
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return [
        MeetCallback.unpack(str(button.callback_data))
        for row in markup.inline_keyboard
        for button in row
    ]


def document_names(sent: list[SendDocument]) -> list[str]:
    names = []
    for m in sent:
        if isinstance(m.document, BufferedInputFile):
            names.append(m.document.filename or "")
        else:
            names.append(str(m.document))
    return names


def ics_bytes(sent: list[SendDocument]) -> list[bytes]:
    return [m.document.data for m in sent if isinstance(m.document, BufferedInputFile)]


async def deliver(world: World, moment: datetime) -> None:
    world.bot.clear()
    await world.deliverer.drain(moment)


async def sweep_and_deliver(world: World, moment: datetime, profile: Profile | None = None) -> int:
    stats = await sweep(await ctx_at(world, moment, profile))
    await deliver(world, moment)
    return stats.queued


async def approved_meeting(
    world: World, profile: Profile | None = None, *, restricted: bool = False
) -> Meeting:
    """Created on Monday 27.01, materials in on time (on paper), approved by the akim on
    Thursday 06.02 (before the distribution day)."""
    repos = world.repos
    meeting = await create(
        world, at(date(2025, 1, 27), 10), restricted=restricted, profile=profile
    )
    ctx = await ctx_at(world, at(date(2025, 1, 28), 10), profile)
    for item in meeting.items[:2]:
        await ms.submit_materials(
            ctx, await person(repos, "org"), meeting.id, item.id, on_paper=True
        )
    ctx = await ctx_at(world, at(date(2025, 2, 6), 15), profile)
    await ms.approve(ctx, await person(repos, "akim"), meeting.id)
    return found(await repos.meetings.get(meeting.id))

"""At night and on days off, what the sender sends goes without sound (`disable_notification`),
except a marked («срочно») item's card; scheduled notices still wait for the working morning."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage

from bot import services
from bot.outbox_kinds import Kind
from bot.sweep import sweep
from storage.domain.enums import Mark
from tests.helpers import CTRL, World, person, register_assignment

ALMATY = ZoneInfo("Asia/Almaty")
EDU = 8201
PEOPLE = {"edu_head": EDU, "ctrl": CTRL}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ALMATY).astimezone(UTC)


def sent_to(world: World, chat: int) -> dict[str, bool | None]:
    """Each message's first line → its disable_notification."""
    return {
        str(method.text).splitlines()[0]: method.disable_notification
        for method in world.bot.sent()
        if isinstance(method, SendMessage) and method.chat_id == chat
    }


@pytest.mark.parametrize(
    ("moment", "silent"),
    [
        (local(date(2027, 2, 3), 10), False),  # a Wednesday, in working hours
        (local(date(2027, 2, 3), 17, 59), False),
        (local(date(2027, 2, 3), 23, 10), True),  # the same evening
        (local(date(2027, 2, 4), 7, 30), True),  # before the working day
        (local(date(2027, 2, 6), 11), True),  # Saturday
        (local(date(2027, 3, 8), 11), True),  # International Women's Day, a Monday
    ],
)
async def test_cards_after_hours_go_without_sound_unless_the_item_is_urgent(
    joined_world: World, moment: datetime, silent: bool
) -> None:
    ctx = await joined_world.context()
    education = ("Отдел образования",)
    due = date(2027, 5, 12)
    await register_assignment(ctx, "01-07/1", "Тапсырма", education, deadline=due)
    await register_assignment(
        ctx, "01-07/2", "Тапсырма", education, deadline=due, mark=Mark.URGENT
    )
    edu = await person(joined_world.repos, "edu_head")
    ctrl = await person(joined_world.repos, "ctrl")
    await joined_world.repos.outbox.enqueue(
        "t:note", ctrl.id, Kind.UNREACHABLE, {"person_id": edu.id}
    )
    await joined_world.delivered(moment)
    cards = sent_to(joined_world, EDU)
    plain = next(quiet for line, quiet in cards.items() if "01-07/1" in line)
    urgent = next(quiet for line, quiet in cards.items() if "01-07/2" in line)
    assert bool(plain) is silent
    assert not urgent  # «срочно» rings even at night
    notes = sent_to(joined_world, CTRL)  # any other message: as the plain card
    assert len(notes) == 1
    assert all(bool(quiet) is silent for quiet in notes.values())


async def test_scheduled_notices_still_wait_for_the_working_morning(joined_world: World) -> None:
    ctx = await joined_world.context()
    await register_assignment(
        ctx, "01-07/3", "Тапсырма", ("Отдел образования",), deadline=date(2027, 5, 12)
    )
    await joined_world.delivered()
    night = local(date(2027, 5, 6), 23)  # the notice is due on 5 May; the bot was down
    ctx = await services.make_context(
        joined_world.repos, joined_world.profile, joined_world.settings, now=night
    )
    await sweep(ctx)
    await joined_world.delivered(night)
    assert not [line for line in sent_to(joined_world, EDU) if line.startswith("⏰")]
    morning = local(date(2027, 5, 11), 9)  # 7 and 10 May are days off
    await joined_world.delivered(morning)
    notices = {line: quiet for line, quiet in sent_to(joined_world, EDU).items() if "⏰" in line}
    assert notices
    assert not any(notices.values())  # in working hours, with sound

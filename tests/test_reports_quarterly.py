"""The quarterly report in the sweep (baidibek-2025, §12.16: by the 20th of the month after the
quarter): the control department is reminded 5 working days before and gets the report on the
day (paragraph, chart, workbook); the akim and the head of apparatus the paragraph and the chart;
each once, in their language."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile

from bot.profiles import Profile, load_profile
from tests.helpers import World, local_moment, sweep_and_drain
from tests.stored_reports import first_quarter

PEOPLE = {"ctrl": 7601, "akim": 7602, "hoa": 7603, "dep1": 7604}
CTRL, AKIM, HOA, DEP1 = PEOPLE.values()


@pytest.fixture
def profile() -> Profile:
    return load_profile("baidibek-2025")


def quarterly(world: World, chat_id: int) -> list[Any]:
    """What the chat got of the quarterly report: its texts (by their heading), pictures, files."""
    marks = ("1 тоқсан", "1 квартал", "20.04.2026")
    found: list[Any] = []
    for m in world.bot.sent():
        if getattr(m, "chat_id", None) != chat_id:
            continue
        text = m.text if isinstance(m, SendMessage) else ""
        upload = m.photo if isinstance(m, SendPhoto) else getattr(m, "document", None)
        name = getattr(upload, "filename", "")
        if name.startswith("report-") or any(mark in text for mark in marks):
            found.append(m)
    return found


async def at(world: World, day: date, hour: int = 9) -> None:
    world.bot.clear()
    await sweep_and_drain(world, local_moment(world.settings, day, hour))


async def test_reminded_then_sent_once(joined_world: World) -> None:
    await first_quarter(joined_world.repos)
    await at(joined_world, date(2026, 4, 10))
    assert not quarterly(joined_world, CTRL)
    await at(joined_world, date(2026, 4, 13))  # 5 working days before Monday 20 April
    (reminder,) = quarterly(joined_world, CTRL)
    assert "20.04.2026" in reminder.text and "за 1 квартал 2026" in reminder.text
    await at(joined_world, date(2026, 4, 14))
    assert not quarterly(joined_world, CTRL)

    await at(joined_world, date(2026, 4, 20))
    text, photo, document = quarterly(joined_world, CTRL)
    assert isinstance(photo, SendPhoto) and isinstance(document, SendDocument)
    assert "Исполнено в срок: 40 %" in text.text
    assert isinstance(document.document, BufferedInputFile)
    assert document.document.filename == "report-2026-01-01-2026-03-31.xlsx"
    akim_text, akim_photo = quarterly(joined_world, AKIM)
    assert "2026 жылғы 1 тоқсан" in akim_text.text and isinstance(akim_photo, SendPhoto)
    assert [type(m) for m in quarterly(joined_world, HOA)] == [SendMessage, SendPhoto]
    assert not quarterly(joined_world, DEP1)

    await at(joined_world, date(2026, 4, 20), hour=15)
    await at(joined_world, date(2026, 4, 21))
    assert not any(quarterly(joined_world, chat) for chat in PEOPLE.values())


async def test_a_sweep_missed_on_the_day_catches_up(joined_world: World) -> None:
    await at(joined_world, date(2026, 4, 22))
    assert [type(m) for m in quarterly(joined_world, CTRL)] == [
        SendMessage,
        SendPhoto,
        SendDocument,
    ]

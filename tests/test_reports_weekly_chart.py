"""The weekly control list comes with the week's chart: open items per department by traffic
light, for the reader's departments, as a picture after the list."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile

from bot.reports import chart
from handlers.reports import weekly
from tests.helpers import World, local_moment, register_assignment, sweep_and_drain

PEOPLE = {"akim": 8101, "dep1": 8102, "ctrl": 8103}
AKIM, DEP1, CTRL = PEOPLE.values()


async def test_the_weekly_list_has_the_weeks_chart(
    joined_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = await joined_world.context()
    await register_assignment(
        ctx, "W-1", "Тапсырма W-1", ("Отдел образования",), deadline=date(2027, 5, 12)
    )
    await register_assignment(
        ctx, "W-2", "Тапсырма W-2", ("Отдел финансов",), deadline=date(2027, 5, 14)
    )
    drawn: list[tuple[str, list[str], list[list[int]]]] = []
    real = chart.stacked_png

    def spy(title: str, names: list[str], series: list[chart.Series]) -> bytes:
        drawn.append((title, list(names), [list(s.values) for s in series]))
        return real(title, names, series)

    monkeypatch.setattr(weekly, "stacked_png", spy)
    await joined_world.deliverer.drain()
    joined_world.bot.clear()
    await sweep_and_drain(joined_world, local_moment(joined_world.settings, date(2027, 5, 11), 9))
    akim = [m for m in joined_world.bot.sent() if getattr(m, "chat_id", None) == AKIM]
    kinds = [type(m) for m in akim]
    assert SendPhoto in kinds and kinds.index(SendPhoto) > kinds.index(SendMessage)
    photo = next(m for m in akim if isinstance(m, SendPhoto))
    assert isinstance(photo.photo, BufferedInputFile)
    assert photo.photo.data.startswith(b"\x89PNG")
    titles = {title for title, _names, _values in drawn}
    assert titles == {"Бөлімдер бойынша ашық тапсырмалар, 11.05.2027"}
    # the akim: both departments (W-1 due in 1 working day, W-2 in 3: 🟡); dep1: education
    assert sorted((names, values) for _t, names, values in drawn) == [
        (["Отдел образования"], [[0], [1], [0]]),
        (["Отдел образования", "Отдел финансов"], [[0, 0], [1, 1], [0, 0]]),
    ]

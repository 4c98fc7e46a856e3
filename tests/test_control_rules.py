"""Control rules of the regulations on registered items: the control class by the marks
(seed 003 §12.2, seed 001 п.41)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import services
from bot.profiles import Profile, load_profile
from storage.domain.assignments import ControlType
from storage.domain.enums import Mark
from tests.helpers import World, register_assignment

BAI = "baidibek-2025"
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def profile() -> Profile:
    return load_profile(BAI)


async def test_registered_item_is_urgent_only_with_a_mark(world: World) -> None:
    """Registered on a chosen day before Nauryz: an unmarked item due 5 working days later is
    short-term, a «срочно» one with the same date urgent, a «весьма срочно» one without a date
    gets 3 working days and is urgent."""
    now = datetime(2026, 3, 16, 10, 0, tzinfo=ALMATY)
    ctx = await services.make_context(world.repos, world.profile, world.settings, now=now)
    executors = ("Отдел образования",)
    due = date(2026, 3, 26)  # 5 working days: 21-25 March are days off
    plain = await register_assignment(ctx, "K-1", "Тапсырма", executors, deadline=due)
    marked = await register_assignment(
        ctx, "K-2", "Тапсырма", executors, deadline=due, mark=Mark.URGENT
    )
    very = await register_assignment(ctx, "K-3", "Тапсырма", executors, mark=Mark.VERY_URGENT)
    assert plain.control_type is ControlType.SHORT
    assert marked.control_type is ControlType.URGENT
    assert very.deadline == date(2026, 3, 19)
    assert very.control_type is ControlType.URGENT

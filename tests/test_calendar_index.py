"""The calendar's index of working days (binary search) against the day-by-day walk it replaced.

The reference functions below are the algorithms `WorkCalendar` used before the index, written
over `is_working_day` alone; every answer of the indexed calendar must equal theirs.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from bot.assignments.rules import working_days_left
from bot.calendar import INDEX_MAX_YEARS, SEARCH_LIMIT_DAYS, WorkCalendar

ONE_DAY = timedelta(days=1)


def walk(cal: WorkCalendar, day: date, n: int) -> date:
    """The old `add_working_days`: step day by day, n working days (back when n < 0)."""
    step = ONE_DAY if n >= 0 else -ONE_DAY
    current = day
    for _ in range(abs(n)):
        current += step
        for _ in range(SEARCH_LIMIT_DAYS + 1):
            if cal.is_working_day(current):
                break
            current += step
        else:
            raise ValueError("no working day")
    return current


def count(cal: WorkCalendar, start: date, end: date) -> int:
    """The old `working_days_between`."""
    if end < start:
        return -count(cal, end, start)
    total, day = 0, start + ONE_DAY
    while day <= end:
        total += cal.is_working_day(day)
        day += ONE_DAY
    return total


def old_days_left(cal: WorkCalendar, today: date, deadline: date) -> int:
    """The old `working_days_left`: one `add_working_days(day, 1)` per working day."""
    total, day = 0, today
    while day < deadline:
        day = cal.add_working_days(day, 1)
        if day <= deadline:
            total += 1
    return total


def random_overrides(rng: random.Random, around: date, how_many: int) -> dict[date, bool]:
    return {
        around + timedelta(days=rng.randint(-700, 700)): rng.random() < 0.5
        for _ in range(how_many)
    }


@pytest.mark.parametrize("seed", range(6))
def test_index_matches_the_walk(seed: int) -> None:
    rng = random.Random(seed)
    overrides = random_overrides(rng, date(2026, 6, 1), 0 if seed == 0 else 40)
    cal = WorkCalendar(overrides)
    plain = WorkCalendar(overrides)  # answers is_working_day for the reference only
    for _ in range(400):
        day = date(2023, 1, 1) + timedelta(days=rng.randint(0, 6 * 365))
        n = rng.choice([0, 1, 2, 3, 5, 10, 30, 250, 600]) * rng.choice([1, -1])
        assert cal.add_working_days(day, n) == walk(plain, day, n), (day, n)
        assert cal.subtract_working_days(day, n) == walk(plain, day, -n), (day, n)
        other = day + timedelta(days=rng.randint(-800, 800))
        assert cal.working_days_between(day, other) == count(plain, day, other), (day, other)
        assert working_days_left(cal, day, other) == old_days_left(plain, day, other)


def test_every_day_of_three_years_against_the_walk() -> None:
    cal = WorkCalendar()
    day = date(2025, 1, 1)
    while day <= date(2027, 12, 31):
        for n in (1, 3, 10):
            assert cal.add_working_days(day, n) == walk(cal, day, n)
            assert cal.subtract_working_days(day, n) == walk(cal, day, -n)
        assert working_days_left(cal, day, day + timedelta(days=20)) == count(
            cal, day, day + timedelta(days=20)
        )
        day += ONE_DAY


def test_domain_vectors_three_working_days_before() -> None:
    # domain/anchors-and-pain-points.md §5.4, deadline excluded
    cal = WorkCalendar()
    vectors = {
        date(2025, 3, 27): date(2025, 3, 19),
        date(2026, 3, 26): date(2026, 3, 18),
        date(2026, 5, 13): date(2026, 5, 6),
        date(2026, 10, 28): date(2026, 10, 22),
        date(2026, 12, 18): date(2026, 12, 14),
        date(2025, 1, 8): date(2024, 12, 31),
        date(2026, 9, 2): date(2026, 8, 28),
        date(2027, 5, 12): date(2027, 5, 5),
    }
    for deadline, expected in vectors.items():
        assert cal.subtract_working_days(deadline, 3) == expected
        assert cal.working_days_between(expected, deadline) == 3
        assert working_days_left(cal, expected, deadline) == 3


def test_days_left_is_zero_on_and_after_the_deadline() -> None:
    cal = WorkCalendar()
    assert working_days_left(cal, date(2026, 5, 13), date(2026, 5, 13)) == 0
    assert working_days_left(cal, date(2026, 5, 14), date(2026, 5, 13)) == 0
    # Sat 2026-06-06 → Mon 8: one working day left
    assert working_days_left(cal, date(2026, 6, 6), date(2026, 6, 8)) == 1
    # Fri 2026-05-08 → Tue 12: Mon 11 is the day off for Victory Day (a Saturday)
    assert working_days_left(cal, date(2026, 5, 8), date(2026, 5, 12)) == 1


def test_index_widens_to_far_years_and_back() -> None:
    cal = WorkCalendar()
    for day, n in [
        (date(2026, 3, 2), 5),
        (date(1995, 7, 3), 40),
        (date(2040, 12, 30), 3),
        (date(2026, 3, 2), -700),
    ]:
        assert cal.add_working_days(day, n) == walk(cal, day, n)
    # a span wider than the index may hold is walked, with the same answer
    far = 260 * (INDEX_MAX_YEARS + 5)
    assert cal.add_working_days(date(2026, 1, 5), far) == walk(cal, date(2026, 1, 5), far)


def test_overrides_are_indexed_per_calendar() -> None:
    base = WorkCalendar()
    day = date(2026, 6, 1)  # Monday
    assert base.add_working_days(day, 1) == date(2026, 6, 2)
    changed = base.with_overrides({date(2026, 6, 2): False, date(2026, 6, 6): True})
    assert changed.add_working_days(day, 1) == date(2026, 6, 3)
    assert changed.working_days_between(day, date(2026, 6, 7)) == 4  # Wed, Thu, Fri, Sat
    assert base.working_days_between(day, date(2026, 6, 7)) == 4  # Tue … Fri
    assert base.add_working_days(day, 1) == date(2026, 6, 2)  # the base index is untouched


def test_a_gap_longer_than_the_walk_allows_still_raises() -> None:
    start = date(2026, 1, 1)
    off = {start + timedelta(days=i): False for i in range(1, SEARCH_LIMIT_DAYS + 5)}
    cal = WorkCalendar(off)
    with pytest.raises(ValueError, match="no working day"):
        cal.add_working_days(start, 1)
    # counting needs no step, so it answers: none in the gap
    assert cal.working_days_between(start, start + timedelta(days=SEARCH_LIMIT_DAYS)) == 0
    # before the gap, stepping back works as before
    assert cal.subtract_working_days(start, 1) == walk(WorkCalendar(off), start, -1)

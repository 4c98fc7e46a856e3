"""Tests for bot.calendar.WorkCalendar (Kazakhstan working days)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.calendar import WorkCalendar


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


# "3 working days before the deadline", the deadline itself excluded (domain research).
@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (date(2025, 3, 27), date(2025, 3, 19)),
        (date(2026, 3, 26), date(2026, 3, 18)),
        (date(2026, 5, 13), date(2026, 5, 6)),
        (date(2026, 10, 28), date(2026, 10, 22)),
        (date(2026, 12, 18), date(2026, 12, 14)),
        (date(2025, 1, 8), date(2024, 12, 31)),
        (date(2026, 9, 2), date(2026, 8, 28)),
        # Not 2027-05-04: Fri 7 May and Mon 10 May 2027 are days off.
        (date(2027, 5, 12), date(2027, 5, 5)),
    ],
)
def test_three_working_days_before_deadline(
    cal: WorkCalendar, deadline: date, expected: date
) -> None:
    assert cal.subtract_working_days(deadline, 3) == expected


def test_may_2027_days_off(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(date(2027, 5, 7))
    assert not cal.is_working_day(date(2027, 5, 10))


def test_transferred_weekend_workday_2025(cal: WorkCalendar) -> None:
    # Sun 2025-01-05 was worked in exchange for Fri 2025-01-03 off.
    assert date(2025, 1, 5).weekday() == 6
    assert cal.is_working_day(date(2025, 1, 5))
    assert cal.day_off_name(date(2025, 1, 5)) is None
    assert not cal.is_working_day(date(2025, 1, 3))
    assert cal.day_off_name(date(2025, 1, 3)) is not None


def test_end_of_august_2026_not_holidays(cal: WorkCalendar) -> None:
    assert cal.day_off_name(date(2026, 8, 30)) is None
    assert cal.day_off_name(date(2026, 8, 31)) is None
    assert date(2026, 8, 31).weekday() == 0
    assert cal.is_working_day(date(2026, 8, 31))
    assert not cal.is_working_day(date(2026, 8, 30))  # plain Sunday


def test_constitution_day_moves_to_15_march_from_2027(cal: WorkCalendar) -> None:
    assert date(2027, 3, 15).weekday() == 0
    assert not cal.is_working_day(date(2027, 3, 15))
    assert cal.day_off_name(date(2027, 3, 15)) is not None
    assert cal.is_working_day(date(2026, 3, 16))  # Monday, nothing special in 2026


def test_day_off_name_is_kazakh(cal: WorkCalendar) -> None:
    assert cal.day_off_name(date(2026, 3, 21)) == "Наурыз мейрамы"
    assert cal.day_off_name(date(2026, 3, 18)) is None


def test_weekend_is_day_off(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(date(2026, 6, 13))  # Saturday
    assert not cal.is_working_day(date(2026, 6, 14))  # Sunday
    assert cal.is_working_day(date(2026, 6, 15))  # Monday


def test_working_days_in_2026(cal: WorkCalendar) -> None:
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 247


def test_next_working_day(cal: WorkCalendar) -> None:
    # Working day: itself.
    assert cal.next_working_day(date(2026, 6, 15)) == date(2026, 6, 15)
    # Saturday -> Monday.
    assert cal.next_working_day(date(2026, 6, 13)) == date(2026, 6, 15)
    # Nauryz 2026: Sat 21 .. Wed 25 March off -> Thu 26 March.
    assert cal.next_working_day(date(2026, 3, 21)) == date(2026, 3, 26)
    assert cal.next_working_day(date(2026, 3, 23)) == date(2026, 3, 26)
    # Independence Day, Wed 2026-12-16 -> Thu 17.
    assert cal.next_working_day(date(2026, 12, 16)) == date(2026, 12, 17)


def test_previous_working_day(cal: WorkCalendar) -> None:
    assert cal.previous_working_day(date(2026, 6, 15)) == date(2026, 6, 15)
    assert cal.previous_working_day(date(2026, 6, 14)) == date(2026, 6, 12)
    assert cal.previous_working_day(date(2026, 3, 25)) == date(2026, 3, 20)


def test_add_working_days_across_nauryz_2026(cal: WorkCalendar) -> None:
    # 21-25 March 2026 are days off (Sat 21, Sun 22, Mon 23, Tue 24, Wed 25).
    for d in (21, 22, 23, 24, 25):
        assert not cal.is_working_day(date(2026, 3, d))
    assert cal.add_working_days(date(2026, 3, 20), 1) == date(2026, 3, 26)
    assert cal.add_working_days(date(2026, 3, 19), 2) == date(2026, 3, 26)
    assert cal.add_working_days(date(2026, 3, 20), 3) == date(2026, 3, 30)
    # Starting on a day off: that day is not counted either.
    assert cal.add_working_days(date(2026, 3, 22), 1) == date(2026, 3, 26)


def test_add_and_subtract_zero_and_negative(cal: WorkCalendar) -> None:
    saturday = date(2026, 6, 13)
    assert cal.add_working_days(saturday, 0) == saturday
    assert cal.subtract_working_days(saturday, 0) == saturday
    assert cal.add_working_days(date(2026, 3, 26), -1) == date(2026, 3, 20)
    assert cal.add_working_days(date(2027, 5, 12), -3) == cal.subtract_working_days(
        date(2027, 5, 12), 3
    )
    assert cal.subtract_working_days(date(2026, 3, 20), -1) == date(2026, 3, 26)


def test_working_days_between_sign_and_zero(cal: WorkCalendar) -> None:
    start, end = date(2026, 3, 19), date(2026, 3, 27)
    # Working days in (19, 27]: 20, 26, 27.
    assert cal.working_days_between(start, end) == 3
    assert cal.working_days_between(end, start) == -3
    assert cal.working_days_between(start, start) == 0
    # Only days off in between.
    assert cal.working_days_between(date(2026, 3, 20), date(2026, 3, 25)) == 0
    assert cal.working_days_between(date(2026, 3, 25), date(2026, 3, 20)) == 0


def test_overrides_make_weekday_a_day_off() -> None:
    base = WorkCalendar()
    holiday = date(2026, 6, 17)  # Wednesday
    assert base.is_working_day(holiday)
    cal = base.with_overrides({holiday: False})
    assert not cal.is_working_day(holiday)
    assert cal.day_off_name(holiday) is None  # the library has no name for it
    assert cal.next_working_day(holiday) == date(2026, 6, 18)
    assert cal.subtract_working_days(date(2026, 6, 19), 3) == date(2026, 6, 15)
    assert base.subtract_working_days(date(2026, 6, 19), 3) == date(2026, 6, 16)
    assert (
        cal.working_days_between(date(2026, 6, 14), date(2026, 6, 20))
        == base.working_days_between(date(2026, 6, 14), date(2026, 6, 20)) - 1
    )
    # The original calendar is untouched.
    assert base.is_working_day(holiday)


def test_overrides_make_saturday_working() -> None:
    saturday = date(2026, 6, 13)
    cal = WorkCalendar({saturday: True})
    assert cal.is_working_day(saturday)
    assert cal.next_working_day(saturday) == saturday
    assert cal.add_working_days(date(2026, 6, 12), 1) == saturday
    assert cal.subtract_working_days(date(2026, 6, 15), 1) == saturday
    assert WorkCalendar().subtract_working_days(date(2026, 6, 15), 1) == date(2026, 6, 12)


def test_overrides_win_over_library() -> None:
    nauryz = date(2026, 3, 24)  # Tuesday, a holiday
    transferred = date(2025, 1, 5)  # Sunday made working by the library
    cal = WorkCalendar({nauryz: True, transferred: False})
    assert cal.is_working_day(nauryz)
    assert cal.day_off_name(nauryz) is None
    assert not cal.is_working_day(transferred)
    assert cal.next_working_day(date(2026, 3, 21)) == nauryz


def test_with_overrides_replaces_and_copies() -> None:
    monday = date(2026, 6, 15)
    saturday = date(2026, 6, 13)
    first = WorkCalendar({monday: False})
    source = {saturday: True}
    second = first.with_overrides(source)
    source[saturday] = False  # later edits of the mapping do not leak in
    assert second.is_working_day(saturday)
    assert second.is_working_day(monday)  # replaced, not merged
    assert not first.is_working_day(monday)
    assert dict(second.overrides) == {saturday: True}


def test_datetime_is_accepted(cal: WorkCalendar) -> None:
    moment = datetime(2026, 3, 21, 10, 30)
    assert not cal.is_working_day(moment)
    assert cal.next_working_day(moment) == date(2026, 3, 26)
    assert type(cal.next_working_day(moment)) is date


def test_no_working_day_raises() -> None:
    start = date(2026, 1, 1)
    everything_off = {start + timedelta(days=i): False for i in range(-400, 400)}
    cal = WorkCalendar(everything_off)
    with pytest.raises(ValueError, match="no working day"):
        cal.next_working_day(start)
    with pytest.raises(ValueError, match="no working day"):
        cal.previous_working_day(start)
    with pytest.raises(ValueError, match="no working day"):
        cal.add_working_days(start, 1)


def test_add_subtract_inverse_on_working_days(cal: WorkCalendar) -> None:
    day = date(2025, 1, 1)
    end = date(2027, 12, 31)
    checked = 0
    while day <= end:
        if cal.is_working_day(day):
            for n in range(1, 11):
                later = cal.add_working_days(day, n)
                assert cal.is_working_day(later)
                assert cal.working_days_between(day, later) == n
                assert cal.subtract_working_days(later, n) == day
            checked += 1
        day += timedelta(days=1)
    assert checked > 700

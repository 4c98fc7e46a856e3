"""Regulation profiles' dates: Term arithmetic, default deadlines, control types, notices,
cut-offs and windows."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.calendar import WorkCalendar
from bot.profiles import (
    PROFILE_NAMES,
    DayOffShift,
    DraftKind,
    Profile,
    QuarterlyReport,
    QuarterMonth,
    Term,
    Unit,
    agenda_send_date,
    control_type,
    deadline_notice_date,
    default_deadline,
    describe,
    extension_cutoff,
    load_profile,
    materials_due_date,
    normalize_deadline,
    not_ours_until,
    protocol_distribution_date,
    remarks_due_date,
    removal_note_date,
    report_due_dates,
)
from storage.domain.assignments import ControlType
from storage.domain.enums import Mark
from tests.conftest import ALA, BAI, UKA

# ---- Term ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "short"),
    [
        ("3wd", 3, Unit.WORKING_DAYS, "3wd"),
        ("10cd", 10, Unit.CALENDAR_DAYS, "10cd"),
        ("1m", 1, Unit.MONTHS, "1m"),
        ("3 wd", 3, Unit.WORKING_DAYS, "3wd"),
        ("1 month", 1, Unit.MONTHS, "1m"),
        ("6 months", 6, Unit.MONTHS, "6m"),
        ("2 working days", 2, Unit.WORKING_DAYS, "2wd"),
        (" 10 calendar_days ", 10, Unit.CALENDAR_DAYS, "10cd"),
        ("5WD", 5, Unit.WORKING_DAYS, "5wd"),
        ("0cd", 0, Unit.CALENDAR_DAYS, "0cd"),
    ],
)
def test_term_parse_and_render(text: str, value: int, unit: Unit, short: str) -> None:
    term = Term.parse(text)
    assert (term.value, term.unit) == (value, unit)
    assert str(term) == short
    assert Term.parse(str(term)) == term


@pytest.mark.parametrize(
    "text", ["", "3", "wd", "3 days", "3d", "-1wd", "3 weeks", "1.5m", "x3wd"]
)
def test_term_rejects_bad_text(text: str) -> None:
    with pytest.raises(ValueError, match="term"):
        Term.parse(text)


def test_term_arithmetic(cal: WorkCalendar) -> None:
    assert Term.parse("1m").after(cal, date(2026, 1, 31)) == date(2026, 2, 28)
    assert Term.parse("1m").after(cal, date(2027, 12, 15)) == date(2028, 1, 15)
    assert Term.parse("1m").before(cal, date(2024, 3, 31)) == date(2024, 2, 29)
    assert Term.parse("6m").after(cal, date(2026, 8, 31)) == date(2027, 2, 28)
    assert Term.parse("10cd").after(cal, date(2026, 3, 13)) == date(2026, 3, 23)
    assert Term.parse("10cd").before(cal, date(2026, 3, 23)) == date(2026, 3, 13)
    # Nauryz 2026: 21-25 March off.
    assert Term.parse("3wd").after(cal, date(2026, 3, 20)) == date(2026, 3, 30)
    assert Term.parse("3wd").before(cal, date(2026, 3, 26)) == date(2026, 3, 18)
    assert Term.parse("0wd").after(cal, date(2026, 3, 21)) == date(2026, 3, 21)


# ---- default deadlines -----------------------------------------------------------------------


def test_default_deadline_no_mark_one_month(cal: WorkCalendar, uka: Profile) -> None:
    # 2026-03-20 + 1 month = Monday 2026-04-20.
    assert default_deadline(uka, cal, date(2026, 3, 20), Mark.NONE) == date(2026, 4, 20)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_one_month_on_a_day_off_rolls_forward(cal: WorkCalendar, name: str) -> None:
    profile = load_profile(name)
    # 2026-02-28 is a Saturday.
    assert default_deadline(profile, cal, date(2026, 1, 28), Mark.NONE) == date(2026, 3, 2)
    # 2026-03-08 (Sunday, Women's Day) and its carried-over day off 2026-03-09.
    assert default_deadline(profile, cal, date(2026, 2, 8), Mark.NONE) == date(2026, 3, 10)
    # 2026-12-16 is Independence Day (a Wednesday).
    assert default_deadline(profile, cal, date(2026, 11, 16), Mark.NONE) == date(2026, 12, 17)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_very_urgent_is_three_working_days_across_nauryz(cal: WorkCalendar, name: str) -> None:
    profile = load_profile(name)
    assert default_deadline(profile, cal, date(2026, 3, 20), Mark.VERY_URGENT) == date(2026, 3, 30)


def test_urgent_calendar_days_versus_working_days(
    cal: WorkCalendar, uka: Profile, bai: Profile, ala: Profile
) -> None:
    received = date(2026, 3, 13)
    # Ust-Kamenogorsk / Almaty: 10 calendar days = 2026-03-23 (Nauryz) → next working day.
    assert default_deadline(uka, cal, received, Mark.URGENT) == date(2026, 3, 26)
    assert default_deadline(ala, cal, received, Mark.URGENT) == date(2026, 3, 26)
    # Baidibek: 10 working days, skipping 21-25 March.
    assert default_deadline(bai, cal, received, Mark.URGENT) == date(2026, 4, 1)
    assert default_deadline(bai, cal, date(2026, 3, 20), Mark.URGENT) == date(2026, 4, 8)


def test_normalize_deadline(cal: WorkCalendar, uka: Profile) -> None:
    assert normalize_deadline(uka, cal, date(2026, 3, 21)) == date(2026, 3, 26)
    assert normalize_deadline(uka, cal, date(2026, 3, 27)) == date(2026, 3, 27)
    kept = load_profile(UKA, {"deadline_rollover": "keep"})
    assert normalize_deadline(kept, cal, date(2026, 3, 21)) == date(2026, 3, 21)


# ---- control types ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_control_type_boundaries(cal: WorkCalendar, name: str) -> None:
    profile = load_profile(name)
    received = date(2026, 4, 1)
    ten_wd = cal.add_working_days(received, 10)
    assert ten_wd == date(2026, 4, 15)

    def ctype(deadline: date, mark: Mark = Mark.NONE) -> ControlType:
        return control_type(profile, cal, received, deadline, mark)

    # «Срочный» is the class of the marks (§12.2 / п.41): unmarked, even 3 wd is short.
    assert ctype(cal.add_working_days(received, 3)) is ControlType.SHORT
    assert ctype(ten_wd) is ControlType.SHORT
    assert ctype(date(2026, 4, 16)) is ControlType.SHORT
    # One month = 2026-05-01 (a holiday); the bound rolls forward like a deadline, to 05-04.
    assert ctype(date(2026, 4, 30)) is ControlType.SHORT
    assert ctype(date(2026, 5, 4)) is ControlType.SHORT
    assert ctype(date(2026, 5, 5)) is ControlType.MEDIUM
    assert ctype(date(2026, 10, 1)) is ControlType.MEDIUM
    assert ctype(date(2026, 10, 2)) is ControlType.LONG
    assert ctype(date(2027, 6, 1), Mark.URGENT) is ControlType.URGENT
    assert ctype(date(2027, 6, 1), Mark.VERY_URGENT) is ControlType.URGENT
    assert ctype(cal.add_working_days(received, 3), Mark.VERY_URGENT) is ControlType.URGENT


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_control_type_around_holidays(cal: WorkCalendar, name: str) -> None:
    """Received on Friday 13 March 2026, before Nauryz (21-25 March): 10 working days end on
    1 April; marked, that is urgent, unmarked the same date is short (no class by the term
    alone); one month (13 April) is the last short day."""
    profile = load_profile(name)
    received = date(2026, 3, 13)
    ten_wd = cal.add_working_days(received, 10)
    assert ten_wd == date(2026, 4, 1)  # 23-25 March are days off
    assert control_type(profile, cal, received, ten_wd, Mark.URGENT) is ControlType.URGENT
    assert control_type(profile, cal, received, date(2026, 3, 26), Mark.VERY_URGENT) is (
        ControlType.URGENT
    )
    assert control_type(profile, cal, received, date(2026, 3, 26)) is ControlType.SHORT
    assert control_type(profile, cal, received, ten_wd) is ControlType.SHORT
    assert control_type(profile, cal, received, date(2026, 4, 13)) is ControlType.SHORT
    assert control_type(profile, cal, received, date(2026, 4, 14)) is ControlType.MEDIUM


@pytest.mark.parametrize("name", PROFILE_NAMES)
@pytest.mark.parametrize(
    "received", [date(2026, 1, 28), date(2026, 3, 20), date(2026, 4, 1), date(2026, 11, 16)]
)
def test_default_deadline_types(cal: WorkCalendar, name: str, received: date) -> None:
    profile = load_profile(name)
    for mark in Mark:
        deadline = default_deadline(profile, cal, received, mark)
        expected = ControlType.SHORT if mark is Mark.NONE else ControlType.URGENT
        assert control_type(profile, cal, received, deadline, mark) is expected
    unmarked = default_deadline(profile, cal, received, Mark.NONE)
    assert control_type(profile, cal, received, unmarked) is ControlType.SHORT


# ---- notices, cut-offs, windows --------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_deadline_notice_three_working_days(cal: WorkCalendar, name: str) -> None:
    profile = load_profile(name)
    # 7 May (Friday) and 10 May (Victory Day carried over) are days off in 2027.
    assert deadline_notice_date(profile, cal, date(2027, 5, 12)) == date(2027, 5, 5)
    assert deadline_notice_date(profile, cal, date(2026, 3, 26)) == date(2026, 3, 18)


def test_deadline_notice_off_and_calendar_days(cal: WorkCalendar) -> None:
    off = load_profile(UKA, {"deadline_notice": None})
    assert deadline_notice_date(off, cal, date(2027, 5, 12)) is None
    # 2 calendar days before Monday 2026-03-30 is a Saturday → the Friday before.
    cd = load_profile(UKA, {"deadline_notice": "2cd"})
    assert deadline_notice_date(cd, cal, date(2026, 3, 30)) == date(2026, 3, 27)


def test_extension_cutoffs(cal: WorkCalendar, uka: Profile, bai: Profile, ala: Profile) -> None:
    wednesday = date(2026, 5, 13)
    assert extension_cutoff(uka, cal, wednesday) == date(2026, 5, 12)  # 1 wd
    assert extension_cutoff(bai, cal, wednesday) == date(2026, 5, 6)  # 3 wd (7, 9→11 May off)
    assert extension_cutoff(ala, cal, wednesday) == date(2026, 5, 12)  # 1 calendar day
    # Monday deadline: 1 wd → Friday; 1 calendar day → Sunday → back to Friday.
    monday = date(2026, 5, 18)
    assert extension_cutoff(uka, cal, monday) == date(2026, 5, 15)
    assert extension_cutoff(ala, cal, monday) == date(2026, 5, 15)
    # Thursday 2026-03-26 right after Nauryz: 1 cd = 25 March (off) → 20 March.
    assert extension_cutoff(ala, cal, date(2026, 3, 26)) == date(2026, 3, 20)
    assert extension_cutoff(load_profile(UKA, {"extension_cutoff": "off"}), cal, monday) is None


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_not_ours_window(cal: WorkCalendar, name: str) -> None:
    profile = load_profile(name)
    assert not_ours_until(profile, cal, date(2026, 3, 20)) == date(2026, 3, 30)
    assert not_ours_until(profile, cal, date(2026, 4, 1)) == date(2026, 4, 6)


def test_report_removal_and_meeting_dates(
    cal: WorkCalendar, uka: Profile, bai: Profile, ala: Profile
) -> None:
    deadline = date(2026, 4, 10)  # Friday
    assert report_due_dates(bai, cal, deadline) == (date(2026, 4, 3), date(2026, 4, 1))
    assert report_due_dates(uka, cal, deadline) is None
    assert removal_note_date(bai, cal, deadline) == date(2026, 4, 13)
    assert removal_note_date(ala, cal, deadline) is None
    sent = date(2026, 3, 20)
    assert remarks_due_date(uka, cal, sent) == date(2026, 3, 30)
    assert remarks_due_date(bai, cal, sent, DraftKind.RESOLUTION) == date(2026, 4, 8)
    assert remarks_due_date(bai, cal, sent, DraftKind.EMERGENCY) == date(2026, 3, 30)
    meeting = date(2026, 3, 30)  # Monday after Nauryz
    assert agenda_send_date(uka, cal, meeting) == date(2026, 3, 20)  # 3 wd
    assert agenda_send_date(ala, cal, meeting) == date(2026, 3, 27)  # 3 cd = Fri 27
    assert materials_due_date(uka, cal, meeting) == date(2026, 3, 18)  # 5 wd
    assert materials_due_date(ala, cal, meeting) == date(2026, 3, 26)  # 2 wd
    signed = date(2026, 3, 20)
    assert protocol_distribution_date(ala, cal, signed) == signed  # same day
    assert protocol_distribution_date(uka, cal, signed) == date(2026, 3, 30)


@pytest.mark.parametrize(
    ("name", "year", "quarter", "expected"),
    [
        # Baidibek §12.16 «до 20 числа», a day off rolled by §12.15 to the next working day.
        (BAI, 2025, 1, date(2025, 4, 21)),  # Sunday 20 April → Monday
        (BAI, 2025, 2, date(2025, 7, 21)),  # Sunday 20 July → Monday
        (BAI, 2025, 4, date(2026, 1, 20)),  # a Tuesday: stays
        (BAI, 2026, 4, date(2027, 1, 20)),  # a Wednesday: stays
        # Almaty п.42 «к 25 числу»: by that day, so a day off moves back to the working day before.
        (ALA, 2025, 3, date(2025, 10, 24)),  # Saturday 25 October 2025 (Republic Day) → Friday
        (ALA, 2025, 4, date(2026, 1, 23)),  # Sunday 25 January 2026 → Friday
        (ALA, 2026, 1, date(2026, 4, 24)),  # Saturday 25 April 2026 → Friday
        (ALA, 2026, 3, date(2026, 10, 23)),  # Sunday 25 October 2026, Monday 26 carried over
        (ALA, 2027, 3, date(2027, 10, 22)),  # Monday 25 October 2027, Republic Day → Friday
        (ALA, 2026, 4, date(2027, 1, 25)),  # a Monday: stays
    ],
)
def test_quarterly_due_moves_off_days_off(
    cal: WorkCalendar, name: str, year: int, quarter: int, expected: date
) -> None:
    report = load_profile(name).quarterly_report
    assert report is not None
    assert report.value.due(cal, year, quarter) == expected


def test_quarterly_due_override_day_off(cal: WorkCalendar) -> None:
    forward = load_profile(ALA, {"quarterly_report.day_off": "next_working_day"})
    assert forward.quarterly_report is not None
    assert forward.quarterly_report.value.day_off is DayOffShift.NEXT_WORKING_DAY
    # Saturday 25 October 2025, Monday 27 carried over → Tuesday 28 October.
    assert forward.quarterly_report.value.due(cal, 2025, 3) == date(2025, 10, 28)
    rows = {name: value for name, value, _cite in describe(forward)}
    assert "day_off=next_working_day" in rows["quarterly_report"]


def test_value_helpers(cal: WorkCalendar, bai: Profile, ala: Profile) -> None:
    quorum = bai.quorum.value
    assert quorum.required(10) == 7
    assert quorum.required(9) == 6
    assert quorum.is_met(7, 10)
    assert not quorum.is_met(6, 10)
    assert bai.quarterly_report is not None
    assert bai.quarterly_report.value.due(cal, 2026, 4) == date(2027, 1, 20)
    last = QuarterlyReport(day=31, month=QuarterMonth.LAST_OF_QUARTER)
    assert last.due(cal, 2026, 2) == date(2026, 6, 30)
    hours = bai.working_hours.value
    assert hours.contains(time(9, 0))
    assert hours.contains(time(18, 59))
    assert not hours.contains(time(19, 0))
    assert not hours.contains(time(8, 59))

"""Regulation profiles: shipped data, Term arithmetic, deadline helpers, overrides, errors."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from bot.calendar import WorkCalendar
from bot.profiles import (
    DEFAULT_PROFILE,
    PARAMETER_NAMES,
    PROFILE_NAMES,
    BeyondLimit,
    DayOffShift,
    DraftKind,
    ExtensionDecider,
    Profile,
    ProfileError,
    QuarterlyReport,
    QuarterMonth,
    Quorum,
    Term,
    Unit,
    WorkingHours,
    agenda_send_date,
    control_type,
    deadline_notice_date,
    default_deadline,
    describe,
    extension_cutoff,
    internal_deadline,
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
from storage.domain.enums import Mark, Source

UKA = "ust-kamenogorsk-2025"
BAI = "baidibek-2025"
ALA = "almaty-2016"
PROFILES_DIR = Path(__file__).resolve().parents[1] / "bot" / "profiles"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(scope="module")
def uka() -> Profile:
    return load_profile(UKA)


@pytest.fixture(scope="module")
def bai() -> Profile:
    return load_profile(BAI)


@pytest.fixture(scope="module")
def ala() -> Profile:
    return load_profile(ALA)


# ---- shipped profiles ------------------------------------------------------------------------

# PRODUCT.md "Regulation profiles" table, in the override-value form `describe` renders.
EXPECTED: dict[str, dict[str, str]] = {
    UKA: {
        "deadline_notice": "3wd",
        "deadline_notice_leadership": "off",
        "internal_deadline": "off",
        "roadmap_due": "off",
        "working_day_sources": "off",
        "default_term": "1m",
        "urgent_term": "10cd",
        "very_urgent_term": "3wd",
        "deadline_rollover": "next_working_day",
        "report_due": "off",
        "extension_cutoff": "1wd",
        "extensions_allowed": "2",
        "extension_beyond_limit": "refuse",
        "extension_forbidden_sources": "off",
        "extension_decider": "akim_or_head_of_apparatus",
        "removal_note_due": "off",
        "removal_consent": "off",
        "remarks_round_due": "3wd",
        "silent_consent": "true",
        "agenda_lead": "3wd",
        "materials_lead": "5wd",
        "attendance_confirmation": "true",
        "quorum": "2/3",
        "protocol_distribution": "3wd",
        "weekly_control_list": "true",
        "monthly_higher_list": "off",
        "quarterly_report": "off",
        "not_ours_window": "3wd",
        "control_types": "short=1m, medium=6m",
        "working_hours": "09:00-18:00",
    },
    BAI: {
        "deadline_notice": "3wd",
        "deadline_notice_leadership": "true",
        "internal_deadline": (
            "10wd/president, presidential_administration, government, prime_minister"
        ),
        "roadmap_due": "5wd/president",
        "working_day_sources": "off",
        "default_term": "1m",
        "urgent_term": "10wd",
        "very_urgent_term": "3wd",
        "deadline_rollover": "next_working_day",
        "report_due": "main=5wd, co_executors=7wd",
        "extension_cutoff": "3wd",
        "extensions_allowed": "1",
        "extension_beyond_limit": "flag_disciplinary",
        "extension_forbidden_sources": "presidential_administration, government",
        "extension_decider": "akim_or_head_of_apparatus",
        "removal_note_due": "1wd",
        "removal_consent": "true",
        "remarks_round_due": (
            "default=5wd, resolution=10wd, decision=5wd, order=5wd, emergency=3wd"
        ),
        "silent_consent": "false",
        "agenda_lead": "4wd",
        "materials_lead": "5wd",
        "attendance_confirmation": "true",
        "quorum": "2/3",
        "protocol_distribution": "1wd",
        "weekly_control_list": "true",
        "monthly_higher_list": (
            "president, presidential_administration, government, prime_minister"
        ),
        "quarterly_report": "day=20, month=after_quarter, day_off=next_working_day",
        "not_ours_window": "3wd",
        "control_types": "short=1m, medium=6m",
        "working_hours": "09:00-19:00",
    },
    ALA: {
        "deadline_notice": "3wd",
        "deadline_notice_leadership": "off",
        "internal_deadline": "off",
        "roadmap_due": "off",
        "working_day_sources": (
            "president, presidential_administration, government, prime_minister"
        ),
        "default_term": "1m",
        "urgent_term": "10cd",
        "very_urgent_term": "3wd",
        "deadline_rollover": "next_working_day",
        "report_due": "off",
        "extension_cutoff": "1cd",
        "extensions_allowed": "1",
        "extension_beyond_limit": "flag_disciplinary",
        "extension_forbidden_sources": "off",
        "extension_decider": "issuer",
        "removal_note_due": "off",
        "removal_consent": "off",
        "remarks_round_due": "3wd",
        "silent_consent": "false",
        "agenda_lead": "3cd",
        "materials_lead": "2wd",
        "attendance_confirmation": "off",
        "quorum": "2/3",
        "protocol_distribution": "0cd",
        "weekly_control_list": "off",
        "monthly_higher_list": "off",
        "quarterly_report": "day=25, month=after_quarter, day_off=previous_working_day",
        "not_ours_window": "3wd",
        "control_types": "short=1m, medium=6m",
        "working_hours": "09:00-18:00",
    },
}


def test_profile_names_match_shipped_files() -> None:
    assert DEFAULT_PROFILE == UKA
    assert DEFAULT_PROFILE in PROFILE_NAMES
    assert sorted(p.stem for p in PROFILES_DIR.glob("*.toml")) == sorted(PROFILE_NAMES)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_profile_loads_and_matches_product_table(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert {row[0]: row[1] for row in describe(profile)} == EXPECTED[name]


def test_expected_table_covers_every_parameter() -> None:
    for expected in EXPECTED.values():
        assert set(expected) == set(PARAMETER_NAMES)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_parameter_is_cited_or_explained(name: str) -> None:
    profile = load_profile(name)
    for param_name in PARAMETER_NAMES:
        param = profile.param(param_name)
        if param is None:
            assert profile.off_notes.get(param_name, "").strip(), param_name
        else:
            assert param.cite.strip(), param_name
            assert "seed 00" in param.cite or "product default" in param.cite, param_name
    rows = describe(profile)
    assert [row[0] for row in rows] == list(PARAMETER_NAMES)
    assert all(row[2].strip() for row in rows)


def test_regulation_silence_is_cited_as_product_default(uka: Profile, ala: Profile) -> None:
    for profile in (uka, ala):
        assert profile.not_ours_window.cite.startswith("product default")
        assert "Baidibek" in profile.not_ours_window.cite
        assert profile.working_hours.cite.startswith("product default")
        assert profile.deadline_notice is not None
        assert "Baidibek §12.4" in profile.deadline_notice.cite


def test_cites_point_at_the_seed_lines(uka: Profile, bai: Profile, ala: Profile) -> None:
    assert uka.extension_cutoff is not None
    assert uka.extension_cutoff.cite == "п.35, seed 002 l.189"
    assert bai.extension_cutoff is not None
    assert bai.extension_cutoff.cite == "§12.6, seed 003 l.1278-1283"
    assert ala.default_term.cite == "п.40, seed 001 l.408-411"


def test_typed_values(uka: Profile, bai: Profile, ala: Profile) -> None:
    assert uka.urgent_term.value == Term(value=10, unit=Unit.CALENDAR_DAYS)
    assert bai.urgent_term.value == Term(value=10, unit=Unit.WORKING_DAYS)
    assert bai.extension_forbidden_sources is not None
    assert bai.extension_forbidden_sources.value == (
        Source.PRESIDENTIAL_ADMINISTRATION,
        Source.GOVERNMENT,
    )
    assert bai.extension_beyond_limit.value is BeyondLimit.FLAG_DISCIPLINARY
    assert uka.extension_beyond_limit.value is BeyondLimit.REFUSE
    assert ala.extension_decider.value is ExtensionDecider.ISSUER
    assert uka.quorum.value == Quorum(numerator=2, denominator=3)
    assert bai.working_hours.value == WorkingHours(start=time(9), end=time(19))
    remarks = bai.remarks_round_due.value
    assert str(remarks.for_kind(DraftKind.RESOLUTION)) == "10wd"
    assert str(remarks.for_kind(DraftKind.EMERGENCY)) == "3wd"
    assert str(remarks.for_kind(DraftKind.ORDER)) == "5wd"
    assert str(remarks.for_kind()) == "5wd"
    assert str(uka.remarks_round_due.value.for_kind(DraftKind.RESOLUTION)) == "3wd"


def test_features_off(uka: Profile, bai: Profile, ala: Profile) -> None:
    assert set(uka.features_off()) == {
        "report_due",
        "removal_note_due",
        "removal_consent",
        "quarterly_report",
        "extension_forbidden_sources",
        "deadline_notice_leadership",
        "internal_deadline",
        "working_day_sources",
        "roadmap_due",
        "monthly_higher_list",
    }
    assert bai.features_off() == ("working_day_sources", "silent_consent")
    assert set(ala.features_off()) == {
        "report_due",
        "removal_note_due",
        "removal_consent",
        "weekly_control_list",
        "extension_forbidden_sources",
        "silent_consent",
        "attendance_confirmation",
        "deadline_notice_leadership",
        "roadmap_due",
        "internal_deadline",
        "monthly_higher_list",
    }
    assert uka.is_on("silent_consent")
    assert not ala.is_on("silent_consent")


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


# ---- overrides -------------------------------------------------------------------------------


def test_overrides_replace_value_and_cite() -> None:
    profile = load_profile(
        UKA, {"deadline_notice": "5wd", "extensions_allowed": 3, "silent_consent": False}
    )
    assert profile.deadline_notice is not None
    assert str(profile.deadline_notice.value) == "5wd"
    assert profile.deadline_notice.cite == "override"
    assert profile.extensions_allowed.value == 3
    assert profile.extensions_allowed.cite == "override"
    assert profile.silent_consent.value is False
    assert "silent_consent" in profile.features_off()
    # The shipped profile is untouched.
    base = load_profile(UKA)
    assert base.deadline_notice is not None
    assert str(base.deadline_notice.value) == "3wd"
    assert base.silent_consent.value is True


def test_overrides_accept_text_forms_and_name_spellings(cal: WorkCalendar) -> None:
    profile = load_profile(
        BAI,
        {
            "extensions-allowed": "2",
            "Silent Consent": "true",
            "quorum": "3/4",
            "working_hours": "08:30-17:30",
            "extension_forbidden_sources": "presidential_administration",
            "extension_decider": "issuer",
            "quarterly_report": 25,
        },
    )
    assert profile.extensions_allowed.value == 2
    assert profile.silent_consent.value is True
    assert str(profile.quorum.value) == "3/4"
    assert profile.working_hours.value.start == time(8, 30)
    assert profile.extension_forbidden_sources is not None
    assert profile.extension_forbidden_sources.value == (Source.PRESIDENTIAL_ADMINISTRATION,)
    assert profile.extension_decider.value is ExtensionDecider.ISSUER
    assert profile.quarterly_report is not None
    assert profile.quarterly_report.value.day == 25


def test_dotted_overrides(cal: WorkCalendar) -> None:
    profile = load_profile(
        BAI,
        {
            "report_due.main": "6wd",
            "remarks_round_due.resolution": "8wd",
            "control_types.short": "20wd",
            "quarterly_report.month": "last_of_quarter",
        },
    )
    assert profile.report_due is not None
    assert str(profile.report_due.value) == "main=6wd, co_executors=7wd"
    assert profile.report_due.cite == "override"
    remarks = profile.remarks_round_due.value
    assert str(remarks.for_kind(DraftKind.RESOLUTION)) == "8wd"
    assert str(remarks.for_kind(DraftKind.EMERGENCY)) == "3wd"
    assert str(profile.control_types.value.short) == "20wd"
    assert profile.quarterly_report is not None
    assert profile.quarterly_report.value.month is QuarterMonth.LAST_OF_QUARTER


def test_overrides_switch_features_on_and_off(cal: WorkCalendar) -> None:
    on = load_profile(UKA, {"report_due": "main=5wd, co_executors=7wd"})
    assert "report_due" not in on.off_notes
    assert report_due_dates(on, cal, date(2026, 4, 10)) == (date(2026, 4, 3), date(2026, 4, 1))
    off = load_profile(BAI, {"weekly_control_list": "off", "removal_note_due": None})
    assert off.weekly_control_list is None
    assert off.off_notes["weekly_control_list"] == "override"
    assert {"weekly_control_list", "removal_note_due"} <= set(off.features_off())
    assert {row[0]: row[2] for row in describe(off)}["removal_note_due"] == "override"


# ---- errors ----------------------------------------------------------------------------------


def _one_sentence(message: str) -> None:
    assert "\n" not in message
    assert message[-1] in ".?"


def test_unknown_profile_lists_known_names() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile("astana-2030")
    message = str(info.value)
    _one_sentence(message)
    assert "astana-2030" in message
    for name in PROFILE_NAMES:
        assert name in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("deadline_notise", "deadline_notice"),
        ("extension_allowed", "extensions_allowed"),
        ("silent_consnt", "silent_consent"),
        ("report_due.mian", "report_due.main"),
    ],
)
def test_unknown_parameter_suggests_close_matches(key: str, suggestion: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(BAI, {key: "1wd"})
    message = str(info.value)
    _one_sentence(message)
    assert f"'{key}'" in message
    assert f"'{suggestion}'" in message


def test_unknown_parameter_without_match_lists_parameters() -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(UKA, {"zzz": 1})
    message = str(info.value)
    _one_sentence(message)
    assert "deadline_notice" in message


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("deadline_notice", "abc", "'3wd'"),
        ("deadline_notice", "3 days", "'3wd'"),
        ("extensions_allowed", -1, "whole number"),
        ("extensions_allowed", True, "whole number"),
        ("extensions_allowed", "two", "whole number"),
        ("silent_consent", "maybe", "true or false"),
        ("quorum", "3/2", "'2/3'"),
        ("quorum", "two thirds", "'2/3'"),
        ("working_hours", "18:00-09:00", "'09:00-18:00'"),
        ("extension_decider", "deputy", "'issuer'"),
        ("extension_forbidden_sources", "president, nobody", "presidential_administration"),
        ("quarterly_report", 40, "day of the month"),
        ("report_due.main", "soon", "'3wd'"),
        ("control_types", "10wd/1m/6m", "short=1m"),
    ],
)
def test_bad_values_name_parameter_and_form(key: str, value: object, expected: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(BAI, {key: value})
    message = str(info.value)
    _one_sentence(message)
    assert f"'{key}'" in message
    assert expected in message


def test_required_parameter_cannot_be_switched_off() -> None:
    with pytest.raises(ProfileError, match="'default_term' cannot be switched off"):
        load_profile(UKA, {"default_term": None})
    with pytest.raises(ProfileError, match="Bad value 'off' for 'default_term'"):
        load_profile(UKA, {"default_term": "off"})
    # A required flag takes "off" as false.
    assert load_profile(UKA, {"silent_consent": "off"}).silent_consent.value is False


def test_dotted_override_of_an_off_parameter() -> None:
    with pytest.raises(ProfileError, match="override 'report_due' as a whole"):
        load_profile(UKA, {"report_due.main": "5wd"})


# ---- higher-level items: the internal deadline (003 §12.2) -------------------------------------


def test_internal_deadline_ten_working_days_before(
    cal: WorkCalendar, bai: Profile, uka: Profile
) -> None:
    registered = date(2027, 3, 1)
    # 12 May 2027: 10 wd back skips 7 and 10 May and 1-3 May → Friday 23 April.
    for source in (Source.PRESIDENT, Source.GOVERNMENT, Source.PRIME_MINISTER):
        assert internal_deadline(bai, cal, source, registered, date(2027, 5, 12)) == date(
            2027, 4, 23
        )
    # 31 March 2026: 10 wd back skips Nauryz (21-25 March) → 12 March.
    got = internal_deadline(
        bai, cal, Source.PRESIDENTIAL_ADMINISTRATION, date(2026, 3, 2), date(2026, 3, 31)
    )
    assert got == date(2026, 3, 12)
    assert internal_deadline(bai, cal, Source.AKIM, registered, date(2027, 5, 12)) is None
    assert internal_deadline(uka, cal, Source.PRESIDENT, registered, date(2027, 5, 12)) is None
    # Registered after the day it would fall on: too late to be earlier, none.
    assert (
        internal_deadline(bai, cal, Source.PRESIDENT, date(2027, 4, 26), date(2027, 5, 12)) is None
    )


def test_internal_deadline_override(cal: WorkCalendar) -> None:
    profile = load_profile(UKA, {"internal_deadline": "5wd/president"})
    assert profile.internal_deadline is not None
    assert profile.internal_deadline.cite == "override"
    assert internal_deadline(
        profile, cal, Source.PRESIDENT, date(2027, 3, 1), date(2027, 5, 12)
    ) == (date(2027, 4, 30))
    with pytest.raises(ProfileError) as info:
        load_profile(UKA, {"internal_deadline": "5wd/nobody"})
    assert "'internal_deadline'" in str(info.value)


def test_almaty_counts_higher_terms_in_working_days(cal: WorkCalendar, ala: Profile) -> None:
    """п.43: President and Government terms are working days from receipt. «Срочно» from Friday
    13 March 2026 is 10 working days (1 April, past Nauryz) for a President item, but 10
    calendar days (23 March, a day off → 26 March) for the akim's; a month stays a month."""
    received = date(2026, 3, 13)
    assert default_deadline(ala, cal, received, Mark.URGENT, Source.PRESIDENT) == date(2026, 4, 1)
    assert default_deadline(ala, cal, received, Mark.URGENT, Source.AKIM) == date(2026, 3, 26)
    assert default_deadline(ala, cal, received, Mark.URGENT) == date(2026, 3, 26)
    assert default_deadline(ala, cal, received, Mark.NONE, Source.GOVERNMENT) == date(2026, 4, 13)
    uka = load_profile(UKA)
    assert default_deadline(uka, cal, received, Mark.URGENT, Source.PRESIDENT) == date(2026, 3, 26)

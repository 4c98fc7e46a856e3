"""Tests for bot.ics: the calendar file sent with a meeting's agenda."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.meetings.ics import CalendarEvent, event_ics

STAMP = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ALMATY = ZoneInfo("Asia/Almaty")


def _event(**overrides: object) -> CalendarEvent:
    fields: dict[str, object] = {
        "uid": "meeting-12@baqylau",
        "sequence": 0,
        "start": datetime(2025, 3, 3, 10, 0, tzinfo=UTC),
        "end": datetime(2025, 3, 3, 11, 0, tzinfo=UTC),
        "summary": "Weekly review",
    }
    fields.update(overrides)
    return CalendarEvent(**fields)  # type: ignore[arg-type]


def _lines(data: bytes) -> list[str]:
    """Unfolded content lines (CRLF + space continuation removed)."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_simple_event_exact() -> None:
    assert event_ics(_event(), stamp=STAMP) == (
        b"BEGIN:VCALENDAR\r\n"
        b"VERSION:2.0\r\n"
        b"PRODID:-//Baqylau//Meetings//KK-RU\r\n"
        b"CALSCALE:GREGORIAN\r\n"
        b"METHOD:REQUEST\r\n"
        b"BEGIN:VEVENT\r\n"
        b"UID:meeting-12@baqylau\r\n"
        b"SEQUENCE:0\r\n"
        b"DTSTAMP:20250301T093000Z\r\n"
        b"DTSTART:20250303T100000Z\r\n"
        b"DTEND:20250303T110000Z\r\n"
        b"SUMMARY:Weekly review\r\n"
        b"STATUS:CONFIRMED\r\n"
        b"BEGIN:VALARM\r\n"
        b"ACTION:DISPLAY\r\n"
        b"TRIGGER:-PT1H\r\n"
        b"DESCRIPTION:Weekly review\r\n"
        b"END:VALARM\r\n"
        b"END:VEVENT\r\n"
        b"END:VCALENDAR\r\n"
    )


def test_optional_fields_and_escaping() -> None:
    event = _event(
        summary=r"a\b; c, d",
        description="line 1\nline 2\r\nline 3",
        location="Room 5, 2nd floor; east",
        url="https://example.kz/m/12?a=1,2",
        sequence=3,
    )
    lines = _lines(event_ics(event, stamp=STAMP))
    assert "SEQUENCE:3" in lines
    assert r"SUMMARY:a\\b\; c\, d" in lines
    assert r"DESCRIPTION:line 1\nline 2\nline 3" in lines
    assert r"LOCATION:Room 5\, 2nd floor\; east" in lines
    assert "URL:https://example.kz/m/12?a=1,2" in lines
    assert lines.index("SUMMARY:a\\\\b\\; c\\, d") < lines.index("STATUS:CONFIRMED")


def test_long_cyrillic_summary_is_folded_on_character_boundaries() -> None:
    summary = "Жиналыс күн тәртібі; Әкімдіктің бақылау бөлімі, отчёт о исполнении поручений " * 4
    data = event_ics(_event(summary=summary), stamp=STAMP)
    physical = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in physical)
    assert sum(line.startswith(b" ") for line in physical) > 4
    for line in physical:
        line.decode("utf-8")  # no line is cut inside a multi-byte character
    escaped = summary.replace(";", "\\;").replace(",", "\\,")
    lines = _lines(data)
    assert f"SUMMARY:{escaped}" in lines
    assert f"DESCRIPTION:{escaped}" in lines


def test_almaty_times_are_converted_to_utc() -> None:
    event = _event(
        start=datetime(2023, 3, 3, 10, 0, tzinfo=ALMATY),  # UTC+6 before 1 March 2024
        end=datetime(2025, 3, 3, 11, 30, tzinfo=ALMATY),  # UTC+5 since then (tzdata 2024a)
    )
    stamp = datetime(2023, 3, 1, 0, 15, tzinfo=ALMATY)
    lines = _lines(event_ics(event, stamp=stamp))
    assert "DTSTART:20230303T040000Z" in lines
    assert "DTEND:20250303T063000Z" in lines
    assert "DTSTAMP:20230228T181500Z" in lines


def test_cancelled_event() -> None:
    lines = _lines(event_ics(_event(cancelled=True, sequence=2), stamp=STAMP))
    assert "METHOD:CANCEL" in lines
    assert "STATUS:CANCELLED" in lines
    assert "SEQUENCE:2" in lines
    assert "METHOD:REQUEST" not in lines
    assert "STATUS:CONFIRMED" not in lines
    assert "BEGIN:VALARM" not in lines


@pytest.mark.parametrize("field", ["start", "end", "stamp"])
def test_naive_datetime_rejected(field: str) -> None:
    naive = datetime(2025, 3, 3, 10, 0)
    if field == "stamp":
        with pytest.raises(ValueError, match="stamp"):
            event_ics(_event(), stamp=naive)
    else:
        with pytest.raises(ValueError, match=field):
            event_ics(_event(**{field: naive}), stamp=STAMP)

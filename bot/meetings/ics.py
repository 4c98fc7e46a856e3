"""iCalendar (RFC 5545) file for one meeting invitation.

The bot sends this ``.ics`` file together with a meeting's agenda so that participants can add
the meeting to their calendars with one tap.  Re-sending the file with the same ``uid`` and a
higher ``sequence`` updates the event; ``cancelled=True`` produces a ``METHOD:CANCEL`` file that
removes it.  Standard library only.

Text is escaped per RFC 5545 §3.3.11, times are written in UTC (``YYYYMMDDTHHMMSSZ``), lines are
folded at 75 octets of UTF-8 without splitting a multi-byte (Kazakh / Russian) character
(§3.1), and lines end with CRLF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["CalendarEvent", "event_ics"]

PRODID = "-//Baqylau//Meetings//KK-RU"
MAX_LINE_OCTETS = 75
CRLF = "\r\n"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One meeting as a calendar event; ``start`` and ``end`` must be timezone-aware."""

    uid: str  # e.g. "meeting-12@baqylau"; stable across updates of the same meeting
    sequence: int  # 0, 1, 2, ...: bumped on each change so calendars replace the event
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False


def _escape(text: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma; any newline becomes ``\\n``."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _utc(value: datetime, name: str) -> str:
    """Format an aware datetime as a UTC DATE-TIME (``20250301T040000Z``)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never inside a UTF-8 character.

    Continuation lines start with a single space, which counts toward their 75 octets.
    """
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def event_ics(event: CalendarEvent, *, stamp: datetime) -> bytes:
    """Render ``event`` as a complete VCALENDAR (UTF-8, CRLF); ``stamp`` becomes DTSTAMP.

    Raises ``ValueError`` if ``stamp``, ``event.start`` or ``event.end`` is naive.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if event.cancelled else 'REQUEST'}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp, 'stamp')}",
        f"DTSTART:{_utc(event.start, 'start')}",
        f"DTEND:{_utc(event.end, 'end')}",
        f"SUMMARY:{_escape(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{_escape(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{_escape(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")  # URI value type: not TEXT-escaped
    lines.append(f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}")
    if not event.cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER:-PT1H",
            f"DESCRIPTION:{_escape(event.summary)}",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + CRLF for line in lines).encode()

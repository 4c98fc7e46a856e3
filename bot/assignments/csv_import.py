"""Parse the assignments CSV (an EDMS export; PRODUCT.md) into NewAssignment rows. Pure."""

from __future__ import annotations

from datetime import date

from bot.assignments.rules import REG_NUMBER_MAX, SUMMARY_MAX
from bot.staff.csv_import import read_rows, split_list
from storage.domain.assignments import NewAssignment
from storage.domain.enums import Mark, Source
from storage.domain.staff import CsvProblem

ASSIGNMENT_COLUMNS = (
    "reg_number",
    "received",
    "source",
    "issuer_code",
    "summary",
    "executors",
    "deadline",
    "mark",
    "restricted",
)
SOURCE_NAMES = tuple(source.value for source in Source)
MARK_NAMES = ("", Mark.URGENT.value, Mark.VERY_URGENT.value)


def parse_iso_date(text: str, line: int, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CsvProblem(line, f"{column} {text!r} is not a date YYYY-MM-DD") from None


def parse_assignments_csv(text: str) -> list[NewAssignment]:
    items: list[NewAssignment] = []
    seen: dict[str, int] = {}
    for line, values in read_rows(text, ASSIGNMENT_COLUMNS):
        item = parse_row(line, values)
        key = item.reg_number.casefold()
        if key in seen:
            raise CsvProblem(line, f"reg_number {item.reg_number!r} repeats line {seen[key]}")
        seen[key] = line
        items.append(item)
    return items


def parse_row(line: int, values: dict[str, str]) -> NewAssignment:
    """One row, checked field by field in the order of the columns; the first problem names the
    line."""
    number = checked_text(
        line, "reg_number", " ".join(values["reg_number"].split()), REG_NUMBER_MAX
    )
    if not values["received"]:
        raise CsvProblem(line, "received is empty")
    received = parse_iso_date(values["received"], line, "received")
    source = values["source"].lower()
    if source not in SOURCE_NAMES:
        raise CsvProblem(
            line, f"source {values['source']!r} is not one of " + ", ".join(SOURCE_NAMES)
        )
    summary = checked_text(line, "summary", values["summary"].strip(), SUMMARY_MAX)
    executors = executor_names(line, values["executors"])
    deadline = parse_iso_date(values["deadline"], line, "deadline") if values["deadline"] else None
    mark = values["mark"].lower()
    if mark not in MARK_NAMES:
        raise CsvProblem(line, f"mark {values['mark']!r} must be empty, urgent or very_urgent")
    restricted = values["restricted"] or "0"
    if restricted not in {"0", "1"}:
        raise CsvProblem(line, f"restricted {values['restricted']!r} must be 0 or 1")
    return NewAssignment(
        reg_number=number,
        received=received,
        source=Source(source),
        summary=summary,
        executors=executors,
        deadline=deadline,
        mark=Mark(mark),
        restricted=restricted == "1",
        issuer_code=values["issuer_code"] or None,
        line=line,
    )


def checked_text(line: int, column: str, text: str, limit: int) -> str:
    """Not empty and not longer than `limit`."""
    if not text:
        raise CsvProblem(line, f"{column} is empty")
    if len(text) > limit:
        raise CsvProblem(line, f"{column} is longer than {limit} characters")
    return text


def executor_names(line: int, value: str) -> tuple[str, ...]:
    executors = tuple(" ".join(name.split()) for name in split_list(value))
    if not executors:
        raise CsvProblem(line, "executors is empty; list departments, the main one first")
    folded = [name.casefold() for name in executors]
    if len(set(folded)) != len(folded):
        raise CsvProblem(line, "a department is listed twice in executors")
    return executors

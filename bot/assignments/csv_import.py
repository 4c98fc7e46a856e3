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
        number = " ".join(values["reg_number"].split())
        if not number:
            raise CsvProblem(line, "reg_number is empty")
        if len(number) > REG_NUMBER_MAX:
            raise CsvProblem(line, f"reg_number is longer than {REG_NUMBER_MAX} characters")
        if number.casefold() in seen:
            raise CsvProblem(line, f"reg_number {number!r} repeats line {seen[number.casefold()]}")
        seen[number.casefold()] = line
        if not values["received"]:
            raise CsvProblem(line, "received is empty")
        received = parse_iso_date(values["received"], line, "received")
        source = values["source"].lower()
        if source not in SOURCE_NAMES:
            raise CsvProblem(
                line, f"source {values['source']!r} is not one of " + ", ".join(SOURCE_NAMES)
            )
        summary = values["summary"].strip()
        if not summary:
            raise CsvProblem(line, "summary is empty")
        if len(summary) > SUMMARY_MAX:
            raise CsvProblem(line, f"summary is longer than {SUMMARY_MAX} characters")
        executors = tuple(" ".join(name.split()) for name in split_list(values["executors"]))
        if not executors:
            raise CsvProblem(line, "executors is empty; list departments, the main one first")
        folded = [name.casefold() for name in executors]
        if len(set(folded)) != len(folded):
            raise CsvProblem(line, "a department is listed twice in executors")
        deadline = (
            parse_iso_date(values["deadline"], line, "deadline") if values["deadline"] else None
        )
        mark = values["mark"].lower()
        if mark not in MARK_NAMES:
            raise CsvProblem(line, f"mark {values['mark']!r} must be empty, urgent or very_urgent")
        restricted = values["restricted"] or "0"
        if restricted not in {"0", "1"}:
            raise CsvProblem(line, f"restricted {values['restricted']!r} must be 0 or 1")
        items.append(
            NewAssignment(
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
        )
    return items

"""The staff directory's import shapes, and the error a bad CSV row raises."""

from __future__ import annotations

from dataclasses import dataclass

from storage.domain.enums import Language, Role


class CsvProblem(ValueError):
    """A row (or the header) is wrong: `line` is the 1-based line in the file."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class StaffRow:
    line: int
    code: str
    full_name: str
    position: str
    department: str | None
    roles: frozenset[Role]
    language: Language
    curates: tuple[str, ...]
    language_given: bool = True  # False: the column was empty (`language` is the default)
    # the optional columns in both languages; None: the file has no such column (kept as is)
    position_kk: str | None = None
    position_ru: str | None = None
    department_kk: str | None = None
    department_ru: str | None = None

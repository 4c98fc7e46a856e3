"""Parse and check the staff CSV (PRODUCT.md: code,full_name,position,department,roles,…).

Pure: no database, no aiogram. Every problem names its line; the first one stops the import.
"""

from __future__ import annotations

import csv
import io
import re

from storage.domain.enums import Language, Role
from storage.domain.staff import CsvProblem, StaffRow

STAFF_COLUMNS = ("code", "full_name", "position", "department", "roles", "language", "curates")
# optional: the position and the department in Kazakh and in Russian (screens show the reader's)
NAME_COLUMNS = ("position_kk", "position_ru", "department_kk", "department_ru")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NEEDS_DEPARTMENT = frozenset({Role.HEAD, Role.EXECUTOR})
ROLE_NAMES = frozenset(role.value for role in Role)
MAY_CURATE = frozenset({Role.DEPUTY_AKIM, Role.HEAD_OF_APPARATUS, Role.AKIM})


def split_list(value: str) -> list[str]:
    """`a; b;;c` -> ["a", "b", "c"]"""
    return [part.strip() for part in value.split(";") if part.strip()]


def read_rows(
    text: str, columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with exactly these header columns (any order) and any of the
    `optional` ones, with line numbers."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise CsvProblem(
            1, "the file is empty; the first line must be the header: " + ",".join(columns)
        )
    missing = [name for name in columns if name not in header]
    extra = [name for name in header if name not in columns and name not in optional]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if extra:
            parts.append("unknown column(s) " + ", ".join(extra))
        expected = ",".join(columns) + (
            " (and any of " + ",".join(optional) + ")" if optional else ""
        )
        raise CsvProblem(1, "; ".join(parts) + "; expected header: " + expected)
    reader.fieldnames = header
    rows = []
    line = 1
    for record in reader:
        line = reader.line_num
        if None in record:
            raise CsvProblem(line, f"more values than the {len(columns)} columns")
        values = {key: (value or "").strip() for key, value in record.items()}
        if not any(values.values()):
            continue
        rows.append((line, values))
    if not rows:
        raise CsvProblem(max(line, 2), "no data rows after the header")
    return rows


def parse_staff_csv(text: str, default_language: Language) -> list[StaffRow]:
    rows: list[StaffRow] = []
    seen: dict[str, int] = {}
    for line, values in read_rows(text, STAFF_COLUMNS, NAME_COLUMNS):
        code = values["code"]
        if not CODE_PATTERN.match(code):
            raise CsvProblem(line, f"code {code!r} must be 1-64 letters, digits, '.', '_' or '-'")
        if code.casefold() in seen:
            raise CsvProblem(line, f"code {code!r} repeats line {seen[code.casefold()]}")
        seen[code.casefold()] = line
        if not values["full_name"]:
            raise CsvProblem(line, "full_name is empty")
        role_names = split_list(values["roles"])
        if not role_names:
            raise CsvProblem(line, "roles is empty; use one or more of " + ", ".join(Role))
        unknown = [name for name in role_names if name not in ROLE_NAMES]
        if unknown:
            raise CsvProblem(
                line, f"unknown role(s) {', '.join(unknown)}; roles are " + ", ".join(Role)
            )
        roles = frozenset(Role(name) for name in role_names)
        language_text = values["language"].lower()
        if language_text and language_text not in {"kk", "ru"}:
            raise CsvProblem(line, f"language {values['language']!r} must be kk or ru")
        language = Language(language_text) if language_text else default_language
        department = values["department"] or None
        if department is None and roles & NEEDS_DEPARTMENT:
            raise CsvProblem(line, "a head or executor needs a department")
        names = {
            column: " ".join(values[column].split()) if column in values else None
            for column in NAME_COLUMNS
        }
        if department is None and (names["department_kk"] or names["department_ru"]):
            raise CsvProblem(line, "department_kk or department_ru without a department")
        curates = tuple(dict.fromkeys(split_list(values["curates"])))
        if curates and not roles & MAY_CURATE:
            raise CsvProblem(
                line, "only a deputy_akim, head_of_apparatus or akim can curate departments"
            )
        rows.append(
            StaffRow(
                line=line,
                code=code,
                full_name=" ".join(values["full_name"].split()),
                position=" ".join(values["position"].split()),
                department=" ".join(department.split()) if department else None,
                roles=roles,
                language=language,
                curates=tuple(" ".join(name.split()) for name in curates),
                language_given=bool(language_text),
                position_kk=names["position_kk"],
                position_ru=names["position_ru"],
                department_kk=names["department_kk"],
                department_ru=names["department_ru"],
            )
        )
    return rows

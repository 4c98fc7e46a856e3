"""A round's official record as an XLSX sheet. Pure: the caller passes translated strings.

openpyxl is imported when the first sheet is built, not with this module (the bot's process
imports it for its handlers, which rarely build a file)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from io import BytesIO
from typing import Any

WIDTH_MIN = 8
WIDTH_MAX = 60  # wider content wraps
SHEET_NAME_MAX = 31  # Excel's limit
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
"""The control characters XML cannot hold: openpyxl's own expression
(`openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE`, checked equal in the tests), kept here so that
cleaning text needs no openpyxl."""


def _clean(value: object) -> str:
    """Text as it may go into a cell: control characters XML cannot hold are dropped."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))


def _sheet_name(title: str) -> str:
    name = " ".join(_SHEET_NAME_BAD.sub(" ", _clean(title)).split())
    return name[:SHEET_NAME_MAX].strip().strip("'") or "Sheet1"


def _width(text: str) -> int:
    longest = max((len(line) for line in text.splitlines()), default=0)
    return min(max(longest + 2, WIDTH_MIN), WIDTH_MAX)


def _put(sheet: Any, row: int, column: int, value: object) -> Any:
    cell = sheet.cell(row=row, column=column)
    cell.value = _clean(value)
    cell.data_type = "s"  # text, never a formula
    return cell


def sheet_xlsx(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    subtitle_lines: Sequence[str] = (),
) -> bytes:
    """One sheet: a bold title, subtitle lines, a blank line, then a table with a bold filled
    header row (frozen, with an autofilter) and the rows. Every value is stored as text, so a
    value such as «=1+1» is never taken for a formula. Short rows are padded.

    ValueError: no headers, or a row longer than the headers.
    """
    if not headers:
        raise ValueError("a sheet needs at least one column")
    columns = len(headers)
    for number, row in enumerate(rows, start=1):
        if len(row) > columns:
            raise ValueError(f"row {number} has {len(row)} cells for {columns} columns")
    from openpyxl import Workbook  # heavy, imported when a sheet is built
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    header_fill = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
    thin = Side(style="thin", color="FF9E9E9E")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_name(title)
    workbook.properties.title = _clean(title)
    workbook.properties.creator = "Baqylau"

    title_cell = _put(sheet, 1, 1, title)
    title_cell.font = Font(bold=True, size=14)
    line = 1
    for subtitle in subtitle_lines:
        line += 1
        _put(sheet, line, 1, subtitle)
    header_row = line + 2  # one blank line between the heading and the table

    widths = [WIDTH_MIN] * columns
    for column, header in enumerate(headers, start=1):
        cell = _put(sheet, header_row, column, header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        widths[column - 1] = max(widths[column - 1], _width(_clean(header)))
    for offset, values in enumerate(rows, start=1):
        padded = [*values, *([""] * (columns - len(values)))]
        for column, value in enumerate(padded, start=1):
            cell = _put(sheet, header_row + offset, column, value)
            cell.alignment = wrap
            cell.border = border
            widths[column - 1] = max(widths[column - 1], _width(_clean(value)))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width

    last_row = header_row + len(rows)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{last_row}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

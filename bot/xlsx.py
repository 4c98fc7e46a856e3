"""A table as an XLSX sheet (a round's official record, the weekly control list). Pure: the
caller passes translated strings. Written in openpyxl's write-only mode (rows streamed, every
cell sharing one of three styles set once): 10,000 rows of 8 columns in about a second.

openpyxl is imported when the first sheet is built, not with this module (the bot's process
imports it for its handlers, which rarely build a file)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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


def _styles(sheet: Any) -> tuple[Any, Any, Any]:
    """The styles of the title, a header and a table cell in `sheet`'s workbook (a style is an
    array of indices into the workbook's fonts, fills, borders and alignments): each set once
    on a cell through openpyxl's API, then shared by every cell of that kind (`_text_cells`).
    Set on each of 80,000 cells, openpyxl looks every one up again: most of a long sheet's
    time."""
    from openpyxl.cell import WriteOnlyCell  # heavy, lazy
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="FF9E9E9E")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    title, header, cell = (WriteOnlyCell(sheet) for _ in range(3))
    title.font = Font(bold=True, size=14)
    header.font = Font(bold=True)
    header.fill = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
    header.border = cell.border = border
    header.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return title._style, header._style, cell._style  # private: see above


def _text_cells(sheet: Any) -> Callable[[str, Any], Any]:
    """Cells for `sheet`: a value as text (never a formula) with a style of `_styles` (shared,
    never changed)."""
    from openpyxl.cell import WriteOnlyCell  # heavy, lazy

    def cell(value: str, style: Any) -> Any:
        made = WriteOnlyCell(sheet, value)
        made.data_type = "s"
        if style is not None:
            made._style = style  # private: see _styles
        return made

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
    cleaned_headers = [_clean(header) for header in headers]
    table = [[_clean(value) for value in row] for row in rows]
    widths = [_width(header) for header in cleaned_headers]
    for row in table:
        for column, value in enumerate(row):
            if len(value) + 2 > widths[column]:  # the quick test first: most cells are short
                widths[column] = max(widths[column], _width(value))

    from openpyxl import Workbook  # heavy, imported when a sheet is built
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)  # rows streamed to the file, not kept as objects
    sheet = workbook.create_sheet(_sheet_name(title))
    title_style, header_style, cell_style = _styles(sheet)
    text = _text_cells(sheet)
    workbook.properties.title = _clean(title)
    workbook.properties.creator = "Baqylau"
    for column, width in enumerate(widths, start=1):  # before the first row is written
        sheet.column_dimensions[get_column_letter(column)].width = width
    header_row = len(subtitle_lines) + 3  # one blank line between the heading and the table
    last_row = header_row + len(table)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{last_row}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    sheet.append([text(_clean(title), title_style)])
    for subtitle in subtitle_lines:
        sheet.append([text(_clean(subtitle), None)])
    sheet.append([])
    sheet.append([text(header, header_style) for header in cleaned_headers])
    padding = [""] * columns
    for row in table:
        values = row if len(row) == columns else row + padding[len(row) :]
        sheet.append([text(value, cell_style) for value in values])

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""A table as an XLSX sheet (a round's official record, the weekly control list). Pure: the
caller passes translated strings. Written with XlsxWriter, every cell sharing one of three
formats made once: 10,000 rows of 8 columns in 0.6-0.9 s of CPU on the loaded 2-core machine
(openpyxl's write-only mode: 1.3-2.2 s, ~15 µs per styled cell). The reports' workbooks
(`bot/reports/files.py`) stay on openpyxl.

XlsxWriter is imported when the first sheet is built, not with this module (the bot's process
imports it for its handlers, which rarely build a file)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from io import BytesIO

WIDTH_MIN = 8
WIDTH_MAX = 60  # wider content wraps
SHEET_NAME_MAX = 31  # Excel's limit, in UTF-16 code units (an emoji takes two)
DIGIT_PIXELS = 7  # a column's width unit: the widest digit of the default font, Calibri 11
HEADER_FILL = "#DDEBF7"  # written FFDDEBF7
BORDER_COLOR = "#9E9E9E"  # thin, written FF9E9E9E
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
"""The control characters XML cannot hold: openpyxl's own expression
(`openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE`, checked equal in the tests), kept here so that
cleaning text needs no file library; `bot/reports/files.py` uses it too."""


def _clean(value: object) -> str:
    """Text as it may go into a cell: control characters XML cannot hold are dropped."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))


def _sheet_name(title: str) -> str:
    name = " ".join(_SHEET_NAME_BAD.sub(" ", _clean(title)).split())
    name = name[:SHEET_NAME_MAX]
    while len(name.encode("utf-16-le")) > 2 * SHEET_NAME_MAX:  # characters beyond the BMP
        name = name[:-1]
    return name.strip().strip("'") or "Sheet1"


def _width(text: str) -> int:
    longest = max((len(line) for line in text.splitlines()), default=0)
    return min(max(longest + 2, WIDTH_MIN), WIDTH_MAX)


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

    import xlsxwriter  # imported when a sheet is built, not with this module

    buffer = BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,  # no temporary files
            # Every value is text: never a formula, a number or a link.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"title": _clean(title), "author": "Baqylau"})
    sheet = workbook.add_worksheet(_sheet_name(title))
    border = {"border": 1, "border_color": BORDER_COLOR}
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    header_format = workbook.add_format(
        {
            "bold": True,
            "pattern": 1,  # solid
            "bg_color": HEADER_FILL,
            **border,
            "text_wrap": True,
            "align": "center",
            "valign": "vcenter",
        }
    )
    cell_format = workbook.add_format({**border, "text_wrap": True, "valign": "top"})
    for column, width in enumerate(widths):
        # In pixels, so that the file holds exactly `width` (`set_column` would add the
        # padding Excel's dialog leaves out: 8 -> 8.71).
        sheet.set_column_pixels(column, column, width * DIGIT_PIXELS)
    header_row = len(subtitle_lines) + 2  # zero-based; one blank line before the table
    last_row = header_row + len(table)
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, last_row, columns - 1)
    sheet.repeat_rows(header_row)  # on every printed page
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # one page wide, as many high as it takes
    # The printed margins openpyxl wrote (inches), not XlsxWriter's 0.7/0.75/0.3.
    sheet.set_margins(left=0.75, right=0.75, top=1, bottom=1)
    sheet.set_header(margin=0.5)
    sheet.set_footer(margin=0.5)

    sheet.write_string(0, 0, _clean(title), title_format)
    for number, subtitle in enumerate(subtitle_lines, start=1):
        sheet.write_string(number, 0, _clean(subtitle))
    sheet.write_row(header_row, 0, cleaned_headers, header_format)
    padding = [""] * columns  # an empty string is a blank cell with the table's borders
    for number, row in enumerate(table, start=header_row + 1):
        values = row if len(row) == columns else row + padding[len(row) :]
        sheet.write_row(number, 0, values, cell_format)
    workbook.close()
    return buffer.getvalue()

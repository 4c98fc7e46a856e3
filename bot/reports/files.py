"""The report's files: the chart (PNG) and the workbook (XLSX) — a summary sheet with a native
Excel bar chart, every item of the period with the §12.4 fields (seed 003), and the deadlines
moved. Pure and blocking: callers run them in a worker thread (`asyncio.to_thread`).

The workbook is written in openpyxl's write-only mode (rows streamed, not kept), so a year of
100,000 items fits in memory. Dates are real dates (formatted dd.mm.yyyy); restricted (ДСП)
items show no content.

openpyxl is imported when the first workbook is written, and matplotlib when the first chart is
drawn (`bot.reports.chart`): the bot's process imports this module for its handlers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING, Any

from bot.assignments.titles import GROUND_TITLES, STATUS_TITLES
from bot.i18n_marks import N_
from bot.reports.chart import AMBER, GREEN, RED, Series, stacked_png
from bot.reports.rules import Report
from bot.reports.texts import BARS, COLUMNS, Translate, figures, source_name, title
from bot.xlsx import ILLEGAL_CHARACTERS_RE
from storage.domain.reports import ExtensionRow, ItemRow

if TYPE_CHECKING:
    from openpyxl import Workbook

DATE_FORMAT = "DD.MM.YYYY"


@cache
def _styles() -> tuple[Any, Any, Any]:
    """Bold, the header's fill, wrapped text: built once, with the first workbook."""
    from openpyxl.styles import Alignment, Font, PatternFill  # heavy, lazy

    return (
        Font(bold=True),
        PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7"),
        Alignment(wrap_text=True, vertical="top"),
    )


ITEM_COLUMNS = (
    N_("No."),
    N_("Given by"),
    N_("Received"),
    N_("Content"),
    N_("Main executor"),
    N_("Co-executors"),
    N_("Original deadline"),
    N_("Deadline"),
    N_("Extensions"),
    N_("Report submitted"),
    N_("Removed from control"),
    N_("Ground of removal"),
    N_("Days late"),
    N_("Status"),
)
MOVE_COLUMNS = (
    N_("No."),
    N_("Main executor"),
    N_("Date"),
    N_("Old deadline"),
    N_("New deadline"),
    N_("Kind"),
)


def chart_png(_: Translate, report: Report) -> bytes:
    """Stacked bars per department: executed on time, late, overdue."""
    lines = report.departments
    return stacked_png(
        title(_, report),
        [line.name for line in lines],
        [
            Series(_(BARS[0]), GREEN, [line.counts.on_time for line in lines]),
            Series(_(BARS[1]), AMBER, [line.counts.late for line in lines]),
            Series(_(BARS[2]), RED, [line.counts.overdue for line in lines]),
        ],
    )


def _text(value: object) -> str:
    return str(ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value)))


class _Sheet:
    """A write-only sheet, row by row, with styled cells."""

    def __init__(self, workbook: Workbook, name: str, widths: Sequence[int]) -> None:
        from openpyxl.utils import get_column_letter  # heavy, lazy

        self.sheet = workbook.create_sheet(name[:31])
        for column, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(column)].width = width
        self.rows = 0

    def cell(self, value: object, *, bold: bool = False, header: bool = False) -> object:
        """The value as it goes into the row: as it is (fast) unless it needs a style — a date
        (its format), a heading — or would be read as a formula («=…»: kept as text)."""
        if isinstance(value, str):
            value = _text(value)
        plain = not (bold or header or isinstance(value, date))
        if plain and not (isinstance(value, str) and value.startswith("=")):
            return value
        from openpyxl.cell import WriteOnlyCell  # heavy, lazy

        bold_font, header_fill, wrap = _styles()
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
        if isinstance(value, str):
            cell.data_type = "s"  # text, never a formula
        if bold or header:
            cell.font = bold_font
        if header:
            cell.fill = header_fill
            cell.alignment = wrap
        return cell

    def append(self, values: Sequence[object], *, bold: bool = False, header: bool = False) -> int:
        self.sheet.append([self.cell(v, bold=bold, header=header) for v in values])
        self.rows += 1
        return self.rows


def workbook(
    _: Translate,
    report: Report,
    items: Sequence[ItemRow],
    moves: Sequence[ExtensionRow],
) -> bytes:
    from openpyxl import Workbook  # heavy, imported when a workbook is written

    book = Workbook(write_only=True)
    book.properties.title = title(_, report)
    book.properties.creator = "Baqylau"
    _summary_sheet(_, book, report)
    _items_sheet(_, book, items)
    _moves_sheet(_, book, moves)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary_sheet(_: Translate, book: Workbook, report: Report) -> None:
    sheet = _Sheet(book, _("Summary"), [36, *([12] * len(COLUMNS))])
    sheet.append([title(_, report)], bold=True)
    sheet.append([_("As of"), report.as_of])
    sheet.append([])
    header = sheet.append([_("Department"), *(_(c) for c in COLUMNS)], header=True)
    for line in report.departments:
        sheet.append([line.name, *figures(line.counts)])
    last = sheet.rows
    sheet.append([_("Total"), *figures(report.total)], bold=True)
    sheet.append([])
    sheet.append([_("Given by"), *(_(c) for c in COLUMNS)], header=True)
    for source, counts in report.sources:
        sheet.append([source_name(_, source), *figures(counts)])
    if report.worst:
        sheet.append([])
        sheet.append([_("Overdue the longest:")], bold=True)
        sheet.append([_("No."), _("Department"), _("Deadline"), _("Days overdue")], header=True)
        for item in report.worst:
            sheet.append([item.reg_number, item.department, item.deadline, item.days])
    if report.departments:
        from openpyxl.chart import BarChart, Reference  # heavy, lazy

        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = title(_, report)
        chart.y_axis.title = None
        # On time, late, overdue: the 3rd to 5th columns.
        data = Reference(sheet.sheet, min_col=3, max_col=5, min_row=header, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet.sheet, min_col=1, min_row=header + 1, max_row=last))
        chart.height = max(7.5, 1.0 * len(report.departments) + 3)
        chart.width = 22
        sheet.sheet.add_chart(chart, f"A{sheet.rows + 3}")


def _items_sheet(_: Translate, book: Workbook, items: Sequence[ItemRow]) -> None:
    widths = [14, 18, 12, 60, 28, 28, 12, 12, 10, 12, 12, 22, 10, 24]
    sheet = _Sheet(book, _("Assignments"), widths)
    sheet.sheet.freeze_panes = "A2"
    sheet.append([_(c) for c in ITEM_COLUMNS], header=True)
    restricted = _("restricted: see the paper copy")
    for item in items:
        sheet.append(
            [
                item.reg_number,
                source_name(_, item.source),
                item.received,
                restricted if item.restricted else item.summary,
                item.main_department,
                "; ".join(item.co_departments),
                item.original_deadline,
                item.deadline,
                item.extensions,
                item.reported_on,
                item.removed_on,
                _(GROUND_TITLES[item.removal_ground]) if item.removal_ground else "",
                item.days_late,
                _(STATUS_TITLES[item.status]),
            ]
        )


def _moves_sheet(_: Translate, book: Workbook, moves: Sequence[ExtensionRow]) -> None:
    sheet = _Sheet(book, _("Extensions"), [14, 28, 12, 14, 14, 30])
    sheet.sheet.freeze_panes = "A2"
    sheet.append([_(c) for c in MOVE_COLUMNS], header=True)
    for move in moves:
        sheet.append(
            [
                move.reg_number,
                move.department,
                move.on,
                move.old_deadline,
                move.new_deadline,
                _("extension") if move.extension else _("deadline changed by a decision"),
            ]
        )


def file_stem(report: Report) -> str:
    return f"report-{report.start.isoformat()}-{report.end.isoformat()}"

"""The round's record as XLSX: read back with openpyxl, text round-trips in Kazakh and Russian."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.xlsx import WIDTH_MAX, WIDTH_MIN, sheet_xlsx

TITLE = "Лист согласования: «Замечаний нет»"
HEADERS = ["№", "Адресат / Адресат", "Жауап / Ответ", "Замечания"]
ROWS = [
    ["1", "Асель Нұрланова, білім бөлімі", "Ескертулер жоқ", ""],
    [
        "2",
        "Олег Ким, отдел финансов",
        "Есть замечания",
        "п. 3 изложить в новой редакции\nп. 5 исключить",
    ],
    ["3", "Гүлнар Омарова", "Келісілді (үнсіз)", '=HYPERLINK("http://x")'],
]
SUBTITLES = ["Тақырып: қала бюджетінің жобасы", "Срок: 05.03.2026"]


def load(data: bytes) -> Any:
    workbook = load_workbook(BytesIO(data))
    assert len(workbook.worksheets) == 1
    return workbook.active


def values(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_sheet_reads_back() -> None:
    data = sheet_xlsx(TITLE, HEADERS, ROWS, subtitle_lines=SUBTITLES)
    assert data[:2] == b"PK"  # a zip container
    sheet = load(data)

    assert sheet.title == "Лист согласования «Замечаний не"  # 31 characters, no «:»
    assert sheet["A1"].value == TITLE
    assert sheet["A1"].font.b
    assert [sheet["A2"].value, sheet["A3"].value] == SUBTITLES
    assert sheet["A4"].value is None  # a blank line before the table

    header = 5
    assert [cell.value for cell in sheet[header]] == HEADERS
    for cell in sheet[header]:
        assert cell.font.b
        assert cell.fill.fill_type == "solid"
    rows = values(sheet)[header:]
    # Empty cells read back as None.
    assert [[value or "" for value in row] for row in rows] == ROWS
    # A value that looks like a formula stays text.
    formula_like = sheet.cell(row=header + 3, column=4)
    assert formula_like.value == ROWS[2][3]
    assert formula_like.data_type == "s"
    assert sheet.cell(row=header + 2, column=4).alignment.wrap_text

    assert sheet.freeze_panes == "A6"
    assert sheet.auto_filter.ref == "A5:D8"
    assert sheet.max_row == 8


def test_column_widths_are_fitted_and_capped() -> None:
    long = "Ұзын мәтін " * 30
    sheet = load(sheet_xlsx("T", ["№", "Текст", "Қысқа"], [["1", long, "ок"]]))
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] == WIDTH_MIN
    assert widths[1] == WIDTH_MAX
    assert widths[2] == WIDTH_MIN  # «Қысқа» + 2 is narrower than the minimum
    sheet = load(sheet_xlsx("T", ["Орташа ұзындықтағы тақырып"], [["қысқа"]]))
    assert sheet.column_dimensions["A"].width == len("Орташа ұзындықтағы тақырып") + 2


def test_without_subtitles_or_rows() -> None:
    sheet = load(sheet_xlsx("Бос / Пусто", ["A", "B"], []))
    assert sheet.title == "Бос Пусто"
    assert values(sheet) == [("Бос / Пусто", None), (None, None), ("A", "B")]
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:B3"


def test_short_rows_are_padded_and_bad_input_refused() -> None:
    sheet = load(sheet_xlsx("T", ["A", "B", "C"], [["1"], ["2", "x\x07y"]]))
    assert values(sheet)[3:] == [("1", None, None), ("2", "xy", None)]
    with pytest.raises(ValueError, match="column"):
        sheet_xlsx("T", [], [])
    with pytest.raises(ValueError, match="row 2"):
        sheet_xlsx("T", ["A"], [["1"], ["2", "3"]])


def test_styles_and_print_setup() -> None:
    data = sheet_xlsx(TITLE, HEADERS, ROWS, subtitle_lines=SUBTITLES)
    sheet = load(data)
    assert sheet["A1"].font.sz == 14
    assert sheet["A2"].font.b is False
    for cell in (sheet["B5"], sheet["B6"], sheet["D8"]):
        for side in (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom):
            assert (side.style, side.color.rgb) == ("thin", "FF9E9E9E")
    header = sheet["B5"]
    assert header.fill.fgColor.rgb == "FFDDEBF7"
    assert (header.alignment.horizontal, header.alignment.vertical) == ("center", "center")
    assert header.alignment.wrap_text
    cell = sheet["C6"]
    assert (cell.alignment.vertical, cell.alignment.wrap_text) == ("top", True)
    assert not cell.font.b
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
    assert sheet.page_setup.fitToHeight == 0  # as many pages high as it takes
    assert sheet.print_title_rows.replace("$", "") == "5:5"
    margins = sheet.page_margins
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.75, 0.75, 1, 1)
    properties = sheet.parent.properties
    assert (properties.title, properties.creator) == (TITLE, "Baqylau")


def test_sheet_names_fit_excels_limit() -> None:
    # 31 UTF-16 code units: an emoji takes two
    sheet = load(sheet_xlsx("📋" * 40, ["A"], []))
    assert sheet.title == "📋" * 15
    assert load(sheet_xlsx("[?]", ["A"], [])).title == "Sheet1"
    assert load(sheet_xlsx("'x: y'", ["A"], [])).title == "x y"

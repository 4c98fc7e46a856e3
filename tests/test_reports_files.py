"""The report's chart (a valid PNG with a bar per department and segment), its workbook (opens
with openpyxl, real dates, a native chart, restricted items without content) and its summary,
in both languages."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.reports import chart, files, steps, texts
from bot.reports.chart import Series
from storage.repo import Repos
from tests.stored_reports import EDU, FIN, Q1, SUMMARY_SECRET, first_quarter

ALMATY = ZoneInfo("Asia/Almaty")


async def gathered(repos: Repos) -> steps.Gathered:
    await first_quarter(repos)
    return await steps.gather(repos, ALMATY, date(2026, 4, 20), *Q1, None, language="ru")


def test_the_chart_has_a_bar_per_department_and_segment() -> None:
    figure = chart.stacked_figure(
        "Мерзімде орындау",
        ["Білім бөлімі", "Қаржы бөлімі", "Отдел ЖКХ"],
        [
            Series("мерзімінде", chart.GREEN, [2, 0, 1]),
            Series("кешігіп", chart.AMBER, [1, 1, 0]),
            Series("мерзімі өткен", chart.RED, [0, 3, 1]),
        ],
    )
    axes = figure.axes[0]
    assert len(axes.patches) == 9
    assert [t.get_text() for t in axes.get_yticklabels()] == [
        "Білім бөлімі",
        "Қаржы бөлімі",
        "Отдел ЖКХ",
    ]
    data = chart.png(figure)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(BytesIO(data)) as picture:
        assert picture.format == "PNG" and picture.width > 500


def test_series_must_match_the_departments() -> None:
    with pytest.raises(ValueError, match="values"):
        chart.stacked_figure("t", ["a", "b"], [Series("x", chart.RED, [1])])


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_the_workbook(staffed: Repos, language: str) -> None:
    found = await gathered(staffed)
    _ = texts.translator(language)
    book = load_workbook(BytesIO(files.workbook(_, found.report, found.items, found.moves)))
    summary, items, moves = book.worksheets
    assert [summary.title, items.title, moves.title] == [
        {"kk": "Жиынтық", "ru": "Сводка"}[language],
        {"kk": "Тапсырмалар", "ru": "Поручения"}[language],
        {"kk": "Ұзартулар", "ru": "Продления"}[language],
    ]
    assert len(summary._charts) == 1
    rows = [[cell.value for cell in row] for row in summary.iter_rows()]
    departments = {row[0]: row[1:] for row in rows if row and row[0] in (EDU, FIN)}
    assert departments[EDU][:8] == [3, 2, 2, 0, 0, 1, 0, 0]
    assert departments[FIN][:8] == [4, 0, 0, 1, 2, 0, 1, 1]
    header, *lines = [[cell.value for cell in row] for row in items.iter_rows()]
    assert len(header) == len(files.ITEM_COLUMNS)
    assert [line[0] for line in lines] == ["A9", "A1", "A2", "A3", "A4", "A6", "A5", "A10"]
    a3 = next(line for line in lines if line[0] == "A3")
    assert isinstance(a3[2], datetime) and a3[2].date() == date(2026, 2, 1)
    assert a3[6].date() == date(2026, 3, 6) and a3[7].date() == date(2026, 3, 10)
    assert a3[8] == 1
    a2 = next(line for line in lines if line[0] == "A2")
    assert a2[12] == 5
    secret = next(line for line in lines if line[0] == "A10")
    assert SUMMARY_SECRET not in str(secret)
    every = "".join(
        str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    )
    assert SUMMARY_SECRET not in every
    header, *moved = [[cell.value for cell in row] for row in moves.iter_rows()]
    assert [(m[0], m[3].date(), m[4].date()) for m in moved] == [
        ("A3", date(2026, 3, 6), date(2026, 3, 10))
    ]


@pytest.mark.parametrize(
    ("language", "words"),
    [("kk", "мерзімінде орындалды"), ("ru", "исполнено в срок")],
)
async def test_the_summary_in_both_languages(staffed: Repos, language: str, words: str) -> None:
    found = await gathered(staffed)
    built = steps.build_files(texts.translator(language), found)
    assert words in built.summary
    assert "A4" in built.summary and "29" in built.summary
    assert built.png.startswith(b"\x89PNG")
    assert built.stem == "report-2026-01-01-2026-03-31"
    paragraph = texts.paragraph(texts.translator(language), found.report)
    assert "40 %" in paragraph

"""The bot's process does not carry the file builders' libraries until it builds a file.

matplotlib with numpy, openpyxl, XlsxWriter and python-docx cost seconds of start and tens of
MiB of resident memory; a tap on a list or a card needs none of them, so the modules that build
charts, sheets and letters import them when they are first asked for one.
"""

from __future__ import annotations

import re
import subprocess
import sys

from tests.e2e import ROOT

HEAVY = ("matplotlib", "numpy", "openpyxl", "xlsxwriter", "docx", "PIL", "lxml")


def imported_after(code: str) -> list[str]:
    """The heavy top-level packages in sys.modules after running `code` in a fresh Python."""
    probe = f"import sys\n{code}\nprint(sorted({{m.split('.')[0] for m in sys.modules}}))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(re.findall(r"'([^']+)'", done.stdout.strip().splitlines()[-1]))
    return sorted(loaded & set(HEAVY))


def test_the_running_bot_imports_no_file_library() -> None:
    # what `python -m bot` (run) imports: the runner, the dispatcher, every handler
    code = "import bot.__main__, bot.runner, bot.factory, handlers, handlers.reports.weekly"
    assert imported_after(code) == []


def test_building_a_file_imports_its_library_then() -> None:
    code = (
        "from bot.xlsx import sheet_xlsx\n"
        "assert sheet_xlsx('T', ['a'], [['=1+1']])[:2] == b'PK'\n"
        "from bot.reports.chart import GREEN, Series, stacked_png\n"
        "assert stacked_png('T', ['x'], [Series('s', GREEN, [1])])[:4] == b'\\x89PNG'\n"
        "from bot.letters import letter_docx\n"
        "assert letter_docx('to', 'h', ['p'], 's', language='ru')[:2] == b'PK'"
    )
    assert {"matplotlib", "numpy", "xlsxwriter", "docx"} <= set(imported_after(code))


def test_a_sheet_is_written_with_xlsxwriter_alone() -> None:
    code = "from bot.xlsx import sheet_xlsx\nassert sheet_xlsx('T', ['a'], [['b']])[:2] == b'PK'"
    assert imported_after(code) == ["xlsxwriter"]


def test_the_cleaning_expression_is_openpyxls_own() -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as openpyxl_re

    from bot.xlsx import ILLEGAL_CHARACTERS_RE

    assert ILLEGAL_CHARACTERS_RE.pattern == openpyxl_re.pattern
    assert ILLEGAL_CHARACTERS_RE.flags == openpyxl_re.flags

"""`python -m bot report`: the summary printed, the workbook and the chart written, in the
language asked, without importing aiogram."""

from __future__ import annotations

import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from bot.config import Settings
from storage.repo import Repos
from tests.e2e import ROOT
from tests.stored_reports import EDU, first_quarter

PROBE = (
    "import sys; from bot.__main__ import main; code = main(sys.argv[1:]);"
    " print('aiogram imported:', 'aiogram' in sys.modules); sys.exit(code)"
)


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_PATH": str(settings.database_path),
        "BOT_TOKEN": "42:TEST",
        "DEFAULT_LANGUAGE": "kk",
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


async def test_the_report_on_the_command_line(
    staffed: Repos, settings: Settings, tmp_path: Path
) -> None:
    await first_quarter(staffed)
    xlsx, png = tmp_path / "q1.xlsx", tmp_path / "q1.png"
    done = run(
        settings,
        *("report", "--from", "2026-01-01", "--to", "2026-03-31"),
        *("--xlsx", str(xlsx), "--png", str(png), "--lang", "ru"),
    )
    assert done.returncode == 0, done.stderr
    assert "Исполнительская дисциплина, 01.01.2026 – 31.03.2026" in done.stdout
    assert f"{EDU}\t3\t2\t2\t0\t0\t1\t0\t0\t50.0\t5.0" in done.stdout
    assert "aiogram imported: False" in done.stdout
    assert png.read_bytes().startswith(b"\x89PNG")
    assert len(load_workbook(BytesIO(xlsx.read_bytes())).worksheets) == 3


async def test_kazakh_by_default_and_bad_periods(staffed: Repos, settings: Settings) -> None:
    await first_quarter(staffed)
    done = run(settings, "report", "--from", "2026-01-01", "--to", "2026-03-31")
    assert done.returncode == 0, done.stderr
    assert "Атқарушылық тәртіп, 01.01.2026 – 31.03.2026" in done.stdout
    backwards = run(settings, "report", "--from", "2026-03-31", "--to", "2026-01-01")
    assert backwards.returncode == 1
    assert "error: --to is before --from" in backwards.stderr

"""End to end: a controller (Russian), the akim (Kazakh) and a deputy akim (Kazakh, curating
education) each ask /report for last quarter and get the summary, the chart and the workbook
from the real `python -m bot` against the fake Bot API, in their language and scope."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.reports.rules import Preset, preset_period
from handlers.callbacks import ReportAction, ReportCallback
from storage.db import connect
from storage.domain.assignments import RemovalGround
from storage.repo import Repos
from tests.e2e import bot_env, onboard, prepare_staff, running_bot, to_chat
from tests.fake_api import ApiCall, FakeBotAPI
from tests.stored_reports import EDU, FIN, moment, register, remove, report

CTRL, AKIM, DEP1 = 6801, 6802, 6803
PEOPLE = {"ctrl": (CTRL, "ru"), "akim": (AKIM, "kk"), "dep1": (DEP1, "kk")}
SLOW = 60.0  # s: the chart and the workbook on a busy machine


async def last_quarter_items(path: Path) -> None:
    """In last quarter: education executed one on time and one late; finance let one lapse."""
    start, _end = preset_period(Preset.LAST_QUARTER, datetime.now(ZoneInfo("Asia/Almaty")).date())

    def day(offset: int) -> datetime:
        when = start + timedelta(days=offset)
        return moment(when.month, when.day, year=when.year)

    async with connect(path) as db:
        repos = Repos(db)
        on_time = await register(repos, "E-1", EDU, start, start + timedelta(days=20))
        await report(repos, on_time, EDU, day(15))
        await remove(repos, on_time, RemovalGround.EXECUTED, day(16))
        late = await register(repos, "E-2", EDU, start, start + timedelta(days=10))
        await report(repos, late, EDU, day(30))
        await remove(repos, late, RemovalGround.EXECUTED, day(31))
        await register(repos, "F-1", FIN, start, start + timedelta(days=10))


async def ask_last_quarter(api: FakeBotAPI, user: int) -> tuple[ApiCall, ApiCall, ApiCall]:
    mark = api.mark()
    api.send_text(user, "/report")
    menu = await api.wait_for("sendMessage", to_chat(user, "📊"), after=mark)
    mark = api.mark()
    last_quarter = ReportCallback(action=ReportAction.PERIOD, preset=Preset.LAST_QUARTER).pack()
    api.press(user, last_quarter, message_id=menu.result["message_id"])
    summary = await api.wait_for("sendMessage", to_chat(user, "📊"), timeout=SLOW, after=mark)
    photo = await api.wait_for("sendPhoto", to_chat(user), timeout=SLOW, after=mark)
    document = await api.wait_for("sendDocument", to_chat(user), timeout=SLOW, after=mark)
    return summary, photo, document


async def test_last_quarter_for_three_readers(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    tokens = await prepare_staff(env, tmp_path)
    await last_quarter_items(Path(env["DATABASE_PATH"]))
    async with running_bot(api, env, tmp_path):
        for code, (user, language) in PEOPLE.items():
            await onboard(api, user, tokens[code], language)

        summary, photo, document = await ask_last_quarter(api, CTRL)
        text = str(summary.params["text"])
        assert text.startswith("📊 Исполнительская дисциплина")
        assert "Поступило 3 · исполнено в срок 1, с опозданием 1 · просрочено 1" in text
        assert f"№ F-1 · {FIN}" in text
        assert photo.result["photo"]
        assert str(document.result["document"]["file_name"]).endswith(".xlsx")

        summary, photo, document = await ask_last_quarter(api, AKIM)
        text = str(summary.params["text"])
        assert text.startswith("📊 Атқарушылық тәртіп")
        assert "Келіп түсті 3 · мерзімінде орындалды 1, кешігіп 1 · мерзімі өтті 1" in text

        summary, photo, document = await ask_last_quarter(api, DEP1)
        text = str(summary.params["text"])
        assert text.startswith("📊 Атқарушылық тәртіп") and EDU in text
        assert "Келіп түсті 2 · мерзімінде орындалды 1, кешігіп 1 · мерзімі өтті 0" in text
        assert "F-1" not in text
        assert str(document.result["document"]["file_name"]).endswith(".xlsx")

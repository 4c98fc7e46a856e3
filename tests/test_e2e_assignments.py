"""End to end: CSV import → cards on the phone → accept → reports → removal, in kk and ru."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import STAFF_CSV
from tests.e2e import bot_env, run_cli, to_chat
from tests.fake_api import ApiCall, FakeBotAPI

EDU, FIN, CTRL = 5101, 5102, 5103


def button(call: ApiCall, text: str) -> str:
    for row in call.params["reply_markup"]["inline_keyboard"]:
        for item in row:
            if item["text"] == text:
                return str(item["callback_data"])
    raise AssertionError(f"no button {text!r} in {call.params['reply_markup']}")


async def test_csv_import_card_accept_report_removal(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    assert (await run_cli(env, tmp_path, "staff", "import", "staff.csv"))[0] == 0
    code, out, err = await run_cli(env, tmp_path, "staff", "invites")
    assert code == 0, err
    links = {line.split("\t")[0]: line.split("start=")[1] for line in out.splitlines()}

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await api.wait_for("getUpdates", timeout=30)
        for code_, user, language in (
            ("edu_head", EDU, "kk"),
            ("fin_head", FIN, "ru"),
            ("ctrl", CTRL, "ru"),
        ):
            mark = api.mark()
            api.send_text(user, f"/start {links[code_]}", language_code=language)
            greeting = await api.wait_for("sendMessage", to_chat(user), after=mark)
            choice = "lang:kk" if language == "kk" else "lang:ru"
            api.press(user, choice, message_id=greeting.result["message_id"])
            await api.wait_for("editMessageText", to_chat(user), after=mark)

        today = datetime.now(ZoneInfo("Asia/Almaty")).date()
        deadline = today + timedelta(days=60)
        (tmp_path / "items.csv").write_text(
            "reg_number,received,source,issuer_code,summary,executors,deadline,mark,restricted\n"
            f"01-07/77,{today},akim,akim,Представить план ремонта школ,"
            f"Отдел образования;Отдел финансов,{deadline},,0\n"
            f"02-ДСП/5,{today},government,,Секретное содержание,Отдел финансов,,urgent,1\n",
            encoding="utf-8",
        )
        mark = api.mark()
        code, out, err = await run_cli(env, tmp_path, "assignments", "import", "items.csv")
        assert code == 0, err
        assert "2 assignments registered" in out
        kk_card = await api.wait_for("sendMessage", to_chat(EDU, "📄 № 01-07/77"), after=mark)
        ru_card = await api.wait_for(
            "sendMessage", to_chat(FIN, "📄 Поручение № 01-07/77"), after=mark
        )
        secret = await api.wait_for(
            "sendMessage", to_chat(FIN, "📄 Поручение № 02-ДСП/5"), after=mark
        )
        assert "Представить план ремонта школ" in kk_card.params["text"]
        assert "соисполнитель" in ru_card.params["text"]
        assert "Секретное" not in secret.params["text"]
        assert "бумажный экземпляр" in secret.params["text"]

        # the same file again is refused and registers nothing
        code, _, err = await run_cli(env, tmp_path, "assignments", "import", "items.csv")
        assert code == 1
        assert "line 2: registration number 01-07/77 is already registered" in err

        # accept, in Kazakh; the card changes in place; the controller hears of it
        mark = api.mark()
        api.press(EDU, button(kk_card, "✅ Қабылдау"), message_id=kk_card.result["message_id"])
        edited = await api.wait_for("editMessageText", to_chat(EDU), after=mark)
        assert "Қабылданды:" in edited.params["text"]
        await api.wait_for(
            "sendMessage", to_chat(CTRL, "Поручение № 01-07/77 принято"), after=mark
        )

        # the main executor reports; the controller removes the item from control
        mark = api.mark()
        api.press(
            EDU,
            button(kk_card, "📝 Орындалуы туралы есеп"),
            message_id=kk_card.result["message_id"],
        )
        await api.wait_for(
            "sendMessage", to_chat(EDU, "№ 01-07/77 тапсырма бойынша есеп"), after=mark
        )
        api.send_text(EDU, "Жоспар бекітілді, 12 мектеп.", language_code="kk")
        parts = await api.wait_for("sendMessage", to_chat(EDU, "Қабылданды: мәтін"), after=mark)
        api.press(EDU, button(parts, "📤 Есепті жіберу"), message_id=parts.result["message_id"])
        report = await api.wait_for(
            "sendMessage", to_chat(CTRL, "Отчёт об исполнении поручения № 01-07/77"), after=mark
        )
        assert "Жоспар бекітілді" in report.params["text"]
        mark = api.mark()
        api.press(
            CTRL, button(report, "🏁 Снять с контроля"), message_id=report.result["message_id"]
        )
        grounds = await api.wait_for("sendMessage", to_chat(CTRL, "Основание снятия"), after=mark)
        api.press(
            CTRL,
            button(grounds, "исполнено в полном объёме"),
            message_id=grounds.result["message_id"],
        )
        await api.wait_for(
            "sendMessage",
            to_chat(EDU, "№ 01-07/77 тапсырма бақылаудан алынды: толық орындалды."),
            after=mark,
        )
        await api.wait_for(
            "sendMessage", to_chat(FIN, "Поручение № 01-07/77 снято с контроля"), after=mark
        )
        # nothing restricted ever left the database
        assert not any("Секретное" in str(call.params) for call in api.requests)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    assert "Traceback" not in err_bytes.decode(), err_bytes.decode()

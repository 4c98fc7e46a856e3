"""End to end: CSV import → cards on the phone → accept → reports → removal, in kk and ru."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e import bot_env, button, onboard, prepare_staff, run_cli, running_bot, to_chat
from tests.fake_api import FakeBotAPI

EDU, FIN, CTRL = 5101, 5102, 5103


async def test_csv_import_card_accept_report_removal(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    tokens = await prepare_staff(env, tmp_path)

    async with running_bot(api, env, tmp_path):
        for code_, user, language in (
            ("edu_head", EDU, "kk"),
            ("fin_head", FIN, "ru"),
            ("ctrl", CTRL, "ru"),
        ):
            await onboard(api, user, tokens[code_], language)

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
        # (at the end of the minute, in the control department's digest of acceptances)
        await api.wait_for(
            "sendMessage", to_chat(CTRL, "Поручение № 01-07/77 принято"), 75, after=mark
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
        parts = await api.wait_for("sendMessage", to_chat(EDU, "Алынды: мәтін"), after=mark)
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
            button(grounds, "✅ Исполнено полностью"),
            message_id=grounds.result["message_id"],
        )
        await api.wait_for("sendMessage", to_chat(CTRL, "Основание: "), after=mark)
        api.send_text(CTRL, "Отчёт принят, план исполнен.")
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

"""End to end: a head asks for a new date, the head of apparatus approves in one tap, and the
deadline notice follows the new date (none at the old one)."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import STAFF_CSV
from tests.e2e import bot_env, run_cli, to_chat
from tests.fake_api import ApiCall, FakeBotAPI

EDU, CTRL, HOA = 5301, 5303, 5305


def button(call: ApiCall, text: str) -> str:
    for row in call.params["reply_markup"]["inline_keyboard"]:
        for item in row:
            if item["text"] == text:
                return str(item["callback_data"])
    raise AssertionError(f"no button {text!r}")


async def test_request_approval_and_notices_follow(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    (tmp_path / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    assert (await run_cli(env, tmp_path, "staff", "import", "staff.csv"))[0] == 0
    _, out, _ = await run_cli(env, tmp_path, "staff", "invites")
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
        for staff_code, user in (("edu_head", EDU), ("ctrl", CTRL), ("hoa", HOA)):
            mark = api.mark()
            api.send_text(user, f"/start {links[staff_code]}", language_code="ru")
            greeting = await api.wait_for("sendMessage", to_chat(user), after=mark)
            api.press(user, "lang:ru", message_id=greeting.result["message_id"])
            await api.wait_for("editMessageText", to_chat(user), after=mark)
        today = datetime.now(ZoneInfo("Asia/Almaty")).date()
        (tmp_path / "items.csv").write_text(
            "reg_number,received,source,issuer_code,summary,executors,deadline,mark,restricted\n"
            f"X-9,{today},akim,,Благоустройство дворов,Отдел образования,2027-05-12,,0\n",
            encoding="utf-8",
        )
        mark = api.mark()
        assert (await run_cli(env, tmp_path, "assignments", "import", "items.csv"))[0] == 0
        card = await api.wait_for("sendMessage", to_chat(EDU, "📄 Поручение № X-9"), after=mark)

        mark = api.mark()
        api.press(
            EDU, button(card, "⏳ Запросить продление"), message_id=card.result["message_id"]
        )
        await api.wait_for("sendMessage", to_chat(EDU, "Продление поручения № X-9"), after=mark)
        api.send_text(EDU, "26.05.2027")
        await api.wait_for("sendMessage", to_chat(EDU, "Новый срок"), after=mark)
        api.send_text(EDU, "Подрядчик не завершил работы из-за погоды.")
        summary = await api.wait_for(
            "sendMessage", to_chat(EDU, "Запрос на продление"), after=mark
        )
        api.press(
            EDU, button(summary, "📤 Отправить запрос"), message_id=summary.result["message_id"]
        )
        request = await api.wait_for(
            "sendMessage", to_chat(HOA, "⏳ Запрос на продление"), after=mark
        )
        assert "Подрядчик не завершил" in request.params["text"]

        mark = api.mark()
        api.press(HOA, button(request, "✅ Одобрить"), message_id=request.result["message_id"])
        await api.wait_for(
            "sendMessage", to_chat(EDU, "Срок поручения № X-9 продлён до 26 мая"), after=mark
        )
        await api.wait_for(
            "sendMessage", to_chat(CTRL, "Срок поручения № X-9 продлён"), after=mark
        )

        def notices() -> list[str]:
            return [
                str(c.params["text"])
                for c in api.sent_messages
                if c.params.get("chat_id") == EDU
                and str(c.params.get("text", "")).startswith("⏰")
            ]

        assert (await run_cli(env, tmp_path, "sweep", "--at", "2027-05-05T09:00"))[0] == 0
        assert notices() == []  # the old date: nothing
        assert (await run_cli(env, tmp_path, "sweep", "--at", "2027-05-21T09:00"))[0] == 0
        [notice] = notices()  # 3 working days before 26 May 2027
        assert "№ X-9: срок среда, 26 мая 2027" in notice
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    assert "Traceback" not in err_bytes.decode(), err_bytes.decode()

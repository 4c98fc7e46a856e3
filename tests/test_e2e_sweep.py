"""End to end: `python -m bot sweep --at` sends a deadline notice once, never on a holiday."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import STAFF_CSV
from tests.e2e import bot_env, run_cli, to_chat
from tests.fake_api import FakeBotAPI

EDU, CTRL = 5201, 5203


async def test_sweep_at_sends_the_notice_exactly_once(api: FakeBotAPI, tmp_path: Path) -> None:
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
        for staff_code, user in (("edu_head", EDU), ("ctrl", CTRL)):
            mark = api.mark()
            api.send_text(user, f"/start {links[staff_code]}", language_code="ru")
            greeting = await api.wait_for("sendMessage", to_chat(user), after=mark)
            api.press(user, "lang:ru", message_id=greeting.result["message_id"])
            await api.wait_for("editMessageText", to_chat(user), after=mark)

        today = datetime.now(ZoneInfo("Asia/Almaty")).date()
        (tmp_path / "items.csv").write_text(
            "reg_number,received,source,issuer_code,summary,executors,deadline,mark,restricted\n"
            f"05-12/1,{today},akim,,Отчёт о подготовке к паводкам,Отдел образования,"
            "2027-05-12,,0\n",
            encoding="utf-8",
        )
        assert (await run_cli(env, tmp_path, "assignments", "import", "items.csv"))[0] == 0

        def notices(chat: int) -> list[str]:
            return [
                c.params["text"]
                for c in api.sent_messages
                if c.params.get("chat_id") == chat
                and str(c.params.get("text", "")).startswith("⏰")
            ]

        code, out, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-05-04T09:00")
        assert code == 0, err
        assert notices(EDU) == []
        for _ in range(3):  # however often it runs, and while the bot runs too
            code, out, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-05-05T09:00")
            assert code == 0, err
        [notice] = notices(EDU)
        assert "№ 05-12/1: срок среда, 12 мая 2027" in notice
        assert len(notices(CTRL)) == 1

        # 7 May 2027 is a holiday: a sweep then sends nothing and says when it will
        code, out, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-05-07T10:00")
        assert code == 0, err
        assert "wait until 2027-05-11 09:00" in out
        assert len(notices(EDU)) == 1

        code, _, err = await run_cli(env, tmp_path, "sweep", "--at", "2027-13-01T09:00")
        assert code == 1
        assert "YYYY-MM-DDTHH:MM" in err
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    assert "Traceback" not in err_bytes.decode(), err_bytes.decode()

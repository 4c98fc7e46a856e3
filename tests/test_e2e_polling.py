"""End to end: the real `python -m bot` process polling a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.conftest import STAFF_CSV
from tests.e2e import bot_env, run_cli, to_chat
from tests.fake_api import FakeBotAPI


async def test_without_a_token_the_bot_says_what_to_do(tmp_path: Path) -> None:
    code, out, err = await run_cli(bot_env(None, tmp_path), tmp_path)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "error: BOT_TOKEN is not set: put BOT_TOKEN=<token from @BotFather> in the environment"
        " or in a .env file next to where you run the bot."
    ]
    assert "Traceback" not in err


async def test_admin_imports_staff_person_joins_and_switches_language(
    api: FakeBotAPI, tmp_path: Path
) -> None:
    env = bot_env(api, tmp_path)
    csv = tmp_path / "staff.csv"
    csv.write_text(STAFF_CSV, encoding="utf-8")
    code, out, err = await run_cli(env, tmp_path, "staff", "import", str(csv))
    assert code == 0, err
    assert "8 created" in out
    code, out, err = await run_cli(env, tmp_path, "staff", "invites")
    assert code == 0, err
    links = {line.split("\t")[0]: line.split("\t")[2] for line in out.splitlines()}
    assert len(links) == 8
    assert links["fin_head"].startswith("https://t.me/baqylau_test_bot?start=")
    token = links["fin_head"].split("start=", 1)[1]

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
        commands = api.calls("setMyCommands")
        assert {c.params.get("language_code") for c in commands} >= {"kk", "ru"}

        # A stranger learns nothing.
        mark = api.mark()
        api.send_text(7777, "Сәлем", language_code="kk")
        stranger = await api.wait_for("sendMessage", to_chat(7777), after=mark)
        assert "әкімдік қызметкерлеріне" in stranger.params["text"]
        assert "сотрудников акимата" in stranger.params["text"]
        assert "reply_markup" not in stranger.params
        assert "Олег" not in stranger.params["text"]

        # The head of finance opens the invitation from a Russian-language phone.
        mark = api.mark()
        api.send_text(5001, f"/start {token}", language_code="ru", first_name="Oleg")
        greeting = await api.wait_for("sendMessage", to_chat(5001), after=mark)
        assert greeting.params["text"].startswith("Добро пожаловать, Олег Ким!")
        assert "Руководитель отдела финансов" in greeting.params["text"]
        buttons = greeting.params["reply_markup"]["inline_keyboard"][0]
        assert [b["text"] for b in buttons] == ["Қазақ тілі", "✅ Русский язык"]

        # … and switches to Kazakh with one tap.
        mark = api.mark()
        api.press(5001, buttons[0]["callback_data"], message_id=greeting.result["message_id"])
        edited = await api.wait_for("editMessageText", to_chat(5001), after=mark)
        assert edited.params["text"].startswith("Енді хабарламалар қазақ тілінде")
        menu = await api.wait_for(
            "sendMessage",
            to_chat(5001, "Басты мәзір"),
            after=mark,
        )
        assert "Олег Ким — бөлім басшысы, Отдел финансов" in menu.params["text"]

        # The choice persists: /help now answers in Kazakh.
        mark = api.mark()
        api.send_text(5001, "/help", language_code="ru")
        help_call = await api.wait_for("sendMessage", to_chat(5001), after=mark)
        assert "/lang — Тілді ауыстыру" in help_call.params["text"]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err_bytes.decode()
    assert "Traceback" not in err_bytes.decode()

    code, out, _ = await run_cli(env, tmp_path, "staff", "list")
    assert "fin_head\tОлег Ким\tОтдел финансов\thead\tkk\tjoined" in out.splitlines()

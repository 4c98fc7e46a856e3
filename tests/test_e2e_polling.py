"""End to end: the real `python -m bot` process polling a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from tests.e2e import bot_env, import_staff, invite_links, run_cli, running_bot, to_chat
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
    assert "8 created" in await import_staff(env, tmp_path)
    links = await invite_links(env, tmp_path)
    assert len(links) == 8
    assert links["fin_head"].startswith("https://t.me/baqylau_test_bot?start=")
    token = links["fin_head"].split("start=", 1)[1]

    async with running_bot(api, env, tmp_path):
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

    _code, out, _ = await run_cli(env, tmp_path, "staff", "list")
    assert "fin_head\tОлег Ким\tОтдел финансов\thead\tkk\tjoined" in out.splitlines()

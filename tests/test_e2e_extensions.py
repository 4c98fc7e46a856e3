"""End to end: a head asks for a new date, the head of apparatus approves in one tap, and the
deadline notice follows the new date (none at the old one)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e import (
    bot_env,
    button,
    notices,
    onboard,
    prepare_staff,
    run_cli,
    running_bot,
    to_chat,
)
from tests.fake_api import FakeBotAPI

EDU, CTRL, HOA = 5301, 5303, 5305


async def test_request_approval_and_notices_follow(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    tokens = await prepare_staff(env, tmp_path)
    async with running_bot(api, env, tmp_path):
        for staff_code, user in (("edu_head", EDU), ("ctrl", CTRL), ("hoa", HOA)):
            await onboard(api, user, tokens[staff_code], "ru")
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
            "sendMessage",
            to_chat(EDU, "✅ Ваш запрос на продление одобрен: срок поручения № X-9 продлён до 26"),
            after=mark,
        )
        await api.wait_for(
            "sendMessage", to_chat(CTRL, "📅 Срок поручения № X-9 продлён"), after=mark
        )
        # the card sent earlier is edited in place to show the new deadline
        edited = await api.wait_for(
            "editMessageText", to_chat(EDU, "📄 Поручение № X-9"), after=mark
        )
        assert edited.params["message_id"] == card.result["message_id"]
        assert "Срок: 26 мая 2027 г. (среда)" in edited.params["text"]

        assert (await run_cli(env, tmp_path, "sweep", "--at", "2027-05-05T09:00"))[0] == 0
        assert notices(api, EDU) == []  # the old date: nothing
        assert (await run_cli(env, tmp_path, "sweep", "--at", "2027-05-21T09:00"))[0] == 0
        [notice] = notices(api, EDU)  # 3 working days before 26 May 2027
        assert "№ X-9: срок 26 мая 2027 г. (среда)" in notice

"""End to end: a «замечаний нет» round to five departments — three «замечаний нет», one with
remarks and a file, one silent — and the sheet right before and after the due date."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.calendar import WorkCalendar
from bot.profiles import load_profile
from bot.remarks.rules import default_due
from tests.e2e import bot_env, button, onboard, prepare_staff, run_cli, running_bot, to_chat
from tests.fake_api import ApiCall, FakeBotAPI

DEPARTMENTS = (
    "Отдел ЖКХ",
    "Отдел образования",
    "Отдел финансов",
    "Отдел строительства",
    "Отдел культуры",
)
HEADS = {f"h{i}": 6400 + i for i in range(1, 6)}
CTRL = 6400
CSV = (
    "code,full_name,position,department,roles,language,curates\n"
    + "".join(
        f"h{i},Руководитель {i},Руководитель отдела,{name},head,{'kk' if i % 2 else 'ru'},\n"
        for i, name in enumerate(DEPARTMENTS, start=1)
    )
    + "ctrl,Бауыржан Исаев,Главный специалист,Отдел контроля,controller,ru,\n"
)


def data_by_text(call: ApiCall) -> dict[str, str]:
    return {
        str(b["text"]): str(b["callback_data"])
        for row in call.params["reply_markup"]["inline_keyboard"]
        for b in row
    }


async def test_round_to_five_departments(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    tokens = await prepare_staff(env, tmp_path, CSV)
    async with running_bot(api, env, tmp_path):
        await onboard(api, CTRL, tokens["ctrl"], "ru")
        for head, user in HEADS.items():
            await onboard(api, user, tokens[head], "kk" if int(head[1]) % 2 else "ru")

        async def last_to(chat: int, after: int, starts: str | None = None) -> ApiCall:
            return await api.wait_for("sendMessage", to_chat(chat, starts), after=after)

        # the controller starts the round through the dialog
        mark = api.mark()
        api.send_text(CTRL, "/remarks")
        menu = await last_to(CTRL, mark)
        api.press(CTRL, "r:new:0", message_id=menu.result["message_id"])
        restricted = await last_to(CTRL, mark, "1/6")  # asked before any content
        mark = api.mark()
        api.press(CTRL, "rn:rst:0", message_id=restricted.result["message_id"])
        await api.wait_for("editMessageText", to_chat(CTRL), after=mark)
        mark = api.mark()
        api.send_text(CTRL, "Проект решения о бюджете на 2027 год")
        kind = await last_to(CTRL, mark)
        mark = api.mark()
        api.press(CTRL, "rn:kind:decision", message_id=kind.result["message_id"])
        await api.wait_for("editMessageText", to_chat(CTRL), after=mark)
        mark = api.mark()
        api.send_document(CTRL, b"%PDF-1.4 budget", "проект_бюджета.pdf")
        documents = await last_to(CTRL, mark)
        api.press(CTRL, "rn:docs:done", message_id=documents.result["message_id"])
        picker = await api.wait_for("editMessageText", to_chat(CTRL), after=mark)
        for name in DEPARTMENTS:
            mark = api.mark()
            api.press(CTRL, data_by_text(picker)[name], message_id=picker.result["message_id"])
            picker = await api.wait_for("editMessageText", to_chat(CTRL), after=mark)
        mark = api.mark()
        api.press(CTRL, "rn:done:", message_id=picker.result["message_id"])
        due_step = await api.wait_for("editMessageText", to_chat(CTRL), after=mark)
        [(label, due_data)] = data_by_text(due_step).items()
        assert label.startswith("📅")
        mark = api.mark()
        api.press(CTRL, due_data, message_id=due_step.result["message_id"])
        confirm = await api.wait_for("editMessageText", to_chat(CTRL), after=mark)
        mark = api.mark()
        api.press(CTRL, "rn:ok:", message_id=confirm.result["message_id"])
        sent = await api.wait_for("editMessageText", to_chat(CTRL, "Опрос №"), after=mark)
        sheet_data = next(iter(data_by_text(sent).values()))

        # five requests, with the document and the one-tap buttons
        requests = {user: await last_to(user, mark, "📨") for user in HEADS.values()}
        for user in HEADS.values():
            await api.wait_for("sendDocument", to_chat(user), after=mark)
        # three answer «замечаний нет» in one tap
        for user in (6401, 6402, 6403):
            buttons = data_by_text(requests[user])
            ok = next(data for text, data in buttons.items() if text.startswith("✅"))
            api.press(user, ok, message_id=requests[user].result["message_id"])
            await api.wait_for("editMessageText", to_chat(user), after=mark)
        # one has remarks, with a file
        has = next(d for t, d in data_by_text(requests[6404]).items() if t.startswith("💬"))
        mark = api.mark()
        api.press(6404, has, message_id=requests[6404].result["message_id"])
        await last_to(6404, mark)
        api.send_text(6404, "Статья 5: не учтены расходы на отопление школ.")
        await last_to(6404, mark, "Получено")
        mark = api.mark()
        api.send_document(6404, b"remarks", "замечания.docx")
        parts = await last_to(6404, mark, "Получено")
        api.press(
            6404, button(parts, "📤 Отправить замечания"), message_id=parts.result["message_id"]
        )
        remark = await last_to(CTRL, mark, "Замечания по «Проект решения о бюджете")
        assert "Статья 5" in remark.params["text"]
        # the fifth stays silent

        # the sheet right before the due date
        mark = api.mark()
        api.press(CTRL, sheet_data, message_id=sent.result["message_id"])
        sheet = (await last_to(CTRL, mark, "📋")).params["text"]
        assert sheet.count("✅") == 3 + 1  # three answers and the totals line
        assert "💬 Отдел строительства — Руководитель 4: есть замечания" in sheet
        assert "⏳ Отдел культуры — Руководитель 5: ожидается ответ" in sheet

        # after the due date: the silent one has agreed by default (п.21, п.24)
        calendar = WorkCalendar()
        today = datetime.now(ZoneInfo("Asia/Almaty")).date()
        due = default_due(load_profile("ust-kamenogorsk-2025"), calendar, today)
        after = calendar.add_working_days(due, 1)
        mark = api.mark()
        code, _, err = await run_cli(env, tmp_path, "sweep", "--at", f"{after}T10:00")
        assert code == 0, err
        final = (await last_to(CTRL, mark, "Срок истёк")).params["text"]
        assert "☑️ Отдел культуры — Руководитель 5: согласовано по умолчанию" in final
        assert "💬 Отдел строительства" in final
        assert final.count("✅ Отдел") == 3

"""End to end, a roll-out as an akimat does it, against the real bot process and the fake Bot API
(issue 13): the staff and the open assignments are imported before anyone joins; people join
over days (some in Kazakh, some in Russian), the control department hears who has not; a late
head is told what waits and gets it; a forged list filter shows nothing of another department;
a leader looks a department up; a head passes an item to an executor, whose draft the head sends
on; the controller moves a deadline; a head leaves and an executor becomes head in the staff
file (`staff import --sync`): the one is refused at the next tap, the other sees the
department's items and gets their cards, and the control department is told where the work went.

One bot process for the whole play; five `python -m bot` commands besides it."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.calendar import WorkCalendar
from handlers.callbacks import LeadAction, LeadCallback, ListCallback, ListScope
from tests.e2e import bot_env, button, run_cli, running_bot, to_chat
from tests.fake_api import ApiCall, FakeBotAPI

ALMATY = ZoneInfo("Asia/Almaty")
AKIM, DEP1, EDU, EDU_X, FIN, FIN_X, CTRL = 5401, 5402, 5403, 5404, 5405, 5406, 5407
SENDER_ROUND = 40.0  # s: what the running bot sends on its own goes within its 15 s drain

STAFF = """code,full_name,position,department,roles,language,curates
admin,Айгерім Сапарова,Главный специалист,Отдел цифровизации,admin,ru,
akim,Ерлан Жумабеков,Аким города,,akim,ru,
dep1,Гүлнар Омарова,Заместитель акима,,deputy_akim,kk,Отдел образования
edu_head,Асель Нурланова,Руководитель отдела образования,Отдел образования,head,kk,
edu_exec,Дана Серикова,Главный специалист,Отдел образования,executor,ru,
fin_head,Олег Ким,Руководитель отдела финансов,Отдел финансов,head,ru,
fin_exec,Нұрлан Әбенов,Главный специалист,Отдел финансов,executor,kk,
ctrl,Бауыржан Исаев,Главный специалист отдела контроля,Отдел контроля,controller,ru,
"""
# A week later: the head of finance has left, their specialist heads the department now.
STAFF_LATER = (
    "\n".join(
        line.replace(
            "Главный специалист,Отдел финансов,executor", "Главный специалист,Отдел финансов,head"
        )
        for line in STAFF.splitlines()
        if not line.startswith("fin_head,")
    )
    + "\n"
)
FIN_SUMMARY = "Сверить бюджетные заявки на 2027 год"


def query(tmp_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Committed rows of the bot's database file, read-only."""
    conn = sqlite3.connect(f"file:{tmp_path / 'data' / 'baqylau.sqlite3'}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


def ids(rows: list[tuple[object, ...]]) -> dict[str, int]:
    """{key: id} of (id, key) rows."""
    return {str(key): int(str(id_)) for id_, key in rows}


def text(call: ApiCall) -> str:
    return str(call.params.get("text", ""))


def labels(call: ApiCall) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [item["text"] for row in markup.get("inline_keyboard", []) for item in row]


def dotted(day: date) -> str:
    return day.strftime("%d.%m.%Y")


async def join(api: FakeBotAPI, user: int, token: str, phone: str) -> str:
    """The person opens their link on a phone in `phone` language and keeps the language the
    greeting offers; the greeting's text."""
    mark = api.mark()
    api.send_text(user, f"/start {token}", language_code=phone)
    greeting = await api.wait_for("sendMessage", to_chat(user), timeout=30, after=mark)
    [offered] = [
        item["callback_data"]
        for row in greeting.params["reply_markup"]["inline_keyboard"]
        for item in row
        if item["text"].startswith("✅")
    ] or [f"lang:{phone}"]
    api.press(user, str(offered), message_id=greeting.result["message_id"])
    await api.wait_for("editMessageText", to_chat(user), timeout=30, after=mark)
    return text(greeting)


async def say(api: FakeBotAPI, user: int, words: str, starts: str | None = None) -> ApiCall:
    """The person sends `words`; the bot's next message to them (starting with `starts`)."""
    mark = api.mark()
    api.send_text(user, words)
    return await api.wait_for("sendMessage", to_chat(user, starts), timeout=30, after=mark)


async def tap(
    api: FakeBotAPI, user: int, on: ApiCall, label: str, method: str = "sendMessage",
    starts: str | None = None,
) -> ApiCall:  # fmt: skip
    """The person taps the button `label` on the message `on`; the bot's next `method` call to
    them (starting with `starts`)."""
    mark = api.mark()
    api.press(user, button(on, label), message_id=on.result["message_id"])
    if method == "answerCallbackQuery":  # the answer names no chat
        return await api.wait_for(method, timeout=30, after=mark)
    return await api.wait_for(method, to_chat(user, starts), timeout=30, after=mark)


async def forged(api: FakeBotAPI, user: int, data: str, on: ApiCall) -> tuple[ApiCall, str]:
    """The person's client sends `data` as a tap on `on`: the answer to the tap, and every text
    sent or edited for them after it."""
    mark = api.mark()
    api.press(user, data, message_id=on.result["message_id"])
    answer = await api.wait_for("answerCallbackQuery", timeout=30, after=mark)
    shown = [text(call) for call in api.requests[mark:] if call.params.get("chat_id") == user]
    return answer, "\n".join(shown)


async def test_a_roll_out_in_two_languages(api: FakeBotAPI, tmp_path: Path) -> None:
    env = bot_env(api, tmp_path)
    cal = WorkCalendar({})
    today = datetime.now(ALMATY).date()
    deadline = cal.next_working_day(today + timedelta(days=60))
    later = cal.next_working_day(today + timedelta(days=75))
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    (tmp_path / "items.csv").write_text(
        "reg_number,received,source,issuer_code,summary,executors,deadline,mark,restricted\n"
        f"01-01/1,{today},akim,akim,Представить план ремонта школ,Отдел образования,"
        f"{deadline},,0\n"
        f"01-01/2,{today},akim,,Подготовить смету летнего отдыха детей,"
        f"Отдел финансов;Отдел образования,{deadline},,0\n"
        f"01-01/3,{today},government,,{FIN_SUMMARY},Отдел финансов,{later},,0\n",
        encoding="utf-8",
    )
    # before anyone joins: the directory, the open assignments (their cards wait), the links
    for command in (("staff", "import", "staff.csv"), ("assignments", "import", "items.csv")):
        code, out, err = await run_cli(env, tmp_path, *command)
        assert code == 0, err
    assert "3 assignments registered" in out
    assert "messages: 0 sent" in out  # nobody has joined: the cards wait
    code, out, err = await run_cli(env, tmp_path, "staff", "invites")
    assert code == 0, err
    tokens = {line.split("\t")[0]: line.rsplit("start=", 1)[1] for line in out.splitlines()}
    assert set(tokens) == {"admin", "akim", "dep1", "edu_head", "edu_exec", "fin_head",
                           "fin_exec", "ctrl"}  # fmt: skip
    departments = ids(query(tmp_path, "SELECT id, name FROM departments"))
    items = ids(query(tmp_path, "SELECT id, reg_number FROM assignments"))
    fin = departments["Отдел финансов"]

    async with running_bot(api, env, tmp_path):
        # --- the first days: everyone but the head of education joins --------------------------
        await join(api, CTRL, tokens["ctrl"], "ru")
        await join(api, AKIM, tokens["akim"], "ru")
        await join(api, DEP1, tokens["dep1"], "kk")
        await join(api, EDU_X, tokens["edu_exec"], "ru")
        await join(api, FIN_X, tokens["fin_exec"], "ru")  # a Russian phone; kk in the directory
        mark = api.mark()
        welcome = await join(api, FIN, tokens["fin_head"], "ru")
        assert "Вас ожидают: 2 поручения. Всё придёт следом за этим сообщением." in welcome
        fin_card = await api.wait_for(
            "sendMessage", to_chat(FIN, "📄 Поручение № 01-01/3"), timeout=30, after=mark
        )
        assert FIN_SUMMARY in text(fin_card)

        # the sweep of the next working morning: the control department hears who has not joined
        morning = datetime.combine(cal.next_working_day(today + timedelta(days=1)), time(10))
        mark = api.mark()
        code, out, err = await run_cli(env, tmp_path, "sweep", "--at", f"{morning:%Y-%m-%dT%H:%M}")
        assert code == 0, err
        digest = await api.wait_for(
            "sendMessage", lambda c: c.params.get("chat_id") == CTRL and "/invite" in text(c),
            timeout=30, after=mark,
        )  # fmt: skip
        assert (
            "• Асель Нурланова, Отдел образования — приглашение не принято: "
            "2 сообщения (2 поручения)" in text(digest)
        )
        assert "Олег Ким" not in text(digest)

        # --- the head of education joins late: told what waits, then it comes -----------------
        mark = api.mark()
        welcome = await join(api, EDU, tokens["edu_head"], "ru")  # kk in the directory
        greeting = await api.wait_for("sendMessage", to_chat(EDU), after=mark)
        assert welcome.startswith("Қош келдіңіз, Асель Нурланова!")
        assert "Сізді күтіп тұр: 2 тапсырма. Олар осы хабарламадан кейін келеді." in welcome
        edu_card = await api.wait_for(
            "sendMessage", to_chat(EDU, "📄 № 01-01/1"), timeout=30, after=mark
        )
        shared = await api.wait_for(
            "sendMessage", to_chat(EDU, "📄 № 01-01/2"), timeout=30, after=mark
        )
        assert api.requests.index(edu_card) > api.requests.index(greeting)  # then the cards
        assert "Представить план ремонта школ" in text(edu_card)
        assert "👤 Орындаушыға беру" in labels(edu_card)
        assert "✅ Қабылдау" in labels(shared)

        # --- forged filters: nothing of another department ---------------------------------------
        mine = await say(api, EDU, "/my", "Бөлімімнің ашық тапсырмалары: 2")
        assert "01-01/3" not in text(mine)
        answer, shown = await forged(
            api, EDU, ListCallback(scope=ListScope.MY, flt=f"d{fin}").pack(), mine
        )
        assert answer.params.get("show_alert")
        assert answer.params.get("text") == "Бұл батырма енді жарамсыз."
        assert "Отдел финансов" not in shown and "01-01/3" not in shown
        overview = await say(api, DEP1, "/overview", "📊 Бөлімдер бойынша ашық тапсырмалар")
        assert "Отдел финансов" not in text(overview)
        answer, shown = await forged(
            api, DEP1, LeadCallback(action=LeadAction.DEPARTMENT, id=fin).pack(), overview
        )
        assert answer.params.get("show_alert")
        assert "қадағалайтын" in str(answer.params.get("text"))
        assert "01-01/3" not in shown and FIN_SUMMARY not in shown

        # --- a leader looks a department up (ru) ------------------------------------------------
        overview = await say(api, AKIM, "/overview", "📊 Открытые поручения по отделам")
        assert "Отдел финансов: 🔴 0 · 🟡 0 · 🟢 2" in text(overview)
        assert "всего 3" in text(overview)
        page = await tap(api, AKIM, overview, "Отдел образования · 2", "editMessageText")
        assert "01-01/1" in text(page) and "01-01/2" in text(page)
        assert "01-01/3" not in text(page)
        card = await tap(api, AKIM, page, "🔎 01-01/1", "editMessageText")
        assert "Представить план ремонта школ" in text(card)
        assert "История:\n• " in text(card)
        assert "— зарегистрировано — импорт из файла" in text(card)
        assert "↩️ Назад" in labels(card)

        # --- the head (kk) passes an item to an executor (ru), and sends the draft on ----------
        picker = await tap(api, EDU, edu_card, "👤 Орындаушыға беру")
        assert text(picker).startswith("№ 01-01/1 тапсырманы бөліміңіздің орындаушыларына беру.")
        assert text(picker).endswith("Әлі ешкім таңдалмады.")  # nobody, not «nothing»
        picker = await tap(api, EDU, picker, "Серикова Д.", "editMessageText")
        assert "✅ Серикова Д." in labels(picker)
        mark = api.mark()
        await tap(api, EDU, picker, "✔️ Дайын", "editMessageText")
        passed = await api.wait_for(
            "sendMessage", to_chat(EDU_X, "📄 Поручение № 01-01/1"), timeout=30, after=mark
        )
        assert "Вам передано это поручение. От: Нурланова А." in text(passed)
        mine = await say(api, EDU_X, "/my", "Поручения, переданные мне: 1")
        assert "01-01/1" in text(mine) and "01-01/2" not in text(mine)
        prompt = await tap(api, EDU_X, passed, "📝 Подготовить проект отчёта")
        assert "№ 01-01/1" in text(prompt)
        parts = await say(api, EDU_X, "План согласован, ремонт 12 школ до августа.", "Получено")
        mark = api.mark()
        await tap(api, EDU_X, parts, "📤 Отправить руководителю", "editMessageText")
        draft = await api.wait_for(
            "sendMessage",
            to_chat(EDU, "№ 01-01/1 тапсырма бойынша есеп жобасы. Кімнен: Серикова Д."),
            timeout=30,
            after=mark,
        )
        assert "ремонт 12 школ" in text(draft)
        mark = api.mark()
        await tap(api, EDU, draft, "📤 Мақұлдап, жіберу")
        report = await api.wait_for(
            "sendMessage", to_chat(CTRL, "Отчёт об исполнении поручения № 01-01/1"),
            timeout=30, after=mark,
        )  # fmt: skip
        assert "ремонт 12 школ" in text(report)

        # --- the controller (ru) moves a deadline by a decision taken outside the bot ----------
        listing = await say(api, CTRL, "/control", "На контроле: 3")
        card = await tap(api, CTRL, listing, "🔎 01-01/2")
        ask = await tap(api, CTRL, card, "📅 Изменить срок")
        assert ask.params["text"].startswith(
            f"Новый срок поручения № 01-01/2 (сейчас {dotted(deadline)})"
        )
        new_day = labels(ask)[0]
        await tap(api, CTRL, ask, new_day, starts="Новый срок:")
        await say(api, CTRL, "протокол №5 от 01.12.2026")
        mark = api.mark()
        done = await say(api, CTRL, "Перенос по решению акима", "Срок поручения № 01-01/2")
        assert new_day in text(done)
        told_fin = await api.wait_for("sendMessage", to_chat(FIN), timeout=30, after=mark)
        assert text(told_fin).startswith("📅 Поручение № 01-01/2: новый срок — ")
        assert "Решение: протокол №5 от 01.12.2026\nПричина: Перенос по решению акима" in text(
            told_fin
        )
        told_edu = await api.wait_for("sendMessage", to_chat(EDU), timeout=30, after=mark)
        assert text(told_edu).startswith("📅 № 01-01/2")
        again = await tap(api, CTRL, listing, "🔎 01-01/2")
        history = f"{dotted(deadline)} → {new_day} · протокол №5 от 01.12.2026 · Перенос"
        assert history in text(again)
        [(stored, extensions)] = query(
            tmp_path, "SELECT deadline, extensions FROM assignments WHERE id = ?", items["01-01/2"]
        )
        assert (dotted(date.fromisoformat(str(stored))), extensions) == (new_day, 0)

        # --- a week later: the head of finance left, the specialist heads it now ----------------
        before = await say(api, FIN_X, "/my")
        assert "01-01/3" not in text(before)  # an executor: only what a head passed
        (tmp_path / "staff.csv").write_text(STAFF_LATER, encoding="utf-8")
        mark = api.mark()
        code, out, err = await run_cli(env, tmp_path, "staff", "import", "--sync", "staff.csv")
        assert code == 0, err
        assert "removed (not in the file)\tfin_head\tОлег Ким" in out
        assert "new head of Отдел финансов: the open items' cards wait" in out
        # the role change counts from the next tap
        after = await say(api, FIN_X, "/my", "Бөлімімнің ашық тапсырмалары: 2")
        assert "01-01/2" in text(after) and "01-01/3" in text(after)
        # the one who left: refused, for a command and for a button on an old card
        refused = await say(api, FIN, "/my")
        assert text(refused).startswith("Ваш доступ к «Бақылау» прекращён")
        assert "Айгерім Сапарова" in text(refused)
        alert = await tap(api, FIN, fin_card, "✅ Принять", "answerCallbackQuery")
        assert alert.params.get("show_alert")
        assert query(
            tmp_path,
            "SELECT accepted_at FROM assignment_executors WHERE assignment_id = ?",
            items["01-01/3"],
        ) == [(None,)]
        # the control department is told where the work went; the new head gets the cards
        left = await api.wait_for(
            "sendMessage", to_chat(CTRL, "Сотрудник Олег Ким"), timeout=SENDER_ROUND, after=mark
        )
        assert "Отдел финансов: 2 открытых поручения теперь переданы: Нұрлан Әбенов" in text(left)
        await api.wait_for(
            "sendMessage", to_chat(FIN_X, "📄 № 01-01/3"), timeout=SENDER_ROUND, after=mark
        )

"""Starting a «замечаний нет» round through the dispatcher: every step, wrong answers, /cancel."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from aiogram import Dispatcher
from aiogram.methods import SendDocument, SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from openpyxl import load_workbook

from bot.i18n import date_with_weekday, long_date
from bot.remarks import steps as remark_steps
from bot.remarks.rules import MAX_FILES, REG_NUMBER_MAX, default_due, reg_number_of
from bot.staff import steps as staff_steps
from bot.sweep import sweep
from handlers.callbacks import RemarkCallback, RoundNewCallback
from handlers.remarks.new_dialog import RoundStates
from storage.domain.remarks import Answer, RoundFile, RoundKind
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback
from tests.helpers import (
    STALE_RU,
    World,
    alerts,
    asked_again,
    cancel_leaves_stale_buttons,
    data_of,
    department,
    join,
    last_buttons,
    person,
    presser,
    saturday_ahead,
    say,
    sent_to,
    stale,
    state_of,
    today,
)

CTRL = 7100
PEOPLE = {"ctrl": CTRL}
EDU_HEAD = 7101
FIN_HEAD = 7102
DEPUTY = 7103
EXECUTOR = 7104
SUBJECT = "Проект постановления о тарифах на вывоз твёрдых бытовых отходов"
SECRET = "Мобилизационный план на 2027 год"


press = presser(RoundNewCallback, CTRL)


async def new_round(dp: Dispatcher, bot: RecordingBot, user_id: int = CTRL) -> None:
    """The «➕ New round» button of /remarks."""
    await dp.feed_update(bot, make_callback(RemarkCallback(action="new").pack(), user_id=user_id))


async def remind(world: World, round_id: int) -> None:
    """The sweep on the morning of the reminder day (one working day before the due date)."""
    item = await world.repos.remarks.get(round_id)
    assert item is not None
    ctx = await world.context()
    day = ctx.calendar.subtract_working_days(item.due, 1)
    moment = datetime.combine(day, time(10), ZoneInfo("Asia/Almaty")).astimezone(UTC)
    await sweep(await world.context(moment))
    await world.deliverer.drain(now=moment)


async def sheet_and_xlsx(world: World, round_id: int) -> tuple[str, set[str]]:
    """The initiator's live sheet and the values of its XLSX record."""
    world.bot.clear()
    await world.tap(RemarkCallback(action="sheet", id=round_id).pack(), CTRL)
    sheet = world.bot.texts()[-1]
    await world.tap(RemarkCallback(action="xlsx", id=round_id).pack(), CTRL)
    [document] = [m for m in world.bot.sent() if isinstance(m, SendDocument)]
    assert isinstance(document.document, BufferedInputFile)
    book = load_workbook(BytesIO(document.document.data))
    return sheet, {str(c) for row in book.active.iter_rows(values_only=True) for c in row if c}


def picker_buttons(bot: RecordingBot, step: str) -> list[str]:
    return [text for text, data in last_buttons(bot) if data.startswith(f"rn:{step}:")]


async def to_addressees(dp: Dispatcher, bot: RecordingBot, subject: str = SUBJECT) -> None:
    """Through the subject, not restricted, no documents: the dialog waits for the addressees."""
    await new_round(dp, bot)
    await press(dp, bot, "rst", "0")
    await say(dp, bot, subject)
    await press(dp, bot, "kind", "other_draft")
    await press(dp, bot, "docs", "none")
    assert await state_of(dp, bot) == RoundStates.departments.state


async def test_a_controller_starts_a_round_for_two_departments_and_a_deputy(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "edu_head", EDU_HEAD, "kk")
    await join(world.dp, world.bot, world.repos, "fin_head", FIN_HEAD, "ru")
    await join(world.dp, world.bot, world.repos, "dep1", DEPUTY, "kk")
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    ctrl = await person(world.repos, "ctrl")
    deputy = await person(world.repos, "dep1")
    edu_head = await person(world.repos, "edu_head")
    fin_head = await person(world.repos, "fin_head")
    edu = await department(world.repos, "Отдел образования")
    fin = await department(world.repos, "Отдел финансов")
    ctx = await world.context()
    default = default_due(world.profile, ctx.calendar, ctx.today, RoundKind.ORDER)

    await say(world.dp, world.bot, "/remarks")
    assert "r:new:0" in data_of(world.bot)
    await new_round(world.dp, world.bot)
    # restricted or not is asked first, before any content
    assert await state_of(world.dp, world.bot) == RoundStates.restricted.state
    assert data_of(world.bot) == ["rn:rst:1", "rn:rst:0"]
    assert world.bot.texts()[-1].startswith("1/6 · ")
    await press(world.dp, world.bot, "rst", "0")
    assert await state_of(world.dp, world.bot) == RoundStates.subject.state
    assert world.bot.texts()[-1].startswith("2/6 · ")
    await say(world.dp, world.bot, f"  {SUBJECT}  ")
    assert await state_of(world.dp, world.bot) == RoundStates.kind.state
    assert world.bot.texts()[-1].startswith("3/6 · ")
    assert data_of(world.bot) == [
        "rn:kind:other_draft",
        "rn:kind:reply",
        "rn:kind:resolution",
        "rn:kind:decision",
        "rn:kind:order",
        "rn:kind:emergency",
    ]
    await press(world.dp, world.bot, "kind", "order")
    assert await state_of(world.dp, world.bot) == RoundStates.documents.state
    assert world.bot.texts()[-1].startswith("3/6 · ")  # the documents: the same stage
    assert data_of(world.bot) == ["rn:docs:none"]
    await world.send_file("doc-17", "проект.docx", CTRL)
    assert "проект.docx" in world.bot.texts()[-1]
    assert data_of(world.bot) == ["rn:docs:done", "rn:docs:none"]
    await press(world.dp, world.bot, "docs", "done")

    assert await state_of(world.dp, world.bot) == RoundStates.departments.state
    assert world.bot.texts()[-1].startswith("4/6 · ")
    # the control and digitalisation departments have no head: nobody would answer for them,
    # so they are not offered (their staff are chosen by name), nor taken from a forged button
    assert picker_buttons(world.bot, "dep") == ["Отдел образования", "Отдел финансов"]
    control = await department(world.repos, "Отдел контроля")
    await press(world.dp, world.bot, "dep", str(control.id))
    assert alerts(world.bot)[-1] == STALE_RU
    assert "rn:mode:per" in data_of(world.bot)
    await press(world.dp, world.bot, "dep", str(edu.id))
    await press(world.dp, world.bot, "dep", str(fin.id))
    assert picker_buttons(world.bot, "dep") == ["✅ Отдел образования", "✅ Отдел финансов"]
    assert "Отдел образования, Отдел финансов" in world.bot.texts()[-1]
    await press(world.dp, world.bot, "mode", "per")
    assert await state_of(world.dp, world.bot) == RoundStates.people.state
    people = picker_buttons(world.bot, "per")
    assert "Омарова Г." in people
    assert not any(label.startswith("Исаев Б.") for label in people)  # not oneself
    assert "rn:mode:dep" in data_of(world.bot)
    await say(world.dp, world.bot, "омар")
    assert picker_buttons(world.bot, "per") == ["Омарова Г."]
    assert "rn:all:" in data_of(world.bot)
    await press(world.dp, world.bot, "per", str(deputy.id))
    assert picker_buttons(world.bot, "per") == ["✅ Омарова Г."]
    await press(world.dp, world.bot, "all")
    assert len(picker_buttons(world.bot, "per")) == 7
    await press(world.dp, world.bot, "done")

    assert await state_of(world.dp, world.bot) == RoundStates.due.state
    assert "5/6 · " in world.bot.texts()[-1]
    assert last_buttons(world.bot) == [(f"📅 {default:%d.%m.%Y}", f"rn:due:{default.isoformat()}")]
    await press(world.dp, world.bot, "due", default.isoformat())
    assert await state_of(world.dp, world.bot) == RoundStates.confirm.state
    confirmation = world.bot.texts()[-1]
    assert confirmation.startswith("6/6 · ")
    for shown in (
        SUBJECT,
        "Документы: проект.docx",
        "Отдел образования, Отдел финансов",
        "Омарова Г.",
        f"Срок ответа: {date_with_weekday(default, 'ru')}",
        "Вид: проект распоряжения акима",
        "Варианты ответа адресатов: замечаний нет / есть замечания / не согласовано, с "
        "указанием причин",
        "Молчание к сроку: согласовано по умолчанию (Регламент, п.21, п.24).",
    ):
        assert shown in confirmation
    assert data_of(world.bot) == ["rn:ok:", "rn:no:"]
    assert await world.repos.remarks.for_initiator(ctrl.id) == []

    await press(world.dp, world.bot, "ok")
    assert await state_of(world.dp, world.bot) is None
    [started] = await world.repos.remarks.for_initiator(ctrl.id)
    assert data_of(world.bot) == [f"r:sheet:{started.id}"]
    item = await world.repos.remarks.get(started.id)
    assert item is not None
    assert item.subject == SUBJECT
    assert item.kind is RoundKind.ORDER
    assert not item.restricted
    assert item.due == default
    assert item.initiator_id == ctrl.id
    assert item.closed_at is None
    assert item.files == (RoundFile("doc-17", "проект.docx"),)
    assert sorted((a.person_id, a.department_id) for a in item.addressees) == sorted(
        [(edu_head.id, edu.id), (fin_head.id, fin.id), (deputy.id, None)]
    )
    assert {a.answer for a in item.addressees} == {Answer.PENDING}

    world.bot.clear()
    await world.deliverer.wait_idle()
    await world.deliverer.drain()
    for chat_id in (EDU_HEAD, FIN_HEAD, DEPUTY):
        request, document = sent_to(world.bot, chat_id)
        assert isinstance(request, SendMessage)
        assert SUBJECT in request.text
        assert "Исаев Б." in request.text
        # silence is consent: п.21, п.24 (in Kazakh «21-т., 24-т.»)
        cite = "п.21, п.24" if chat_id == FIN_HEAD else "21-т., 24-т."
        assert f"Регламент, {cite})" in request.text
        assert isinstance(request.reply_markup, InlineKeyboardMarkup)
        assert [b.callback_data for row in request.reply_markup.inline_keyboard for b in row] == [
            f"r:ok:{item.id}",
            f"r:has:{item.id}",
            f"r:refuse:{item.id}",  # «не согласовано» on the substance (п.21, п.24)
        ]
        assert isinstance(document, SendDocument)
        assert document.document == "doc-17"
        assert document.caption == "проект.docx"
    assert sent_to(world.bot, CTRL) == []

    world.bot.clear()
    await world.tap(RemarkCallback(action="sheet", id=item.id).pack(), CTRL)
    sheet = world.bot.texts()[-1]
    for name in ("Отдел образования — Асель Нурланова", "Олег Ким", "Гүлнар Омарова"):
        assert name in sheet


async def test_wrong_answers_are_asked_again_with_the_reason(joined_world: World) -> None:
    ctrl = await person(joined_world.repos, "ctrl")
    edu = await department(joined_world.repos, "Отдел образования")
    saturday = await saturday_ahead(joined_world.repos, joined_world.settings)
    monday = saturday + timedelta(days=2)

    await new_round(joined_world.dp, joined_world.bot)
    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, "нет")  # typed instead of pressing a button
    assert len(joined_world.bot.texts()) == 1
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.restricted.state
    joined_world.bot.clear()
    await press(joined_world.dp, joined_world.bot, "rst", "maybe")  # forged
    await press(joined_world.dp, joined_world.bot, "docs", "none")  # a button of another step
    assert alerts(joined_world.bot) == [STALE_RU, STALE_RU]
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.restricted.state
    await press(joined_world.dp, joined_world.bot, "rst", "0")
    reason = await asked_again(joined_world, RoundStates.subject.state, " ab ", "x" * 501)
    assert "501" in reason
    await say(joined_world.dp, joined_world.bot, SUBJECT)
    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, "распоряжение")  # typed, not a button
    await press(joined_world.dp, joined_world.bot, "kind", "law")  # forged
    assert len(joined_world.bot.texts()) == 1
    assert alerts(joined_world.bot) == [STALE_RU]
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.kind.state
    await press(joined_world.dp, joined_world.bot, "kind", "reply")
    await asked_again(
        joined_world, RoundStates.documents.state, "вот документ"
    )  # text instead of a file
    for n in range(MAX_FILES + 1):
        await joined_world.send_file(f"f{n}", f"файл {n}.pdf", CTRL)
    assert str(MAX_FILES) in joined_world.bot.texts()[-1]
    await press(joined_world.dp, joined_world.bot, "docs", "done")

    joined_world.bot.clear()
    await press(joined_world.dp, joined_world.bot, "done")  # nobody chosen yet
    [reason] = alerts(joined_world.bot)
    assert reason != STALE_RU
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.departments.state
    await stale(
        joined_world, press, *(("dep", "abc"), ("dep", "99999"), ("per", "1"), ("mode", "x"))
    )
    await press(joined_world.dp, joined_world.bot, "mode", "per")
    await stale(
        joined_world, press, *(("per", forged) for forged in (str(ctrl.id), "99999", "abc"))
    )  # oneself, nobody, nonsense
    await stale(joined_world, press, ("ok", ""))  # a button of another step
    await press(joined_world.dp, joined_world.bot, "mode", "dep")
    await press(joined_world.dp, joined_world.bot, "dep", str(edu.id))
    await press(joined_world.dp, joined_world.bot, "done")
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.due.state

    yesterday = today(joined_world.settings) - timedelta(days=1)
    reason = await asked_again(
        joined_world,
        RoundStates.due.state,
        "завтра",
        "2030-01-15",
        "31.02.2030",
        yesterday.strftime("%d.%m.%Y"),
    )
    assert f"Срок {long_date(yesterday, 'ru')} уже прошёл." in reason
    joined_world.bot.clear()
    await press(
        joined_world.dp, joined_world.bot, "due", yesterday.isoformat()
    )  # a forged past date
    [reason] = alerts(joined_world.bot)
    assert "уже прошёл" in reason
    await stale(joined_world, press, ("due", "someday"))
    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, saturday.strftime("%d.%m.%Y"))
    [reason] = joined_world.bot.texts()
    assert date_with_weekday(saturday, "ru") in reason
    assert date_with_weekday(monday, "ru") in reason
    assert last_buttons(joined_world.bot) == [
        (f"Взять {monday:%d.%m.%Y}", f"rn:due:{monday.isoformat()}")
    ]
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.due.state
    await press(joined_world.dp, joined_world.bot, "due", monday.isoformat())
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.confirm.state
    assert date_with_weekday(monday, "ru") in joined_world.bot.texts()[-1]
    await press(joined_world.dp, joined_world.bot, "ok")
    [item] = await joined_world.repos.remarks.for_initiator(ctrl.id)
    assert item.due == monday
    assert [f.file_id for f in item.files] == [f"f{n}" for n in range(MAX_FILES)]
    await stale(joined_world, press, ("ok", ""))  # a second tap on «Send»
    assert len(await joined_world.repos.remarks.for_initiator(ctrl.id)) == 1


async def test_a_restricted_round_is_named_by_its_document_number_never_its_subject(
    world: World,
) -> None:
    await join(world.dp, world.bot, world.repos, "fin_head", FIN_HEAD, "ru")
    await join(world.dp, world.bot, world.repos, "edu_head", EDU_HEAD, "kk")
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    ctrl = await person(world.repos, "ctrl")
    fin = await department(world.repos, "Отдел финансов")
    edu = await department(world.repos, "Отдел образования")
    await new_round(world.dp, world.bot)
    await press(world.dp, world.bot, "rst", "1")
    # the subject is never asked: only what may travel, the document's registration number
    assert await state_of(world.dp, world.bot) == RoundStates.number.state
    assert world.bot.texts()[-1].startswith("2/6 · Введите регистрационный номер документа ДСП")
    await say(world.dp, world.bot, "04-ДСП/2\nМобилизационный план")  # one line only
    assert await state_of(world.dp, world.bot) == RoundStates.number.state
    assert "одной строкой" in world.bot.texts()[-1] or "одна строка" in world.bot.texts()[-1]
    await say(world.dp, world.bot, "  04-ДСП/2 ")
    assert await state_of(world.dp, world.bot) == RoundStates.kind.state
    assert world.bot.texts()[-1].startswith("3/6 · ")
    await press(world.dp, world.bot, "kind", "other_draft")
    assert await state_of(world.dp, world.bot) == RoundStates.departments.state
    assert world.bot.texts()[-1].startswith("4/6 · ")  # no documents
    await world.send_file("secret-1", "план.docx", CTRL)
    await press(world.dp, world.bot, "docs", "done")  # the documents step is skipped
    assert alerts(world.bot) == [STALE_RU]
    await press(world.dp, world.bot, "dep", str(fin.id))
    await press(world.dp, world.bot, "dep", str(edu.id))
    await press(world.dp, world.bot, "done")
    [(_, due)] = last_buttons(world.bot)
    assert "5/6 · " in world.bot.texts()[-1]
    await press(world.dp, world.bot, "due", due.removeprefix("rn:due:"))
    assert await state_of(world.dp, world.bot) == RoundStates.confirm.state
    confirmation = world.bot.texts()[-1]
    assert confirmation.startswith("6/6 · ")
    assert "Документ № 04-ДСП/2: для служебного пользования (ДСП)" in confirmation
    await press(world.dp, world.bot, "ok")
    [item] = await world.repos.remarks.for_initiator(ctrl.id)
    assert item.restricted and item.reg_number == "04-ДСП/2"
    assert item.subject == "—"
    assert item.files == ()
    assert world.bot.texts()[-1].startswith("Опрос по документу № 04-ДСП/2 отправлен 2 адресатам.")
    await world.deliverer.wait_idle()
    await world.deliverer.drain()
    # the requests, in both languages, name the document by its number
    [request] = sent_to(world.bot, FIN_HEAD)
    assert isinstance(request, SendMessage)
    assert "Документ № 04-ДСП/2 (ДСП: см. бумажный экземпляр)" in request.text
    [request_kk] = sent_to(world.bot, EDU_HEAD)
    assert isinstance(request_kk, SendMessage)
    assert "№ 04-ДСП/2 құжат (ҚБП: қағаз нұсқасын қараңыз)" in request_kk.text
    # the reminder before the due date, the sheet, its button in /remarks and the XLSX too
    world.bot.clear()
    await remind(world, item.id)
    [reminder] = sent_to(world.bot, FIN_HEAD)
    assert isinstance(reminder, SendMessage) and "№ 04-ДСП/2" in reminder.text
    sheet, values = await sheet_and_xlsx(world, item.id)
    assert sheet.startswith("📋 Лист ответов: Документ № 04-ДСП/2 (ДСП")
    assert any("04-ДСП/2" in value for value in values)
    world.bot.clear()
    await say(world.dp, world.bot, "/remarks")
    assert any("№ 04-ДСП/2 (ДСП)" in label for label, _data in last_buttons(world.bot))
    assert not any(isinstance(m, SendDocument) and m.caption for m in world.bot.sent())
    assert all(SECRET not in text and "Мобилизационный" not in text for text in world.bot.texts())


async def test_cancel_mid_dialog_starts_nothing(joined_world: World) -> None:
    ctrl = await person(joined_world.repos, "ctrl")
    edu = await department(joined_world.repos, "Отдел образования")
    await to_addressees(joined_world.dp, joined_world.bot)
    await press(joined_world.dp, joined_world.bot, "dep", str(edu.id))
    stale = [RoundNewCallback(step=step, value="").pack() for step in ("done", "ok")]
    await cancel_leaves_stale_buttons(joined_world.dp, joined_world.bot, stale)

    await to_addressees(joined_world.dp, joined_world.bot, "Второй проект")
    await press(joined_world.dp, joined_world.bot, "dep", str(edu.id))
    await press(joined_world.dp, joined_world.bot, "done")
    [(_, due)] = last_buttons(joined_world.bot)
    await press(joined_world.dp, joined_world.bot, "due", due.removeprefix("rn:due:"))
    await press(joined_world.dp, joined_world.bot, "no")  # the confirmation's «Cancel»
    assert joined_world.bot.texts()[-1] == "Отменено. Ничего не сохранено."
    assert await state_of(joined_world.dp, joined_world.bot) is None
    assert await joined_world.repos.remarks.for_initiator(ctrl.id) == []
    await joined_world.deliverer.wait_idle()
    await joined_world.delivered()
    assert joined_world.bot.sent() == []


async def test_an_executor_may_not_start_a_round(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    await join(dp, bot, staffed, "edu_exec", EXECUTOR, "ru")
    await say(dp, bot, "/remarks", EXECUTOR)
    [refusal] = bot.texts()
    assert refusal.startswith("Это действие доступно ролям: ")
    bot.clear()
    await new_round(dp, bot, EXECUTOR)
    [alert] = alerts(bot)
    assert alert == refusal
    assert await state_of(dp, bot, EXECUTOR) is None
    bot.clear()
    await press(dp, bot, "rst", "0", user_id=EXECUTOR)
    assert alerts(bot) == [STALE_RU]
    executor = await person(staffed, "edu_exec")
    assert await staffed.remarks.for_initiator(executor.id) == []


async def test_forty_people_are_paged_and_searchable(
    dp: Dispatcher, bot: RecordingBot, forty_heads: Repos
) -> None:
    staffed = forty_heads
    await join(dp, bot, staffed, "ctrl", CTRL, "ru")
    await to_addressees(dp, bot)
    assert len(picker_buttons(bot, "dep")) == 8
    assert ("▶️", "rn:pg:1") in last_buttons(bot)
    await press(dp, bot, "pg", "5")
    # 42 departments with a head (those without one are not offered): 8 a page
    assert picker_buttons(bot, "dep") == [f"Управление {n}" for n in range(39, 41)]
    await press(dp, bot, "mode", "per")  # the people start from their first page
    assert len(picker_buttons(bot, "per")) == 8
    assert ("▶️", "rn:pg:1") in last_buttons(bot)
    assert not any(text == "◀️" for text, _ in last_buttons(bot))
    await say(dp, bot, "  руководитель   3 ")
    assert picker_buttons(bot, "per") == [f"Руководитель 3{n}" for n in range(8)]
    await press(dp, bot, "pg", "1")
    assert picker_buttons(bot, "per") == [f"Руководитель 3{n}" for n in (8, 9)]
    assert ("◀️", "rn:pg:0") in last_buttons(bot)
    target = await person(staffed, "h39")
    await press(dp, bot, "per", str(target.id))
    await say(dp, bot, "нет такого")
    assert picker_buttons(bot, "per") == []
    assert "Руководитель 39" in bot.texts()[-1]  # the choice stays in the message text
    await press(dp, bot, "done")
    assert await state_of(dp, bot) == RoundStates.due.state


async def test_a_due_date_shorter_than_the_regulation_is_confirmed_first(
    joined_world: World,
) -> None:
    ctrl = await person(joined_world.repos, "ctrl")
    edu = await department(joined_world.repos, "Отдел образования")
    ctx = await joined_world.context()
    regular = default_due(joined_world.profile, ctx.calendar, ctx.today, RoundKind.OTHER_DRAFT)
    short = ctx.calendar.add_working_days(ctx.today, 1)
    assert short < regular
    await to_addressees(joined_world.dp, joined_world.bot)
    await press(joined_world.dp, joined_world.bot, "dep", str(edu.id))
    await press(joined_world.dp, joined_world.bot, "done")

    joined_world.bot.clear()
    await say(joined_world.dp, joined_world.bot, short.strftime("%d.%m.%Y"))
    [warning] = joined_world.bot.texts()
    assert warning.startswith("5/6 · ⚠️")  # still the due date's stage
    assert "короче" in warning
    assert f"до {long_date(regular, 'ru')} (Регламент" in warning  # no weekday before the brackets
    assert "Регламент, п.21" in warning
    assert [data for _, data in last_buttons(joined_world.bot)] == [
        f"rn:short:{short.isoformat()}",
        f"rn:due:{regular.isoformat()}",
    ]
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.due.state
    await press(joined_world.dp, joined_world.bot, "short", short.isoformat())
    assert await state_of(joined_world.dp, joined_world.bot) == RoundStates.confirm.state
    assert joined_world.bot.texts()[-1].startswith("6/6 · ")
    await press(joined_world.dp, joined_world.bot, "ok")
    [item] = await joined_world.repos.remarks.for_initiator(ctrl.id)
    assert item.due == short
    assert item.kind is RoundKind.OTHER_DRAFT


async def test_a_person_who_left_is_not_offered_nor_asked(joined_world: World) -> None:
    """Only people who can answer are offered: someone removed from the directory is not in the
    people picker, a button drawn before they left is stale, and a round never asks them."""
    dp, bot = joined_world.dp, joined_world.bot
    deputy = await person(joined_world.repos, "dep1")
    await to_addressees(dp, bot)
    await press(dp, bot, "mode", "per")
    assert "Омарова Г." in picker_buttons(bot, "per")
    ctx = await joined_world.context()
    await staff_steps.remove_people(ctx, [deputy], actor="admin")
    await press(dp, bot, "all")
    assert not any(label.startswith("Гүлнар Омарова") for label in picker_buttons(bot, "per"))
    bot.clear()
    await press(dp, bot, "per", str(deputy.id))
    assert alerts(bot) == [STALE_RU]
    assert await remark_steps.round_addressees(await joined_world.context(), [], [deputy.id]) == []


def test_a_restricted_documents_number_is_one_short_line() -> None:
    assert reg_number_of("  04-ДСП/2 ") == "04-ДСП/2"
    assert reg_number_of("04 -  ДСП/2") == "04 - ДСП/2"
    assert reg_number_of("04-ДСП/2\nМобилизационный план") is None  # content never goes along
    assert reg_number_of("   ") is None
    assert reg_number_of("1" * REG_NUMBER_MAX) == "1" * REG_NUMBER_MAX
    assert reg_number_of("1" * (REG_NUMBER_MAX + 1)) is None

"""/report through the dispatcher: the period buttons and the typed dates, the summary, the
chart and the workbook in the reader's language, each reader's departments (the control
department everything, a deputy akim the curated ones, a head their own), refusals, and
forged buttons that change nothing."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import BufferedInputFile
from openpyxl import load_workbook

from bot.access import commands_for
from handlers.callbacks import MenuAction, MenuCallback, ReportAction, ReportCallback
from handlers.keyboards import menu_buttons
from storage.domain.enums import Role
from tests.helpers import STALE_RU, World, alert, buttons, person
from tests.stored_reports import EDU, FIN, first_quarter

PEOPLE = {"ctrl": 7501, "dep1": 7502, "fin_head": 7503, "edu_exec": 7504, "akim": 7505}
CTRL, DEP1, FIN_HEAD, EDU_EXEC, AKIM = PEOPLE.values()


def sent(world: World, chat_id: int) -> list[Any]:
    return [
        m
        for m in world.bot.sent()
        if isinstance(m, SendMessage | SendPhoto | SendDocument) and m.chat_id == chat_id
    ]


async def report_for_q1(world: World, user_id: int) -> list[Any]:
    """The person asks /report, taps «two dates» and types the first quarter of 2026."""
    await world.say("/report", user_id)
    screen = sent(world, user_id)[-1]
    assert isinstance(screen, SendMessage)
    dates = ReportCallback(action=ReportAction.DATES).pack()
    assert dates in buttons(screen).values()
    world.bot.clear()
    await world.tap(dates, user_id)
    await world.say("01.01.2026", user_id)
    await world.say("31.03.2026", user_id)
    return sent(world, user_id)


def workbook_rows(document: SendDocument) -> list[list[Any]]:
    upload = document.document
    assert isinstance(upload, BufferedInputFile)
    book = load_workbook(BytesIO(upload.data))
    return [[cell.value for cell in row] for row in book.worksheets[1].iter_rows()]


async def test_the_control_department_gets_everything_in_russian(joined_world: World) -> None:
    await first_quarter(joined_world.repos)
    *_, summary, photo, document = await report_for_q1(joined_world, CTRL)
    assert isinstance(summary, SendMessage) and isinstance(photo, SendPhoto)
    assert isinstance(document, SendDocument)
    assert "Исполнительская дисциплина, 01.01.2026 – 31.03.2026" in summary.text
    assert "№ A4 · Отдел финансов · просрочено на 29 дн." in summary.text
    picture = photo.photo
    assert isinstance(picture, BufferedInputFile) and picture.data.startswith(b"\x89PNG")
    upload = document.document
    assert isinstance(upload, BufferedInputFile)
    assert upload.filename == "report-2026-01-01-2026-03-31.xlsx"
    numbers = [row[0] for row in workbook_rows(document)[1:]]
    assert sorted(numbers) == sorted(["A1", "A2", "A3", "A4", "A5", "A6", "A9", "A10"])


async def test_a_deputy_sees_the_curated_departments_in_kazakh(joined_world: World) -> None:
    await first_quarter(joined_world.repos)
    *_, summary, _photo, document = await report_for_q1(joined_world, DEP1)
    assert "Атқарушылық тәртіп, 01.01.2026 – 31.03.2026 · " + EDU in summary.text
    assert "A4" not in summary.text
    assert [row[0] for row in workbook_rows(document)[1:]] == ["A9", "A1", "A2", "A3"]


async def test_a_head_sees_their_own_department(joined_world: World) -> None:
    await first_quarter(joined_world.repos)
    *_, summary, _photo, document = await report_for_q1(joined_world, FIN_HEAD)
    assert FIN in summary.text and "A4" in summary.text
    assert {row[4] for row in workbook_rows(document)[1:]} == {FIN}


async def test_a_preset_period(joined_world: World) -> None:
    await first_quarter(joined_world.repos)
    await joined_world.tap(
        ReportCallback(action=ReportAction.PERIOD, preset="this_year").pack(), AKIM
    )
    kinds = [type(m) for m in sent(joined_world, AKIM)]
    assert kinds == [SendMessage, SendPhoto, SendDocument]


async def test_others_are_refused_politely(joined_world: World) -> None:
    await joined_world.say("/report", EDU_EXEC)
    text = sent(joined_world, EDU_EXEC)[-1].text
    assert "бақылау бөліміне" in text or "контроля" in text
    joined_world.bot.clear()
    await joined_world.tap(
        ReportCallback(action=ReportAction.PERIOD, preset="this_year").pack(), EDU_EXEC
    )
    assert not [m for m in sent(joined_world, EDU_EXEC) if not isinstance(m, SendMessage)]


async def test_the_last_day_before_the_first_is_asked_again(joined_world: World) -> None:
    await joined_world.tap(ReportCallback(action=ReportAction.DATES).pack(), CTRL)
    await joined_world.say("31.03.2026", CTRL)
    joined_world.bot.clear()
    await joined_world.say("01.03.2026", CTRL)
    assert "раньше первого" in sent(joined_world, CTRL)[-1].text
    await joined_world.say("31.03.2026", CTRL)
    assert isinstance(sent(joined_world, CTRL)[-1], SendMessage)
    assert (
        "Исполнительская дисциплина, 31.03.2026 – 31.03.2026" in sent(joined_world, CTRL)[-1].text
    )


async def test_forged_buttons_change_nothing(joined_world: World) -> None:
    for data in ("rp:per:bogus", "rp:per:", "rp:nope"):
        joined_world.bot.clear()
        await joined_world.tap(data, CTRL)
        assert alert(joined_world.bot) == STALE_RU
        assert not sent(joined_world, CTRL)


async def test_the_menu_and_help_offer_it_to_readers(joined_world: World) -> None:
    ctrl = await person(joined_world.repos, "ctrl")
    executor = await person(joined_world.repos, "edu_exec")
    assert MenuAction.REPORT in {b.action for b in menu_buttons(ctrl.roles)}
    assert MenuAction.REPORT not in {b.action for b in menu_buttons(executor.roles)}
    assert "report" in {spec.command for spec in commands_for({Role.DEPUTY_AKIM})}
    assert "report" not in {spec.command for spec in commands_for({Role.EXECUTOR})}
    await joined_world.tap(MenuCallback(action=MenuAction.REPORT).pack(), CTRL)
    screen = sent(joined_world, CTRL)[-1]
    assert ReportCallback(action=ReportAction.DATES).pack() in buttons(screen).values()


async def test_delivery_health_for_the_control_department(joined_world: World) -> None:
    edu_head = await person(joined_world.repos, "edu_head")
    await joined_world.repos.outbox.enqueue("t:held", edu_head.id, "card", {})
    await joined_world.say("/start", DEP1)  # opened the bot
    await joined_world.say("/report", CTRL)
    screen = sent(joined_world, CTRL)[-1]
    health = ReportCallback(action=ReportAction.HEALTH).pack()
    assert buttons(screen)["📶 Связь"] == health
    joined_world.bot.clear()
    await joined_world.tap(health, CTRL)
    view = sent(joined_world, CTRL)[-1]
    assert view.text.startswith("📶 Связь: всего 8 чел., не подключились 3")
    # people by the short name, as in every list (README, "Languages")
    assert edu_head.short_name == "Нурланова А."
    assert "• Нурланова А., Отдел образования — ⏳ не подключён\n  ожидают 1," in view.text
    assert "Асель Нурланова" not in view.text
    # the people the bot reaches well are counted, not listed (a phone screen, not a directory)
    assert "Омарова Г." not in view.text
    assert "✅ Подключены, сообщений не ждут: ещё 5 чел." in view.text
    link = buttons(view)["🔗 Ссылка: Нурланова А."]
    joined_world.bot.clear()
    await joined_world.tap(link, CTRL)
    answer = sent(joined_world, CTRL)[-1].text
    assert "Асель Нурланова (edu_head)" in answer and "start=" in answer


async def test_the_administrator_sees_delivery_health_only(joined_world: World) -> None:
    await joined_world.join({"admin": 7506})
    joined_world.bot.clear()
    await joined_world.say("/report", 7506)
    assert sent(joined_world, 7506)[-1].text.startswith("📶 Связь")


async def test_delivery_buttons_refused_to_others(joined_world: World) -> None:
    fin_head = await person(joined_world.repos, "fin_head")
    edu_head = await person(joined_world.repos, "edu_head")
    for data, user in (
        (ReportCallback(action=ReportAction.HEALTH).pack(), DEP1),
        (ReportCallback(action=ReportAction.INVITE, person=edu_head.id).pack(), FIN_HEAD),
        (ReportCallback(action=ReportAction.INVITE, person=fin_head.id).pack(), CTRL),  # joined
        (ReportCallback(action=ReportAction.INVITE, person=99999).pack(), CTRL),
    ):
        joined_world.bot.clear()
        await joined_world.tap(data, user)
        assert alert(joined_world.bot) in {STALE_RU, "Бұл батырма енді жарамсыз."}
        assert not sent(joined_world, user)

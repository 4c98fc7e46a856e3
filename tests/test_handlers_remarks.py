"""«Замечаний нет» rounds: one-tap answers, remarks with files, live sheet, silent consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import EditMessageText, SendDocument, SendMessage
from aiogram.types import BufferedInputFile
from openpyxl import load_workbook

from bot import services
from bot.config import Settings
from bot.profiles import Profile, load_profile
from bot.remarks import steps as remark_steps
from bot.remarks.rules import final_answer, paragraphs, silent_consent, silent_consent_paragraphs
from bot.sweep import sweep
from handlers.callbacks import RemarkCallback
from storage.domain.remarks import Answer, RoundFile, RoundKind
from storage.repo import Repos
from tests.helpers import World, alert, buttons, messages_to

ALMATY = ZoneInfo("Asia/Almaty")
CTRL, EDU, FIN, DEP, AKIM, HOA = 9101, 9102, 9103, 9104, 9105, 9106
PEOPLE = {"ctrl": CTRL, "edu_head": EDU, "fin_head": FIN, "dep1": DEP, "akim": AKIM}


async def start(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    *,
    restricted: bool = False,
    extra_people: tuple[str, ...] = ("dep1", "akim", "hoa"),
    kind: RoundKind = RoundKind.OTHER_DRAFT,
) -> int:
    ctx = await services.make_context(repos, profile, settings)
    initiator = await repos.staff.by_code("ctrl")
    assert initiator is not None
    departments = [
        d.id
        for d in await repos.staff.departments()
        if d.name in {"Отдел образования", "Отдел финансов"}
    ]
    person_ids = []
    for code in extra_people:
        person = await repos.staff.by_code(code)
        assert person is not None
        person_ids.append(person.id)
    due = ctx.calendar.add_working_days(ctx.today, 3)
    item = await remark_steps.start_round(
        ctx,
        initiator,
        subject="Проект постановления о тарифах",
        restricted=restricted,
        due=due,
        files=[RoundFile("DRAFT-1", "проект.docx")],
        department_ids=departments,
        person_ids=person_ids,
        kind=kind,
    )
    return item.id


async def test_round_from_requests_to_final_sheet(joined_world: World) -> None:
    round_id = await start(joined_world.repos, joined_world.profile, joined_world.settings)
    assert (await joined_world.deliverer.drain()).failed == 0
    # hoa has not joined: the request waits for them
    assert [kinds for _, kinds in await joined_world.repos.outbox.held()] == [
        {"remarks_request": 1}
    ]
    requests = [
        m
        for m in joined_world.bot.sent()
        if isinstance(m, SendMessage) and m.text.startswith("📨")
    ]
    assert {m.chat_id for m in requests} == {EDU, FIN, DEP, AKIM}
    kk, ru = messages_to(joined_world.bot, EDU)[0], messages_to(joined_world.bot, FIN)[0]
    assert "Проект постановления о тарифах" in ru.text
    assert set(buttons(ru)) == {
        "✅ Замечаний нет",
        "💬 Есть замечания",
        "⛔ Не согласовано (причины)",
    }
    assert set(buttons(kk)) == {
        "✅ Ескертулер жоқ",
        "💬 Ескертулер бар",
        "⛔ Келісілмеді (себептері)",
    }
    documents = [m for m in joined_world.bot.sent() if isinstance(m, SendDocument)]
    assert {m.chat_id for m in documents} == {EDU, FIN, DEP, AKIM}

    # three answer «no remarks» in one tap (one changes it later), one has remarks with a file
    for user, message in (
        (EDU, kk),
        (DEP, messages_to(joined_world.bot, DEP)[0]),
        (AKIM, messages_to(joined_world.bot, AKIM)[0]),
    ):
        label = next(text for text in buttons(message) if text.startswith("✅"))
        await joined_world.press(message, label, user)
    edited = [
        m for m in joined_world.bot.sent() if isinstance(m, EditMessageText) and m.chat_id == EDU
    ]
    assert "ескертулер жоқ" in (edited[-1].text or "").lower()
    await joined_world.press(ru, "💬 Есть замечания", FIN)
    await joined_world.say("П.3 противоречит закону о тарифах.", FIN)
    await joined_world.send_file("REM-1", "замечания.pdf", FIN)
    prompt = messages_to(joined_world.bot, FIN)[-1]
    await joined_world.press(prompt, "📤 Отправить замечания", FIN)
    await joined_world.delivered()
    [remark] = [m for m in messages_to(joined_world.bot, CTRL) if "П.3" in m.text]
    assert "П.3 противоречит" in remark.text
    assert any(
        isinstance(m, SendDocument) and m.document == "REM-1" for m in joined_world.bot.sent()
    )

    # the live sheet before the due date: one silent addressee is still pending
    sheet_button = RemarkCallback(action="sheet", id=round_id).pack()
    joined_world.bot.clear()
    await joined_world.tap(sheet_button, CTRL)
    sheet = messages_to(joined_world.bot, CTRL)[-1].text
    assert sheet.count("✅") >= 3
    assert "💬" in sheet
    assert "⏳ Марат Ахметов: ожидается ответ" in sheet
    # someone else cannot see it
    await joined_world.tap(sheet_button, FIN)
    assert "Только инициатор" in alert(joined_world.bot)

    # after the due date: silence is agreement (ust-kamenogorsk-2025, п.21); answers are closed
    item = await joined_world.repos.remarks.get(round_id)
    assert item is not None
    after = datetime.combine(item.due + timedelta(days=1), datetime.min.time(), ALMATY)
    after = after.replace(hour=10)
    ctx = await joined_world.context(after.astimezone(UTC))
    while not ctx.calendar.is_working_day(ctx.today):
        after += timedelta(days=1)
        ctx = await joined_world.context(after.astimezone(UTC))
    joined_world.bot.clear()
    await sweep(ctx)
    await joined_world.deliverer.drain(now=ctx.now)
    [digest] = [
        m for m in messages_to(joined_world.bot, CTRL) if "/invite" in m.text
    ]  # hoa still waits
    assert "Марат Ахметов" in digest.text
    [final] = [m for m in messages_to(joined_world.bot, CTRL) if "/invite" not in m.text]
    assert "☑️ Марат Ахметов: согласовано по умолчанию" in final.text
    closed = await joined_world.repos.remarks.get(round_id)
    assert closed is not None
    assert {a.answer for a in closed.addressees} == {
        Answer.NO_REMARKS,
        Answer.REMARKS,
        Answer.AGREED_BY_DEFAULT,
    }
    joined_world.bot.clear()
    await joined_world.press(kk, "✅ Ескертулер жоқ", EDU)
    assert alert(joined_world.bot).endswith("сұрау жабылды.")

    # the XLSX official record
    joined_world.bot.clear()
    await joined_world.tap(RemarkCallback(action="xlsx", id=round_id).pack(), CTRL)
    [document] = [m for m in joined_world.bot.sent() if isinstance(m, SendDocument)]
    assert isinstance(document.document, BufferedInputFile)
    sheet_book = load_workbook(BytesIO(document.document.data))
    values = [c for row in sheet_book.active.iter_rows(values_only=True) for c in row if c]
    assert "Проект постановления о тарифах" in values
    assert "П.3 противоречит закону о тарифах." in values
    assert "согласовано по умолчанию (нет ответа к сроку)" in values


async def test_reminder_one_working_day_before_and_no_silent_consent_elsewhere(
    joined_world: World,
) -> None:
    baidibek = load_profile("baidibek-2025")
    round_id = await start(joined_world.repos, baidibek, joined_world.settings, extra_people=())
    await joined_world.deliverer.drain()
    item = await joined_world.repos.remarks.get(round_id)
    assert item is not None
    ctx = await services.make_context(joined_world.repos, baidibek, joined_world.settings)
    remind_day = ctx.calendar.subtract_working_days(item.due, 1)
    moment = datetime.combine(remind_day, datetime.min.time(), ALMATY).replace(hour=10)
    joined_world.bot.clear()
    for _ in range(2):  # once only
        later = await services.make_context(
            joined_world.repos, baidibek, joined_world.settings, now=moment.astimezone(UTC)
        )
        await sweep(later)
        await joined_world.deliverer.drain(now=later.now)
    reminders = [m for m in messages_to(joined_world.bot, FIN) if m.text.startswith("Напоминание")]
    assert len(reminders) == 1
    closing = ctx.calendar.add_working_days(item.due, 1)
    moment = datetime.combine(closing, datetime.min.time(), ALMATY).replace(hour=10)
    later = await services.make_context(
        joined_world.repos, baidibek, joined_world.settings, now=moment.astimezone(UTC)
    )
    await sweep(later)
    closed = await joined_world.repos.remarks.get(round_id)
    assert closed is not None
    assert {a.answer for a in closed.addressees} == {Answer.NO_ANSWER}


async def test_restricted_round_sends_no_subject_and_refuses_files(joined_world: World) -> None:
    await start(
        joined_world.repos,
        joined_world.profile,
        joined_world.settings,
        restricted=True,
        extra_people=(),
    )
    await joined_world.deliverer.drain()
    assert not any(isinstance(m, SendDocument) for m in joined_world.bot.sent())
    request = messages_to(joined_world.bot, FIN)[0]
    assert "тарифах" not in request.text
    assert "бумажный экземпляр" in request.text
    await joined_world.press(request, "💬 Есть замечания", FIN)
    await joined_world.send_file("X", "секрет.pdf", FIN)
    assert "не принимаются" in messages_to(joined_world.bot, FIN)[-1].text


async def close_round(world: World, profile: Profile, round_id: int) -> set[Answer]:
    """The sweep the working day after the round's due date, under `profile`: the answers."""
    item = await world.repos.remarks.get(round_id)
    assert item is not None
    ctx = await services.make_context(world.repos, profile, world.settings)
    closing = ctx.calendar.add_working_days(item.due, 1)
    moment = datetime.combine(closing, datetime.min.time(), ALMATY).replace(hour=10)
    later = await services.make_context(
        world.repos, profile, world.settings, now=moment.astimezone(UTC)
    )
    await sweep(later)
    await world.deliverer.drain(now=later.now)
    closed = await world.repos.remarks.get(round_id)
    assert closed is not None and closed.closed_at is not None
    return {a.answer for a in closed.addressees}


@pytest.mark.parametrize("name", ["ust-kamenogorsk-2025", "baidibek-2025", "almaty-2016"])
async def test_a_no_remarks_answer_on_an_assignment_never_turns_into_silent_consent(
    joined_world: World, name: str
) -> None:
    """Ust-Kamenogorsk п.7: a «замечаний нет» answer on an assignment or request is the
    addressee's to send; silence is never taken for it, under any profile."""
    profile = load_profile(name)
    round_id = await start(
        joined_world.repos,
        profile,
        joined_world.settings,
        extra_people=(),
        kind=RoundKind.REPLY,
    )
    await joined_world.deliverer.drain()
    request = messages_to(joined_world.bot, FIN)[0]
    assert "Вид: «замечаний нет» по поручению или запросу" in request.text
    assert "Молчание не означает согласия" in request.text
    assert "молчаливое согласие" not in messages_to(joined_world.bot, EDU)[0].text
    assert await close_round(joined_world, profile, round_id) == {Answer.NO_ANSWER}


async def test_silent_consent_still_applies_to_a_draft_order_in_ust_kamenogorsk(
    joined_world: World,
) -> None:
    """Ust-Kamenogorsk п.21: a draft распоряжение unanswered for 3 working days is agreed."""
    profile = load_profile("ust-kamenogorsk-2025")
    round_id = await start(
        joined_world.repos, profile, joined_world.settings, extra_people=(), kind=RoundKind.ORDER
    )
    await joined_world.deliverer.drain()
    ru, kk = messages_to(joined_world.bot, FIN)[0], messages_to(joined_world.bot, EDU)[0]
    assert "(молчаливое согласие, Регламент, п.21, п.24)" in ru.text
    assert "21-т., 24-т." in kk.text
    assert await close_round(joined_world, profile, round_id) == {Answer.AGREED_BY_DEFAULT}
    final = [m for m in messages_to(joined_world.bot, CTRL) if "Итоговый" in m.text]
    assert final and "согласовано по умолчанию" in final[-1].text


def test_silent_consent_by_kind_of_round_per_profile() -> None:
    for name in ("ust-kamenogorsk-2025", "baidibek-2025", "almaty-2016"):
        profile = load_profile(name)
        for kind in RoundKind:
            expected = name == "ust-kamenogorsk-2025" and kind is not RoundKind.REPLY
            assert silent_consent(profile, kind) is expected, (name, kind)
            silent = final_answer(profile, kind, Answer.PENDING)
            assert (silent is Answer.AGREED_BY_DEFAULT) is expected
            assert final_answer(profile, kind, Answer.NO_REMARKS) is Answer.NO_REMARKS
    uka = load_profile("ust-kamenogorsk-2025")
    assert silent_consent_paragraphs(uka, RoundKind.ORDER) == "п.21, п.24"
    assert silent_consent_paragraphs(uka, RoundKind.REPLY) is None
    assert paragraphs("§10.14, seed 003 l.1047-1056") == "§10.14"

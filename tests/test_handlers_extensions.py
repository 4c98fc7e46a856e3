"""Extension requests through the dispatcher: rules per profile, one-tap decisions, notices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Dispatcher
from aiogram.methods import EditMessageText

from bot import services
from bot.config import Settings
from bot.extensions import steps as extension_steps
from bot.profiles import Profile, load_profile
from bot.sweep import sweep
from handlers.callbacks import ExtCallback, ItemCallback
from storage.domain.enums import Source
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback
from tests.helpers import World, alert, buttons, messages_to, register_assignment, write

EDU, FIN, CTRL, AKIM, HOA = 9001, 9002, 9003, 9004, 9005
PEOPLE = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL, "akim": AKIM, "hoa": HOA}
ALMATY = ZoneInfo("Asia/Almaty")


async def register(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    *,
    deadline: date = date(2027, 5, 12),
    source: Source = Source.AKIM,
) -> int:
    ctx = await services.make_context(repos, profile, settings)
    executors = ("Отдел образования", "Отдел финансов")
    item = await register_assignment(
        ctx, "E-1", "Жол жөндеу жоспары", executors, source=source, deadline=deadline
    )
    return item.id


async def ask(dp: Dispatcher, bot: RecordingBot, item_id: int, dep: int, **kw: object) -> None:
    data = ItemCallback(action="ext", id=item_id, dep=dep).pack()
    await dp.feed_update(bot, make_callback(data, user_id=EDU), **kw)


async def test_request_then_one_tap_approval_moves_deadline_and_notices(
    joined_world: World,
) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await joined_world.deliverer.drain()
    card = messages_to(joined_world.bot, EDU)[0]
    assert "⏳ Мерзімді ұзартуды сұрау" in buttons(card)
    assert "⏳ Запросить продление" not in buttons(
        messages_to(joined_world.bot, FIN)[0]
    )  # co-executor
    joined_world.bot.clear()
    await joined_world.press(card, "⏳ Мерзімді ұзартуды сұрау", EDU)
    assert "кк.аа.жжжж" in messages_to(joined_world.bot, EDU)[-1].text
    for typed, expected in (
        ("завтра", "кк.аа.жжжж"),
        ("01.05.2027", "ағымдағы мерзімнен кейін"),
        ("22.05.2027", "жұмыс күні емес"),  # a Saturday
    ):
        await joined_world.say(typed, EDU)
        assert expected in messages_to(joined_world.bot, EDU)[-1].text
    offer = messages_to(joined_world.bot, EDU)[-1]
    assert set(buttons(offer)) == {"24.05.2027 күнін таңдау"}
    await joined_world.press(offer, "24.05.2027 күнін таңдау", EDU)
    await joined_world.say("қысқа", EDU)
    assert "10–1500" in messages_to(joined_world.bot, EDU)[-1].text
    await joined_world.say("Мердігер материалдарды кешіктіріп жеткізді.", EDU)
    summary = messages_to(joined_world.bot, EDU)[-1]
    assert "2027 жылғы 24 мамыр" in summary.text
    await joined_world.press(summary, "📤 Сұрауды жіберу", EDU)
    await joined_world.delivered()
    akim_copy, hoa_copy = (
        messages_to(joined_world.bot, AKIM)[0],
        messages_to(joined_world.bot, HOA)[0],
    )
    assert "Жол жөндеу жоспары" in akim_copy.text
    assert "Запрошено: 24 мая 2027 г. (понедельник)" in hoa_copy.text
    assert "Мердігер материалдарды" in hoa_copy.text
    assert set(buttons(hoa_copy)) == {"✅ Одобрить", "📅 Одобрить другую дату", "❌ Отклонить"}

    # the head of apparatus approves in one tap; the akim's copy shows who decided
    joined_world.bot.clear()
    await joined_world.press(hoa_copy, "✅ Одобрить", HOA)
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    assert item.deadline == date(2027, 5, 24)
    assert item.extensions == 1
    edits = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    assert {m.chat_id for m in edits} == {AKIM, HOA}
    assert any("Ахметов М." in (m.text or "") for m in edits if m.chat_id == AKIM)
    # each decided copy keeps its number and subject
    assert all(
        (m.text or "").startswith("⏳ ")
        and "E-1" in (m.text or "")
        and "\nЖол жөндеу жоспары\n" in (m.text or "")
        for m in edits
    )
    await joined_world.press(akim_copy, "✅ Мақұлдау", AKIM)
    assert "шешім қабылданған" in alert(joined_world.bot)
    await joined_world.delivered()
    assert "2027 жылғы 24 мамырға дейін ұзартылды" in messages_to(joined_world.bot, EDU)[0].text
    assert (
        "продлён до 24 мая 2027 г. (был 12 мая 2027 г.)"
        in messages_to(joined_world.bot, CTRL)[0].text
    )

    # the notices follow the new date: nothing at the old one, one at the new one
    for moment, count in (
        (datetime(2027, 5, 5, 9, tzinfo=ALMATY), 0),
        (datetime(2027, 5, 19, 9, tzinfo=ALMATY), 1),
    ):
        joined_world.bot.clear()
        ctx = await joined_world.context(moment.astimezone(UTC))
        await sweep(ctx)
        await joined_world.deliverer.drain(now=ctx.now)
        notices = [m for m in messages_to(joined_world.bot, EDU) if m.text.startswith("⏰")]
        assert len(notices) == count
    history = [e.action for e in await joined_world.repos.assignments.history("E-1")]
    assert history[-2:] == ["extension_requested", "extension_approved"]


async def test_another_date_and_rejection(joined_world: World) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    ctx = await joined_world.context()
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    edu = item.main_executor
    assert edu is not None
    head = await joined_world.repos.staff.by_code("edu_head")
    assert head is not None
    request = await extension_steps.request_extension(
        ctx, head, item, edu.department_id, date(2027, 6, 1), "Ждём заключение экспертизы."
    )
    await joined_world.deliverer.drain()
    copy = messages_to(joined_world.bot, AKIM)[0]
    await joined_world.press(copy, "📅 Басқа күнді мақұлдау", AKIM)
    await joined_world.say("29.05.2027", AKIM)  # a Saturday
    assert "жұмыс күні емес" in messages_to(joined_world.bot, AKIM)[-1].text
    await joined_world.say("28.05.2027", AKIM)
    approved = await joined_world.repos.extensions.get(request.id)
    assert approved is not None
    assert approved.granted_deadline == date(2027, 5, 28)

    # a second request, rejected with a reason: the deadline stays
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    second = await extension_steps.request_extension(
        ctx, head, item, edu.department_id, date(2027, 6, 10), "Ещё нужно время на согласование."
    )
    await joined_world.delivered()
    copy = messages_to(joined_world.bot, HOA)[0]
    await joined_world.press(copy, "❌ Отклонить", HOA)
    await joined_world.say("Срок установлен Правительством.", HOA)
    rejected = await joined_world.repos.extensions.get(second.id)
    assert rejected is not None
    assert rejected.reject_reason == "Срок установлен Правительством."
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    assert item.deadline == date(2027, 5, 28)
    await joined_world.delivered()
    assert "Срок установлен Правительством." in messages_to(joined_world.bot, EDU)[0].text


async def test_refusals_name_the_rule(joined_world: World) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    fin = next(e for e in item.executors if not e.main)
    edu = next(e for e in item.executors if e.main)
    # a co-executor cannot ask: the main executor asks for all
    forged = ItemCallback(action="ext", id=item_id, dep=fin.department_id).pack()
    await joined_world.tap(forged, FIN)
    assert alert(joined_world.bot).startswith("Продление запрашивает только основной исполнитель")
    # the limit is used up (ust-kamenogorsk-2025: twice, п.35)
    await write(
        joined_world.repos.db, "UPDATE assignments SET extensions = 2 WHERE id = ?", (item_id,)
    )
    await ask(joined_world.dp, joined_world.bot, item_id, edu.department_id)
    assert "(35-т.)" in alert(joined_world.bot)
    # baidibek-2025 flags it instead, for a disciplinary review (§12.8)
    baidibek = load_profile("baidibek-2025")
    joined_world.bot.clear()
    await ask(joined_world.dp, joined_world.bot, item_id, edu.department_id, profile=baidibek)
    assert "тәртіптік" in messages_to(joined_world.bot, EDU)[-1].text
    await joined_world.say("/cancel", EDU)
    # the cut-off: too late when the deadline is today (п.35: 1 working day before)
    today = datetime.now(ALMATY).date()
    await write(
        joined_world.repos.db,
        "UPDATE assignments SET extensions = 0, deadline = ? WHERE id = ?",
        (today.isoformat(), item_id),
    )
    joined_world.bot.clear()
    await ask(joined_world.dp, joined_world.bot, item_id, edu.department_id)
    assert "(35-т.)" in alert(joined_world.bot)
    assert "1 жұмыс күні" in alert(joined_world.bot)


async def test_forbidden_source_in_baidibek(joined_world: World) -> None:
    baidibek = load_profile("baidibek-2025")
    item_id = await register(
        joined_world.repos,
        baidibek,
        joined_world.settings,
        source=Source.PRESIDENTIAL_ADMINISTRATION,
    )
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    main = item.main_executor
    assert main is not None
    await ask(joined_world.dp, joined_world.bot, item_id, main.department_id, profile=baidibek)
    assert "(12.7-т.)" in alert(joined_world.bot)
    assert "Президент Әкімшілігі" in alert(joined_world.bot)


async def test_only_deciders_decide_and_undecided_requests_remind(joined_world: World) -> None:
    item_id = await register(
        joined_world.repos, joined_world.profile, joined_world.settings, deadline=date(2027, 5, 12)
    )
    item = await joined_world.repos.assignments.get(item_id)
    head = await joined_world.repos.staff.by_code("edu_head")
    assert item is not None
    assert head is not None
    assert item.main_executor is not None
    ctx = await joined_world.context()
    request = await extension_steps.request_extension(
        ctx, head, item, item.main_executor.department_id, date(2027, 5, 20), "Нет подрядчика."
    )
    await joined_world.deliverer.drain()
    joined_world.bot.clear()
    approve = ExtCallback(action="approve", id=request.id).pack()
    await joined_world.tap(approve, CTRL)
    assert "не принимаете решения" in alert(joined_world.bot)
    pending = await joined_world.repos.extensions.get(request.id)
    assert pending is not None
    assert pending.status == "pending"
    # the next working day the deciders are reminded, once
    tomorrow = ctx.calendar.add_working_days(ctx.today, 1)
    moment = datetime.combine(tomorrow, datetime.min.time(), ALMATY) + timedelta(hours=10)
    for _ in range(2):
        later = await joined_world.context(moment.astimezone(UTC))
        await sweep(later)
        await joined_world.deliverer.drain(now=later.now)
    reminders = [m for m in messages_to(joined_world.bot, AKIM) if m.text.startswith("Еске салу")]
    assert len(reminders) == 1
    # still pending at the deadline: the control department sees it
    at_deadline = datetime(2027, 5, 12, 10, tzinfo=ALMATY).astimezone(UTC)
    late = await joined_world.context(at_deadline)
    await sweep(late)
    await joined_world.deliverer.drain(now=late.now)
    assert any("ещё не рассмотрен" in m.text for m in messages_to(joined_world.bot, CTRL))

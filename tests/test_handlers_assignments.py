"""Assignments through the dispatcher: cards, accept, report, not ours, decisions, lists."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from aiogram.methods import EditMessageText, SendDocument, SendMessage
from aiogram.types import InlineKeyboardMarkup

from bot.config import Settings
from bot.factory import create_deliverer
from bot.profiles import Profile
from handlers.callbacks import ItemCallback, ListCallback
from storage.domain.assignments import Status
from storage.repo import Repos
from tests.fakes import RecordingBot
from tests.helpers import (
    World,
    alert,
    buttons,
    messages_to,
    not_ours,
    register_assignment,
    register_item,
    relabelled,
    state_of,
    write,
)

EDU, FIN, CTRL, ADMIN = 7001, 7002, 7003, 7004
PEOPLE = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL}


async def register(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    *,
    restricted: bool = False,
    number: str = "01-12/345",
) -> int:
    return (await register_item(repos, profile, settings, number, restricted=restricted)).id


async def test_cards_reach_each_head_in_their_language(joined_world: World) -> None:
    await register(joined_world.repos, joined_world.profile, joined_world.settings)
    stats = await joined_world.deliverer.drain()
    assert stats.sent == 2
    [kk_card] = messages_to(joined_world.bot, EDU)
    [ru_card] = messages_to(joined_world.bot, FIN)
    assert kk_card.text.startswith("📄 № 01-12/345 тапсырма")
    assert "Бөліміңіз — негізгі орындаушы" in kk_card.text
    assert "2027 жылғы 12 мамыр (сәрсенбі)" in kk_card.text
    assert ru_card.text.startswith("📄 Поручение № 01-12/345")
    assert "соисполнитель" in ru_card.text
    # never «(среда) (осталось…»; «остался 101 рабочий день» / «осталось 102 рабочих дня»
    assert "12 мая 2027 г. (среда) — остал" in ru_card.text
    assert "2027 жылғы 12 мамыр (сәрсенбі) — " in kk_card.text
    assert "Источник: Аким" in ru_card.text
    assert set(buttons(ru_card)) == {"✅ Принять", "📝 Отчёт об исполнении", "↩️ Не наше"}
    # exactly once: a second drain sends nothing
    joined_world.bot.clear()
    assert (await joined_world.deliverer.drain()).sent == 0
    assert joined_world.bot.sent() == []


async def test_restricted_card_shows_number_and_deadline_only(joined_world: World) -> None:
    await register(
        joined_world.repos, joined_world.profile, joined_world.settings, restricted=True
    )
    await joined_world.deliverer.drain()
    for message in messages_to(joined_world.bot, EDU) + messages_to(joined_world.bot, FIN):
        assert "01-12/345" in message.text
        assert "отопительного" not in message.text
        assert "Аким" not in message.text
    assert "бумажный экземпляр" in messages_to(joined_world.bot, FIN)[0].text


async def test_accept_updates_the_card_and_tells_the_controller(joined_world: World) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await joined_world.deliverer.drain()
    card = messages_to(joined_world.bot, EDU)[0]
    joined_world.bot.clear()
    accept = buttons(card)["✅ Қабылдау"]
    await joined_world.tap(accept, EDU, message_id=10)
    [edited] = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    assert "Қабылданды:" in (edited.text or "")
    assert ", Нурланова А." in (edited.text or "")  # the short name, as in lists
    assert "Күйі: орындауға қабылданды" in (edited.text or "")
    assert "✅ Қабылдау" not in buttons(edited)
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    assert item.status is Status.ACCEPTED
    # the control department hears of acceptances at the end of the minute, as one digest
    await joined_world.deliverer.drain(now=datetime.now(UTC) + timedelta(minutes=1))
    [notice] = messages_to(joined_world.bot, CTRL)
    assert notice.text.startswith(
        "Поручение № 01-12/345 принято: Отдел образования — Нурланова А."
    )
    # a second tap of the old button changes nothing and says why
    joined_world.bot.clear()
    await joined_world.tap(accept, EDU, message_id=10)
    assert "бұрын қабылданған" in alert(joined_world.bot)
    history = await joined_world.repos.assignments.history("01-12/345")
    assert [e.action for e in history] == ["register", "accept"]


async def test_a_second_accept_is_answered_without_a_unit_of_work(joined_world: World) -> None:
    """An item the department has accepted already is refused from the item the tap loaded:
    the same answer, without waiting for the writer (no BEGIN, nothing written)."""
    await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await joined_world.deliverer.drain()
    accept = buttons(messages_to(joined_world.bot, EDU)[0])["✅ Қабылдау"]
    await joined_world.tap(accept, EDU, message_id=10)
    joined_world.bot.clear()
    writer: list[str] = []
    joined_world.repos.db.writer._conn.set_trace_callback(writer.append)
    try:
        await joined_world.tap(accept, EDU, message_id=10)
    finally:
        joined_world.repos.db.writer._conn.set_trace_callback(None)
    assert "бұрын қабылданған" in alert(joined_world.bot)
    assert not [sql for sql in writer if not sql.startswith("SELECT ")]
    assert not [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    # a head of another department pressing it (a forged button) is still told it is not theirs
    joined_world.bot.clear()
    await joined_world.tap(accept, FIN, message_id=11)
    assert alert(joined_world.bot) == "Это поручение адресовано не вам."


async def test_a_co_executors_acceptance_does_not_read_as_still_awaited(
    joined_world: World,
) -> None:
    """A co-executor accepts before the main executor: their card says the item waits for the
    main executor, not «awaiting acceptance» under their own «Accepted» line."""
    await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await joined_world.deliverer.drain()
    card = messages_to(joined_world.bot, FIN)[0]
    assert "Статус: зарегистрировано, ожидает принятия" in card.text
    joined_world.bot.clear()
    await joined_world.tap(buttons(card)["✅ Принять"], FIN, message_id=11)
    [edited] = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    text = edited.text or ""
    assert "Статус: зарегистрировано, ожидает принятия основным исполнителем" in text
    [accepted] = [line for line in text.splitlines() if line.startswith("Принято: ")]
    assert accepted.endswith(", Ким О.")
    # the card after Accept is the card 🔎 shows: its history too
    assert text.endswith("— принято — Олег Ким")


async def test_forged_and_outside_role_taps_change_nothing(joined_world: World) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    edu = await joined_world.repos.staff.department_by_name("Отдел образования")
    assert edu is not None
    # the head of finance taps «accept» for education
    forged = ItemCallback(action="accept", id=item_id, dep=edu.id).pack()
    await joined_world.tap(forged, FIN)
    assert alert(joined_world.bot) == "Это поручение адресовано не вам."  # no number: forged
    # a head tries to remove from control
    await joined_world.tap(ItemCallback(action="remove", id=item_id).pack(), FIN)
    assert alert(joined_world.bot).startswith("Это действие доступно ролям: отдел контроля")
    # an unknown item
    await joined_world.tap(ItemCallback(action="accept", id=999, dep=edu.id).pack(), EDU)
    assert "жарамсыз" in alert(joined_world.bot)
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    assert item.status is Status.REGISTERED
    assert all(e.accepted_at is None for e in item.executors)


async def test_reports_flow_to_the_main_executor_then_to_control_and_removal(
    joined_world: World,
) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await joined_world.deliverer.drain()
    edu_card, fin_card = (
        messages_to(joined_world.bot, EDU)[0],
        messages_to(joined_world.bot, FIN)[0],
    )

    # the co-executor's input goes to the main executor
    await joined_world.press(fin_card, "📝 Отчёт об исполнении", FIN)
    await joined_world.say("Финансирование выделено в полном объёме.", FIN)
    prompt = messages_to(joined_world.bot, FIN)[-1]
    assert "частей текста — 1" in prompt.text
    await joined_world.press(prompt, "📤 Отправить отчёт", FIN)
    await joined_world.delivered()
    [co_input] = messages_to(joined_world.bot, EDU)
    assert "қосалқы орындаушының ақпараты" in co_input.text
    assert "Финансирование выделено" in co_input.text

    # the main executor reports with a file; the controller decides
    await joined_world.press(edu_card, "📝 Орындалуы туралы есеп", EDU)
    await joined_world.say("Ақпарат дайындалды.", EDU)
    await joined_world.send_file("FILE-1", "справка.pdf", EDU)
    prompt = messages_to(joined_world.bot, EDU)[-1]
    await joined_world.press(prompt, "📤 Есепті жіберу", EDU)
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    assert item.status is Status.REPORTED
    await joined_world.delivered()
    [report] = messages_to(joined_world.bot, CTRL)
    assert report.text.startswith(
        "Отчёт об исполнении поручения № 01-12/345. От: Отдел образования"
    )
    assert "Ақпарат дайындалды." in report.text
    [document] = [m for m in joined_world.bot.sent() if isinstance(m, SendDocument)]
    assert document.document == "FILE-1"
    assert set(buttons(report)) == {
        "📅 Изменить срок",
        "👥 Исполнители",
        "🏁 Снять с контроля",
        "🔁 Вернуть на доработку",
    }

    # return for rework with a reason, then report again and remove
    await joined_world.press(report, "🔁 Вернуть на доработку", CTRL)
    await joined_world.say("Нет данных по сельским школам.", CTRL)
    await joined_world.delivered()
    returned = messages_to(joined_world.bot, EDU)
    assert returned[0].text.startswith("№ 01-12/345 тапсырма пысықтауға қайтарылды.")
    assert "сельским школам" in returned[0].text

    await joined_world.press(edu_card, "📝 Орындалуы туралы есеп", EDU)
    await joined_world.say("Толықтырылды.", EDU)
    prompt = messages_to(joined_world.bot, EDU)[-1]
    await joined_world.press(prompt, "📤 Есепті жіберу", EDU)
    await joined_world.delivered()
    report = messages_to(joined_world.bot, CTRL)[-1]
    await joined_world.press(report, "🏁 Снять с контроля", CTRL)
    grounds = messages_to(joined_world.bot, CTRL)[-1]
    await joined_world.press(grounds, "✅ Исполнено полностью", CTRL)
    waiting = await joined_world.repos.assignments.get(item_id)
    assert waiting is not None
    assert waiting.status is Status.REPORTED  # the note is asked first
    await joined_world.say("Отчёт принят, план исполнен.", CTRL)
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    assert item.status is Status.REMOVED
    await joined_world.delivered()
    assert messages_to(joined_world.bot, EDU)[0].text.startswith(
        "№ 01-12/345 тапсырма бақылаудан алынды: толық орындалды."
    )
    assert messages_to(joined_world.bot, FIN)[0].text.startswith(
        "Поручение № 01-12/345 снято с контроля: исполнено в полном объёме."
    )
    assert "Отчёт принят, план исполнен." in messages_to(joined_world.bot, FIN)[0].text
    # the old card's buttons are now stale
    joined_world.bot.clear()
    await joined_world.press(edu_card, "📝 Орындалуы туралы есеп", EDU)
    assert "қолжетімсіз" in alert(joined_world.bot)
    actions = [e.action for e in await joined_world.repos.assignments.history("01-12/345")]
    assert actions == ["register", "co_report", "report", "return", "report", "remove"]


async def test_files_are_refused_for_restricted_items(joined_world: World) -> None:
    await register(
        joined_world.repos, joined_world.profile, joined_world.settings, restricted=True
    )
    await joined_world.deliverer.drain()
    card = messages_to(joined_world.bot, FIN)[0]
    await joined_world.press(card, "📝 Отчёт об исполнении", FIN)
    await joined_world.send_file("SECRET", "секрет.pdf", FIN)
    assert messages_to(joined_world.bot, FIN)[-1].text.startswith(
        "По поручению для служебного пользования файлы"
    )


async def test_not_ours_within_the_window_then_reassigned(joined_world: World) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await joined_world.deliverer.drain()
    notice = await not_ours(joined_world, FIN, CTRL)
    assert notice.text.startswith("Отдел финансов вернул поручение № 01-12/345")
    await joined_world.press(notice, "➡️ Переназначить", CTRL)
    targets = relabelled(joined_world.bot)
    assert "Отдел финансов" not in targets
    assert "Отдел образования" not in targets
    await joined_world.tap(targets["Отдел цифровизации"], CTRL)
    item = await joined_world.repos.assignments.get(item_id)
    assert item is not None
    assert {e.department_name for e in item.executors if e.active} == {
        "Отдел образования",
        "Отдел цифровизации",
    }


async def test_not_ours_after_the_window_explains_the_rule(joined_world: World) -> None:
    item_id = await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await write(
        joined_world.repos.db,
        "UPDATE assignments SET registered_on = '2026-01-05' WHERE id = ?",
        (item_id,),
    )
    await joined_world.deliverer.drain()
    card = messages_to(joined_world.bot, FIN)[0]
    await joined_world.press(card, "↩️ Не наше", FIN)
    text = alert(joined_world.bot)
    assert "в течение 3 рабочих дней" in text
    assert "до 9 января 2026" in text


async def test_my_and_control_lists(joined_world: World) -> None:
    await register(joined_world.repos, joined_world.profile, joined_world.settings, number="A-1")
    await register(
        joined_world.repos,
        joined_world.profile,
        joined_world.settings,
        number="A-2",
        restricted=True,
    )
    joined_world.bot.clear()
    await joined_world.say("/my", FIN)
    [my] = messages_to(joined_world.bot, FIN)
    assert my.text.startswith("Открытые поручения моего отдела: 2")
    assert "🟢 A-1 · 12.05.2027 · Отдел образования · не принято\n    Подготовить" in my.text
    assert "A-2 · 12.05.2027 · Отдел образования · не принято" in my.text
    assert "отопительного" not in my.text.split("A-2")[1]
    await joined_world.say("/control", CTRL)
    control = messages_to(joined_world.bot, CTRL)[-1]
    assert control.text.startswith("На контроле: 2")
    await joined_world.press(control, "Просроченные", CTRL)
    [edited] = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    assert (edited.text or "").startswith("На контроле: 0 · Просроченные")
    # the department filter has a way back to the whole list
    joined_world.bot.clear()
    await joined_world.press(control, "По отделу", CTRL)
    # the list's text goes with its 🔎 buttons: the question replaces both
    [picker] = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    assert picker.text == "На контроле: поручения какого отдела?"
    assert isinstance(picker.reply_markup, InlineKeyboardMarkup)
    rows = picker.reply_markup.inline_keyboard
    labels = {b.text: str(b.callback_data) for row in rows for b in row}
    assert "Отдел образования" in labels
    assert all(len(label) <= 32 for label in labels)
    joined_world.bot.clear()
    await joined_world.tap(labels["◀️ Назад"], CTRL)
    [back] = [m for m in joined_world.bot.sent() if isinstance(m, EditMessageText)]
    assert (back.text or "").startswith("На контроле: 2\n")
    await joined_world.say("/control", FIN)
    assert messages_to(joined_world.bot, FIN)[-1].text.startswith(
        "Это действие доступно ролям: отдел контроля"
    )
    # opening an item shows the card and its history
    await joined_world.press(control, "🔎 A-1", CTRL)
    view = messages_to(joined_world.bot, CTRL)[-1]
    assert "История:" in view.text
    assert "зарегистрировано — Бауыржан Исаев" in view.text


async def test_a_restart_does_not_duplicate_or_lose_cards(
    bot: RecordingBot, joined: Repos, profile: Profile, settings: Settings, i18n: object
) -> None:
    await register(joined, profile, settings)
    # a sender that crashed after claiming: the claim goes stale and the next one resends once
    claimed = await joined.outbox.claim(datetime.now(UTC))
    assert len(claimed) == 2
    fresh = create_deliverer(bot, joined, i18n, settings, profile)  # type: ignore[arg-type]
    assert (await fresh.drain()).sent == 0
    later = datetime.now(UTC).replace(microsecond=0)
    stats = await fresh.drain(now=later + timedelta(minutes=10))
    assert stats.sent == 2
    assert (await fresh.drain(now=later + timedelta(minutes=30))).sent == 0


async def test_a_forged_filter_does_not_open_another_departments_list(joined_world: World) -> None:
    ctx = await joined_world.context()
    summary = "Только для отдела образования"
    executors = ("Отдел образования",)
    await register_assignment(ctx, "EDU-ONLY", summary, executors, deadline=date(2027, 5, 12))
    education = await joined_world.repos.staff.department_by_name("Отдел образования")
    assert education is not None
    joined_world.bot.clear()
    forged = ListCallback(scope="my", flt=f"d{education.id}").pack()
    await joined_world.tap(forged, FIN)  # the finance head
    shown = " ".join(
        (m.text or "")
        for m in joined_world.bot.sent()
        if isinstance(m, SendMessage | EditMessageText)
    )
    assert "EDU-ONLY" not in shown
    assert "Только для отдела образования" not in shown
    # refused as the forged button it is; not even the department's name is shown
    assert alert(joined_world.bot) == "Эта кнопка больше не действует."
    assert "Отдел образования" not in shown


async def test_a_forged_list_button_is_answered_without_a_broken_screen(
    joined_world: World,
) -> None:
    """A filter naming no department, a number beyond SQLite's integers, and «my» list tapped
    by the controller (who has no /my): each is refused as a stale button, or shown whole."""
    world = joined_world
    stale_taps = (
        ListCallback(scope="my").pack(),  # the controller has no «my» list
        ListCallback(scope="control", flt=f"d{2**70}").pack(),
        ListCallback(scope="control", page=1, at=2**70).pack(),
        ItemCallback(action="view", id=2**70).pack(),
        "l:control:0:d²:0",
    )
    for data in stale_taps:
        world.bot.clear()
        await world.tap(data, CTRL)
        assert alert(world.bot) == "Эта кнопка больше не действует.", data
        assert not world.bot.texts(), data
    world.bot.clear()
    await world.tap(ListCallback(scope="control", flt="d99999").pack(), CTRL)
    [title, *rest] = world.bot.texts()[0].splitlines()
    assert title == "На контроле: 0"  # no dangling «·» after a department no one has
    assert rest == ["Ничего нет."]  # and no legend of lights where there are none


async def test_a_report_prompt_can_be_left_with_one_tap(joined_world: World) -> None:
    """«✖️ Cancel» under the prompt itself, before anything is typed: the draft ends, nothing
    is sent, and text typed afterwards is no longer taken as the report."""
    await register(joined_world.repos, joined_world.profile, joined_world.settings)
    await joined_world.deliverer.drain()
    card = messages_to(joined_world.bot, FIN)[0]
    await joined_world.press(card, "📝 Отчёт об исполнении", FIN)
    prompt = messages_to(joined_world.bot, FIN)[-1]
    assert prompt.text.startswith("Отчёт по поручению №")
    assert set(buttons(prompt)) == {"✖️ Отмена"}
    joined_world.bot.clear()
    await joined_world.press(prompt, "✖️ Отмена", FIN)
    assert alert(joined_world.bot) == "Отменено. Ничего не сохранено."
    assert await state_of(joined_world.dp, joined_world.bot, FIN) is None


async def test_the_cancel_of_another_draft_leaves_the_one_in_progress(joined_world: World) -> None:
    """A head writing a report on one item taps «✖️ Cancel» under an earlier prompt of another
    item: the report in progress stays, and the tap says that draft is closed."""
    world = joined_world
    ctx = await world.context()
    first = await register_assignment(ctx, "R-1", "Первое", ("Отдел финансов",))
    await register_assignment(ctx, "R-2", "Второе", ("Отдел финансов",))
    await world.deliverer.drain()
    cards = messages_to(world.bot, FIN)
    await world.press(cards[0], "📝 Отчёт об исполнении", FIN)
    old_prompt = messages_to(world.bot, FIN)[-1]
    await world.press(cards[1], "📝 Отчёт об исполнении", FIN)
    in_progress = await state_of(world.dp, world.bot, FIN)
    assert in_progress is not None
    world.bot.clear()
    await world.press(old_prompt, "✖️ Отмена", FIN)
    assert alert(world.bot).startswith("Этот черновик уже закрыт")
    assert await state_of(world.dp, world.bot, FIN) == in_progress
    data = await world.dp.fsm.get_context(bot=world.bot, user_id=FIN, chat_id=FIN).get_data()
    assert data["id"] != first.id

"""The leaders' overview: the pure rules, the one grouped count query, and /overview through
the dispatcher (scope of a deputy akim, forged departments and items, restricted items, what
waits on a leader)."""

from __future__ import annotations

from datetime import date, timedelta

from aiogram import Dispatcher
from aiogram.methods import EditMessageText, SendMessage

from bot import services
from bot.access import commands_for
from bot.assignments.rules import Light
from bot.config import Settings
from bot.extensions import steps as extension_steps
from bot.leaders.rules import Tally, by_urgency, scope, sees_department, tally
from bot.remarks import steps as remark_steps
from handlers.callbacks import (
    LeadAction,
    LeadCallback,
    MenuAction,
    MenuCallback,
    WaitAction,
    WaitCallback,
)
from storage.domain.enums import Role
from storage.overview import DeadlineCount
from storage.repo import Repos
from tests.fakes import RecordingBot, make_message
from tests.helpers import World, alerts, buttons, department, found, join, person, today

AKIM, HOA, DEP1, EDU = 7201, 7202, 7203, 7204
EDU_NAME, FIN_NAME = "Отдел образования", "Отдел финансов"
FIN_SUMMARY = "Сверить бюджетные заявки финансового отдела"


async def overdue(repos: Repos, settings: Settings, item_id: int, days: int = 3) -> None:
    """Move a deadline into the past (registration refuses a past one)."""
    past = today(settings) - timedelta(days=days)
    async with repos.transaction() as conn:
        await conn.execute(
            "UPDATE assignments SET deadline = ? WHERE id = ?", (past.isoformat(), item_id)
        )


async def three_items(world: World) -> dict[str, int]:
    """Education and finance together (overdue), education alone (later), finance alone
    (later, its summary never to reach the deputy akim curating education)."""
    both = (await world.register("01-01/1")).id
    await overdue(world.repos, world.settings, both)
    edu = await world.register("01-01/2", (EDU_NAME,))
    fin = await world.register("01-01/3", (FIN_NAME,), summary=FIN_SUMMARY)
    return {"both": both, "edu": edu.id, "fin": fin.id}


async def department_page(world: World, user_id: int, name: str = EDU_NAME) -> None:
    """The person taps the overview's button of department `name`."""
    edu = await department(world.repos, name)
    await world.tap(LeadCallback(action=LeadAction.DEPARTMENT, id=edu.id).pack(), user_id)


def texts(bot: RecordingBot, chat_id: int) -> list[str]:
    return [
        m.text or ""
        for m in bot.sent()
        if isinstance(m, SendMessage | EditMessageText) and m.chat_id == chat_id
    ]


def text_of(message: SendMessage | EditMessageText) -> str:
    return message.text or ""


def last_to(bot: RecordingBot, chat_id: int) -> SendMessage | EditMessageText:
    found = [
        m
        for m in bot.sent()
        if isinstance(m, SendMessage | EditMessageText) and m.chat_id == chat_id
    ]
    assert found
    return found[-1]


async def open_waiting(
    world: World, user_id: int, line: str, label: str
) -> SendMessage | EditMessageText:
    """/overview says `line` (what waits on the person); its button `label` opens it."""
    await world.say("/overview", user_id)
    screen = last_to(world.bot, user_id)
    assert line in text_of(screen)
    await world.press(screen, label, user_id)
    return last_to(world.bot, user_id)


# --- the pure rules ---------------------------------------------------------------------------


def test_scope_all_for_akim_and_head_of_apparatus_curated_for_a_deputy() -> None:
    assert scope({Role.AKIM}, {1}) is None
    assert scope({Role.HEAD_OF_APPARATUS}, set()) is None
    assert scope({Role.DEPUTY_AKIM}, {1, 2}) == frozenset({1, 2})
    assert scope({Role.DEPUTY_AKIM, Role.AKIM}, {1}) is None
    assert scope({Role.HEAD}, {1}) == frozenset()
    assert sees_department({Role.DEPUTY_AKIM}, {1}, 1)
    assert not sees_department({Role.DEPUTY_AKIM}, {1}, 2)
    assert not sees_department({Role.CONTROLLER}, set(), 1)


async def test_tally_classifies_by_working_days(repos: Repos) -> None:
    cal = await services.load_calendar(repos)
    monday = date(2027, 3, 1)
    assert cal.is_working_day(monday)
    thursday, next_friday = monday + timedelta(days=3), monday + timedelta(days=11)
    rows = [
        DeadlineCount(1, monday - timedelta(days=1), 2),  # overdue
        DeadlineCount(1, thursday, 1),  # 3 working days left
        DeadlineCount(2, next_friday, 4),  # later
        DeadlineCount(None, monday - timedelta(days=1), 2),
        DeadlineCount(None, thursday, 1),
        DeadlineCount(None, next_friday, 4),
    ]
    departments, total = tally(rows, cal, monday)
    assert departments == {1: Tally(2, 1, 0), 2: Tally(0, 0, 4)}
    assert total == Tally(2, 1, 4) and total.total == 7
    assert Tally().plus(Light.SOON, 2) == Tally(0, 2, 0)
    assert by_urgency({1: Tally(0, 1, 0), 2: Tally(1, 0, 0), 3: Tally()}, {}) == [2, 1]


# --- storage ----------------------------------------------------------------------------------


async def test_counts_in_one_query_an_item_of_two_departments_once_in_the_total(
    world: World,
) -> None:
    staffed = world.repos
    await three_items(world)
    edu = await department(staffed, EDU_NAME)
    fin = await department(staffed, FIN_NAME)
    rows = await staffed.overview.open_counts(None)
    per_department: dict[int | None, int] = {}
    for row in rows:
        per_department[row.department_id] = per_department.get(row.department_id, 0) + row.count
    assert per_department == {edu.id: 2, fin.id: 2, None: 3}
    only_edu = await staffed.overview.open_counts([edu.id])
    assert {row.department_id for row in only_edu} == {edu.id, None}
    assert sum(row.count for row in only_edu if row.department_id is None) == 2
    assert await staffed.overview.open_counts([]) == []


# --- through the dispatcher -------------------------------------------------------------------


async def test_akim_sees_every_department_with_lights_and_a_total(world: World) -> None:
    await three_items(world)
    await join(world.dp, world.bot, world.repos, "hoa", HOA, "ru")
    await world.say("/overview", HOA)
    screen = last_to(world.bot, HOA)
    assert text_of(screen).startswith("📊 Открытые поручения по отделам")
    assert f"{EDU_NAME}: 🔴 1 · 🟡 0 · 🟢 1" in text_of(screen)
    assert f"{FIN_NAME}: 🔴 1 · 🟡 0 · 🟢 1" in text_of(screen)
    assert "Итого: 🔴 1 · 🟡 0 · 🟢 2 (всего 3)" in text_of(screen)
    # the rows add up to 4: the shared item is counted under both, and the screen says so
    assert "Поручение с несколькими отделами-исполнителями учитывается в каждом из них." in (
        text_of(screen)
    )
    assert f"{EDU_NAME} · 2" in buttons(screen)


async def test_deputy_akim_sees_curated_departments_only_and_a_forged_id_is_refused(
    world: World,
) -> None:
    ids = await three_items(world)
    edu = await department(world.repos, EDU_NAME)
    fin = await department(world.repos, FIN_NAME)
    await join(world.dp, world.bot, world.repos, "dep1", DEP1, "kk")
    await world.say("/overview", DEP1)
    screen = last_to(world.bot, DEP1)
    assert f"{EDU_NAME}: 🔴 1 · 🟡 0 · 🟢 1" in text_of(screen)
    assert FIN_NAME not in text_of(screen)
    assert "(жалпы 2)" in text_of(screen)

    # her department, a page of items, an item's card with its history, read-only
    await department_page(world, DEP1)
    page = last_to(world.bot, DEP1)
    assert (
        "01-01/1" in text_of(page)
        and "01-01/2" in text_of(page)
        and "01-01/3" not in text_of(page)
    )
    assert "қабылданбаған" in text_of(page)  # the status
    assert EDU_NAME in text_of(page)  # the executor
    await world.press(page, "🔎 01-01/2", DEP1)
    card = last_to(world.bot, DEP1)
    assert "01-01/2" in text_of(card) and "Тарих" in text_of(card)
    assert set(buttons(card)) == {"↩️ Артқа", "📊 Шолу"}

    # forged: finance's department and a finance-only item
    world.bot.clear()
    for forged in (
        LeadCallback(action=LeadAction.DEPARTMENT, id=fin.id),
        LeadCallback(action=LeadAction.DEPARTMENT, id=fin.id, page=1),
        LeadCallback(action=LeadAction.ITEM, id=ids["fin"], dep=edu.id),
        LeadCallback(action=LeadAction.ITEM, id=ids["fin"], dep=fin.id),
        LeadCallback(action=LeadAction.DEPARTMENT, id=99_999),
    ):
        await world.tap(forged.pack(), DEP1)
    assert alerts(world.bot) == ["Бұл бөлім сіз қадағалайтын бөлімдердің қатарында жоқ."] * 5
    assert texts(world.bot, DEP1) == []
    for method in world.bot.sent():
        assert FIN_SUMMARY not in str(method) and "01-01/3" not in str(method)


async def test_overview_is_for_leaders_only(world: World) -> None:
    await three_items(world)
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "ru")
    await world.say("/overview", EDU)
    assert text_of(last_to(world.bot, EDU)).startswith("Это действие доступно ролям")
    world.bot.clear()
    await department_page(world, EDU)
    assert alerts(world.bot)[-1].startswith("Это действие доступно ролям")
    assert texts(world.bot, EDU) == []


async def test_restricted_items_show_number_and_deadline_only(world: World) -> None:
    secret = "Секретное содержание поручения"
    await world.register("ДСП-7", (EDU_NAME,), summary=secret, restricted=True)
    await join(world.dp, world.bot, world.repos, "akim", AKIM, "ru")
    await department_page(world, AKIM)
    page = last_to(world.bot, AKIM)
    assert "ДСП-7 · 12.05.2027" in text_of(page)
    await world.press(page, "🔎 ДСП-7", AKIM)
    for method in world.bot.sent():
        assert secret not in str(method)


async def test_pages_of_a_department(world: World) -> None:
    for n in range(10):
        await world.register(f"02-{n:02}", (EDU_NAME,))
    await join(world.dp, world.bot, world.repos, "akim", AKIM, "ru")
    await department_page(world, AKIM)
    first = last_to(world.bot, AKIM)
    assert "открыто: 10 · стр. 1 из 2" in text_of(first)
    await world.press(first, "▶️", AKIM)
    second = last_to(world.bot, AKIM)
    assert (
        "стр. 2 из 2" in text_of(second)
        and "02-09" in text_of(second)
        and "02-00" not in text_of(second)
    )


async def test_an_extension_request_waits_on_the_akim_and_opens_with_its_buttons(
    world: World,
) -> None:
    item_id = (await world.register("03-01", (EDU_NAME,))).id
    await join(world.dp, world.bot, world.repos, "akim", AKIM, "ru")
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "ru")
    ctx = await world.context()
    item = await world.item(item_id)
    head = await person(world.repos, "edu_head")
    edu = found(item.main_executor).department_id
    request = await extension_steps.request_extension(
        ctx, head, item, edu, date(2027, 6, 1), "Ждём экспертизу."
    )
    await world.deliverer.drain()
    world.bot.clear()
    waits = "Запросы на продление срока ждут вашего решения: 1"
    opened = await open_waiting(world, AKIM, waits, "⏳ № 03-01")
    assert "Ждём экспертизу." in text_of(opened)
    assert "✅ Одобрить" in buttons(opened)

    # the head does not decide: a forged button shows nothing
    world.bot.clear()
    await world.tap(WaitCallback(action=WaitAction.REQUEST, id=request.id).pack(), EDU)
    assert alerts(world.bot) == ["Эта кнопка больше не действует."]
    assert texts(world.bot, EDU) == []


async def test_a_round_waits_on_the_deputy_akim_and_on_the_head_until_answered(
    world: World,
) -> None:
    await join(world.dp, world.bot, world.repos, "dep1", DEP1, "ru")
    await join(world.dp, world.bot, world.repos, "edu_head", EDU, "ru")
    ctx = await world.context()
    initiator = await world.repos.staff.by_code("ctrl")
    deputy = await world.repos.staff.by_code("dep1")
    assert initiator is not None and deputy is not None
    edu = await department(world.repos, EDU_NAME)
    rnd = await remark_steps.start_round(
        ctx,
        initiator,
        subject="Проект постановления о тарифах",
        restricted=False,
        due=ctx.calendar.add_working_days(ctx.today, 3),
        files=[],
        department_ids=[edu.id],
        person_ids=[deputy.id],
    )
    waits = "Опросы «замечаний нет» ждут вашего ответа: 1"
    opened = await open_waiting(world, DEP1, waits, "📨 Проект постановления о тарифах")
    assert "Проект постановления о тарифах" in text_of(opened)
    await world.press(opened, "✅ Замечаний нет", DEP1)

    # answered: gone from the list; the button, tapped again, is stale
    world.bot.clear()
    await world.tap(WaitCallback(action=WaitAction.ROUND, id=rnd.id).pack(), DEP1)
    assert alerts(world.bot) == ["Эта кнопка больше не действует."]
    await world.say("/overview", DEP1)
    assert "Вашего решения или ответа ничего не ждёт." in text_of(last_to(world.bot, DEP1))

    # the head of the department, through the menu's «Requests waiting»
    await world.tap(MenuCallback(action=MenuAction.WAITING).pack(), EDU)
    waiting = last_to(world.bot, EDU)
    assert "Опросы «замечаний нет» ждут вашего ответа: 1" in text_of(waiting)
    assert "📨 Проект постановления о тарифах" in buttons(waiting)


async def test_help_and_the_command_menu_list_overview_for_leaders_only(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    assert "overview" in [spec.command for spec in commands_for({Role.DEPUTY_AKIM})]
    assert "overview" not in [spec.command for spec in commands_for({Role.HEAD})]
    await join(dp, bot, staffed, "akim", AKIM, "ru")
    await dp.feed_update(bot, make_message("/help", user_id=AKIM))
    assert "/overview — Открытые поручения по отделам" in text_of(last_to(bot, AKIM))

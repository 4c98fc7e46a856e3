"""The controller's /new dialog fed through the dispatcher: every step, wrong answers, /cancel."""

from __future__ import annotations

import re
from datetime import timedelta

from aiogram import Dispatcher
from aiogram.methods import SendMessage
from aiogram.utils.i18n import I18n

from bot.assignments import steps as assignment_steps
from bot.i18n import date_with_weekday, long_date
from bot.profiles import default_deadline
from handlers.assignments.new_dialog import RegistrationStates, Stage, paired, step
from handlers.callbacks import NewCallback
from storage.domain.assignments import NewAssignment
from storage.domain.enums import Mark, Source
from storage.repo import Repos
from tests.fakes import RecordingBot
from tests.helpers import (
    CTRL,
    STALE_RU,
    World,
    alerts,
    asked_again,
    cancel_leaves_stale_buttons,
    department,
    join,
    join_all,
    last_buttons,
    presser,
    register_assignment,
    saturday_ahead,
    say,
    stale,
    state_of,
    today,
)

PEOPLE = {"ctrl": CTRL}
EDU_HEAD = 7101
FIN_HEAD = 7102
SUMMARY = "Обеспечить подготовку школ к отопительному сезону"


press = presser(NewCallback, CTRL)


STEP_NUMBER = re.compile(r"\b\d/\d(?= · )")


def test_the_steps_are_numbered_along_the_path_taken(i18n: I18n) -> None:
    leave = "\n/cancel — выйти без сохранения"  # a step between the first and the last
    with i18n.context(), i18n.use_locale("ru"):
        assert step(Stage.NUMBER, "x") == "1/8 · x"  # (its text says /cancel stops it)
        assert step(Stage.SUMMARY, "x") == "4/8 · x" + leave
        assert step(Stage.EXECUTORS, "x") == "5/8 · x" + leave
        assert step(Stage.EXECUTORS, "x", restricted=True) == "4/7 · x" + leave
        assert step(Stage.DEADLINE, "x", restricted=True) == "6/7 · x" + leave
        assert step(Stage.CONFIRM, "x", restricted=True) == "7/7 · x"  # its ✖️ Cancel button
    with i18n.context(), i18n.use_locale("kk"):
        assert step(Stage.SUMMARY, "x") == "4/8 · x\n/cancel — сақтамай шығу"


def department_buttons(bot: RecordingBot) -> list[str]:
    return [text for text, data in last_buttons(bot) if data.startswith("n:dep:")]


async def start_dialog(
    dp: Dispatcher, bot: RecordingBot, number: str, restricted: str = "0"
) -> None:
    """/new through the summary (a restricted item has none): the dialog then waits for the
    executors."""
    await say(dp, bot, "/new")
    await say(dp, bot, number)
    await press(dp, bot, "rst", restricted)
    await press(dp, bot, "src", Source.AKIM.value)
    if restricted == "0":
        await say(dp, bot, SUMMARY)
    assert await state_of(dp, bot) == RegistrationStates.executors.state


def cards_to(bot: RecordingBot, chat_id: int) -> list[str]:
    return [m.text for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat_id]


async def up_to_confirmation(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, number: str, mark: Mark, restricted: str = "0"
) -> None:
    """/new up to the confirmation: Отдел финансов alone, `mark`, its deadline."""
    fin = await department(repos, "Отдел финансов")
    await start_dialog(dp, bot, number, restricted)
    await press(dp, bot, "dep", str(fin.id))
    await press(dp, bot, "done")
    await press(dp, bot, "mark", mark.value)
    await press(dp, bot, "dl", "mark")


async def test_a_controller_registers_an_item_with_two_executors(world: World) -> None:
    people = {"edu_head": EDU_HEAD, "fin_head": FIN_HEAD, "ctrl": CTRL}
    await join_all(world.dp, world.bot, world.repos, people)  # kk, ru, ru
    edu = await department(world.repos, "Отдел образования")
    fin = await department(world.repos, "Отдел финансов")
    saturday = await saturday_ahead(world.repos, world.settings)
    monday = saturday + timedelta(days=2)

    await say(world.dp, world.bot, "/new")
    assert await state_of(world.dp, world.bot) == RegistrationStates.number.state
    await say(world.dp, world.bot, "  17-01/2345  ")
    # restricted or not is asked first, before any content
    assert await state_of(world.dp, world.bot) == RegistrationStates.restricted.state
    await press(world.dp, world.bot, "rst", "0")
    assert [data for _, data in last_buttons(world.bot)] == [
        f"n:src:{source.value}" for source in Source
    ]
    assert "Аким" in [text for text, _ in last_buttons(world.bot)]
    await press(world.dp, world.bot, "src", Source.AKIM.value)
    await say(world.dp, world.bot, SUMMARY)
    assert department_buttons(world.bot) == [
        "Отдел контроля",
        "Отдел образования",
        "Отдел финансов",
        "Отдел цифровизации",
    ]
    await press(world.dp, world.bot, "dep", str(edu.id))
    await press(world.dp, world.bot, "dep", str(fin.id))
    assert department_buttons(world.bot) == [
        "Отдел контроля",
        "⭐ Отдел образования",
        "✅ Отдел финансов",
        "Отдел цифровизации",
    ]
    assert "Отдел образования (основной), Отдел финансов" in world.bot.texts()[-1]
    await press(world.dp, world.bot, "done")
    assert [data for _, data in last_buttons(world.bot)] == [
        "n:mark:",
        "n:mark:urgent",
        "n:mark:very_urgent",
    ]
    await press(world.dp, world.bot, "mark", Mark.NONE.value)
    assert [data for _, data in last_buttons(world.bot)] == ["n:dl:mark"]
    await say(world.dp, world.bot, saturday.strftime("%d.%m.%Y"))
    assert await state_of(world.dp, world.bot) == RegistrationStates.confirm.state

    confirmation = world.bot.texts()[-1]
    for shown in (
        "17-01/2345",
        SUMMARY,
        "Источник: Аким",
        f"Поступило: {long_date(today(world.settings), 'ru')}",
        "Исполнители: Отдел образования (основной), Отдел финансов",
        "Отметка: без отметки",
        date_with_weekday(monday, "ru"),
        date_with_weekday(saturday, "ru"),
    ):
        assert shown in confirmation
    assert [data for _, data in last_buttons(world.bot)] == ["n:ok:", "n:no:"]
    assert await world.repos.assignments.by_number("17-01/2345") is None

    await press(world.dp, world.bot, "ok")
    assert await state_of(world.dp, world.bot) is None
    registered = world.bot.texts()[-1]
    assert registered.startswith("📄 Поручение № 17-01/2345")
    assert date_with_weekday(monday, "ru") in registered
    item = await world.repos.assignments.by_number("17-01/2345")
    assert item is not None
    assert item.deadline == monday
    assert item.received == today(world.settings)
    assert item.source is Source.AKIM
    assert item.summary == SUMMARY
    assert item.mark is Mark.NONE
    assert not item.restricted
    assert [(e.department_name, e.main) for e in item.executors] == [
        ("Отдел образования", True),
        ("Отдел финансов", False),
    ]
    assert [e.action for e in await world.repos.assignments.history("17-01/2345")] == ["register"]
    assert [e.actor for e in await world.repos.assignments.history("17-01/2345")] == ["ctrl"]

    await world.deliverer.wait_idle()
    await world.deliverer.drain()
    [edu_card] = cards_to(world.bot, EDU_HEAD)
    [fin_card] = cards_to(world.bot, FIN_HEAD)
    assert edu_card.startswith("📄 № 17-01/2345 тапсырма")
    assert "Бөліміңіз — негізгі орындаушы" in edu_card
    assert fin_card.startswith("📄 Поручение № 17-01/2345")
    assert "Ваш отдел — соисполнитель" in fin_card
    assert SUMMARY in edu_card
    assert SUMMARY in fin_card


async def test_wrong_answers_are_asked_again_with_the_reason(joined_world: World) -> None:
    ctx = await joined_world.context()
    summary = "Ранее зарегистрированное поручение"
    await register_assignment(
        ctx, "01-05/77", summary, ("Отдел финансов",), source=Source.GOVERNMENT
    )
    edu = await department(joined_world.repos, "Отдел образования")

    await say(joined_world.dp, joined_world.bot, "/new")
    reason = await asked_again(
        joined_world, RegistrationStates.number.state, "x" * 65, "01-05/77", "  01-05/77 "
    )
    assert "01-05/77" in reason
    await say(joined_world.dp, joined_world.bot, "01-05/78")
    await asked_again(joined_world, RegistrationStates.restricted.state, "нет")
    await press(joined_world.dp, joined_world.bot, "rst", "0")
    await asked_again(
        joined_world, RegistrationStates.source.state, "Аким"
    )  # typed instead of pressing a button
    await stale(joined_world, press, ("src", "nobody"))  # forged
    assert await state_of(joined_world.dp, joined_world.bot) == RegistrationStates.source.state
    await press(joined_world.dp, joined_world.bot, "src", Source.OTHER.value)
    await asked_again(joined_world, RegistrationStates.summary.state, " ab ")
    await say(joined_world.dp, joined_world.bot, SUMMARY)

    joined_world.bot.clear()
    await press(joined_world.dp, joined_world.bot, "done")  # nobody chosen yet
    [reason] = alerts(joined_world.bot)
    assert reason
    assert await state_of(joined_world.dp, joined_world.bot) == RegistrationStates.executors.state
    await stale(joined_world, press, *(("dep", forged) for forged in ("abc", "99999")))
    await stale(joined_world, press, ("ok", ""))  # a button of another step
    await press(joined_world.dp, joined_world.bot, "dep", str(edu.id))
    await press(joined_world.dp, joined_world.bot, "done")
    await press(joined_world.dp, joined_world.bot, "mark", Mark.URGENT.value)
    default = default_deadline(joined_world.profile, ctx.calendar, ctx.today, Mark.URGENT)
    [(label, data)] = last_buttons(joined_world.bot)
    assert data == "n:dl:mark"
    assert default.strftime("%d.%m.%Y") in label

    yesterday = ctx.today - timedelta(days=1)
    reason = await asked_again(
        joined_world,
        RegistrationStates.deadline.state,
        "завтра",
        "2030-01-15",
        "31.02.2030",
        yesterday.strftime("%d.%m.%Y"),
    )
    assert f"Срок {long_date(yesterday, 'ru')} уже прошёл." in reason
    await stale(joined_world, press, ("mark", Mark.URGENT.value))  # the mark step is over
    await press(joined_world.dp, joined_world.bot, "dl", "mark")
    assert date_with_weekday(default, "ru") in joined_world.bot.texts()[-1]
    assert "Отметка: срочно" in joined_world.bot.texts()[-1]


async def test_cancel_mid_dialog_registers_nothing(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    edu = await department(joined, "Отдел образования")
    await start_dialog(dp, bot, "05/1")
    await press(dp, bot, "dep", str(edu.id))
    stale = [NewCallback(step=step, value="").pack() for step in ("done", "ok")]
    await cancel_leaves_stale_buttons(dp, bot, stale)
    assert await joined.assignments.by_number("05/1") is None


async def test_cancel_button_on_the_confirmation_registers_nothing(
    dp: Dispatcher, bot: RecordingBot, joined: Repos
) -> None:
    await up_to_confirmation(dp, bot, joined, "05/2", Mark.VERY_URGENT)
    await press(dp, bot, "no")
    assert bot.texts()[-1] == "Отменено. Ничего не сохранено."
    assert await state_of(dp, bot) is None
    assert await joined.assignments.by_number("05/2") is None


async def test_a_head_may_not_register(dp: Dispatcher, bot: RecordingBot, staffed: Repos) -> None:
    await join(dp, bot, staffed, "fin_head", FIN_HEAD, "ru")
    await say(dp, bot, "/new", FIN_HEAD)
    assert bot.texts() == [
        "Это действие доступно ролям: отдел контроля. Ваши роли: руководитель отдела."
    ]
    assert await state_of(dp, bot, FIN_HEAD) is None
    bot.clear()
    await press(dp, bot, "ok", user_id=FIN_HEAD)
    assert alerts(bot) == [STALE_RU]


async def test_a_restricted_item_never_shows_its_summary(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "fin_head", FIN_HEAD, "ru")
    await join(world.dp, world.bot, world.repos, "ctrl", CTRL, "ru")
    await say(world.dp, world.bot, "/new")
    await say(world.dp, world.bot, "ДСП-9")
    world.bot.clear()
    await press(world.dp, world.bot, "rst", "1")
    await press(world.dp, world.bot, "src", Source.AKIM.value)
    # the summary is never asked: the content stays on paper
    assert await state_of(world.dp, world.bot) == RegistrationStates.executors.state
    # a department picker speaks of departments, not of people («никто»)
    assert "Пока не выбран ни один отдел." in world.bot.texts()[-1]
    fin = await department(world.repos, "Отдел финансов")
    await press(world.dp, world.bot, "dep", str(fin.id))
    await press(world.dp, world.bot, "done")
    await press(world.dp, world.bot, "mark", Mark.NONE.value)
    await press(world.dp, world.bot, "dl", "mark")
    confirmation = world.bot.texts()[-1]
    assert "ДСП-9" in confirmation
    assert "Для служебного пользования (ДСП): да" in confirmation
    assert all("содержание" not in text.lower() for text in world.bot.texts()[:-1])
    # the steps are numbered along the path taken: no gap where the summary would be
    shown = [m.group(0) for t in world.bot.texts()[:-1] for m in STEP_NUMBER.finditer(t)]
    assert list(dict.fromkeys(shown)) == ["3/7", "4/7", "5/7", "6/7"]
    await press(world.dp, world.bot, "ok")
    item = await world.repos.assignments.by_number("ДСП-9")
    assert item is not None
    assert item.restricted
    assert item.summary == "—"
    await world.deliverer.wait_idle()
    await world.deliverer.drain()
    [card] = cards_to(world.bot, FIN_HEAD)
    assert "ДСП-9" in card
    assert "Для служебного пользования: см. бумажный экземпляр." in card
    assert all(SUMMARY not in text for text in world.bot.texts())


async def test_a_race_on_the_number_registers_nothing_and_asks_another(
    joined_world: World,
) -> None:
    await up_to_confirmation(
        joined_world.dp, joined_world.bot, joined_world.repos, "07/7", Mark.NONE
    )
    ctx = await joined_world.context()
    other = NewAssignment(
        reg_number="07/7",
        received=ctx.today,
        source=Source.OTHER,
        summary="Зарегистрировано другим сотрудником",
        executors=("Отдел образования",),
    )
    await assignment_steps.register(ctx, other, actor="admin")
    joined_world.bot.clear()
    await press(joined_world.dp, joined_world.bot, "ok")
    assert "07/7" in joined_world.bot.texts()[-1]
    item = await joined_world.repos.assignments.by_number("07/7")
    assert item is not None
    assert item.summary == other.summary
    assert await state_of(joined_world.dp, joined_world.bot) == RegistrationStates.number.state
    await say(
        joined_world.dp, joined_world.bot, "07/8"
    )  # the other answers are kept: straight to the confirmation
    assert await state_of(joined_world.dp, joined_world.bot) == RegistrationStates.confirm.state
    assert SUMMARY in joined_world.bot.texts()[-1]
    await press(joined_world.dp, joined_world.bot, "ok")
    created = await joined_world.repos.assignments.by_number("07/8")
    assert created is not None
    assert [e.department_name for e in created.executors] == ["Отдел финансов"]


async def test_forty_departments_are_paged_and_searchable(
    dp: Dispatcher, bot: RecordingBot, forty_heads: Repos
) -> None:
    staffed = forty_heads
    await join(dp, bot, staffed, "ctrl", CTRL, "ru")
    await start_dialog(dp, bot, "08/1")
    first = department_buttons(bot)
    assert len(first) == 8
    assert first[:4] == [
        "Отдел контроля",
        "Отдел образования",
        "Отдел финансов",
        "Отдел цифровизации",
    ]
    assert ("▶️", "n:pg:1") in last_buttons(bot)
    assert not any(data.startswith("n:pg:") and text == "◀️" for text, data in last_buttons(bot))
    await press(dp, bot, "pg", "5")
    assert department_buttons(bot) == [
        "Управление 37",
        "Управление 38",
        "Управление 39",
        "Управление 40",
    ]
    assert ("◀️", "n:pg:4") in last_buttons(bot)
    assert not any(text == "▶️" for text, _ in last_buttons(bot))

    await say(dp, bot, "фин")
    assert department_buttons(bot) == ["Отдел финансов"]
    assert "n:all:" in [data for _, data in last_buttons(bot)]
    await say(dp, bot, "  управление   3 ")
    assert department_buttons(bot) == [f"Управление 3{n}" for n in range(8)]
    assert ("▶️", "n:pg:1") in last_buttons(bot)
    await press(dp, bot, "pg", "1")
    assert department_buttons(bot) == ["Управление 38", "Управление 39"]
    target = await department(staffed, "Управление 39")
    await press(dp, bot, "dep", str(target.id))
    assert department_buttons(bot) == ["Управление 38", "⭐ Управление 39"]
    await say(dp, bot, "нет такого")
    assert department_buttons(bot) == []
    assert "Управление 39" in bot.texts()[-1]  # the choice stays in the message text
    await press(dp, bot, "all")
    assert len(department_buttons(bot)) == 8
    await press(dp, bot, "done")
    assert await state_of(dp, bot) == RegistrationStates.mark.state


def test_choice_buttons_pair_only_while_they_fit_a_phone_row() -> None:
    labels = ["Аким", "Президент", "Руководитель аппарата", "Другой государственный орган"]
    assert paired(labels, 2) == [2, 1, 1]
    assert paired(["а" * 20, "б" * 20, "в" * 5], 1) == [1, 1, 1]

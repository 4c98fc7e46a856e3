"""The main menu per role: which buttons each role gets (short, in both languages, at most two
a row, the union for several roles) and that each button shows what its command shows."""

from __future__ import annotations

import pytest
from aiogram import Dispatcher
from aiogram.methods import EditMessageText, SendMessage
from aiogram.utils.i18n import I18n

from bot.i18n import LANGUAGES, translate
from handlers.callbacks import MenuAction, MenuCallback
from handlers.keyboards import MENU_BUTTONS, make_main_menu_keyboard, menu_buttons
from storage.domain.enums import Role
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import alerts, join, last_buttons, state_of

A = MenuAction
WORK: dict[Role, list[MenuAction]] = {
    Role.HEAD: [A.MY, A.WAITING, A.REPORT],
    Role.EXECUTOR: [A.MY, A.WAITING],
    Role.CONTROLLER: [A.NEW, A.CONTROL, A.ROUNDS, A.REPORT],
    Role.ORGANIZER: [A.MEETINGS],
    Role.AKIM: [A.OVERVIEW, A.REPORT],
    Role.HEAD_OF_APPARATUS: [A.OVERVIEW, A.REPORT],
    Role.DEPUTY_AKIM: [A.OVERVIEW, A.REPORT],
    Role.ADMIN: [A.INVITES, A.REPORT],
    Role.MEMBER: [],
}


def actions(roles: set[Role]) -> list[MenuAction]:
    return [button.action for button in menu_buttons(frozenset(roles))]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_work_then_help_and_language(role: Role) -> None:
    assert actions({role}) == [*WORK[role], A.HELP, A.LANG]


def test_several_roles_get_the_union_once_at_most_two_a_row(i18n: I18n) -> None:
    roles = {Role.HEAD, Role.EXECUTOR, Role.CONTROLLER, Role.DEPUTY_AKIM}
    got = actions(roles)
    assert got == [
        *(A.OVERVIEW, A.MY, A.WAITING, A.NEW, A.CONTROL, A.ROUNDS, A.REPORT, A.HELP, A.LANG)
    ]
    with i18n.context(), i18n.use_locale("kk"):
        markup = make_main_menu_keyboard(frozenset(roles))
    assert all(len(row) <= 2 for row in markup.inline_keyboard)
    assert sum(len(row) for row in markup.inline_keyboard) == len(got)


def test_labels_are_short_in_both_languages(i18n: I18n) -> None:
    for button in MENU_BUTTONS:
        for language in LANGUAGES:
            label = translate(i18n, language, button.label)
            assert label != button.label or language.value == "en"
            assert len(label) <= 20, (language, label)


PEOPLE = {  # code: (Telegram id, the actions of their menu)
    "edu_head": (7301, WORK[Role.HEAD]),
    "edu_exec": (7302, WORK[Role.EXECUTOR]),
    "ctrl": (7303, WORK[Role.CONTROLLER]),
    "org": (7304, WORK[Role.ORGANIZER]),
    "akim": (7305, WORK[Role.AKIM]),
    "dep1": (7306, WORK[Role.DEPUTY_AKIM]),
    "m1": (7307, WORK[Role.HEAD]),  # head and akimat member
}
COMMANDS = {
    A.MY: "/my",
    A.NEW: "/new",
    A.CONTROL: "/control",
    A.ROUNDS: "/remarks",
    A.MEETINGS: "/meeting",
    A.OVERVIEW: "/overview",
    A.REPORT: "/report",
}


def last_text(bot: RecordingBot, chat_id: int) -> tuple[str, object]:
    found = [
        m
        for m in bot.sent()
        if isinstance(m, SendMessage | EditMessageText) and m.chat_id == chat_id
    ]
    assert found
    return found[-1].text or "", found[-1].reply_markup


async def test_start_shows_each_persons_menu_and_each_button_reaches_its_screen(
    dp: Dispatcher, bot: RecordingBot, meeting_staffed: Repos
) -> None:
    for code, (user_id, work) in PEOPLE.items():
        await join(dp, bot, meeting_staffed, code, user_id, "ru")
        await dp.feed_update(bot, make_message("/start", user_id=user_id))
        menu = last_buttons(bot)
        assert [MenuCallback.unpack(data).action for _, data in menu] == [*work, A.HELP, A.LANG]
        for action in work:
            if action in COMMANDS:
                await dp.feed_update(bot, make_message(COMMANDS[action], user_id=user_id))
                by_command = last_text(bot, user_id)
                command_state = await state_of(dp, bot, user_id)
                bot.clear()
            await dp.feed_update(
                bot, make_callback(MenuCallback(action=action).pack(), user_id=user_id)
            )
            assert alerts(bot) == []
            shown = last_text(bot, user_id)
            if action in COMMANDS:
                assert shown == by_command, (code, action)
                assert await state_of(dp, bot, user_id) == command_state
            else:  # requests waiting: nothing yet
                assert "Вашего решения или ответа ничего не ждёт." in shown[0]
            await dp.feed_update(bot, make_message("/cancel", user_id=user_id))
            bot.clear()


async def test_a_forged_button_of_another_role_is_refused(
    dp: Dispatcher, bot: RecordingBot, meeting_staffed: Repos
) -> None:
    await join(dp, bot, meeting_staffed, "edu_exec", 7302, "ru")
    for action in (A.CONTROL, A.NEW, A.OVERVIEW, A.MEETINGS, A.ROUNDS):
        await dp.feed_update(bot, make_callback(MenuCallback(action=action).pack(), user_id=7302))
    assert len(alerts(bot)) == 5
    assert all(text.startswith("Это действие доступно ролям") for text in alerts(bot))
    assert [m for m in bot.sent() if isinstance(m, SendMessage | EditMessageText)] == []
    assert await state_of(dp, bot, 7302) is None


async def test_a_role_named_as_the_persons_own_department_is_not_said_twice(
    dp: Dispatcher, bot: RecordingBot, meeting_staffed: Repos
) -> None:
    """The controller works in «Отдел контроля» and the organizer in «Организационный отдел»:
    their role reads as their department, named once."""
    for code, user_id, department in (
        ("ctrl", 7303, "Отдел контроля"),
        ("org", 7304, "Организационный отдел"),
    ):
        await join(dp, bot, meeting_staffed, code, user_id, "ru")
        await dp.feed_update(bot, make_message("/start", user_id=user_id))
        who = last_text(bot, user_id)[0].splitlines()[1]
        assert who.endswith(department)
        assert who.casefold().count(department.casefold()) == 1, who

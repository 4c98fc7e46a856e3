"""Handlers fed with updates through a recording bot: strangers, invitations, language, roles."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Dispatcher
from aiogram.methods import AnswerCallbackQuery, SendMessage, SetMyCommands
from aiogram.types import BotCommandScopeChat, InlineKeyboardMarkup, Update

from bot.staff.csv_import import parse_staff_csv
from handlers.callbacks import LangCallback
from storage.domain.enums import Language
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_message
from tests.helpers import World, invite, join

NAMES = ("Асель", "Олег", "Айгерім", "Ерлан", "Отдел")


def press_language(language: Language, user_id: int) -> Update:
    return make_callback(LangCallback(language=language).pack(), user_id=user_id)


def sent_messages(bot: RecordingBot) -> list[SendMessage]:
    return [m for m in bot.sent() if isinstance(m, SendMessage)]


async def test_a_stranger_gets_one_polite_bilingual_answer_and_nothing_else(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    for text in ("hello", "/help", "/invite edu_head", "/start"):
        bot.clear()
        await dp.feed_update(bot, make_message(text, user_id=9999))
        [answer] = bot.sent()
        assert isinstance(answer, SendMessage)
        assert "әкімдік қызметкерлеріне" in answer.text  # Kazakh
        assert "сотрудников акимата" in answer.text  # and Russian
        assert answer.reply_markup is None
        assert not any(name in answer.text for name in NAMES)
    bot.clear()
    await dp.feed_update(bot, press_language(Language.KK, 9999))
    [alert] = bot.sent()
    assert isinstance(alert, AnswerCallbackQuery)
    assert alert.show_alert
    assert "сотрудников акимата" in (alert.text or "")
    assert len(alert.text or "") <= 200  # Telegram refuses a longer alert
    assert await staffed.staff.by_telegram(9999) is None


async def test_bad_tokens_get_a_clear_answer_and_bind_nothing(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    await dp.feed_update(bot, make_message("/start not-a-token", user_id=5001))
    [answer] = bot.texts()
    assert "недействительна" in answer
    assert "жарамсыз" in answer
    token = await invite(staffed, "edu_head")
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=5001))
    bot.clear()
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=5002))
    [used] = bot.texts()
    assert "уже использована" in used
    assert await staffed.staff.by_telegram(5002) is None


async def test_invitation_greets_by_name_and_position_and_offers_the_language(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    token = await invite(staffed, "fin_head")
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=5003, language_code="ru"))
    greeting = sent_messages(bot)[0]
    assert "Добро пожаловать, Олег Ким!" in greeting.text
    assert "Руководитель отдела финансов" in greeting.text
    assert "Выберите язык сообщений" in greeting.text
    assert isinstance(greeting.reply_markup, InlineKeyboardMarkup)
    labels = [b.text for row in greeting.reply_markup.inline_keyboard for b in row]
    assert labels == ["Қазақ тілі", "✅ Русский язык"]
    commands = [m for m in bot.sent() if isinstance(m, SetMyCommands)]
    assert isinstance(commands[-1].scope, BotCommandScopeChat)
    assert commands[-1].scope.chat_id == 5003
    assert [c.command for c in commands[-1].commands] == [
        "start",
        "help",
        "lang",
        "my",
        "remarks",
        "report",
        "cancel",
    ]
    assert commands[-1].commands[1].description == "Что я умею"


async def test_unknown_telegram_language_preselects_the_default(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    # the directory gives no language (an empty column), and Telegram's en is neither kk nor ru
    no_language = "code,full_name,position,department,roles,language,curates\n"
    no_language += "fin_dep,Олег Ли,Заместитель руководителя,Отдел финансов,executor,,\n"
    await staffed.staff.import_staff(parse_staff_csv(no_language, Language.KK), actor="test")
    token = await invite(staffed, "fin_dep")
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=5004, language_code="en"))
    greeting = sent_messages(bot)[0]
    assert "Қош келдіңіз, Олег Ли!" in greeting.text
    assert isinstance(greeting.reply_markup, InlineKeyboardMarkup)
    assert greeting.reply_markup.inline_keyboard[0][0].text == "✅ Қазақ тілі"


async def test_choosing_a_language_persists_and_shows_the_menu(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    token = await invite(staffed, "edu_head")
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=5005, language_code="ru"))
    bot.clear()
    await dp.feed_update(bot, press_language(Language.KK, 5005))
    texts = bot.texts()
    assert texts[0].startswith("Енді хабарламалар қазақ тілінде")
    assert texts[1].startswith("Басты мәзір")
    assert "Асель Нурланова — бөлім басшысы, Отдел образования" in texts[1]
    person = await staffed.staff.by_telegram(5005)
    assert person is not None
    assert person.language is Language.KK
    assert person.language_chosen
    commands = [m for m in bot.sent() if isinstance(m, SetMyCommands)]
    assert commands[-1].commands[1].description == "Мен не істей аламын"

    bot.clear()
    await dp.feed_update(bot, make_message("/lang", user_id=5005))
    await dp.feed_update(bot, press_language(Language.RU, 5005))
    assert bot.texts()[-1].startswith("Теперь сообщения будут приходить на русском")
    bot.clear()
    await dp.feed_update(bot, make_message("/start", user_id=5005, language_code="kk"))
    assert bot.texts()[0].startswith("Главное меню")
    trail = await staffed.audit.for_entity("person", "edu_head")
    assert [(e.old_value, e.new_value) for e in trail if e.action == "language"][-1] == (
        "kk",
        "ru",
    )


async def test_help_shows_what_this_person_can_do(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "admin", 6001, "ru")
    await join(world.dp, world.bot, world.repos, "edu_head", 6002, "kk")
    await world.say("/help", 6001)
    await world.say("/help", 6002)
    admin_help, head_help = world.bot.texts()
    assert "/invite — Ссылка-приглашение для сотрудника" in admin_help
    assert "/invite" not in head_help
    assert "/lang — Тілді ауыстыру" in head_help


async def test_an_action_outside_ones_roles_is_refused_with_the_reason(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "fin_head", 6003, "ru")
    await world.say("/invite edu_head", 6003)
    [refusal] = world.bot.texts()
    assert refusal == "Это действие доступно ролям: администратор. Ваши роли: руководитель отдела."
    assert [
        e for e in await world.repos.audit.for_entity("person", "edu_head") if e.action == "invite"
    ] == []


async def test_admin_gets_an_invitation_link_in_the_chat(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "admin", 6004, "ru")
    await world.say("/invite", 6004)
    await world.say("/invite EDU_HEAD", 6004)
    await world.say("/invite nobody", 6004)
    pending, link, unknown = world.bot.texts()
    assert pending.startswith("Ещё не подключились: 7")
    assert "Приглашение: Асель Нурланова (edu_head), действует до" in link
    assert "https://t.me/baqylau_test_bot?start=" in link
    token = link.rsplit("start=", 1)[1]
    await world.say(f"/start {token}", 6005)
    person = await world.repos.staff.by_telegram(6005)
    assert person is not None
    assert person.code == "edu_head"
    assert unknown == "В справочнике сотрудников нет никого с кодом nobody."


async def test_forged_and_stale_buttons_change_nothing(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "edu_head", 6006, "kk")
    for data in ("lang:xx", "menu:invites", "zzz", "lang"):
        world.bot.clear()
        await world.tap(data, 6006)
        [answer] = world.bot.sent()
        assert isinstance(answer, AnswerCallbackQuery)
        assert answer.show_alert
    person = await world.repos.staff.by_telegram(6006)
    assert person is not None
    assert person.language is Language.KK


async def test_cancel_and_unknown_text(world: World) -> None:
    await join(world.dp, world.bot, world.repos, "edu_head", 6007, "ru")
    await world.say("/cancel", 6007)
    await world.say("что-то", 6007)
    assert world.bot.texts() == [
        "Отменять нечего.",
        "Не понял. Список доступных действий — /help.",
    ]


async def test_blocking_the_bot_marks_the_person_unreachable(
    dp: Dispatcher, bot: RecordingBot, staffed: Repos
) -> None:
    from aiogram.types import Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated

    await join(dp, bot, staffed, "fin_head", 6010, "ru")
    user = make_message("x", user_id=6010).message.from_user  # type: ignore[union-attr]
    assert user is not None
    me = await bot.me()

    def change(new: ChatMemberBanned | ChatMemberMember) -> Update:
        return Update(
            update_id=990 + (1 if isinstance(new, ChatMemberMember) else 0),
            my_chat_member=ChatMemberUpdated(
                chat=Chat(id=6010, type="private"),
                from_user=user,
                date=datetime.now(UTC),
                old_chat_member=ChatMemberMember(user=me),
                new_chat_member=new,
            ),
        )

    await dp.feed_update(
        bot, change(ChatMemberBanned(user=me, until_date=datetime(1970, 1, 1, tzinfo=UTC)))
    )
    person = await staffed.staff.by_code("fin_head")
    assert person is not None
    assert person.unreachable
    await dp.feed_update(bot, change(ChatMemberMember(user=me)))
    person = await staffed.staff.by_code("fin_head")
    assert person is not None
    assert not person.unreachable
    assert bot.sent() == []

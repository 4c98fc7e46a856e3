"""The meeting the creation dialog tests fill in, and the organizer's way through the dialog."""

from __future__ import annotations

from datetime import date

from aiogram import Dispatcher
from aiogram.utils.i18n import I18n

from bot.i18n import translate
from handlers.callbacks import MeetCallback, MeetNewCallback
from handlers.meetings.new_dialog import MeetingStates
from storage.domain.meetings import Meeting, MeetingFormat, MeetingKind
from storage.repo import Repos
from tests.fakes import RecordingBot
from tests.helpers import (
    alerts,
    last_buttons,
    person,
    presser,
    say,
    state_of,
    tap,
)

ORG = 7200
PEOPLE = {"org": ORG}
CTRL = 7201
DAY = date(2027, 4, 15)  # a Thursday, a working day
DAY_OFF = date(2027, 3, 8)  # International Women's Day, a Monday
AFTER_DAY_OFF = date(2027, 3, 9)
SUBJECT = "О ходе подготовки к отопительному сезону 2027–2028 годов"
ITEM_1 = "О готовности школ к новому учебному году"
ITEM_2 = "Разное"
SPEAKER = "Асель Нурланова, руководитель отдела образования"
PLACE = "Зал заседаний, 3 этаж"
LINK = "https://meet.example.kz/akimat-2027"
SECRET = "Мобилизационная готовность"


press = presser(MeetNewCallback, ORG)


async def meet(
    dp: Dispatcher,
    bot: RecordingBot,
    action: str,
    id_: int = 0,
    value: str = "",
    user_id: int = ORG,
) -> None:
    """A MeetCallback button: «new» and «lists» under /meeting."""
    await tap(dp, bot, MeetCallback(action=action, id=id_, value=value).pack(), user_id)


async def say_as(dp: Dispatcher, bot: RecordingBot, text: str) -> None:
    await say(dp, bot, text, ORG)


def ru(i18n: I18n, message: str, **values: object) -> str:
    """The Russian text of a message (the organizer in these tests reads Russian)."""
    return translate(i18n, "ru", message, **values)


def picker_buttons(bot: RecordingBot, step: str) -> list[str]:
    return [text for text, data in last_buttons(bot) if data.startswith(f"mn:{step}:")]


async def state(dp: Dispatcher, bot: RecordingBot) -> str | None:
    return await state_of(dp, bot, ORG)


async def meetings_of(repos: Repos) -> list[Meeting]:
    return await repos.meetings.open_meetings()


async def to_recipients(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, *, restricted: bool = False
) -> None:
    """A session on DAY at 10:00 in person, chaired by the akim, one item without materials:
    the dialog waits for the recipients."""
    akim = await person(repos, "akim")
    await meet(dp, bot, "new")
    await press(dp, bot, "kind", MeetingKind.SESSION.value)
    await press(dp, bot, "rst", "1" if restricted else "0")
    if not restricted:  # a restricted meeting's subject is never asked
        await press(dp, bot, "notitle")
    await say_as(dp, bot, DAY.strftime("%d.%m.%Y"))
    await press(dp, bot, "time", "1000")
    await press(dp, bot, "fmt", MeetingFormat.IN_PERSON.value)
    await say_as(dp, bot, PLACE)
    await press(dp, bot, "chair", str(akim.id))
    await say_as(dp, bot, ITEM_1)
    await press(dp, bot, "nospk")
    await press(dp, bot, "nomat")
    await press(dp, bot, "agdone")
    assert await state(dp, bot) == MeetingStates.departments.state


async def to_confirmation(dp: Dispatcher, bot: RecordingBot, repos: Repos) -> None:
    """`to_recipients`, then every member: the dialog asks for the confirmation."""
    await to_recipients(dp, bot, repos)
    await press(dp, bot, "allm")
    await press(dp, bot, "done")
    assert await state(dp, bot) == MeetingStates.confirm.state


async def create_refused(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, alert: str, user_id: int = ORG
) -> None:
    """A tap on «Create» by `user_id` is answered with `alert`, and no meeting is saved."""
    bot.clear()
    await press(dp, bot, "ok", user_id=user_id)
    assert alerts(bot) == [alert]
    assert await meetings_of(repos) == []

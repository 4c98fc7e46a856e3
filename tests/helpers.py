"""Helpers shared by the handler tests: joining people, reading what the recording bot sent,
and dates. (Fixtures live in conftest.py; this module holds plain functions.)"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar

from aiogram import Dispatcher
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMessage,
)
from aiogram.types import InlineKeyboardMarkup

from bot import services
from bot.assignments import steps as assignment_steps
from bot.assignments.notices import quiet_until
from bot.config import Settings
from bot.delivery import Deliverer
from bot.meetings import steps as meeting_steps
from bot.profiles import Profile
from bot.sweep import SweepStats, sweep
from handlers.callbacks import LangCallback
from storage.db import Database, Store, connect
from storage.domain.assignments import (
    Assignment,
    ControlType,
    Executor,
    NewAssignment,
    Report,
    ReportFile,
    Status,
)
from storage.domain.enums import Language, Mark, Source
from storage.domain.meetings import Meeting, MeetingFormat, MeetingKind, NewMeeting
from storage.domain.refusals import Refused
from storage.models import Department, Person
from storage.repo import Repos
from tests.fakes import RecordingBot, make_callback, make_document, make_message

T = TypeVar("T")
CTRL = 7100  # the controller's Telegram id in the dialog tests
STALE_RU = "Эта кнопка больше не действует."
HEATING = "Подготовить информацию о ходе отопительного сезона"
EDU_FIN = ("Отдел образования", "Отдел финансов")


@dataclass(frozen=True, slots=True)
class World:
    """What a handler test works with: the dispatcher, the recording bot, the repositories (a
    directory: see the `*world` fixtures in conftest.py), the profile, settings, deliverer."""

    dp: Dispatcher
    bot: RecordingBot
    repos: Repos
    profile: Profile
    settings: Settings
    deliverer: Deliverer

    async def context(self, now: datetime | None = None) -> services.Context:
        """A step context on this world's repositories, at `now` (or the real moment)."""
        return await services.make_context(self.repos, self.profile, self.settings, now=now)

    async def register(
        self, number: str, executors: tuple[str, ...] = EDU_FIN, **details: Any
    ) -> Assignment:
        """`register_item` in this world: by default the heating season for both departments,
        due 12 May 2027."""
        return await register_item(
            self.repos, self.profile, self.settings, number, executors, **details
        )

    async def item(self, item_id: int) -> Assignment:
        """The assignment `item_id`, as stored now."""
        return await item_of(self.repos, item_id)

    async def join(self, people: Mapping[str, int]) -> None:
        """`join_all`: these people (code → Telegram id) join in their directory language."""
        await join_all(self.dp, self.bot, self.repos, people)

    async def say(self, text: str, user_id: int, **details: Any) -> None:
        """The person writes `text` (`details`: make_message's other fields)."""
        await self.dp.feed_update(self.bot, make_message(text, user_id=user_id, **details))

    async def tap(self, data: str, user_id: int, **details: Any) -> None:
        """The person taps a button with `data` (`details`: make_callback's other fields)."""
        await self.dp.feed_update(self.bot, make_callback(data, user_id=user_id, **details))

    async def press(
        self, message: SendMessage | EditMessageText, label: str, user_id: int
    ) -> None:
        """The person taps the button of `message` labelled `label`."""
        await self.tap(buttons(message)[label], user_id)

    async def send_file(self, file_id: str, name: str, user_id: int) -> None:
        await self.dp.feed_update(self.bot, make_document(file_id, name, user_id=user_id))

    async def delivered(self, now: datetime | None = None) -> None:
        """Forget what the bot sent so far, then send what waits in the outbox (at `now`)."""
        self.bot.clear()
        await self.deliverer.drain(now=now)

    async def delivered_at_work(self) -> None:
        """`delivered` at the first working moment from now: what a sweep queued (which never
        goes out at night or on a day off) goes out whatever the hour the test runs at."""
        ctx = await self.context()
        moment = quiet_until(self.profile, ctx.calendar, ctx.now.astimezone(self.settings.zone))
        await self.delivered(moment.astimezone(UTC))


def local_moment(settings: Settings, day: date, hour: int) -> datetime:
    """`hour`:00 local time on `day`, as an aware UTC moment (what a sweep's `now` is)."""
    return datetime.combine(day, time(hour), settings.zone).astimezone(UTC)


async def sweep_and_drain(world: World, moment: datetime) -> SweepStats:
    """The sweep as of `moment` (under the world's profile), then whatever is deliverable."""
    ctx = await services.make_context(world.repos, world.profile, world.settings, now=moment)
    stats = await sweep(ctx)
    await world.deliverer.drain(now=moment)
    return stats


async def invite(repos: Repos, code: str) -> str:
    person = await repos.staff.by_code(code)
    assert person is not None
    invitation = await repos.invitations.issue(person, ttl=timedelta(days=7), actor="admin")
    return invitation.token


async def join(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, code: str, user_id: int, lang: str = "ru"
) -> None:
    """The person opens their invitation and picks their language; the bot's record is cleared."""
    token = await invite(repos, code)
    await dp.feed_update(bot, make_message(f"/start {token}", user_id=user_id, language_code=lang))
    person = await repos.staff.by_telegram(user_id)
    assert person is not None
    await dp.feed_update(
        bot,
        make_callback(
            LangCallback(language=Language(lang if lang in {"kk", "ru"} else "kk")).pack(),
            user_id=user_id,
        ),
    )
    bot.clear()


async def say(dp: Dispatcher, bot: RecordingBot, text: str, user_id: int = CTRL) -> None:
    await dp.feed_update(bot, make_message(text, user_id=user_id))


async def tap(dp: Dispatcher, bot: RecordingBot, data: str, user_id: int = CTRL) -> None:
    """The person taps a button whose callback data is `data`."""
    await dp.feed_update(bot, make_callback(data, user_id=user_id))


class Press(Protocol):
    async def __call__(
        self, dp: Dispatcher, bot: RecordingBot, step: str, value: str = "", user_id: int = ...
    ) -> None: ...


def presser(callback: Callable[..., CallbackData], default_user: int) -> Press:
    """`press(dp, bot, step, value)`: a tap on a dialog's step button (a `callback` with `step`
    and `value`), by `default_user` unless another `user_id` is given."""

    async def press(
        dp: Dispatcher, bot: RecordingBot, step: str, value: str = "", user_id: int = default_user
    ) -> None:
        await tap(dp, bot, callback(step=step, value=value).pack(), user_id)

    return press


async def cancel_leaves_stale_buttons(
    dp: Dispatcher, bot: RecordingBot, stale: Sequence[str]
) -> None:
    """/cancel mid-dialog (by the controller): nothing is saved and the state is cleared; then
    the dialog's `stale` buttons only answer that they no longer work, and text is not
    understood."""
    bot.clear()
    await say(dp, bot, "/cancel")
    assert bot.texts() == ["Отменено. Ничего не сохранено."]
    assert await state_of(dp, bot) is None
    bot.clear()
    for data in stale:
        await tap(dp, bot, data)
    assert alerts(bot) == [STALE_RU] * len(stale)
    await say(dp, bot, "текст после отмены")
    assert bot.texts() == ["Не понял. Список доступных действий — /help."]


def messages_to(bot: RecordingBot, chat_id: int) -> list[SendMessage]:
    return [m for m in bot.sent() if isinstance(m, SendMessage) and m.chat_id == chat_id]


def edits_to(bot: RecordingBot, chat_id: int) -> list[EditMessageText]:
    """The messages edited in `chat_id`, in order."""
    return [m for m in bot.sent() if isinstance(m, EditMessageText) and m.chat_id == chat_id]


def texts_to(bot: RecordingBot, chat_id: int) -> list[str]:
    """The texts of the messages sent to `chat_id`, in order."""
    return [m.text for m in messages_to(bot, chat_id)]


def sent_to(bot: RecordingBot, chat_id: int) -> list[SendMessage | SendDocument]:
    """The messages and documents sent to `chat_id`, in order."""
    return [
        m for m in bot.sent() if isinstance(m, SendMessage | SendDocument) and m.chat_id == chat_id
    ]


def last_text(bot: RecordingBot) -> str:
    texts = bot.texts()
    assert texts
    return texts[-1]


async def state_of(dp: Dispatcher, bot: RecordingBot, user_id: int = CTRL) -> str | None:
    return await dp.fsm.get_context(bot=bot, user_id=user_id, chat_id=user_id).get_state()


def buttons(message: SendMessage | EditMessageText) -> dict[str, str]:
    """A message's buttons: label → callback data."""
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    return {b.text: str(b.callback_data) for row in markup.inline_keyboard for b in row}


def last_markup(bot: RecordingBot) -> InlineKeyboardMarkup:
    for method in reversed(bot.sent()):
        if isinstance(method, SendMessage | EditMessageText) and isinstance(
            method.reply_markup, InlineKeyboardMarkup
        ):
            return method.reply_markup
    raise AssertionError("no message with buttons")


def last_buttons(bot: RecordingBot) -> list[tuple[str, str]]:
    """The buttons of the last message that had any: (label, callback data), in order."""
    return [
        (button.text, button.callback_data or "")
        for row in last_markup(bot).inline_keyboard
        for button in row
    ]


def data_of(bot: RecordingBot) -> list[str]:
    """The callback data of the last message's buttons, in order."""
    return [data for _, data in last_buttons(bot)]


def alert(bot: RecordingBot) -> str:
    """The text of the last answer to a button."""
    answers = [m for m in bot.sent() if isinstance(m, AnswerCallbackQuery)]
    assert answers
    return answers[-1].text or ""


def alerts(bot: RecordingBot) -> list[str]:
    """Every alert (a pop-up answer to a button) so far."""
    return [
        m.text or "" for m in bot.sent() if isinstance(m, AnswerCallbackQuery) and m.show_alert
    ]


def today(settings: Settings) -> date:
    return datetime.now(UTC).astimezone(settings.zone).date()


async def saturday_ahead(repos: Repos, settings: Settings) -> date:
    """A non-working Saturday at least a week ahead whose next working day is the Monday."""
    cal = await services.load_calendar(repos)
    day = today(settings) + timedelta(days=7)
    while not (
        day.weekday() == 5
        and not cal.is_working_day(day)
        and cal.next_working_day(day) == day + timedelta(days=2)
    ):
        day += timedelta(days=1)
    return day


def found(value: T | None) -> T:
    """`value`, asserted to be there."""
    assert value is not None
    return value


async def item_of(repos: Repos, item_id: int) -> Assignment:
    """The assignment `item_id`, as stored now."""
    return found(await repos.assignments.get(item_id))


async def department(repos: Repos, name: str) -> Department:
    return found(await repos.staff.department_by_name(name))


async def department_id(repos: Repos, name: str) -> int:
    return (await department(repos, name)).id


async def person(repos: Repos, code: str) -> Person:
    return found(await repos.staff.by_code(code))


async def person_id(repos: Repos, code: str) -> int:
    return (await person(repos, code)).id


async def person_ids(repos: Repos, *codes: str) -> list[int]:
    """The ids of the people with these codes, in order."""
    return [await person_id(repos, code) for code in codes]


async def join_all(
    dp: Dispatcher, bot: RecordingBot, repos: Repos, telegram_ids: Mapping[str, int]
) -> None:
    """`join` for each person (code → Telegram id), in order, in their directory language."""
    for code, user_id in telegram_ids.items():
        await join(dp, bot, repos, code, user_id, (await person(repos, code)).language.value)


async def bind_all(repos: Repos, telegram_ids: Mapping[str, int]) -> dict[str, Person]:
    """Bind the accounts (code → Telegram id) without the dialog; returns them, bound."""
    people = {}
    for code, telegram_id in telegram_ids.items():
        await repos.staff.bind_telegram(await person(repos, code), telegram_id, actor="test")
        people[code] = await person(repos, code)
    return people


async def make_meeting(
    ctx: services.Context,
    repos: Repos,
    *,
    chair: str,
    members: Iterable[str] = ("m1", "m2", "m3", "edu_head", "fin_head"),
    organizer: str = "org",
    **details: Any,
) -> Meeting:
    """A meeting created by the `organizer` through the step, chaired by `chair`, sent to
    `members` (akimat members count for the quorum, the others are invitees). `details` are the
    other fields of NewMeeting (starts_at and items at least); unless they say otherwise it is a
    session, in person, in «Зал заседаний»."""
    ids = [await person_id(repos, code) for code in members]
    fields = {
        "kind": MeetingKind.SESSION,
        "format": MeetingFormat.IN_PERSON,
        "place": "Зал заседаний",
    }
    recipients = tuple(await meeting_steps.member_flags(ctx, ids))
    new = NewMeeting(
        chair_id=await person_id(repos, chair), recipients=recipients, **(fields | details)
    )
    return await meeting_steps.create_meeting(ctx, await person(repos, organizer), new)


async def approve_and_distribute(ctx: services.Context, repos: Repos, meeting_id: int) -> Meeting:
    """The akim approves the agenda and it goes out at `ctx`'s moment; the meeting, re-read."""
    await meeting_steps.approve(ctx, await person(repos, "akim"), meeting_id)
    await meeting_steps.distribute(ctx, found(await repos.meetings.get(meeting_id)))
    distributed = found(await repos.meetings.get(meeting_id))
    assert distributed.distributed
    return distributed


async def add_report(
    repos: Repos,
    item: int,
    dep: int,
    by: str,
    text: str,
    *,
    final: bool,
    at: datetime,
    files: Sequence[ReportFile] = (),
    behalf: str | None = None,
) -> Report:
    """A report on assignment `item` for department `dep` by `by` (on `behalf` of its head),
    stored directly (no step, no notices)."""
    return await repos.assignments.add_report(
        item, dep, author_code=by, on_behalf_of=behalf, text=text, files=files, final=final, at=at
    )


async def register_assignment(
    ctx: services.Context, number: str, summary: str, executors: tuple[str, ...], **details: Any
) -> Assignment:
    """An assignment from the akim (unless `details` say another source), received today and
    registered by the controller through the step. `details` are NewAssignment's other fields."""
    new = NewAssignment(number, ctx.today, details.pop("source", Source.AKIM), summary, executors)
    return await assignment_steps.register(ctx, replace(new, **details), actor="ctrl")


async def register_item(
    repos: Repos,
    profile: Profile,
    settings: Settings,
    number: str,
    executors: tuple[str, ...] = EDU_FIN,
    *,
    summary: str = HEATING,
    deadline: date = date(2027, 5, 12),
    **details: Any,
) -> Assignment:
    """`register_assignment` in a context made for `repos` now: by default the heating season
    for both departments, due 12 May 2027 (a Wednesday)."""
    ctx = await services.make_context(repos, profile, settings)
    return await register_assignment(ctx, number, summary, executors, deadline=deadline, **details)


async def everyone_joined(repos: Repos) -> Repos:
    """Every person in the directory has joined the bot (Telegram id 10,000 + their id): their
    messages are no longer held."""
    for person in await repos.staff.all_people():
        if person.telegram_id is None:
            await repos.staff.bind_telegram(person, 10_000 + person.id, actor="test")
    return repos


Pair = Callable[[int, services.Context, services.Context], Sequence[Awaitable[object]]]


async def at_once(
    world: World, count: int, pair: Pair, now: datetime | None = None
) -> list[list[object]]:
    """Two writers at once on one database file: for each n < `count`, `pair(n, ctx, far_ctx)`
    gives two steps, the second on another connection (as another process would); all run
    together, every other pair in the other order. Each pair's two outcomes (a result or the
    exception raised), in the pair's order."""
    async with connect(world.settings.database_path) as other:
        ctx = await world.context(now)
        far_ctx = await replace(world, repos=Repos(other)).context(now)
        jobs: list[Awaitable[object]] = []
        for n in range(count):
            two = list(pair(n, ctx, far_ctx))
            jobs.extend(two if n % 2 else two[::-1])
        results = await asyncio.gather(*jobs, return_exceptions=True)
    pairs = [list(results[2 * n : 2 * n + 2]) for n in range(count)]
    return [outcome if n % 2 else outcome[::-1] for n, outcome in enumerate(pairs)]


def the_refusal(outcome: Sequence[object]) -> Refused:
    """The one refusal among the outcomes of steps taken at once (the others went through)."""
    refused = [r for r in outcome if isinstance(r, Refused)]
    assert len(refused) == 1, outcome
    return refused[0]


RULES_ITEM = Assignment(
    id=1,
    reg_number="N-1",
    received=date(2027, 2, 1),
    registered_on=date(2027, 2, 1),
    source=Source.AKIM,
    issuer_id=None,
    summary="s",
    deadline=date(2027, 3, 1),
    mark=Mark.NONE,
    control_type=ControlType.SHORT,
    restricted=False,
    status=Status.ACCEPTED,
    removal_ground=None,
    extensions=0,
    executors=(),
)


def assignment(*executors: Executor, **fields: Any) -> Assignment:
    """An assignment as storage returns it, for the pure rules: RULES_ITEM (№ N-1 from the akim,
    received 1 February 2027, due 1 March, accepted, short control) with these `executors` and
    the other `fields` given."""
    return replace(RULES_ITEM, executors=executors, **fields)


async def asked_again(world: World, state: str | None, *answers: str) -> str:
    """Each of `answers`, typed by the controller, is answered with one message (the reason)
    and the dialog stays at `state`; the last reason."""
    reason = ""
    for answer in answers:
        world.bot.clear()
        await say(world.dp, world.bot, answer)
        [reason] = world.bot.texts()
        assert await state_of(world.dp, world.bot) == state
    return reason


async def stale(world: World, press: Press, *taps: tuple[str, str]) -> None:
    """Each tap (step, value) on a dialog's button, by the controller, is answered only that
    the button is no longer valid."""
    for step, value in taps:
        world.bot.clear()
        await press(world.dp, world.bot, step, value)
        assert alerts(world.bot) == [STALE_RU]


async def not_ours(world: World, head: int, controller: int) -> SendMessage:
    """The head (Telegram id `head`) answers «↩️ Не наше» on the first card they got, giving a
    reason; the notice the controller (`controller`) gets."""
    card = messages_to(world.bot, head)[0]
    await world.press(card, "↩️ Не наше", head)
    await world.say("Вопрос отдела цифровизации.", head)
    await world.delivered()
    [notice] = messages_to(world.bot, controller)
    return notice


def relabelled(bot: RecordingBot) -> dict[str, str]:
    """The buttons (label → callback data) of the last keyboard put in place of another."""
    edits = [m for m in bot.sent() if isinstance(m, EditMessageReplyMarkup)]
    assert edits and edits[-1].reply_markup is not None
    return {
        b.text: str(b.callback_data) for row in edits[-1].reply_markup.inline_keyboard for b in row
    }


def noting_filters(tried: list[str]) -> Callable[[str], Callable[[Any], Awaitable[bool]]]:
    """Filters that pass and note their name in `tried` each time aiogram tries them: which
    routers an update went through."""

    def noting(name: str) -> Callable[[Any], Awaitable[bool]]:
        async def check(event: Any) -> bool:
            tried.append(name)
            return True

        return check

    return noting


# the writer's own bookkeeping around a unit of work (storage.db `_begin`, `_end`)
UNIT_BOOKKEEPING = ("PRAGMA busy_timeout", "BEGIN", "COMMIT", "ROLLBACK")


@contextmanager
def quick_statements(db: Database) -> Iterator[list[str]]:
    """The statements the quick reads run meanwhile, on the quick reader or on the idle
    writer (storage.db `Database._idle_writer`), in order; not the writer's bookkeeping
    around a unit of work."""
    ran: list[str] = []

    def noted(sql: str) -> None:
        if not sql.startswith(UNIT_BOOKKEEPING):
            ran.append(sql)

    conns = (db.quick.conn, db.writer._conn)
    for conn in conns:
        conn.set_trace_callback(noted)
    try:
        yield ran
    finally:
        for conn in conns:
            conn.set_trace_callback(None)


async def write(db: Database, sql: str, params: Sequence[object] = ()) -> None:
    """A test's hand-made change: one statement in a unit of work of its own (as every
    change of the bot's is made: `storage.db.Store.write`)."""
    await Store(db).write(sql, params)

"""Issue 17, fast under load: what is computed once (the working-day calendar, the sweep's
notice plans)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.utils.i18n import I18n

from bot import services
from bot.assignments import notices
from bot.assignments import steps as assignment_steps
from bot.assignments.notices import due, planned, plans
from bot.calendar import WorkCalendar
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter
from bot.factory import create_deliverer, create_dispatcher
from bot.middlewares import BoundedWork
from bot.outbox_kinds import Kind, digest_moment
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from storage.assignments.reading import (
    OpenFilters,
    before_sql,
    count_sql,
    open_where,
    page_sql,
)
from storage.domain.assignments import Executor, Status
from storage.domain.enums import Source
from storage.repo import Repos
from tests import stored_assignments
from tests.fakes import RecordingBot, make_message
from tests.helpers import (
    World,
    add_report,
    assignment,
    buttons,
    department_id,
    messages_to,
    register_item,
)
from tests.stored_assignments import AT

DAY = date(2027, 5, 12)  # a plain Wednesday, a working day


async def test_the_calendar_is_built_once_and_rebuilt_when_an_override_changes(
    repos: Repos,
) -> None:
    first = await services.load_calendar(repos)
    assert await services.load_calendar(repos) is first
    assert first.is_working_day(DAY)

    await repos.calendar.set_override(DAY, False, "Постановление", author="admin")
    changed = await services.load_calendar(repos)
    assert changed is not first
    assert not changed.is_working_day(DAY)
    assert await services.load_calendar(repos) is changed

    assert await repos.calendar.remove_override(DAY, author="admin")
    assert (await services.load_calendar(repos)).is_working_day(DAY)


async def test_an_override_written_by_another_process_is_seen_on_the_next_check(
    repos: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = await services.load_calendar(repos)
    # another process (`python -m bot calendar set`): a plain connection to the same file
    with sqlite3.connect(repos.db.path) as other:
        other.execute(
            "INSERT INTO calendar_overrides (day, working, reason, author, created_at)"
            " VALUES (?, 0, 'decree', 'cli', '2027-01-01T00:00:00+00:00')",
            (DAY.isoformat(),),
        )
    assert await services.load_calendar(repos) is before  # until the next check
    monkeypatch.setattr(services, "CALENDAR_RECHECK_SECONDS", 0.0)
    after = await services.load_calendar(repos)
    assert not after.is_working_day(DAY)
    assert await services.load_calendar(repos) is after  # the counter did not move again


def test_notice_plans_are_computed_once_per_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    profile, cal = load_profile(DEFAULT_PROFILE), WorkCalendar()
    calls: list[date] = []

    def counted(
        profile_: object, cal_: object, deadline: date, internal: date | None = None
    ) -> object:
        calls.append(deadline)
        return planned(profile, cal, deadline, internal)

    items = [
        assignment(
            Executor(1, "Отдел образования", True),
            reg_number=str(n),
            deadline=date(2027, 5, 12 + n % 2),
            status=Status.ACCEPTED,
        )
        for n in range(50)
    ]
    today = date(2027, 5, 12)
    expected = [due(profile, cal, item, today) for item in items]
    assert any(expected)
    monkeypatch.setattr(notices, "planned", counted)
    plan = plans(profile, cal)
    assert [due(profile, cal, item, today, plan) for item in items] == expected
    assert sorted(calls) == [date(2027, 5, 12), date(2027, 5, 13)]


# --- views in O(page): lists read one page by key, on indexes --------------------------------

LIST_FILTERS: dict[str, OpenFilters] = {
    "all (/control)": {},
    "overdue": {"overdue_on": date(2027, 5, 12)},
    "this week (and the sweep's runs of deadlines)": {
        "due_from": date(2027, 5, 10),
        "due_to": date(2027, 5, 16),
    },
    "my departments (/my, a leader's department)": {"department_ids": [1, 2]},
    "a source": {"source": Source.GOVERNMENT},
    "a source in my departments": {"source": Source.GOVERNMENT, "department_ids": [1]},
    "passed to an executor (/my)": {"passed_to": 3},
}


def list_statements(filters: OpenFilters) -> dict[str, tuple[str, tuple[object, ...]]]:
    where, params = open_where(filters)
    assert where is not None
    key = ("2027-05-12", "01-12/345")
    return {
        "count": count_sql(where, params),
        "first page": page_sql(where, params, None, False, 9),
        "▶️": page_sql(where, params, key, False, 9),
        "◀️": page_sql(where, params, key, True, 9),
        "anything before": before_sql(where, params, key),
    }


@pytest.mark.parametrize("name", LIST_FILTERS)
async def test_every_list_query_reads_an_index_not_the_items_table(
    staffed: Repos, name: str
) -> None:
    sources = list(Source)
    for number in range(30):
        await stored_assignments.register(
            staffed,
            f"N-{number:02d}",
            deadline=date(2027, 5, 1 + number % 20),
            source=sources[number % len(sources)],
        )
    for label, (sql, params) in list_statements(LIST_FILTERS[name]).items():
        async with staffed.db.writer.execute(f"EXPLAIN QUERY PLAN {sql}", params) as cursor:
            plan = [str(row[3]) for row in await cursor.fetchall()]
        on_items = [step for step in plan if re.match(r"(SCAN|SEARCH) a\b", step)]
        assert on_items, (label, plan)
        for step in on_items:
            # a SCAN of the items table itself (not of an index) reads every row
            assert "INDEX" in step or "PRIMARY KEY" in step, (name, label, plan)
        assert "OFFSET" not in sql


async def walk(repos: Repos, size: int) -> list[list[str]]:
    """Every page from the first by ▶️, as reg numbers."""
    pages, at = [], 0
    while True:
        page = await repos.assignments.open_page(size=size, at=at)
        pages.append([item.reg_number for item in page.items])
        if page.next_at is None:
            return pages
        at = page.next_at


async def test_pages_by_key_forward_and_back_each_item_once(staffed: Repos) -> None:
    ids = {}
    for number in range(11):  # three share each deadline: the number breaks the tie
        ids[f"K-{number:02d}"] = await stored_assignments.register(
            staffed, f"K-{number:02d}", deadline=date(2027, 5, 3 + number // 3)
        )
    expected = [f"K-{n:02d}" for n in range(11)]
    pages = await walk(staffed, 4)
    assert pages == [expected[0:4], expected[4:8], expected[8:11]]

    last = await staffed.assignments.open_page(size=4, at=ids["K-08"])
    assert (last.total, last.next_at, last.before_first) == (11, None, True)
    back = await staffed.assignments.open_page(size=4, at=-ids["K-08"])
    assert [item.reg_number for item in back.items] == expected[4:8]
    assert (back.next_at, back.before_first) == (ids["K-08"], True)
    first = await staffed.assignments.open_page(size=4, at=-ids["K-04"])
    assert [item.reg_number for item in first.items] == expected[0:4]
    assert not first.before_first
    # ◀️ from a page that had come to start early: the first page, full
    short = await staffed.assignments.open_page(size=4, at=-ids["K-02"])
    assert [item.reg_number for item in short.items] == expected[0:4]
    assert not short.before_first


async def test_a_stale_or_forged_page_key_still_reads_sensibly(staffed: Repos) -> None:
    ids = [
        await stored_assignments.register(
            staffed, f"S-{number}", deadline=date(2027, 5, 3 + number)
        )
        for number in range(6)
    ]
    # the item a ▶️ button starts at was removed since: the page starts where it stood
    edu = await department_id(staffed, stored_assignments.EDU)
    await add_report(staffed, ids[3], edu, "edu_head", "Готово", final=True, at=AT)
    assert await stored_assignments.remove(staffed, ids[3])
    page = await staffed.assignments.open_page(size=2, at=ids[3])
    assert [item.reg_number for item in page.items] == ["S-4", "S-5"]
    assert page.total == 5 and page.before_first
    # an item that never existed: the first page
    page = await staffed.assignments.open_page(size=2, at=99_999)
    assert [item.reg_number for item in page.items] == ["S-0", "S-1"]
    assert not page.before_first
    page = await staffed.assignments.open_page(size=2, at=-99_999)
    assert [item.reg_number for item in page.items] == ["S-0", "S-1"]
    # a key outside the filter only marks a place: nothing outside the filter is shown
    fin = await department_id(staffed, stored_assignments.FIN)
    page = await staffed.assignments.open_page(size=2, at=ids[2], department_ids=[fin])
    assert (page.items, page.total) == ([], 0)


EDU, FIN, CTRL = 7001, 7002, 7003
PEOPLE = {"edu_head": EDU, "fin_head": FIN, "ctrl": CTRL}  # who joins in `joined_world`
STRANGERS = 9000  # the first of the chats that were never invited


def edits(world: World) -> list[EditMessageText]:
    return [m for m in world.bot.sent() if isinstance(m, EditMessageText)]


async def test_control_pages_by_key_and_a_stale_button_still_answers(joined_world: World) -> None:
    world = joined_world
    for number in range(19):
        await register_item(
            world.repos,
            world.profile,
            world.settings,
            f"P-{number:02d}",
            deadline=date(2027, 5, 12) + timedelta(days=number // 4),
        )
    world.bot.clear()
    await world.say("/control", CTRL)
    [first] = messages_to(world.bot, CTRL)
    assert first.text.startswith("На контроле: 19")
    assert "P-00" in first.text and "P-07" in first.text and "P-08" not in first.text
    assert "◀️" not in buttons(first)
    for message in (first,):
        for data in buttons(message).values():
            assert len(data.encode()) <= 64  # Telegram's limit for callback data
    await world.press(first, "▶️", CTRL)
    [second] = edits(world)
    assert "P-08" in (second.text or "") and "P-15" in (second.text or "")
    assert "P-07" not in (second.text or "")
    assert "Страница 2 из 3" in (second.text or "")
    world.bot.clear()
    await world.press(second, "▶️", CTRL)
    [third] = edits(world)
    assert [n for n in ("P-16", "P-17", "P-18") if n in (third.text or "")] == [
        "P-16",
        "P-17",
        "P-18",
    ]
    assert "▶️" not in buttons(third)
    world.bot.clear()
    await world.press(third, "◀️", CTRL)
    [back] = edits(world)
    assert back.text == second.text

    # a button drawn before the list shrank: the page it names, numbered within the new list
    closed = await world.repos.assignments.by_number("P-16")
    assert closed is not None
    async with world.repos.transaction():
        await world.repos.conn.execute(
            "UPDATE assignments SET status = 'removed' WHERE id = ?", (closed.id,)
        )
    world.bot.clear()
    await world.press(second, "▶️", CTRL)
    [stale] = edits(world)
    assert "На контроле: 18" in (stale.text or "")
    assert "P-16" not in (stale.text or "") and "P-17" in (stale.text or "")
    assert "Страница 3 из 3" in (stale.text or "")


# --- bounded, fair concurrency -------------------------------------------------------------


async def test_a_burst_is_answered_in_full_in_order_per_person_a_few_at_a_time(
    joined: Repos,
    bot: RecordingBot,
    settings: Settings,
    i18n: I18n,
    profile: Profile,
    deliverer: Deliverer,
) -> None:
    bounded = settings.model_copy(update={"updates_at_once": 3})
    dp = create_dispatcher(bounded, joined, i18n, profile=profile, deliverer=deliverer)
    [places] = [m for m in dp.update.outer_middleware if isinstance(m, BoundedWork)]
    commands = {EDU: ("/help", "/my"), FIN: ("/help", "/my"), CTRL: ("/help", "/control")}
    answer_to: dict[tuple[int, str], str] = {}
    for user_id, pair in commands.items():  # what each command answers this person, alone
        for command in pair:
            bot.clear()
            await dp.feed_update(bot, make_message(command, user_id=user_id))
            [answer_to[user_id, command]] = bot.texts()
    bot.clear()
    places.peak = 0
    said: dict[int, list[str]] = {user: [] for user in commands}
    burst = []
    for turn in range(20):  # as polling hands them over: every update a task of its own
        for user_id, pair in commands.items():
            said[user_id].append(pair[(turn * user_id) % 2 if turn % 3 else turn % 2])
            burst.append(make_message(said[user_id][-1], user_id=user_id))
        burst += [make_message(f"{turn}", user_id=STRANGERS + n) for n in range(turn % 4 * 5)]
    await asyncio.gather(*(dp.feed_update(bot, update) for update in burst))

    answers: dict[int, list[str]] = defaultdict(list)
    for message in bot.sent():
        assert isinstance(message, SendMessage)
        answers[int(message.chat_id)].append(message.text)
    assert sum(map(len, answers.values())) == len(burst)  # every update answered, once
    for user_id in commands:  # each person's answers in the order they wrote
        assert answers[user_id] == [answer_to[user_id, text] for text in said[user_id]]
    assert places.peak == 3  # never more at once than the bound, and the bound was reached
    assert places.busy == 0


# --- digests for the control department ----------------------------------------------------


async def accept_all(world: World, moment: datetime) -> list[str]:
    """Three items, each accepted by both its departments' heads within the minute of
    `moment`: six acceptances. Their numbers."""
    numbers = [f"D-{n}" for n in range(3)]
    for number in numbers:
        await register_item(world.repos, world.profile, world.settings, number)
    await world.deliverer.drain()  # the cards
    for step, number in enumerate(numbers):
        item = await world.repos.assignments.by_number(number)
        assert item is not None
        for code, executor in zip(("edu_head", "fin_head"), item.executors, strict=True):
            head = await world.repos.staff.by_code(code)
            assert head is not None
            ctx = await world.context(now=moment + timedelta(seconds=5 * step))
            assert await assignment_steps.accept(ctx, head, item, executor.department_id)
    return numbers


async def test_acceptances_within_a_minute_reach_a_controller_as_one_message(
    joined_world: World,
) -> None:
    moment = datetime.now(UTC).replace(second=10, microsecond=0)
    numbers = await accept_all(joined_world, moment)
    await joined_world.delivered(now=moment + timedelta(seconds=30))
    assert messages_to(joined_world.bot, CTRL) == []  # the minute is not over yet
    await joined_world.delivered(now=digest_moment(moment))
    [digest] = messages_to(joined_world.bot, CTRL)
    lines = digest.text.split("\n")
    assert len(lines) == 6
    assert all(line.startswith("Поручение № D-") for line in lines)
    assert list(buttons(digest)) == [f"🔎 {number}" for number in numbers]
    await joined_world.delivered(now=digest_moment(moment) + timedelta(minutes=5))
    assert messages_to(joined_world.bot, CTRL) == []


def stepped_sender(world: World, i18n: I18n) -> Deliverer:
    """A sender as a restarted bot would make one (a new owner), stepped by `drain`."""
    limiter = RateLimiter(1000, per_chat_interval=0)
    return create_deliverer(
        world.bot, world.repos, i18n, world.settings, world.profile, limiter, background=False
    )


async def test_a_digest_is_neither_lost_nor_sent_twice_across_a_restart(
    joined_world: World, i18n: I18n
) -> None:
    world = joined_world
    moment = datetime.now(UTC).replace(second=10, microsecond=0)
    await accept_all(world, moment)
    due = digest_moment(moment)
    # a sender took the digest's messages and its process died before sending them
    claimed = await world.repos.outbox.claim(due, limit=200, owner="gone-host:1")
    assert {item.kind for item in claimed} == {Kind.ACCEPTED}
    world.bot.clear()
    restarted = stepped_sender(world, i18n)
    await restarted.drain(now=due + timedelta(minutes=10))  # the claim has lapsed
    [digest] = messages_to(world.bot, CTRL)
    assert len(digest.text.split("\n")) == 6
    world.bot.clear()
    again = stepped_sender(world, i18n)
    await again.drain(now=due + timedelta(minutes=20))
    assert messages_to(world.bot, CTRL) == []


async def test_a_kick_also_wakes_the_sender_when_this_minutes_digests_fall_due(
    joined_world: World, i18n: I18n
) -> None:
    world = joined_world
    sender = create_deliverer(world.bot, world.repos, i18n, world.settings, world.profile)
    before = digest_moment(datetime.now(UTC))
    sender.kick()
    sender.kick()  # one wake-up per minute, however many kicks
    assert set(sender._wakes) <= {before, digest_moment(datetime.now(UTC))}
    assert len(sender._wakes) == 1
    await sender.close()
    assert sender._wakes == {}

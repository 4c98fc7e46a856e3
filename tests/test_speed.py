"""Issue 17, fast under load: what is computed once (the working-day calendar, the sweep's
notice plans)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.utils.i18n import I18n

from bot import services
from bot.assignments import notices
from bot.assignments import steps as assignment_steps
from bot.assignments.notices import due, planned, plans
from bot.assignments.rules import light_bounds, lights_on, traffic_light
from bot.calendar import WorkCalendar
from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter
from bot.factory import create_deliverer, create_dispatcher
from bot.leaders.rules import tally
from bot.middlewares import BoundedWork
from bot.outbox_kinds import Kind, digest_moment
from bot.profiles import DEFAULT_PROFILE, Profile, load_profile
from storage.assignments.reading import (
    OpenFilters,
    before_sql,
    count_sql,
    held_count_sql,
    held_page_sql,
    held_where,
    open_where,
    page_sql,
)
from storage.domain.assignments import Executor, Status
from storage.domain.enums import Source
from storage.overview import _ALL, _SOME, counts_sql, light_counts_sql, light_params
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
    quick_statements,
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
    key = ("2027-05-12", "01-12/345")
    departments = filters.get("department_ids")
    if departments is not None:  # a department's list: its executor rows, one department each
        where, params, needs_item = held_where(filters)
        wanted = sorted(departments)
        return {
            "count": held_count_sql(wanted, where, params, needs_item),
            "count of one": held_count_sql(wanted[:1], where, params, needs_item),
            "first page": held_page_sql(wanted[0], where, params, needs_item, None, False, 9),
            "▶️": held_page_sql(wanted[0], where, params, needs_item, key, False, 9),
            "◀️": held_page_sql(wanted[0], where, params, needs_item, key, True, 9),
        }
    found, params_ = open_where(filters)
    assert found is not None
    return {
        "count": count_sql(found, params_),
        "first page": page_sql(found, params_, None, False, 9),
        "▶️": page_sql(found, params_, key, False, 9),
        "◀️": page_sql(found, params_, key, True, 9),
        "anything before": before_sql(found, params_, key),
    }


async def query_plan(repos: Repos, sql: str, params: Iterable[object]) -> list[str]:
    async with repos.db.writer.execute(f"EXPLAIN QUERY PLAN {sql}", tuple(params)) as cursor:
        return [str(row[3]) for row in await cursor.fetchall()]


def reads_indexes_only(plan: list[str]) -> bool:
    """Every table step of the plan searches or scans an index (a SCAN of a table itself reads
    every row)."""
    steps = [step for step in plan if re.match(r"(SCAN|SEARCH) (a|e)\b", step)]
    return bool(steps) and all("INDEX" in step or "PRIMARY KEY" in step for step in steps)


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
        plan = await query_plan(staffed, sql, params)
        assert reads_indexes_only(plan), (name, label, plan)
        assert "OFFSET" not in sql
        if "passed_to" not in LIST_FILTERS[name]:  # (a person's few passed items are sorted)
            assert not any("TEMP B-TREE FOR ORDER BY" in step for step in plan), (label, plan)
        if "department_ids" in LIST_FILTERS[name] and label != "count":
            # one department's page and count: its executor rows in list order, nothing sorted
            assert any("USING INDEX assignment_executors_open " in s for s in plan), plan
            assert not any("TEMP B-TREE" in step for step in plan), (label, plan)


async def test_an_items_executors_are_read_in_order_from_an_index(staffed: Repos) -> None:
    """A card's and a page's executor rows come from `assignment_executors_in_order` (migration
    0021) in the order they are shown, with no sort of their own; a card's by its key."""
    ids = [
        await stored_assignments.register(staffed, f"E-{n}", "Отдел образования", "Отдел финансов")
        for n in range(3)
    ]
    with quick_statements(staffed.db) as ran:
        card = await staffed.assignments.get(ids[0])
        page = await staffed.assignments.get_many(ids)
    assert card is not None and len(card.executors) == 2
    assert [len(item.executors) for item in page.values()] == [2, 2, 2]
    reads = [sql for sql in ran if "FROM assignment_executors e" in sql]
    assert len(reads) == 2 and "e.assignment_id = " in reads[0] and "json_each" in reads[1]
    for sql in reads:
        plan = await query_plan(staffed, sql, ())
        assert any("USING INDEX assignment_executors_in_order" in step for step in plan), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan


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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = bot.session.make_request

    async def over_the_wire(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)  # a real Bot API call always waits for the network
        return await record(*args, **kwargs)

    monkeypatch.setattr(bot.session, "make_request", over_the_wire)
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


# --- a department's list and the overview's counts: from the executor rows' index -----------


async def department_list(repos: Repos, department_ids: list[int]) -> list[str]:
    """What a department's list holds, worked out from the items themselves (not the index):
    open items an active executor row of one of the departments holds, by deadline, number."""
    wanted = set(department_ids)
    everything, _total = await repos.assignments.list_open(limit=10_000)
    return [
        item.reg_number
        for item in everything
        if any(e.active and e.department_id in wanted for e in item.executors)
    ]


async def walk_departments(repos: Repos, department_ids: list[int], size: int) -> list[str]:
    """Every page by ▶️ and then back by ◀️: each item once, in order, both ways."""
    pages, at = [], 0
    while True:
        page = await repos.assignments.open_page(size=size, at=at, department_ids=department_ids)
        pages.append(page)
        if page.next_at is None:
            break
        at = page.next_at
    forward = [item.reg_number for page in pages for item in page.items]
    back: list[str] = []
    page = pages[-1]
    while page.before_first:
        page = await repos.assignments.open_page(
            size=size, at=-page.items[0].id, department_ids=department_ids
        )
        back = [item.reg_number for item in page.items] + back
    if len(pages) > 1:
        assert back == forward[: len(back)] and back, (back, forward)
    assert all(page.total == len(forward) for page in pages)
    return forward


async def test_a_departments_list_follows_every_change_of_its_items(staffed: Repos) -> None:
    edu = await department_id(staffed, stored_assignments.EDU)
    fin = await department_id(staffed, stored_assignments.FIN)
    ids = {}
    for number in range(14):  # education, finance or both; deadlines shared three by three
        executors: tuple[str, ...] = [(stored_assignments.EDU,), (stored_assignments.FIN,)][
            number % 2
        ]
        if number % 3 == 0:
            executors = (stored_assignments.EDU, stored_assignments.FIN)
        ids[number] = await stored_assignments.register(
            staffed, f"M-{number:02d}", *executors, deadline=date(2026, 4, 1 + number // 3)
        )
    # a later deadline, a removal, a «not ours», a replacement, a changed number
    item = await staffed.assignments.get(ids[0])
    assert item is not None
    assert await staffed.assignments.change_deadline(
        ids[0],
        old=item.deadline,
        new=date(2026, 5, 20),
        reference="№ 1",
        reason="-",
        actor="ctrl",
        at=AT,
    )
    await add_report(staffed, ids[4], edu, "edu_head", "Готово", final=True, at=AT)
    assert await stored_assignments.remove(staffed, ids[4])
    assert await stored_assignments.decline(staffed, ids[3], fin, "fin_head", "Не наше")
    assert await stored_assignments.decline(staffed, ids[5], fin, "fin_head", "Не наше")
    assert await staffed.assignments.reassign(ids[5], fin, edu, actor="ctrl")
    async with staffed.transaction():
        await staffed.conn.execute(
            "UPDATE assignments SET reg_number = 'M-99' WHERE id = ?", (ids[7],)
        )
    for departments in ([edu], [fin], [edu, fin]):
        expected = await department_list(staffed, departments)
        assert expected  # (and both departments' lists are different)
        for size in (1, 3, 4, 20):
            assert await walk_departments(staffed, departments, size) == expected, size
    edu_list = await department_list(staffed, [edu])
    fin_list = await department_list(staffed, [fin])
    assert "M-04" not in edu_list and "M-05" in edu_list and edu_list[-1] == "M-00"
    assert "M-03" not in fin_list and "M-05" not in fin_list
    assert "M-99" in fin_list and "M-07" not in fin_list


async def test_a_stale_key_in_a_departments_list_still_reads_sensibly(staffed: Repos) -> None:
    edu = await department_id(staffed, stored_assignments.EDU)
    ids = [
        await stored_assignments.register(
            staffed, f"T-{number}", stored_assignments.EDU, deadline=date(2026, 4, 3 + number)
        )
        for number in range(6)
    ]
    await add_report(staffed, ids[3], edu, "edu_head", "Готово", final=True, at=AT)
    assert await stored_assignments.remove(staffed, ids[3])
    page = await staffed.assignments.open_page(size=2, at=ids[3], department_ids=[edu])
    assert [item.reg_number for item in page.items] == ["T-4", "T-5"]
    assert (page.total, page.next_at, page.before_first) == (5, None, True)
    page = await staffed.assignments.open_page(size=2, at=-99_999, department_ids=[edu])
    assert [item.reg_number for item in page.items] == ["T-0", "T-1"]
    assert not page.before_first
    overdue = await staffed.assignments.open_page(
        size=10, department_ids=[edu], overdue_on=date(2026, 4, 6)
    )
    assert [item.reg_number for item in overdue.items] == ["T-0", "T-1", "T-2"]


async def test_the_overviews_counts_group_the_executor_rows_index(staffed: Repos) -> None:
    edu = await department_id(staffed, stored_assignments.EDU)
    fin = await department_id(staffed, stored_assignments.FIN)
    for number in range(6):
        await stored_assignments.register(
            staffed,
            f"O-{number}",
            stored_assignments.EDU,
            *((stored_assignments.FIN,) if number % 2 else ()),
            deadline=date(2026, 4, 1 + number % 2),
        )
    counts = await staffed.overview.open_counts(None)
    assert sorted((c.department_id or 0, c.deadline.day, c.count) for c in counts) == [
        (0, 1, 3),  # each item once in the totals
        (0, 2, 3),
        (edu, 1, 3),
        (edu, 2, 3),
        (fin, 2, 3),
    ]
    everything = await query_plan(staffed, counts_sql(_ALL), ())
    assert reads_indexes_only(everything), everything
    assert not any("TEMP B-TREE" in step for step in everything), everything
    assert any("assignment_executors_open_by_deadline" in step for step in everything)
    some = await query_plan(staffed, counts_sql(_SOME), (f"[{fin}]", f"[{fin}]"))
    assert reads_indexes_only(some), some
    assert any("USING INDEX assignment_executors_open " in step for step in some), some
    assert not any(re.match(r"SCAN (a|e)\b", step) for step in some), some  # only the scope

    # by light (what /overview and the weekly chart read): the same tallies from a few rows
    cal = WorkCalendar()
    for today in (date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3)):
        bounds = light_bounds(cal, today)
        for scope in (None, [edu], [fin], [edu, fin]):
            by_light = await staffed.overview.open_counts(scope, bounds)
            assert tally(by_light, cal, today) == tally(
                await staffed.overview.open_counts(scope), cal, today
            ), (today, scope)
            assert sum(1 for row in by_light if row.department_id is not None) <= 3 * 2
    plan = await query_plan(staffed, light_counts_sql(_ALL), light_params((), bounds))
    assert reads_indexes_only(plan) and not any("TEMP B-TREE" in step for step in plan), plan


def test_the_lights_of_one_day_are_the_traffic_light_of_each_deadline() -> None:
    cal = WorkCalendar()
    for today in (date(2027, 5, 3), date(2027, 5, 6), date(2027, 12, 13), date(2027, 3, 19)):
        light = lights_on(cal, today)
        for offset in range(-3, 30):
            deadline = today + timedelta(days=offset)
            assert light(deadline) == traffic_light(cal, today, deadline), (today, deadline)

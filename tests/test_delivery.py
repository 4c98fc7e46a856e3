"""The sender against the fake Bot API: 429 retry_after, 403 blocked, 5xx retries, long texts."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.utils.i18n import I18n

from bot.config import Settings
from bot.delivery import Deliverer, RateLimiter, split_text
from bot.factory import create_bot, create_deliverer
from bot.profiles import Profile
from bot.staff.csv_import import parse_staff_csv
from storage.domain.enums import Language
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.fake_api import FakeBotAPI
from tests.helpers import World


@pytest.fixture
async def real_bot(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Bot]:
    settings = Settings(
        _env_file=None,
        bot_token=api.token,
        bot_api_url=api.base_url,
        database_path=tmp_path / "x.sqlite3",
    )
    bot = create_bot(settings)
    yield bot
    await bot.session.close()


@pytest.fixture
async def people(repos: Repos) -> Repos:
    await repos.staff.import_staff(parse_staff_csv(STAFF_CSV, Language.KK), actor="test")
    for code, telegram_id in (("edu_head", 101), ("fin_head", 102), ("ctrl", 103)):
        person = await repos.staff.by_code(code)
        assert person is not None
        await repos.staff.bind_telegram(person, telegram_id, actor="test")
    return repos


def sender(
    real_bot: Bot, repos: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> Deliverer:
    return create_deliverer(real_bot, repos, i18n, settings, profile, RateLimiter(50))


async def queue_note(repos: Repos, to_code: str, about_code: str, kind: str = "unbound") -> int:
    to = await repos.staff.by_code(to_code)
    about = await repos.staff.by_code(about_code)
    assert to is not None
    assert about is not None
    await repos.outbox.enqueue(
        f"t:{to.id}:{about.id}:{kind}", to.id, kind, {"person_id": about.id}
    )
    return to.id


async def test_429_waits_retry_after_and_sends_once(
    api: FakeBotAPI, real_bot: Bot, people: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> None:
    await queue_note(people, "edu_head", "akim")
    api.fail_next("sendMessage", status=429, retry_after=1)
    started = datetime.now(UTC)
    stats = await sender(real_bot, people, i18n, settings, profile).drain()
    assert stats.sent == 1
    assert datetime.now(UTC) - started >= timedelta(seconds=1)
    assert len(api.sent_messages) == 1
    assert (await people.outbox.counts())["sent"] == 1


async def test_403_holds_the_messages_until_the_person_is_back(
    api: FakeBotAPI, real_bot: Bot, people: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> None:
    api.block_user(101)
    await queue_note(people, "edu_head", "akim")
    await queue_note(people, "edu_head", "hoa")
    deliverer = sender(real_bot, people, i18n, settings, profile)
    assert (await deliverer.drain()).failed == 0
    head = await people.staff.by_code("edu_head")
    assert head is not None
    assert head.unreachable
    to_controller = [c for c in api.sent_messages if c.params["chat_id"] == 103]
    assert len(to_controller) == 1
    assert "Асель Нурланова" in to_controller[0].params["text"]
    assert "заблокирован" in to_controller[0].params["text"]
    # held, not retried: nothing more is tried while blocked, and the controller hears it once
    tried = len(api.calls("sendMessage"))
    await queue_note(people, "edu_head", "dep1")
    await deliverer.drain()
    assert len(api.calls("sendMessage")) == tried
    assert (await people.outbox.counts())["pending"] == 3
    # back: all three go out, none lost, none twice
    api.unblock_user(101)
    await people.staff.set_unreachable(head, False, actor="test")
    assert (await deliverer.drain()).sent == 3
    delivered = [c for c in api.sent_messages if c.params["chat_id"] == 101]
    assert len(delivered) == 3
    assert (await deliverer.drain()).sent == 0


async def test_5xx_is_retried_later_with_backoff(
    api: FakeBotAPI, real_bot: Bot, people: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> None:
    await queue_note(people, "fin_head", "akim")
    api.fail_next("sendMessage", status=500)
    deliverer = sender(real_bot, people, i18n, settings, profile)
    stats = await deliverer.drain()
    assert stats.retried == 1
    assert api.sent_messages == []
    assert (await deliverer.drain()).sent == 0  # not yet: backoff
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert (await deliverer.drain(now=later)).sent == 1
    assert len(api.sent_messages) == 1


async def test_a_proxys_page_instead_of_telegrams_answer_is_retried_later(
    api: FakeBotAPI, real_bot: Bot, people: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> None:
    await queue_note(people, "fin_head", "akim")
    api.fail_next("sendMessage", status=502, page="<html><h1>502 Bad Gateway</h1></html>")
    deliverer = sender(real_bot, people, i18n, settings, profile)
    stats = await deliverer.drain()  # the sender goes on: nothing raised, nothing lost
    assert (stats.retried, stats.sent, stats.failed) == (1, 0, 0)
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert (await deliverer.drain(now=later)).sent == 1
    assert len(api.sent_messages) == 1


async def test_messages_for_a_person_not_joined_wait_and_follow_when_they_join(
    api: FakeBotAPI, real_bot: Bot, people: Repos, i18n: I18n, settings: Settings, profile: Profile
) -> None:
    akim_id = await queue_note(people, "akim", "hoa")  # the akim has not joined yet
    await queue_note(people, "akim", "dep1")
    deliverer = sender(real_bot, people, i18n, settings, profile)
    stats = await deliverer.drain()
    assert (stats.failed, stats.sent) == (0, 0)
    assert api.sent_messages == []  # nobody is told per message: the sweep's digest does that
    assert await people.outbox.held() == [(akim_id, {"unbound": 2})]
    akim = await people.staff.get(akim_id)
    assert akim is not None
    await people.staff.bind_telegram(akim, 104, actor="test")
    assert await people.outbox.held() == []
    assert (await deliverer.drain()).sent == 2
    assert [c.params["chat_id"] for c in api.sent_messages] == [104, 104]


def test_long_texts_split_cleanly_at_line_breaks() -> None:
    text = "\n".join(f"{i:05d} " + "ж" * 90 for i in range(200))
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(piece) <= 4096 for piece in pieces)
    assert "\n".join(pieces) == text
    assert split_text("қысқа") == ["қысқа"]
    assert all(len(p) <= 4096 for p in split_text("x" * 10_000))


async def test_rate_limiter_spaces_messages_per_chat_and_overall() -> None:
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(25, clock=lambda: now[0], sleep=fake_sleep)
    for _ in range(3):
        await limiter.wait(1)
    assert now[0] == pytest.approx(2.0)  # one a second in one chat
    now[0] = 10.0
    for chat in range(50):
        await limiter.wait(100 + chat)
    assert now[0] == pytest.approx(10.0 + 49 / 25)  # 25 a second overall


async def test_items_due_together_are_claimed_together_per_person(people: Repos) -> None:
    moment = datetime(2027, 5, 5, 4, 0, tzinfo=UTC)
    edu = await people.staff.by_code("edu_head")
    fin = await people.staff.by_code("fin_head")
    assert edu is not None
    assert fin is not None
    for number in range(3):  # queued alternately, as a sweep walks the items
        for person in (fin, edu):
            await people.outbox.enqueue(
                f"n:{number}:{person.id}", person.id, "notice", {}, not_before=moment
            )
    first = await people.outbox.claim(moment, limit=3)
    assert len({item.person_id for item in first}) == 1
    second = await people.outbox.claim(moment, limit=3)
    assert {item.person_id for item in second} == {edu.id, fin.id} - {first[0].person_id}


async def test_a_background_drain_survives_a_busy_database(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A drain nobody waits for (a kick) that finds the database locked beyond its timeout (a
    long import in another process) logs one line and leaves the messages for the next drain:
    no task dies with an exception nobody retrieves."""

    async def locked(*_args: object, **_kwargs: object) -> list[object]:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(world.repos.outbox, "claim", locked)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        await world.deliverer._background_drain()  # no exception
    assert any("the database is busy" in r.getMessage() for r in caplog.records)

"""Issue 17, fast under load: what is computed once (the working-day calendar, the sweep's
notice plans)."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from bot import services
from bot.assignments import notices
from bot.assignments.notices import due, planned, plans
from bot.calendar import WorkCalendar
from bot.profiles import DEFAULT_PROFILE, load_profile
from storage.domain.assignments import Executor, Status
from storage.repo import Repos
from tests.helpers import assignment

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

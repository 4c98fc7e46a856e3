"""The report's facts and figures: the audit trigger and its backfill (migration 0016), the
counts on a quarter with known on-time / late / overdue / extended / removed items, the period
edges, the presets and the quarterly due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite

from bot.calendar import WorkCalendar
from bot.profiles import Profile
from bot.reports import rules
from bot.reports.rules import Preset
from storage.db import connect
from storage.domain.assignments import RemovalGround
from storage.domain.enums import Role, Source
from storage.domain.reports import Counts
from storage.repo import Repos
from tests.helpers import department_id
from tests.stored_reports import EDU, FIN, Q1, first_quarter, register, remove, report

ALMATY = ZoneInfo("Asia/Almaty")


async def report_for(
    repos: Repos,
    start: date,
    end: date,
    today: date = date(2026, 4, 20),
    departments: frozenset[int] | None = None,
) -> rules.Report:
    win = rules.window(start, end, today, ALMATY, departments)
    names = {d.id: d.name for d in await repos.staff.departments()}
    groups = await repos.reports.groups(win)
    worst = await repos.reports.worst_overdue(win)
    return rules.build(win, groups, worst, names)


async def test_facts_are_written_with_each_step(staffed: Repos) -> None:
    ids = await first_quarter(staffed)
    rows = await staffed.reports.fetch_all(
        "SELECT kind, at, ground, old_deadline, new_deadline FROM assignment_facts"
        " WHERE assignment_id = ? ORDER BY id",
        (ids["A3"],),
    )
    assert [tuple(row) for row in rows] == [
        ("extended", "2026-03-03T06:00:00.000", None, "2026-03-06", "2026-03-10"),
        ("reported", "2026-03-10T06:00:00.000", None, None, None),
        ("removed", "2026-03-11T06:00:00.000", "executed", None, None),
    ]


async def test_first_quarter_counts(staffed: Repos) -> None:
    await first_quarter(staffed)
    found = await report_for(staffed, *Q1)
    by_name = {line.name: line.counts for line in found.departments}
    assert by_name[EDU] == Counts(received=3, on_time=2, late=2, extended=1, days_late=10)
    assert by_name[FIN] == Counts(received=4, overdue=1, in_time=2, impossible=1, returned=1)
    assert found.total.received == 7
    assert (found.total.on_time, found.total.late, found.total.overdue) == (2, 2, 1)
    assert found.total.rate == 40.0
    assert found.total.average_days_late == 5.0
    assert by_name[EDU].rate == 50.0
    assert by_name[FIN].rate == 0.0
    sources = dict(found.sources)
    assert sources[Source.GOVERNMENT] == Counts(received=1, in_time=1)
    assert sources[Source.AKIM].received == 6
    assert [(w.reg_number, w.department, w.days) for w in found.worst] == [("A4", FIN, 29)]


async def test_a_deputy_sees_the_departments_they_curate(staffed: Repos) -> None:
    await first_quarter(staffed)
    edu = await department_id(staffed, EDU)
    found = await report_for(staffed, *Q1, departments=frozenset({edu}))
    assert [line.name for line in found.departments] == [EDU]
    assert found.total.received == 3
    assert found.worst == []
    nothing = await report_for(staffed, *Q1, departments=frozenset())
    assert nothing.empty and nothing.total == Counts()


async def test_period_edges_are_local_days(staffed: Repos) -> None:
    """A report at 23:30 in Almaty on 31 March (18:30 UTC) is in March; one at 00:30 on
    1 April (19:30 UTC on 31 March) is not."""
    inside = await register(staffed, "E1", EDU, date(2026, 3, 2), date(2026, 3, 31))
    outside = await register(staffed, "E2", EDU, date(2026, 3, 2), date(2026, 3, 31))
    await report(staffed, inside, EDU, datetime(2026, 3, 31, 18, 30, tzinfo=UTC))
    await report(staffed, outside, EDU, datetime(2026, 3, 31, 18, 30, tzinfo=UTC))
    await remove(
        staffed, inside, RemovalGround.EXECUTED, datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    )
    await remove(
        staffed, outside, RemovalGround.EXECUTED, datetime(2026, 3, 31, 19, 30, tzinfo=UTC)
    )
    march = await report_for(staffed, date(2026, 3, 1), date(2026, 3, 31))
    april = await report_for(staffed, date(2026, 4, 1), date(2026, 4, 30))
    assert (march.total.on_time, march.total.in_time) == (1, 1)  # E2: report in, on time
    assert april.total.on_time == 1
    assert april.total.received == 0


async def test_an_open_period_is_read_as_of_today(staffed: Repos) -> None:
    await first_quarter(staffed)
    found = await report_for(staffed, *Q1, today=date(2026, 3, 10))
    assert found.as_of == date(2026, 3, 10)
    # A4 (deadline 2 March) is overdue by 8 days; A6's deadline (20 March) is still ahead.
    assert [(w.reg_number, w.days) for w in found.worst] == [("A4", 8)]


async def test_the_migration_backfills_the_facts_from_the_audit_trail(
    staffed: Repos, tmp_path: Path
) -> None:
    await first_quarter(staffed)
    path = Path(staffed.db.path)
    before = [tuple(r) for r in await staffed.reports.fetch_all("SELECT * FROM assignment_facts")]
    columns = "SELECT reported_at, removed_at FROM assignments ORDER BY id"
    on_items = [tuple(r) for r in await staffed.reports.fetch_all(columns)]
    assert len(before) == 16
    await staffed.db.close()
    raw = await aiosqlite.connect(path, isolation_level=None)
    try:
        await raw.executescript(  # a database before 0016 (and so before 0017–0024: undone first)
            "BEGIN; DROP TABLE open_counts;"  # 0024, and its triggers on the items
            " DROP TRIGGER open_counts_inserted; DROP TRIGGER open_counts_deleted;"
            " DROP TRIGGER open_counts_updated_out; DROP TRIGGER open_counts_updated_in;"
            " DROP TRIGGER assignment_clock_item_deleted;"  # 0023
            + "".join(  # 0022: the items' versions
                f" DROP TRIGGER assignment_version_{change};"
                for change in (
                    "inserted",
                    "updated",
                    "executor_inserted",
                    "executor_updated",
                    "executor_deleted",
                )
            )
            + " DROP TABLE assignment_clock; ALTER TABLE assignments DROP COLUMN version;"
            + "".join(  # 0020: the directory's version and the triggers that raise it
                f" DROP TRIGGER staff_version_{table}_{change};"
                for table in (
                    "people",
                    "departments",
                    "person_roles",
                    "curated_departments",
                    "substitutions",
                )
                for change in ("insert", "update", "delete")
            )
            + " DROP TABLE staff_version;"
            " DROP INDEX assignment_executors_in_order;"  # 0021
            " DROP TRIGGER assignment_executors_keyed; DROP TRIGGER assignments_key_changed;"
            " DROP INDEX assignment_executors_open;"
            " DROP INDEX assignment_executors_open_by_deadline;"
            " ALTER TABLE assignment_executors DROP COLUMN open_deadline;"
            " ALTER TABLE assignment_executors DROP COLUMN reg_number;"
            " ALTER TABLE file_cache DROP COLUMN digest;"
            " DROP TRIGGER audit_assignment_facts_insert; DROP VIEW audit_assignment_facts;"
            " DROP TRIGGER assignment_facts_on_item; DROP TABLE assignment_facts;"
            " ALTER TABLE assignments DROP COLUMN reported_at;"
            " ALTER TABLE assignments DROP COLUMN removed_at;"
            # the later migrations undone too, so that they apply again after 0016
            " DROP TABLE meeting_returns; ALTER TABLE meetings DROP COLUMN approval_round;"
            " ALTER TABLE remark_rounds DROP COLUMN reg_number;"  # 0018
            " PRAGMA user_version = 15; COMMIT;"
        )
    finally:
        await raw.close()
    async with connect(path) as db:
        repos = Repos(db)
        after = [tuple(r) for r in await repos.reports.fetch_all("SELECT * FROM assignment_facts")]
        assert [tuple(r) for r in await repos.reports.fetch_all(columns)] == on_items
    assert after == before
    assert sum(1 for reported, removed in on_items if removed) == 6


def test_presets() -> None:
    today = date(2026, 2, 14)
    assert rules.preset_period(Preset.THIS_MONTH, today) == (date(2026, 2, 1), date(2026, 2, 28))
    assert rules.preset_period(Preset.LAST_MONTH, today) == (date(2026, 1, 1), date(2026, 1, 31))
    assert rules.preset_period(Preset.THIS_QUARTER, today) == Q1
    assert rules.preset_period(Preset.LAST_QUARTER, today) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )
    assert rules.preset_period(Preset.THIS_YEAR, today) == (date(2026, 1, 1), date(2026, 12, 31))
    assert rules.preset_period(Preset.LAST_MONTH, date(2026, 1, 5)) == (
        date(2025, 12, 1),
        date(2025, 12, 31),
    )


def test_reader_scope() -> None:
    assert rules.reader_scope({Role.CONTROLLER}, (), ()) is None
    assert rules.reader_scope({Role.DEPUTY_AKIM}, (3, 4), ()) == frozenset({3, 4})
    assert rules.reader_scope({Role.HEAD}, (), (7,)) == frozenset({7})
    assert rules.reader_scope({Role.EXECUTOR}, (), (7,)) == frozenset()


def test_quarterly_due_dates_roll_over(bai: Profile, ala: Profile, cal: WorkCalendar) -> None:
    """Baidibek §12.16: by the 20th, a day off → the next working day (Sunday 20 July 2025 →
    Monday 21 July); Almaty п.42: by the 25th, a day off → the working day before (Sunday
    25 October 2026 → Friday 23 October)."""
    assert bai.quarterly_report is not None and ala.quarterly_report is not None
    baidibek, almaty = bai.quarterly_report.value, ala.quarterly_report.value
    assert rules.quarterly_due(baidibek, cal, 2025, 2) == date(2025, 7, 21)
    assert rules.quarterly_due(almaty, cal, 2026, 3) == date(2026, 10, 23)
    # The reminder 5 working days before (21 July 2025: 14 July), the report from the day.
    assert rules.quarterly_duty(baidibek, cal, date(2025, 7, 11)) is None
    assert rules.quarterly_duty(baidibek, cal, date(2025, 7, 14)) == (
        "remind",
        2025,
        2,
        date(2025, 7, 21),
    )
    assert rules.quarterly_duty(baidibek, cal, date(2025, 7, 21)) == (
        "send",
        2025,
        2,
        date(2025, 7, 21),
    )
    # A bot down on the day still sends it within 5 working days, not later.
    assert rules.quarterly_duty(baidibek, cal, date(2025, 7, 28)) == (
        "send",
        2025,
        2,
        date(2025, 7, 21),
    )
    assert rules.quarterly_duty(baidibek, cal, date(2025, 7, 29)) is None
    # The fourth quarter's report is due in January of the next year.
    assert rules.quarterly_duty(baidibek, cal, date(2026, 1, 20)) == (
        "send",
        2025,
        4,
        date(2026, 1, 20),
    )

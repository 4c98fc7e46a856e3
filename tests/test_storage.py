"""Storage: migrations, WAL and foreign keys, the staff import, invitations, substitutes, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.staff.csv_import import parse_staff_csv
from storage.db import DatabaseError, connect, latest_version, migrate, open_database
from storage.domain.enums import Language, Role
from storage.domain.staff import CsvProblem
from storage.invitations import Redemption
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.helpers import write


async def test_database_file_is_created_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "db.sqlite3"
    async with connect(path) as db:
        conn = db.writer
        async with conn.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"  # type: ignore[index]
        async with conn.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1  # type: ignore[index]
        async with conn.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == latest_version()  # type: ignore[index]
    assert path.exists()


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with (
        connect(path) as db,
        db.conn.execute("SELECT sql FROM sqlite_master ORDER BY name") as cursor,
    ):
        before = await cursor.fetchall()
    async with connect(path) as db:
        assert await migrate(db.writer) == latest_version()
        async with db.conn.execute("SELECT sql FROM sqlite_master ORDER BY name") as cursor:
            assert await cursor.fetchall() == before


async def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    async with aiosqlite.connect(path) as raw:
        await raw.execute(f"PRAGMA user_version = {latest_version() + 5}")
        await raw.commit()
    with pytest.raises(DatabaseError, match="newer than this code"):
        await open_database(path)


async def test_foreign_keys_are_enforced(repos: Repos) -> None:
    with pytest.raises(aiosqlite.IntegrityError):
        await write(repos.db, "INSERT INTO person_roles (person_id, role) VALUES (999, 'head')")


async def test_staff_import_creates_then_updates_by_code(staffed: Repos) -> None:
    people = await staffed.staff.all_people()
    assert len(people) == 8
    hoa = await staffed.staff.by_code("hoa")
    assert hoa is not None
    assert hoa.roles == {Role.HEAD_OF_APPARATUS}
    curated = {d.id: d.name for d in await staffed.staff.departments()}
    assert {curated[i] for i in hoa.curates} == {"Отдел образования", "Отдел финансов"}
    edu = await staffed.staff.department_by_name("отдел   образования")
    assert edu is not None
    assert [p.code for p in await staffed.staff.heads_of(edu.id)] == ["edu_head"]
    assert {p.code for p in await staffed.staff.curators_of(edu.id)} == {"hoa", "dep1"}

    changed = STAFF_CSV.replace(
        "Олег Ким,Руководитель отдела финансов", "Олег Ким,И.о. руководителя"
    )
    counts = await staffed.staff.import_staff(parse_staff_csv(changed, Language.KK), actor="test")
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 7)
    fin = await staffed.staff.by_code("fin_head")
    assert fin is not None
    assert fin.position == "И.о. руководителя"
    trail = await staffed.audit.for_entity("person", "fin_head")
    assert [entry.action for entry in trail] == ["create", "update"]
    assert "Руководитель отдела финансов" in (trail[-1].old_value or "")
    assert "И.о. руководителя" in (trail[-1].new_value or "")


async def test_a_bad_row_imports_nothing(repos: Repos) -> None:
    bad = STAFF_CSV + "x1,Someone,Pos,Отдел образования,wizard,ru,\n"
    with pytest.raises(CsvProblem) as problem:
        parse_staff_csv(bad, Language.KK)
    assert problem.value.line == 10
    assert "wizard" in problem.value.reason
    assert await repos.staff.all_people() == []


async def test_an_unknown_curated_department_rolls_back_the_whole_file(repos: Repos) -> None:
    bad = STAFF_CSV.replace(
        "dep1,Гүлнар Омарова,Заместитель акима,,deputy_akim,kk,Отдел образования",
        "dep1,Гүлнар Омарова,Заместитель акима,,deputy_akim,kk,Отдел спорта",
    )
    with pytest.raises(CsvProblem, match="Отдел спорта") as problem:
        await repos.staff.import_staff(parse_staff_csv(bad, Language.KK), actor="test")
    assert problem.value.line == 5
    assert await repos.staff.all_people() == []
    assert await repos.staff.departments() == []


@pytest.mark.parametrize(
    ("row", "line", "reason"),
    [
        ("a,,Pos,Dept,head,ru,", 2, "full_name is empty"),
        ("a,Name,Pos,,head,ru,", 2, "needs a department"),
        ("a,Name,Pos,Dept,head,en,", 2, "must be kk or ru"),
        ("a b,Name,Pos,Dept,head,ru,", 2, "code"),
        ("a,Name,Pos,Dept,head,ru,Dept", 2, "only a deputy_akim"),
        ("a,Name,Pos,Dept,,ru,", 2, "roles is empty"),
    ],
)
def test_row_problems_name_the_line(row: str, line: int, reason: str) -> None:
    header = "code,full_name,position,department,roles,language,curates\n"
    with pytest.raises(CsvProblem, match=reason) as problem:
        parse_staff_csv(header + row + "\n", Language.KK)
    assert problem.value.line == line


def test_header_and_duplicates() -> None:
    with pytest.raises(CsvProblem, match="missing column"):
        parse_staff_csv("code,full_name\nx,y\n", Language.KK)
    header = "code,full_name,position,department,roles,language,curates\n"
    with pytest.raises(CsvProblem, match="repeats line 2") as problem:
        parse_staff_csv(header + "a,N,P,D,head,ru,\nA,M,P,D,head,ru,\n", Language.KK)
    assert problem.value.line == 3
    rows = parse_staff_csv("\ufeff" + header + "a,N,P,D,head;member,,\n", Language.RU)
    assert rows[0].language is Language.RU
    assert rows[0].roles == {Role.HEAD, Role.MEMBER}


async def test_invitation_binds_once_and_expires(staffed: Repos) -> None:
    person = await staffed.staff.by_code("edu_head")
    assert person is not None
    invitation = await staffed.invitations.issue(person, ttl=timedelta(days=7), actor="admin")
    assert await staffed.invitations.redeem("nonsense", 1) == (Redemption.UNKNOWN, None)
    assert await staffed.invitations.redeem(invitation.token, 5001) == (
        Redemption.BOUND,
        person.id,
    )
    assert (await staffed.invitations.redeem(invitation.token, 5002))[0] is Redemption.USED
    bound = await staffed.staff.by_telegram(5001)
    assert bound is not None
    assert bound.code == "edu_head"

    later = datetime.now(UTC) + timedelta(days=8)
    other = await staffed.staff.by_code("fin_head")
    assert other is not None
    stale = await staffed.invitations.issue(other, ttl=timedelta(days=7), actor="admin")
    assert (await staffed.invitations.redeem(stale.token, 6001, now=later))[
        0
    ] is Redemption.EXPIRED
    fresh = await staffed.invitations.issue(other, ttl=timedelta(days=7), actor="admin")
    assert await staffed.invitations.valid_for(other) == fresh
    # the same Telegram account cannot hold two staff records
    assert (await staffed.invitations.redeem(fresh.token, 5001))[0] is Redemption.TAKEN


async def test_a_new_invitation_rebinds_to_a_new_phone(staffed: Repos) -> None:
    person = await staffed.staff.by_code("edu_head")
    assert person is not None
    first = await staffed.invitations.issue(person, ttl=timedelta(days=7), actor="admin")
    await staffed.invitations.redeem(first.token, 5001)
    second = await staffed.invitations.issue(person, ttl=timedelta(days=7), actor="admin")
    assert (await staffed.invitations.redeem(second.token, 7001))[0] is Redemption.BOUND
    assert await staffed.staff.by_telegram(5001) is None
    moved = await staffed.staff.by_telegram(7001)
    assert moved is not None
    assert moved.code == "edu_head"
    binds = [e for e in await staffed.audit.for_entity("person", "edu_head") if e.action == "bind"]
    assert [(e.old_value, e.new_value) for e in binds] == [(None, "5001"), ("5001", "7001")]


async def test_acting_substitute_receives_within_the_period(staffed: Repos) -> None:
    head = await staffed.staff.by_code("edu_head")
    deputy = await staffed.staff.by_code("edu_exec")
    assert head is not None
    assert deputy is not None
    await staffed.staff.add_substitution(
        head, deputy, date(2026, 12, 1), date(2026, 12, 14), actor="ctrl"
    )
    assert (await staffed.staff.acting_for(head, date(2026, 11, 30))).code == "edu_head"
    assert (await staffed.staff.acting_for(head, date(2026, 12, 1))).code == "edu_exec"
    assert (await staffed.staff.acting_for(head, date(2026, 12, 14))).code == "edu_exec"
    assert (await staffed.staff.acting_for(head, date(2026, 12, 15))).code == "edu_head"
    assert [p.code for p in await staffed.staff.represented_by(deputy, date(2026, 12, 5))] == [
        "edu_head"
    ]
    with pytest.raises(ValueError, match="already has an acting substitute"):
        await staffed.staff.add_substitution(
            head, deputy, date(2026, 12, 10), date(2026, 12, 20), actor="ctrl"
        )
    with pytest.raises(ValueError, match="ends before it starts"):
        await staffed.staff.add_substitution(
            head, deputy, date(2027, 1, 10), date(2027, 1, 1), actor="ctrl"
        )
    trail = await staffed.audit.for_entity("person", "edu_head")
    assert trail[-1].action == "substitute"
    assert "edu_exec" in (trail[-1].new_value or "")


async def test_calendar_overrides_are_audited(repos: Repos) -> None:
    await repos.calendar.set_override(
        date(2026, 12, 31), False, "Постановление № 1", author="admin"
    )
    await repos.calendar.set_override(date(2026, 12, 31), True, "отменено", author="admin")
    assert await repos.calendar.override_map() == {date(2026, 12, 31): True}
    with pytest.raises(ValueError, match="reason"):
        await repos.calendar.set_override(date(2027, 1, 5), False, " ", author="admin")
    assert await repos.calendar.remove_override(date(2026, 12, 31), author="admin")
    assert not await repos.calendar.remove_override(date(2026, 12, 31), author="admin")
    trail = await repos.audit.for_entity("calendar", "2026-12-31")
    assert [e.action for e in trail] == [
        "calendar_override",
        "calendar_override",
        "calendar_override_removed",
    ]
    assert '"working": false' in (trail[1].old_value or "")

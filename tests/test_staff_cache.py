"""The directory kept in memory (`StaffRepo.by_telegram`, `StaffRepo.names`) under its version
(migration 0020): every change, by any path and from any process, is seen on the next read;
a unit of work uses and fills it only until it changes the directory itself; and a read with
no change costs one tiny statement."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import services
from bot.config import Settings
from bot.profiles import Profile
from bot.staff import steps as staff_steps
from bot.staff.csv_import import parse_staff_csv
from storage import staff as staff_module
from storage.domain.enums import Language, Role
from storage.models import Person
from storage.repo import Repos
from tests.conftest import STAFF_CSV
from tests.e2e import ROOT, bot_env
from tests.helpers import invite, person, quick_statements

EDU, DEP = 7001, 7002  # edu_head's and dep1's Telegram accounts
VERSION_READ = "SELECT version FROM staff_version WHERE id = 1"


@pytest.fixture(autouse=True)
def each_read_is_a_new_update(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read again and again in one task, each read standing for the next update's:
    one task does not reuse its version read here (that reuse has its own tests, below)."""
    monkeypatch.setattr(staff_module, "VERSION_REUSE_SECONDS", 0)


async def seen(repos: Repos, telegram_id: int = EDU) -> Person:
    """Who the account is, as the middleware reads it (twice: the second from memory)."""
    first = await repos.staff.by_telegram(telegram_id)
    again = await repos.staff.by_telegram(telegram_id)
    assert first is not None
    assert again == first
    return again


async def name_of(repos: Repos, code: str) -> str:
    names = await repos.staff.names()
    assert await repos.staff.names() is names  # the same mapping, from memory
    return names[code]


async def version(repos: Repos) -> int:
    row = await repos.staff.fetch_one(VERSION_READ)
    assert row is not None
    return int(row["version"])


def with_row(code: str, replaced: str, csv: str = STAFF_CSV, header: str = "") -> str:
    """The staff file `csv` with `code`'s row replaced (and extra header columns, if any)."""
    lines = csv.splitlines()
    if header:
        lines[0] += header
    return "\n".join(replaced if line.startswith(code + ",") else line for line in lines) + "\n"


async def test_every_path_that_changes_the_directory_is_seen_on_the_next_read(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    staff = staffed.staff
    assert await staff.by_telegram(EDU) is None  # a stranger, kept as such
    assert await staff.by_telegram(EDU) is None
    # binding by invitation
    token = await invite(staffed, "edu_head")
    await staffed.invitations.redeem(token, EDU)
    edu = await seen(staffed)
    assert edu.code == "edu_head"
    assert not edu.language_chosen
    # /lang
    await staff.set_language(edu, Language.RU, actor="edu_head")
    assert (await seen(staffed)).language is Language.RU
    # unreachable (the person blocked the bot), and back
    await staff.set_unreachable(await seen(staffed), True, actor="system")
    assert (await seen(staffed)).unreachable
    await staff.set_unreachable(await seen(staffed), False, actor="system")
    assert not (await seen(staffed)).unreachable
    # an import: a new name, a role more, a department renamed in Kazakh, and (for the deputy
    # akim, bound too) a curated department more
    await staff.bind_telegram(await person(staffed, "dep1"), DEP, actor="test")
    deputy = await seen(staffed, DEP)
    assert await name_of(staffed, "edu_head") == "Асель Нурланова"
    csv = with_row(
        "edu_head",
        "edu_head,Асель Нурланқызы,Руководитель отдела образования,Отдел образования,"
        "head;member,kk,,Білім бөлімі",
        header=",department_kk",
    )
    csv = with_row(
        "dep1",
        "dep1,Гүлнар Омарова,Заместитель акима,,deputy_akim,kk,Отдел образования;Отдел финансов,",
        csv,
    )
    await staff.import_staff(parse_staff_csv(csv, Language.KK), actor="test")
    edu = await seen(staffed)
    assert edu.full_name == "Асель Нурланқызы"
    assert await name_of(staffed, "edu_head") == "Асель Нурланқызы"
    assert edu.roles == {Role.HEAD, Role.MEMBER}
    assert edu.department_name_kk == "Білім бөлімі"
    finance = await staff.department_by_name("Отдел финансов")
    assert finance is not None
    assert (await seen(staffed, DEP)).curates == deputy.curates | {finance.id}
    # a department renamed alone (nothing of the person's own row changes)
    csv = csv.replace("Білім бөлімі", "Білім беру бөлімі")
    await staff.import_staff(parse_staff_csv(csv, Language.KK), actor="test")
    assert (await seen(staffed)).department_name_kk == "Білім беру бөлімі"
    # removal from the directory (the administrator's step, in a long unit of work)
    ctx = await services.make_context(staffed, profile, settings)
    await staff_steps.remove_people(ctx, [await seen(staffed)], actor="admin")
    assert not (await seen(staffed)).active


async def test_a_change_committed_by_another_connection_or_process_is_seen(
    staffed: Repos, tmp_path: Path
) -> None:
    await staffed.staff.bind_telegram(await person(staffed, "edu_head"), EDU, actor="test")
    assert (await seen(staffed)).position == "Руководитель отдела образования"
    assert await name_of(staffed, "fin_head") == "Олег Ким"
    other = sqlite3.connect(staffed.db.path, isolation_level=None)
    try:
        other.execute("UPDATE people SET position = 'elsewhere' WHERE code = 'edu_head'")
        other.execute("UPDATE people SET full_name = 'Олег Ким-Ли' WHERE code = 'fin_head'")
    finally:
        other.close()
    assert (await seen(staffed)).position == "elsewhere"
    assert await name_of(staffed, "fin_head") == "Олег Ким-Ли"
    # a role or a curated department alone (by hand: an import changes the person's row too)
    edu = await seen(staffed)
    assert edu.department_id is not None
    other = sqlite3.connect(staffed.db.path, isolation_level=None)
    try:
        other.execute("INSERT INTO person_roles (person_id, role) VALUES (?, 'member')", (edu.id,))
        assert (await seen(staffed)).roles == {Role.HEAD, Role.MEMBER}
        other.execute(
            "INSERT INTO curated_departments (person_id, department_id) VALUES (?, ?)",
            (edu.id, edu.department_id),
        )
        assert (await seen(staffed)).curates == {edu.department_id}
        other.execute("DELETE FROM curated_departments WHERE person_id = ?", (edu.id,))
        assert (await seen(staffed)).curates == frozenset()
        other.execute(
            "UPDATE departments SET name_ru = 'Образование' WHERE id = ?", (edu.department_id,)
        )
        assert (await seen(staffed)).department_name_ru == "Образование"
    finally:
        other.close()
    # the command line's staff import, in a process of its own
    staff_file = tmp_path / "staff.csv"
    staff_file.write_text(
        with_row(
            "edu_head",
            "edu_head,Асель Нурланова,Басшы,Отдел образования,head,kk,",
        ),
        encoding="utf-8",
    )
    env = bot_env(None, tmp_path) | {"DATABASE_PATH": str(staffed.db.path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "staff", "import", str(staff_file),
        env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert "2 updated" in out.decode()  # edu_head, and fin_head's name back as in the file
    assert (await seen(staffed)).position == "Басшы"
    assert await name_of(staffed, "fin_head") == "Олег Ким"


async def test_a_unit_that_rolls_back_leaves_the_kept_directory_right(staffed: Repos) -> None:
    staff = staffed.staff
    await staff.bind_telegram(await person(staffed, "edu_head"), EDU, actor="test")
    assert (await seen(staffed)).position == "Руководитель отдела образования"
    assert await name_of(staffed, "edu_head") == "Асель Нурланова"
    before = await version(staffed)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def outside() -> None:  # another update meanwhile reads committed data only
        await inside.wait()
        assert (await seen(staffed)).position == "Руководитель отдела образования"
        assert await name_of(staffed, "edu_head") == "Асель Нурланова"
        release.set()

    async def unit() -> None:
        with pytest.raises(RuntimeError):
            async with staffed.transaction() as conn:
                await conn.execute(
                    "UPDATE people SET position = 'draft', full_name = 'Черновик'"
                    " WHERE code = 'edu_head'"
                )
                # the unit reads its own change (the same version number a later commit reaches)
                assert (await seen(staffed)).position == "draft"
                assert (await staff.names())["edu_head"] == "Черновик"
                inside.set()
                await release.wait()
                raise RuntimeError("the step failed")

    await asyncio.gather(unit(), outside())
    assert await version(staffed) == before
    assert (await seen(staffed)).position == "Руководитель отдела образования"
    assert await name_of(staffed, "edu_head") == "Асель Нурланова"
    # a later commit reaches the version number the rolled-back unit had, with other content
    async with staffed.transaction() as conn:
        await conn.execute(
            "UPDATE people SET position = 'final', full_name = 'Асель Н.' WHERE code = 'edu_head'"
        )
    assert await version(staffed) == before + 1
    assert (await seen(staffed)).position == "final"
    assert await name_of(staffed, "edu_head") == "Асель Н."


async def test_a_unit_uses_and_fills_the_kept_directory_until_it_changes_it(
    staffed: Repos,
) -> None:
    """Inside a unit (the write lock held: nothing commits meanwhile) a kept value of the
    version the unit reads is served, one statement on the writer, and a value read while the
    unit has changed nothing is kept (the committed version read once more, outside the unit);
    once the unit changed the directory its version is newer than any kept, so it reads its
    own change, and keeps none of it (the unit may roll back)."""
    staff = staffed.staff
    await staff.bind_telegram(await person(staffed, "edu_head"), EDU, actor="test")
    kept = await seen(staffed)
    writer = staffed.db.writer._conn
    ran: list[str] = []
    with quick_statements(staffed.db) as committed, pytest.raises(RuntimeError):
        async with staffed.transaction(quick=True) as conn:
            writer.set_trace_callback(ran.append)
            try:
                assert await staff.by_telegram(EDU) is kept
                controllers = await staff.with_role(Role.CONTROLLER)  # not kept yet: read
                assert controllers
                assert await staff.with_role(Role.CONTROLLER) == controllers  # kept now
                assert [statement == VERSION_READ for statement in ran] == [
                    True,
                    True,
                    False,
                    True,
                ]
                assert committed == [VERSION_READ]  # whether the read may be kept
                await conn.execute("UPDATE people SET position = 'draft' WHERE code = 'edu_head'")
                assert (await seen(staffed)).position == "draft"
            finally:
                writer.set_trace_callback(None)
            raise RuntimeError("the step failed")
    assert staff._kept is not None
    assert staff._kept.version == await version(staffed)
    with quick_statements(staffed.db) as ran:
        assert await staff.by_telegram(EDU) is kept  # the rolled-back reads were not kept
        assert await staff.with_role(Role.CONTROLLER) == controllers
    assert ran == [VERSION_READ, VERSION_READ]


async def test_a_read_with_no_change_runs_only_the_version_read(staffed: Repos) -> None:
    staff = staffed.staff
    await staff.bind_telegram(await person(staffed, "edu_head"), EDU, actor="test")
    with quick_statements(staffed.db) as ran:
        first = await staff.by_telegram(EDU)
        names = await staff.names()
    assert ran[0] == VERSION_READ
    assert len(ran) == 4  # the version and the person; the version and the names
    with quick_statements(staffed.db) as ran:
        assert await staff.by_telegram(EDU) is first
        assert await staff.by_telegram(EDU + 1) is None  # a stranger: read once
        assert await staff.by_telegram(EDU + 1) is None
        assert await staff.names() is names
    assert [statement == VERSION_READ for statement in ran] == [True, True, False, True, True]
    with pytest.raises(TypeError):
        names["x"] = "y"  # type: ignore[index]
    # a change: the next read reads again, once
    await staff.set_unreachable(await person(staffed, "edu_head"), True, actor="system")
    with quick_statements(staffed.db) as ran:
        changed = await staff.by_telegram(EDU)
        assert await staff.by_telegram(EDU) is changed
    assert changed is not None
    assert changed.unreachable
    assert len(ran) == 3


async def test_a_change_between_the_version_and_the_read_is_read_again(
    staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version is read before the value: a commit in between leaves a value newer than its
    version, read again next time (never an old value kept under a new version)."""
    staff = staffed.staff
    await staff.bind_telegram(await person(staffed, "edu_head"), EDU, actor="test")
    read_version = staff._version

    async def then_a_commit() -> int | None:
        found = await read_version()
        other = sqlite3.connect(staffed.db.path, isolation_level=None)
        try:
            other.execute("UPDATE people SET position = 'raced' WHERE code = 'edu_head'")
        finally:
            other.close()
        return found

    monkeypatch.setattr(staff, "_version", then_a_commit)
    raced = await staff.by_telegram(EDU)
    monkeypatch.setattr(staff, "_version", read_version)
    assert raced is not None
    assert raced.position == "raced"  # read after the commit
    with quick_statements(staffed.db) as ran:
        again = await staff.by_telegram(EDU)
    assert again == raced
    assert again is not raced
    assert len(ran) == 2  # a newer version: read again


async def test_strangers_cannot_grow_the_kept_accounts_without_bound(
    staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff_module, "KEPT_ACCOUNTS", 3)
    for stranger in range(10):
        assert await staffed.staff.by_telegram(9000 + stranger) is None
    kept = staffed.staff._kept
    assert kept is not None
    assert 0 < len(kept.by_telegram) <= 3


async def test_whom_a_head_acts_for_and_a_departments_executors_are_kept_too(
    staffed: Repos, profile: Profile, settings: Settings
) -> None:
    """`represented_by` and `executors_of` (every card and list) are kept like the person: a
    substitution added, another connection's change to it or a person leaving is seen on the
    next read; with no change only the version is read."""
    staff = staffed.staff
    edu_head, fin_head = await person(staffed, "edu_head"), await person(staffed, "fin_head")
    edu = edu_head.department_id
    assert edu is not None
    day = date(2026, 12, 3)
    assert await staff.represented_by(fin_head, day) == []
    assert [p.code for p in await staff.executors_of(edu)] == ["edu_exec"]
    with quick_statements(staffed.db) as ran:
        assert await staff.represented_by(fin_head, day) == []
        assert [p.code for p in await staff.executors_of(edu)] == ["edu_exec"]
    assert ran == [VERSION_READ, VERSION_READ]
    await staff.add_substitution(edu_head, fin_head, day, day, actor="test")
    assert [p.code for p in await staff.represented_by(fin_head, day)] == ["edu_head"]
    assert await staff.represented_by(fin_head, day + timedelta(days=1)) == []
    # another connection ends the substitution: seen on the next read
    with sqlite3.connect(staffed.db.path) as other:
        other.execute("DELETE FROM substitutions")
    other.close()
    assert await staff.represented_by(fin_head, day) == []
    # the executor leaves: the department has none to pass to
    ctx = await services.make_context(staffed, profile, settings)
    await staff_steps.remove_people(ctx, [await person(staffed, "edu_exec")], actor="test")
    assert await staff.executors_of(edu) == []
    # what a caller gets is its own list
    kept = await staff.represented_by(fin_head, day)
    kept.append(fin_head)
    assert await staff.represented_by(fin_head, day) == []


def elsewhere(repos: Repos, position: str) -> None:
    """Another process's change of edu_head's position (a connection of its own)."""
    other = sqlite3.connect(repos.db.path, isolation_level=None)
    try:
        other.execute("UPDATE people SET position = ? WHERE code = 'edu_head'", (position,))
    finally:
        other.close()


async def test_one_update_reads_the_version_once(
    staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One task (one update's handling) reads the directory's version once and keeps to that
    snapshot; the next update (another task) reads it again and sees what changed meanwhile."""
    monkeypatch.setattr(staff_module, "VERSION_REUSE_SECONDS", 1.0)
    staff = staffed.staff
    head = await person(staffed, "edu_head")
    await staff.bind_telegram(head, EDU, actor="test")
    assert head.department_id is not None

    async def update() -> tuple[list[str], Person | None]:
        with quick_statements(staffed.db) as ran:
            found = await staff.by_telegram(EDU)
            await staff.names()
            await staff.represented_by(head, date(2026, 12, 3))
            await staff.executors_of(head.department_id)  # type: ignore[arg-type]
            await staff.by_telegram(EDU)
        return ran, found

    await asyncio.create_task(update())  # fills what is kept
    ran, found = await asyncio.create_task(update())
    assert ran == [VERSION_READ]  # four calls, one version read, nothing else
    assert found is not None and found.position == "Руководитель отдела образования"

    async def changed_meanwhile() -> list[str | None]:
        before = await staff.by_telegram(EDU)
        elsewhere(staffed, "moved")
        during = await staff.by_telegram(EDU)  # the same update: its snapshot
        # a task it starts is another update's work: it reads the version again
        child = await asyncio.create_task(staff.by_telegram(EDU))
        return [p.position if p else None for p in (before, during, child)]

    assert await asyncio.create_task(changed_meanwhile()) == [
        "Руководитель отдела образования",
        "Руководитель отдела образования",
        "moved",
    ]
    after = await asyncio.create_task(staff.by_telegram(EDU))
    assert after is not None and after.position == "moved"


async def test_a_write_here_or_time_ends_the_reuse(
    staffed: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within one task, anything this process writes makes the next call read the version
    again (the update sees its own change); so does `VERSION_REUSE_SECONDS` passing."""
    monkeypatch.setattr(staff_module, "VERSION_REUSE_SECONDS", 1.0)
    staff = staffed.staff
    assert await staff.by_telegram(EDU) is None  # a stranger, this task's version read
    await staff.bind_telegram(await person(staffed, "edu_head"), EDU, actor="test")
    bound = await staff.by_telegram(EDU)
    assert bound is not None and bound.code == "edu_head"
    # time: another process's change is seen once the reuse has run out
    elsewhere(staffed, "later")
    same = await staff.by_telegram(EDU)
    assert same is not None and same.position != "later"
    clock = time.monotonic
    monkeypatch.setattr(staff_module, "monotonic", lambda: clock() + 1.5)
    later = await staff.by_telegram(EDU)
    assert later is not None and later.position == "later"

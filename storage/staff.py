"""Departments, people, roles, curated departments and acting substitutes."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from time import monotonic
from types import MappingProxyType

import aiosqlite

from storage.audit import AuditedStore, now_utc
from storage.db import Database
from storage.domain.enums import Language, Role
from storage.domain.staff import CsvProblem, StaffRow
from storage.models import Department, Person, Substitution
from storage.rows import from_row

PERSON_SELECT = """
SELECT p.*, d.name AS department_name, COALESCE(d.name_kk, '') AS department_name_kk,
       COALESCE(d.name_ru, '') AS department_name_ru,
       (SELECT group_concat(role, ';') FROM person_roles r WHERE r.person_id = p.id) AS role_list,
       (SELECT group_concat(department_id, ';') FROM curated_departments c
         WHERE c.person_id = p.id) AS curate_list
FROM people p LEFT JOIN departments d ON d.id = p.department_id
"""


VERSION_SQL = "SELECT version FROM staff_version WHERE id = 1"


def _version_of(row: aiosqlite.Row | None) -> int:
    assert row is not None, "staff_version has its one row from migration 0020"
    return int(row["version"])


# How many Telegram accounts' people (or their absence) the cache keeps under one version: past
# it, the kept ones are dropped and it fills again (strangers writing to the bot cannot grow it).
KEPT_ACCOUNTS = 10_000
# How long one task (an update's handling) may serve the directory's version it read, when this
# process wrote nothing meanwhile (see `StaffRepo._version`).
VERSION_REUSE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class _Seen:
    """The version a task read outside a unit of work, and when."""

    repo: object
    task: weakref.ReferenceType[asyncio.Task[object]] | None  # (no cycle through its context)
    writes: int  # the writer's changes before the read
    at: float  # monotonic() of the read
    version: int


_seen_version: ContextVar[_Seen | None] = ContextVar("baqylau_staff_version", default=None)


@dataclass(slots=True)
class _Kept:
    """What `StaffRepo` keeps of the directory, all read under one version of it."""

    version: int
    names: Mapping[str, str] | None = None
    by_telegram: dict[int, Person | None] = field(default_factory=dict)
    # the people of a directory read (`_kept_people`) by its statement and parameters
    people: dict[tuple[str, tuple[object, ...]], tuple[Person, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    departments_created: int = 0
    departments_renamed: int = 0  # their Kazakh or Russian name changed


def name_key(name: str) -> str:
    """How department names are compared: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def _person(row: aiosqlite.Row) -> Person:
    roles = frozenset(Role(name) for name in (row["role_list"] or "").split(";") if name)
    curates = frozenset(int(part) for part in (row["curate_list"] or "").split(";") if part)
    return from_row(Person, row, roles=roles, curates=curates)


def kept(given: str | None, before: str) -> str:
    """An optional column's value: as the file gives it, or as it was when the file has no such
    column."""
    return before if given is None else given


def directory_language(row: StaffRow, before: Person | None) -> tuple[Language, bool]:
    """(language, whether the directory gave it) after importing `row` over `before`: an
    empty column keeps the language the person has, and so does a language the person chose
    themselves (/lang, the first screen); the file's language fills the rest."""
    if before is None:
        return row.language, row.language_given
    given = row.language_given or before.language_given
    if not row.language_given or before.language_chosen:
        return before.language, given
    return row.language, given


class StaffRepo(AuditedStore):
    """The staff directory.

    The reads of every update or card, who a Telegram account is (`by_telegram`, for
    `PersonMiddleware`), everyone's names (`names`, for the audit trail), whom a head acts for
    today, a department's executors and the holders of a role (`represented_by`,
    `executors_of`, `with_role`), are kept in memory under the directory's version
    (`staff_version`, raised by triggers in the same transaction as any change of the tables
    they are read from, from any process: migration 0020). Each call reads the version first,
    one row by its key on the quick reader, and serves the kept value only if it was read
    under that same version; the calls of one update share its first version read while
    this process writes nothing (`_version`), so an update sees one snapshot of the directory.

    Why that is safe: outside a unit of work each statement runs in autocommit on the quick
    reader and sees the latest committed snapshot, so a later statement sees a snapshot at
    least as new as an earlier one, and committed versions only grow (a rolled-back change
    takes its raise with it; the next commit raises from the committed number). A value is
    kept under the version read *before* it: if a change commits between the two reads, the
    value is newer than its version and the next call, reading the new version, reads it
    again (a wasted read, never a stale one). When the version read now equals the kept one,
    no change committed since the version was read, which was before the value was read, so
    the value is still the directory's. The other order would not be safe: a value read
    first and a version read after a change committed in between would keep the old value
    under the new version, served until the next change.

    Inside a unit of work the reads go to the writer, which sees the unit's own uncommitted
    changes (and raises the version with them); the unit may still roll back, and a later
    commit reach the same version number with other content. The unit holds the database's
    write lock from its BEGIN IMMEDIATE, so nothing commits while it runs: the committed
    version stays the one of its start, every version kept is at most that one, and the
    version the unit reads equals it while the unit has not changed the directory and is
    greater once it has. So a unit serves a kept value whose version equals its own (it is the
    directory the unit sees), and keeps what it read only when its version is still the
    committed one (read on the quick reader, outside the unit: only on a miss). A person's
    step reads whom they act for and the controllers it writes to: from memory, like a card.
    """

    entity = "person"
    quick_reads = True  # the directory: a person, a department, who acts for whom

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._kept: _Kept | None = None

    # --- reading -------------------------------------------------------------------------
    async def _people(self, where: str = "", params: Iterable[object] = ()) -> list[Person]:
        sql = PERSON_SELECT + (f" WHERE {where}" if where else "") + " ORDER BY p.full_name, p.id"
        async with self.conn.execute(sql, tuple(params)) as cursor:
            return [_person(row) for row in await cursor.fetchall()]

    async def _kept_people(self, where: str, params: tuple[object, ...]) -> list[Person]:
        """`_people(where, params)` kept in memory under the directory's version, as
        `by_telegram` is (see the class): for the reads of every card and list (whom a head
        acts for today, a department's executors)."""
        version = await self._version()
        kept = self._kept_under(version)
        key = (where, params)
        if kept is not None and (found := kept.people.get(key)) is not None:
            return list(found)
        people = await self._people(where, params)
        if (kept := await self._keep(version)) is not None:
            if len(kept.people) >= KEPT_ACCOUNTS:
                kept.people.clear()
            kept.people[key] = tuple(people)
        return people

    async def _one(self, where: str, params: Iterable[object]) -> Person | None:
        people = await self._people(where, params)
        return people[0] if people else None

    async def get(self, person_id: int) -> Person | None:
        return await self._one("p.id = ?", (person_id,))

    async def by_code(self, code: str) -> Person | None:
        return await self._one("p.code = ? COLLATE NOCASE", (code.strip(),))

    async def by_telegram(self, telegram_id: int) -> Person | None:
        """The person bound to this Telegram account, if any (kept in memory: see the class)."""
        version = await self._version()
        kept = self._kept_under(version)
        if kept is not None and telegram_id in kept.by_telegram:
            return kept.by_telegram[telegram_id]
        person = await self._one("p.telegram_id = ?", (telegram_id,))
        kept = await self._keep(version)
        if kept is not None:
            if len(kept.by_telegram) >= KEPT_ACCOUNTS:
                kept.by_telegram.clear()
            kept.by_telegram[telegram_id] = person
        return person

    async def all_people(self) -> list[Person]:
        return await self._people()

    async def names(self) -> Mapping[str, str]:
        """code -> full name, for showing the audit trail to people (read-only: the same
        mapping is kept in memory for the next callers, see the class)."""
        version = await self._version()
        kept = self._kept_under(version)
        if kept is not None and kept.names is not None:
            return kept.names
        async with self.conn.execute("SELECT code, full_name FROM people") as cursor:
            names = MappingProxyType(
                {row["code"]: row["full_name"] for row in await cursor.fetchall()}
            )
        if (kept := await self._keep(version)) is not None:
            kept.names = names
        return names

    async def _version(self) -> int:
        """The directory's version now, read before what is kept under it (inside a unit of
        work: as the unit sees it, its own changes included).

        Outside a unit, one task (the handling of one update) reads it once: its later calls
        within `VERSION_REUSE_SECONDS` reuse that read while this process has written nothing
        (the writer's change count, read before the version, is the same). The update then
        sees the directory as of its first read, one snapshot for the whole update; a change
        committed by another process meanwhile (a CLI import) is seen by the next update, and
        any change written here (the update's own /start binding, say) makes the next call
        read again. What is kept under a version is still never older than that version."""
        if self.db.in_unit:
            return _version_of(await self.fetch_one(VERSION_SQL))
        task = asyncio.current_task()
        writes = self.db.writes_here
        now = monotonic()
        seen = _seen_version.get()
        if (
            seen is not None
            and seen.repo is self
            and seen.task is not None
            and seen.task() is task
            and seen.writes == writes
            and now - seen.at < VERSION_REUSE_SECONDS
        ):
            return seen.version
        version = _version_of(await self.fetch_one(VERSION_SQL))
        _seen_version.set(_Seen(self, weakref.ref(task) if task else None, writes, now, version))
        return version

    async def _committed_version(self) -> int:
        """The version last committed, whatever the calling unit of work changed (the quick
        reader: a connection of its own, in autocommit)."""
        async with self.db.quick.execute(VERSION_SQL) as cursor:
            return _version_of(await cursor.fetchone())

    def _kept_under(self, version: int) -> _Kept | None:
        """The kept values if they were read under `version`."""
        kept = self._kept
        return kept if kept is not None and kept.version == version else None

    async def _keep(self, version: int) -> _Kept | None:
        """Where to keep what was just read under `version`: the kept values when they are of
        that version, a fresh set when they are older (or none); None when they are newer
        (another task read a later version meanwhile: this read is not kept); None inside a
        unit of work that changed the directory (its reads may yet be rolled back)."""
        if self.db.in_unit and version != await self._committed_version():
            return None
        kept = self._kept
        if kept is None or kept.version < version:
            kept = self._kept = _Kept(version)
        elif kept.version > version:
            return None
        return kept

    async def unbound(self) -> list[Person]:
        return await self._people("p.telegram_id IS NULL AND p.active = 1")

    async def with_role(self, role: Role) -> list[Person]:
        """The active people with the role (kept: see the class; the controllers are read by
        every step that tells the control department)."""
        return await self._kept_people(
            "p.active = 1 AND"
            " EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = p.id AND r.role = ?)",
            (role.value,),
        )

    async def heads_of(self, department_id: int) -> list[Person]:
        return await self._people(
            "p.department_id = ? AND p.active = 1 AND EXISTS (SELECT 1 FROM person_roles r"
            " WHERE r.person_id = p.id AND r.role = 'head')",
            (department_id,),
        )

    async def executors_of(self, department_id: int) -> list[Person]:
        """The department's active staff with the executor role (kept: see the class)."""
        return await self._kept_people(
            "p.department_id = ? AND p.active = 1 AND EXISTS (SELECT 1 FROM person_roles r"
            " WHERE r.person_id = p.id AND r.role = 'executor')",
            (department_id,),
        )

    async def curators_of(self, department_id: int) -> list[Person]:
        return await self._people(
            "p.active = 1 AND"
            " EXISTS (SELECT 1 FROM curated_departments c WHERE c.person_id = p.id"
            " AND c.department_id = ?)",
            (department_id,),
        )

    async def departments(self) -> list[Department]:
        async with self.conn.execute(
            "SELECT id, name, name_kk, name_ru FROM departments ORDER BY name_key"
        ) as cursor:
            return [from_row(Department, row) for row in await cursor.fetchall()]

    async def headed_departments(self) -> list[Department]:
        """The departments with an active head (who, or whose acting substitute, answers for
        them), by name."""
        async with self.conn.execute(
            "SELECT d.id, d.name, d.name_kk, d.name_ru FROM departments d"
            " WHERE EXISTS (SELECT 1 FROM people p"
            " JOIN person_roles r ON r.person_id = p.id WHERE p.department_id = d.id"
            " AND p.active = 1 AND r.role = 'head') ORDER BY d.name_key"
        ) as cursor:
            return [from_row(Department, row) for row in await cursor.fetchall()]

    async def department_by_name(self, name: str) -> Department | None:
        row = await self.fetch_one(
            "SELECT id, name, name_kk, name_ru FROM departments WHERE name_key = ?",
            (name_key(name),),
        )
        return from_row(Department, row) if row else None

    async def department(self, department_id: int) -> Department | None:
        row = await self.fetch_one(
            "SELECT id, name, name_kk, name_ru FROM departments WHERE id = ?", (department_id,)
        )
        return from_row(Department, row) if row else None

    # --- changing a person ------------------------------------------------------------------
    async def _person_changed(
        self, person: Person, action: str, actor: str, old: object, new: object
    ) -> None:
        await self._record(person.code, action, actor=actor, old=old, new=new)

    async def bind_telegram(self, person: Person, telegram_id: int, *, actor: str) -> None:
        async with self.db.transaction():
            await self.conn.execute(
                "UPDATE people SET telegram_id = ?, bound_at = ?, unreachable = 0,"
                " language_chosen = 0, updated_at = ? WHERE id = ?",
                (telegram_id, now_utc().isoformat(), now_utc().isoformat(), person.id),
            )
            await self._person_changed(person, "bind", actor, person.telegram_id, telegram_id)

    async def set_language(
        self, person: Person, language: Language, *, actor: str, chosen: bool = True
    ) -> None:
        async with self.db.transaction():
            await self.conn.execute(
                "UPDATE people SET language = ?, language_chosen = ?, updated_at = ? WHERE id = ?",
                (language.value, int(chosen), now_utc().isoformat(), person.id),
            )
            if language != person.language:
                await self._person_changed(
                    person, "language", actor, person.language.value, language.value
                )

    async def set_unreachable(self, person: Person, unreachable: bool, *, actor: str) -> None:
        async with self.db.transaction():
            await self.conn.execute(
                "UPDATE people SET unreachable = ?, updated_at = ? WHERE id = ?",
                (int(unreachable), now_utc().isoformat(), person.id),
            )
            await self._person_changed(
                person, "unreachable", actor, person.unreachable, unreachable
            )

    # --- leaving ------------------------------------------------------------------------------
    async def is_active(self, person_id: int) -> bool:
        """Whether the person is still in the directory (read in the caller's unit of work)."""
        async with self.conn.execute(
            "SELECT active FROM people WHERE id = ?", (person_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return bool(row and row["active"])

    async def active_people(self) -> list[Person]:
        return await self._people("p.active = 1")

    async def deactivate(self, person: Person, *, actor: str, at: datetime) -> bool:
        """The person left: their access ends (their records and history stay). False when
        they were inactive already."""
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE people SET active = 0, left_at = ?, updated_at = ?"
                " WHERE id = ? AND active = 1",
                (at.isoformat(), at.isoformat(), person.id),
            )
            if cursor.rowcount != 1:
                return False
            await self._record(
                person.code,
                "remove",
                actor=actor,
                old={"active": True},
                new={"active": False},
                at=at,
            )
        return True

    # --- acting substitutes -------------------------------------------------------------------
    async def add_substitution(
        self, absent: Person, substitute: Person, starts_on: date, ends_on: date, *, actor: str
    ) -> Substitution:
        if absent.id == substitute.id:
            raise ValueError("a person cannot act for themselves")
        if ends_on < starts_on:
            raise ValueError("the period ends before it starts")
        async with self.db.transaction():
            async with self.conn.execute(
                "SELECT 1 FROM substitutions WHERE absent_id = ? AND starts_on <= ?"
                " AND ends_on >= ?",
                (absent.id, ends_on.isoformat(), starts_on.isoformat()),
            ) as cursor:
                if await cursor.fetchone():
                    raise ValueError(
                        f"{absent.code} already has an acting substitute in part of that period"
                    )
            cursor = await self.conn.execute(
                "INSERT INTO substitutions (absent_id, substitute_id, starts_on, ends_on,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    absent.id,
                    substitute.id,
                    starts_on.isoformat(),
                    ends_on.isoformat(),
                    actor,
                    now_utc().isoformat(),
                ),
            )
            substitution_id = cursor.lastrowid
            await self._record(
                absent.code,
                "substitute",
                actor=actor,
                new={
                    "substitute": substitute.code,
                    "from": starts_on.isoformat(),
                    "to": ends_on.isoformat(),
                },
            )
        assert substitution_id is not None
        return Substitution(substitution_id, absent.id, substitute.id, starts_on, ends_on, actor)

    async def substitutions(self) -> list[Substitution]:
        rows = await self.fetch_all("SELECT * FROM substitutions ORDER BY starts_on, id")
        return [from_row(Substitution, row) for row in rows]

    async def acting_for(self, person: Person, day: date) -> Person:
        """Who receives what is addressed to `person` on `day`: their substitute, or themselves."""
        row = await self.fetch_one(
            "SELECT substitute_id FROM substitutions WHERE absent_id = ? AND starts_on <= ?"
            " AND ends_on >= ? AND substitute_id IN (SELECT id FROM people WHERE active = 1)"
            " ORDER BY id DESC LIMIT 1",
            (person.id, day.isoformat(), day.isoformat()),
        )
        if row is None:
            return person
        return await self.get(row["substitute_id"]) or person

    async def represented_by(self, person: Person, day: date) -> list[Person]:
        """Everyone `person` acts for on `day` (kept: see the class)."""
        return await self._kept_people(
            "p.active = 1 AND p.id IN (SELECT absent_id FROM substitutions WHERE substitute_id = ?"
            " AND starts_on <= ? AND ends_on >= ?)",
            (person.id, day.isoformat(), day.isoformat()),
        )

    # --- import -------------------------------------------------------------------------------
    async def _audit_update(
        self,
        code: str,
        old_state: Mapping[str, object],
        new_state: Mapping[str, object],
        reactivated: bool,
        actor: str,
    ) -> None:
        """An imported person's changes: back in the directory, and the values changed."""
        if reactivated:
            await self._record(
                code, "reactivate", actor=actor, old={"active": False}, new={"active": True}
            )
        changed = [key for key in new_state if old_state[key] != new_state[key]]
        if changed:
            await self._record(
                code,
                "update",
                actor=actor,
                old={key: old_state[key] for key in changed},
                new={key: new_state[key] for key in changed},
            )

    async def import_staff(self, rows: list[StaffRow], *, actor: str) -> ImportCounts:
        """Create or update by code, all rows in one transaction; a bad row rolls back all."""
        created = updated = unchanged = departments_created = 0
        async with self.db.transaction():
            file_departments = {name_key(row.department) for row in rows if row.department}
            for row in rows:
                for name in row.curates:
                    if (
                        name_key(name) not in file_departments
                        and await self.department_by_name(name) is None
                    ):
                        raise CsvProblem(
                            row.line,
                            f"curated department {name!r} is nobody's department in this file"
                            " and is not in the directory",
                        )
            department_ids: dict[str, int] = {}
            canonical: dict[str, str] = {}
            first_spelling = {
                name_key(r.department): r.department for r in reversed(rows) if r.department
            }
            for name in sorted(first_spelling.values(), key=name_key):
                existing = await self.department_by_name(name)
                if existing is None:
                    cursor = await self.conn.execute(
                        "INSERT INTO departments (name, name_key, created_at) VALUES (?, ?, ?)",
                        (name, name_key(name), now_utc().isoformat()),
                    )
                    assert cursor.lastrowid is not None
                    department_ids[name_key(name)] = cursor.lastrowid
                    canonical[name_key(name)] = name
                    departments_created += 1
                    await self.audit.record(
                        actor=actor, action="create", entity="department", entity_id=name
                    )
                else:
                    department_ids[name_key(name)] = existing.id
                    canonical[name_key(name)] = existing.name
            renamed = await self._name_departments(rows, department_ids, actor)
            for row in rows:
                department_id = (
                    department_ids[name_key(row.department)] if row.department else None
                )
                curates: set[int] = set()
                for name in row.curates:
                    found = department_ids.get(name_key(name))
                    if found is None:
                        existing = await self.department_by_name(name)
                        assert existing is not None
                        found = existing.id
                        canonical[name_key(name)] = existing.name
                    curates.add(found)
                before = await self.by_code(row.code)
                language, language_given = directory_language(row, before)
                position_kk = kept(row.position_kk, before.position_kk if before else "")
                position_ru = kept(row.position_ru, before.position_ru if before else "")
                new_state = {
                    "full_name": row.full_name,
                    "position": row.position,
                    "position_kk": position_kk,
                    "position_ru": position_ru,
                    "department": canonical[name_key(row.department)] if row.department else None,
                    "roles": sorted(role.value for role in row.roles),
                    "language": language.value,
                    "curates": sorted(
                        (canonical[name_key(name)] for name in row.curates), key=str.casefold
                    ),
                }
                stamp = now_utc().isoformat()
                # full_name, position, department_id, language, language_given, position_kk,
                # position_ru
                columns = (
                    row.full_name,
                    row.position,
                    department_id,
                    language.value,
                    int(language_given),
                    position_kk,
                    position_ru,
                )
                if before is None:
                    cursor = await self.conn.execute(
                        "INSERT INTO people (code, full_name, position, department_id, language,"
                        " language_given, position_kk, position_ru, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (row.code, *columns, stamp, stamp),
                    )
                    assert cursor.lastrowid is not None
                    person_id = cursor.lastrowid
                    created += 1
                    await self._record(row.code, "create", actor=actor, new=new_state)
                else:
                    person_id = before.id
                    curated_names = sorted(
                        [
                            department.name
                            for department in await self.departments()
                            if department.id in before.curates
                        ],
                        key=str.casefold,
                    )
                    old_state = {
                        "full_name": before.full_name,
                        "position": before.position,
                        "position_kk": before.position_kk,
                        "position_ru": before.position_ru,
                        "department": before.department_name,
                        "roles": sorted(role.value for role in before.roles),
                        "language": before.language.value,
                        "curates": curated_names,
                    }
                    reactivated = not before.active
                    if (
                        old_state == new_state
                        and not reactivated
                        and language_given == before.language_given
                    ):
                        unchanged += 1
                        continue
                    updated += 1
                    await self.conn.execute(
                        "UPDATE people SET full_name = ?, position = ?, department_id = ?,"
                        " language = ?, language_given = ?, position_kk = ?, position_ru = ?,"
                        " active = 1, left_at = NULL, updated_at = ? WHERE id = ?",
                        (*columns, stamp, person_id),
                    )
                    await self._audit_update(row.code, old_state, new_state, reactivated, actor)
                await self.replace_rows(
                    "person_roles",
                    "person_id",
                    person_id,
                    ["role"],
                    [(role.value,) for role in sorted(row.roles)],
                )
                await self.replace_rows(
                    "curated_departments",
                    "person_id",
                    person_id,
                    ["department_id"],
                    [(department,) for department in sorted(curates)],
                )
        return ImportCounts(created, updated, unchanged, departments_created, renamed)

    async def _name_departments(
        self, rows: list[StaffRow], department_ids: dict[str, int], actor: str
    ) -> int:
        """The departments' names in Kazakh and Russian where the file has those columns (the
        first row of a department that fills one wins); audited as a rename. How many
        departments were renamed."""
        renamed = 0
        given: dict[int, dict[str, str]] = {}
        for row in rows:
            if row.department is None:
                continue
            names = given.setdefault(department_ids[name_key(row.department)], {})
            for column, value in (("name_kk", row.department_kk), ("name_ru", row.department_ru)):
                if value is not None and not names.get(column):
                    names[column] = value
        for department_id, names in given.items():
            department = await self.department(department_id)
            assert department is not None
            old = {"name_kk": department.name_kk, "name_ru": department.name_ru}
            new = old | names
            if new == old:
                continue
            renamed += 1
            await self.conn.execute(
                "UPDATE departments SET name_kk = ?, name_ru = ? WHERE id = ?",
                (new["name_kk"], new["name_ru"], department_id),
            )
            await self.audit.record(
                actor=actor,
                action="rename",
                entity="department",
                entity_id=department.name,
                old=old,
                new=new,
            )
        return renamed

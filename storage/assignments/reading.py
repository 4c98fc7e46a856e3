"""Assignments read back with their executors, reports, cards and history; the helpers the
writing parts share."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from datetime import date, datetime
from typing import TypedDict, Unpack

import aiosqlite

from storage.assignments.kept import KeptItems
from storage.attachments import attachments_of
from storage.audit import AuditedStore, Change, now_utc
from storage.bounded import Bounded
from storage.db import Database
from storage.domain.assignments import (
    OPEN_STATUSES,
    Assignment,
    Executor,
    OpenPage,
    Report,
    SentCard,
    Status,
)
from storage.domain.enums import Source
from storage.models import AuditEntry, Department
from storage.rows import from_row, utc_text, written
from storage.staff import VERSION_SQL, StaffRepo

ENTITY = "assignment"
IMPORT_SLICE = 0.5  # seconds an import's unit of work may hold the writer
# Lists go to SQLite as one JSON parameter read through json_each: no SQL is built at run time.
_OPEN = json.dumps(sorted(status.value for status in OPEN_STATUSES))
# Statuses a final report may be submitted from.
_REPORTABLE = json.dumps([Status.REGISTERED.value, Status.ACCEPTED.value, Status.RETURNED.value])


class OpenFilters(TypedDict, total=False):
    """Which open items a list shows.

    `department_ids` keeps items where one of them is an active (not declined) executor; an
    empty collection matches nothing. `overdue_on=D` keeps deadlines before D; `due_from` /
    `due_to` are inclusive. `passed_to=P` keeps items a head passed to the executor P
    (migration 0008)."""

    department_ids: Iterable[int] | None
    overdue_on: date | None
    due_from: date | None
    due_to: date | None
    source: Source | None
    passed_to: int | None


# Open is every status but «removed» (OPEN_STATUSES), written so that the partial indexes of
# migration 0014 (`WHERE status <> 'removed'`) serve every list.
OPEN_CONDITION = "a.status <> 'removed'"
if frozenset(Status) - OPEN_STATUSES != {Status.REMOVED}:
    raise RuntimeError("OPEN_CONDITION no longer says which items are open")
_ORDER = "a.deadline, a.reg_number"
_KEY = "(a.deadline, a.reg_number)"


def _deadline_and_source(
    filters: OpenFilters,
    deadline: str,
    source: str,
    conditions: list[str],
    params: list[object],
) -> bool:
    """The filters on the deadline (overdue on a day, due from / to) and on the source, on the
    columns named: the item's, the copy of the deadline its executor rows carry, or the kept
    counts'. Whether the source is filtered on."""
    for name, operator in (("overdue_on", "<"), ("due_from", ">="), ("due_to", "<=")):
        if (day := filters.get(name)) is not None:
            conditions.append(f"{deadline} {operator} ?")
            params.append(day.isoformat())  # type: ignore[attr-defined]
    if (wanted := filters.get("source")) is None:
        return False
    conditions.append(f"{source} = ?")
    params.append(Source(wanted).value)
    return True


def open_where(filters: OpenFilters) -> tuple[str | None, list[object]]:
    """The WHERE of a list of open items not narrowed to departments (fixed fragments and
    parameters); None when nothing can match. Departments' lists: `held_where`."""
    conditions = [OPEN_CONDITION]
    params: list[object] = []
    if filters.get("department_ids") is not None:  # read from the executor rows instead
        raise ValueError("a department's list is read by held_where, not open_where")
    _deadline_and_source(filters, "a.deadline", "a.source", conditions, params)
    if (passed_to := filters.get("passed_to")) is not None:
        # still the person's department, and the department still executes the item
        conditions.append(
            "a.id IN (SELECT p.assignment_id FROM assignment_passes p"
            " JOIN people pe ON pe.id = p.person_id AND pe.department_id = p.department_id"
            " JOIN assignment_executors e ON e.assignment_id = p.assignment_id"
            " AND e.department_id = p.department_id AND e.declined_at IS NULL"
            " WHERE p.person_id = ?)"
        )
        params.append(passed_to)
    return " AND ".join(conditions), params


def count_sql(where: str, params: list[object]) -> tuple[str, tuple[object, ...]]:
    """How many open items match (from the partial index, not the table's rows)."""
    return f"SELECT COUNT(*) FROM assignments a WHERE {where}", tuple(params)  # noqa: S608


def counted_sql(filters: OpenFilters) -> tuple[str, tuple[object, ...]] | None:
    """How many open items match, summed from the counts per deadline and source that
    triggers keep (migration 0024): a row per day and source, however many items there are.
    None for a filter those rows cannot answer (the items passed to an executor; a
    department's list is counted by `held_count_sql`)."""
    if filters.get("passed_to") is not None or filters.get("department_ids") is not None:
        return None
    conditions = ["1"]
    params: list[object] = []
    _deadline_and_source(filters, "c.deadline", "c.source", conditions, params)
    where = " AND ".join(conditions)
    return f"SELECT COALESCE(SUM(c.n), 0) FROM open_counts c WHERE {where}", tuple(params)  # noqa: S608


def page_sql(
    where: str, params: list[object], key: tuple[str, str] | None, backwards: bool, limit: int
) -> tuple[str, tuple[object, ...]]:
    """A page by key: the items from `key` on (inclusive), or the ones just before it
    (`backwards`, nearest first), `limit` of them."""
    if key is None:
        return (
            f"SELECT a.* FROM assignments a WHERE {where} ORDER BY {_ORDER} LIMIT ?",  # noqa: S608
            (*params, limit),
        )
    if backwards:
        return (
            f"SELECT a.* FROM assignments a WHERE {where} AND {_KEY} < (?, ?)"  # noqa: S608
            " ORDER BY a.deadline DESC, a.reg_number DESC LIMIT ?",
            (*params, *key, limit),
        )
    return (
        f"SELECT a.* FROM assignments a WHERE {where} AND {_KEY} >= (?, ?)"  # noqa: S608
        f" ORDER BY {_ORDER} LIMIT ?",
        (*params, *key, limit),
    )


def before_sql(
    where: str, params: list[object], key: tuple[str, str]
) -> tuple[str, tuple[object, ...]]:
    """Whether any matching item comes before `key`."""
    return (
        f"SELECT 1 FROM assignments a WHERE {where} AND {_KEY} < (?, ?) LIMIT 1",  # noqa: S608
        (*params, *key),
    )


# A department's list reads its executor rows in list order from the covering partial index
# `assignment_executors_open` (migration 0017: each row carries its item's key), never the
# items to find or sort them; the items of the page are then read by id.
HELD_CONDITION = "e.declined_at IS NULL AND e.open_deadline IS NOT NULL"
_HELD_KEY = "(e.open_deadline, e.reg_number)"
_HELD_ORDER = "e.open_deadline, e.reg_number"


def held_where(filters: OpenFilters) -> tuple[str, list[object], bool]:
    """The WHERE over the executor rows (`e`) of the departments' open items narrowed by the
    other filters, after the department's own condition (fixed fragments and parameters);
    whether it needs the item's row (`a`, joined by id)."""
    conditions: list[str] = [HELD_CONDITION]
    params: list[object] = []
    # the source is the item's own column: filtering on it joins the item's row
    needs_item = _deadline_and_source(filters, "e.open_deadline", "a.source", conditions, params)
    if (passed_to := filters.get("passed_to")) is not None:
        conditions.append(
            "e.assignment_id IN (SELECT p.assignment_id FROM assignment_passes p"
            " JOIN people pe ON pe.id = p.person_id AND pe.department_id = p.department_id"
            " JOIN assignment_executors x ON x.assignment_id = p.assignment_id"
            " AND x.department_id = p.department_id AND x.declined_at IS NULL"
            " WHERE p.person_id = ?)"
        )
        params.append(passed_to)
    return " AND ".join(conditions), params, needs_item


def _held_from(needs_item: bool) -> str:
    if needs_item:
        return "assignment_executors e JOIN assignments a ON a.id = e.assignment_id"
    return "assignment_executors e"


def held_count_sql(
    departments: Sequence[int], where: str, params: list[object], needs_item: bool
) -> tuple[str, tuple[object, ...]]:
    """How many open items the departments hold (each item once), from the index."""
    if len(departments) == 1:  # one row per item and department: no DISTINCT
        return (
            f"SELECT COUNT(*) FROM {_held_from(needs_item)}"  # noqa: S608 - fixed fragments
            f" WHERE e.department_id = ? AND {where}",
            (departments[0], *params),
        )
    return (
        f"SELECT COUNT(DISTINCT e.assignment_id) FROM {_held_from(needs_item)}"  # noqa: S608
        f" WHERE e.department_id IN (SELECT value FROM json_each(?)) AND {where}",
        (json.dumps(list(departments)), *params),
    )


def held_page_sql(
    department: int,
    where: str,
    params: list[object],
    needs_item: bool,
    key: tuple[str, str] | None,
    backwards: bool,
    limit: int,
) -> tuple[str, tuple[object, ...]]:
    """One department's page by key, as (item id, deadline, number) rows: from `key` on
    (inclusive), or the ones just before it (`backwards`, nearest first)."""
    head = (
        "SELECT e.assignment_id, e.open_deadline, e.reg_number"  # noqa: S608 - fixed fragments
        f" FROM {_held_from(needs_item)} WHERE e.department_id = ? AND {where}"
    )
    if key is None:
        return f"{head} ORDER BY {_HELD_ORDER} LIMIT ?", (department, *params, limit)
    if backwards:
        return (
            f"{head} AND {_HELD_KEY} < (?, ?)"
            " ORDER BY e.open_deadline DESC, e.reg_number DESC LIMIT ?",
            (department, *params, *key, limit),
        )
    return (
        f"{head} AND {_HELD_KEY} >= (?, ?) ORDER BY {_HELD_ORDER} LIMIT ?",
        (department, *params, *key, limit),
    )


# Reads of at most this many items run on the event loop's thread (`Database.quickly`): a
# view's page, a card; longer ones (the sweep's, the digests') keep to aiosqlite's readers.
QUICK_ITEMS = 50
KEPT_PAGES = 2048  # pages of views kept at most (each ten items at most, shared with `_kept`)
# what a kept page was read under: the items' clock and the directory's version
_PAGE_STAMP = f"SELECT tick, ({VERSION_SQL}) FROM assignment_clock WHERE id = 1"  # noqa: S608


def _page_key(size: int, at: int, count: bool, filters: OpenFilters) -> tuple[object, ...] | None:
    """What a page asks, as a key to keep it by; None for a page not to keep (the items passed
    to an executor: the passes do not move the clock)."""
    if filters.get("passed_to") is not None:
        return None
    departments = filters.get("department_ids")
    return (
        size,
        at,
        count,
        None if departments is None else tuple(sorted(set(departments))),
        filters.get("overdue_on"),
        filters.get("due_from"),
        filters.get("due_to"),
        filters.get("source"),
    )


# items' versions and the directory's, for the kept items (`kept.py`)
_VERSIONS_OF = (
    f"SELECT a.id, a.version, ({VERSION_SQL})"  # noqa: S608 - fixed fragments only
    " FROM assignments a WHERE a.id IN (SELECT value FROM json_each(?))"
)

_EXECUTOR_COLUMNS = (
    "e.*, d.name AS department_name, d.name_kk AS department_name_kk,"
    " d.name_ru AS department_name_ru"
)


def _executor(row: aiosqlite.Row) -> Executor:
    """An executor row read with `_EXECUTOR_COLUMNS`."""
    return from_row(Executor, row, main=bool(row["is_main"]))


def _assignments(
    items: Sequence[aiosqlite.Row], executors: Iterable[aiosqlite.Row]
) -> list[Assignment]:
    """The items with their executors (rows in position order, any item's)."""
    found: dict[int, list[Executor]] = {row["id"]: [] for row in items}
    for row in executors:
        if (held := found.get(row["assignment_id"])) is not None:
            held.append(_executor(row))
    return [from_row(Assignment, row, executors=tuple(found[row["id"]])) for row in items]


class AssignmentReading(AuditedStore):
    entity = ENTITY

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._kept = KeptItems()
        # a view's page by what it asks (`_page_key`) -> (the clock and directory read before
        # it, the page): see `_kept_page`
        self._pages: Bounded[tuple[object, ...], tuple[tuple[int, int], OpenPage]] = Bounded(
            KEPT_PAGES
        )

    # --- reading -------------------------------------------------------------------------------
    async def _executors(self, assignment_ids: Sequence[int]) -> dict[int, list[Executor]]:
        """Executor rows of several assignments in one query, in position order."""
        found: dict[int, list[Executor]] = {assignment_id: [] for assignment_id in assignment_ids}
        if not assignment_ids:
            return found
        param: object
        if len(found) == 1:  # a card: by the key itself (~10 µs less than a list's JSON)
            [param] = found
            where = "e.assignment_id = ?"
        else:
            where = "e.assignment_id IN (SELECT value FROM json_each(?))"
            param = json.dumps(list(found))
        async with self.conn.execute(
            f"SELECT {_EXECUTOR_COLUMNS} FROM assignment_executors e"  # noqa: S608 - fixed
            f" JOIN departments d ON d.id = e.department_id WHERE {where}"
            " ORDER BY e.assignment_id, e.position, e.rowid",
            (param,),
        ) as cursor:
            for row in await cursor.fetchall():
                found[row["assignment_id"]].append(_executor(row))
        return found

    async def _load(
        self, rows: Iterable[aiosqlite.Row], directory: int | None = None
    ) -> list[Assignment]:
        """The items of `rows` (whole rows of assignments) with their executors: outside a unit
        of work, those kept under the rows' versions and the directory's version `directory`
        (read here when not given) as they are, the others read and kept (see `kept.py`)."""
        rows = list(rows)
        if not rows:
            return []
        keep = not self.db.in_unit
        if keep and directory is None:
            directory = await self._directory()
        keep = keep and directory is not None and self._kept.under(directory)
        found: dict[int, Assignment] = {}
        missing = rows
        if keep:
            missing = []
            for row in rows:
                item = self._kept.get(row["id"], row["version"])
                if item is None:
                    missing.append(row)
                else:
                    found[item.id] = item
        if missing:
            executors = await self._executors([row["id"] for row in missing])
            for row in missing:
                item = from_row(Assignment, row, executors=tuple(executors[row["id"]]))
                found[item.id] = item
                if keep:
                    self._kept.put(item, row["version"])
        return [found[row["id"]] for row in rows]

    async def _directory(self) -> int | None:
        """The directory's version (the executors' department names are read under it)."""
        row = await self.fetch_one(VERSION_SQL)
        return None if row is None else int(row[0])

    async def _one(self, where: str, params: Iterable[object]) -> Assignment | None:
        """One item by a key: its row with the directory's version in one statement, then
        its executors unless it is kept under both versions (see `_load`)."""
        with self.db.quickly():
            row = await self.fetch_one(
                f"SELECT a.*, ({VERSION_SQL}) AS directory"  # noqa: S608 - fixed fragments only
                f" FROM assignments a WHERE {where}",
                tuple(params),
            )
            if row is None:
                return None
            return (await self._load([row], int(row["directory"])))[0]

    async def get(self, assignment_id: int) -> Assignment | None:
        return await self._one("a.id = ?", (assignment_id,))

    async def get_many(self, assignment_ids: Iterable[int]) -> dict[int, Assignment]:
        """Several items by id: outside a unit of work, the versions first and those kept
        under them as they are (see `kept.py`); the others' rows, then all their executors."""
        wanted = sorted(set(assignment_ids))
        if not wanted:
            return {}
        with self.db.quickly() if len(wanted) <= QUICK_ITEMS else nullcontext():
            directory = None
            found: dict[int, Assignment] = {}
            if not self.db.in_unit:
                versions = await self.fetch_all(_VERSIONS_OF, (json.dumps(wanted),))
                if not versions:
                    return {}
                directory = int(versions[0][2])
                if self._kept.under(directory):
                    for row in versions:
                        if (item := self._kept.get(row[0], row[1])) is not None:
                            found[item.id] = item
                wanted = [int(row[0]) for row in versions if row[0] not in found]
            if wanted:
                rows = await self.fetch_all(
                    "SELECT * FROM assignments WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(wanted),),
                )
                found |= {item.id: item for item in await self._load(rows, directory)}
            return found

    async def by_number(self, reg_number: str) -> Assignment | None:
        return await self._one("a.reg_number = ?", (reg_number.strip(),))

    async def list_open(
        self, *, limit: int = 10, **filters: Unpack[OpenFilters]
    ) -> tuple[list[Assignment], int]:
        """Open items by deadline then number, the first `limit` of them, and how many match in
        all (see `OpenFilters`; a view pages with `open_page`)."""
        page = await self.open_page(size=limit, **filters)
        return page.items, page.total

    async def open_page(
        self, *, size: int, at: int = 0, count: bool = True, **filters: Unpack[OpenFilters]
    ) -> OpenPage:
        """One page of open items by deadline then number, read by key (no OFFSET: a page
        costs the same on the first page and the last): from the item `at` on (0: from the
        first), or, with `at` negative, the page that ends just before the item `-at`. An
        item that no longer matches still marks its place; one that does not exist reads as
        the first page. `count`: how many match in all (else `total` is 0).

        Outside a unit of work a page of a view is kept in memory under the items' clock and
        the directory's version, read first in one statement (see `_kept_page`)."""
        if size > QUICK_ITEMS:
            return await self._open_page(size, at, count, filters)
        with self.db.quickly():  # a page read by key (the count by the lists' indexes)
            key = None if self.db.in_unit else _page_key(size, at, count, filters)
            if key is None:
                return await self._open_page(size, at, count, filters)
            return await self._kept_page(key, size, at, count, filters)

    def forget_pages(self) -> None:
        """Drop the kept pages (`bench.views_bench` measures the reads themselves)."""
        self._pages.clear()

    async def _kept_page(
        self, key: tuple[object, ...], size: int, at: int, count: bool, filters: OpenFilters
    ) -> OpenPage:
        """The page of `key` as kept, if nothing it was read from has changed since; else
        read and kept.

        `assignment_clock` ticks, in the changing transaction and from any process, on every
        change of an item's row or of its executors' rows (migrations 0022, 0023): all a page
        is chosen, ordered and counted from. The directory's version covers the departments'
        names on its items. Both are read before the page, as `StaffRepo` reads its version
        before what it keeps: a change that commits between the two reads makes the next call
        read again (a wasted read, never a stale page). Items passed to an executor
        (`passed_to`, read from the passes) are never kept."""
        row = await self.fetch_one(_PAGE_STAMP)
        stamp = (int(row[0]), int(row[1])) if row is not None else None
        kept = self._pages.get(key)
        if kept is not None and stamp is not None and kept[0] == stamp:
            page = kept[1]
        else:
            page = await self._open_page(size, at, count, filters)
            if stamp is not None:
                self._pages.keep(key, (stamp, page))
        # a copy, so that no caller changes what is kept
        return OpenPage(list(page.items), page.total, page.next_at, page.before_first)

    async def _open_page(self, size: int, at: int, count: bool, filters: OpenFilters) -> OpenPage:
        department_ids = filters.get("department_ids")
        if department_ids is not None:
            wanted = sorted(set(department_ids))
            if not wanted:
                return OpenPage([], 0, None, False)
            return await self._held_page(wanted, filters, size, at, count)
        where, params = open_where(filters)
        if where is None:
            return OpenPage([], 0, None, False)
        key = await self._key(abs(at)) if at else None
        total = 0
        if count:
            counted = await self.fetch_one(*(counted_sql(filters) or count_sql(where, params)))
            total = int(counted[0]) if counted else 0
            if total == 0:
                return OpenPage([], 0, None, False)
        size = max(size, 0)
        backwards = key is not None and at < 0
        rows = await self.fetch_all(*page_sql(where, params, key, backwards, size + 1))
        more = len(rows) > size
        if backwards and not more:  # ◀️ reaches the first item: the (full) first page
            key, backwards = None, False
            rows = await self.fetch_all(*page_sql(where, params, None, False, size + 1))
            more = len(rows) > size
        if backwards:
            rows = rows[:size][::-1]
            # the page after this one starts at the item the ◀️ button was drawn from
            next_at: int | None = abs(at)
            before_first = more
        else:
            next_at = int(rows[size]["id"]) if more else None  # the extra row: the next page's
            rows = rows[:size]
            before_first = key is not None and await self._any_before(where, params, key)
        return OpenPage(await self._load(rows), total, next_at, before_first)

    async def _held_page(
        self, departments: list[int], filters: OpenFilters, size: int, at: int, count: bool
    ) -> OpenPage:
        """`open_page` of the departments' items: each department's page read by key from
        its executor rows, merged in list order (an item two of them hold, once)."""
        where, params, needs_item = held_where(filters)
        key = await self._key(abs(at)) if at else None
        total = 0
        if count:
            counted = await self.fetch_one(*held_count_sql(departments, where, params, needs_item))
            total = int(counted[0]) if counted else 0
            if total == 0:
                return OpenPage([], 0, None, False)
        size = max(size, 0)
        shape = (departments, where, params, needs_item)
        backwards = key is not None and at < 0
        ids = await self._held_ids(*shape, key, backwards, size + 1)
        more = len(ids) > size
        if backwards and not more:  # ◀️ reaches the first item: the (full) first page
            key, backwards = None, False
            ids = await self._held_ids(*shape, None, False, size + 1)
            more = len(ids) > size
        if backwards:
            ids = ids[:size][::-1]
            next_at: int | None = abs(at)
            before_first = more
        else:
            next_at = ids[size] if more else None
            ids = ids[:size]
            before_first = key is not None and bool(await self._held_ids(*shape, key, True, 1))
        found = await self.get_many(ids)
        return OpenPage([found[i] for i in ids if i in found], total, next_at, before_first)

    async def _held_ids(
        self,
        departments: list[int],
        where: str,
        params: list[object],
        needs_item: bool,
        key: tuple[str, str] | None,
        backwards: bool,
        limit: int,
    ) -> list[int]:
        """The first `limit` item ids of the departments' lists from `key` (see
        `held_page_sql`), merged in list order without repeats."""
        rows: list[tuple[str, str, int]] = []
        for department in departments:
            sql, args = held_page_sql(department, where, params, needs_item, key, backwards, limit)
            rows += [(row[1], row[2], int(row[0])) for row in await self.fetch_all(sql, args)]
        rows.sort(reverse=backwards)
        ids: list[int] = []
        for _deadline, _number, item_id in rows:
            if item_id not in ids:
                ids.append(item_id)
            if len(ids) == limit:
                break
        return ids

    async def _key(self, item_id: int) -> tuple[str, str] | None:
        row = await self.fetch_one(
            "SELECT deadline, reg_number FROM assignments WHERE id = ?", (item_id,)
        )
        return None if row is None else (row[0], row[1])

    async def _any_before(self, where: str, params: list[object], key: tuple[str, str]) -> bool:
        row = await self.fetch_one(*before_sql(where, params, key))
        return row is not None

    async def removed_since(self, since: datetime) -> list[Assignment]:
        """Items removed from control at or after `since` (for the weekly control list)."""
        rows = await self.fetch_all(
            "SELECT a.* FROM assignments a WHERE a.status = 'removed' AND a.updated_at >= ?"
            " ORDER BY a.deadline, a.reg_number",
            (utc_text(since),),
        )
        return await self._load(rows)

    async def weekly_items(
        self, removed_since: datetime, department_ids: Iterable[int] | None = None
    ) -> list[Assignment]:
        """The weekly control list's items: every open item by deadline then number, then
        every item removed from control at or after `removed_since`, the same way; with
        `department_ids`, only the items one of them executes or has executed (a declined
        executor row too). Two queries, the items and all their executors; the rows become
        objects in a worker thread (10,000 items: a tenth of a second the event loop keeps)."""
        where = "(a.status <> 'removed' OR a.updated_at >= ?)"
        params: list[object] = [utc_text(removed_since)]
        if department_ids is not None:
            where += (
                " AND a.id IN (SELECT x.assignment_id FROM assignment_executors x"
                " WHERE x.department_id IN (SELECT value FROM json_each(?)))"
            )
            params.append(json.dumps(sorted(set(department_ids))))
        items = await self.fetch_all(
            f"SELECT a.* FROM assignments a WHERE {where}"  # noqa: S608 - fixed fragments
            f" ORDER BY a.status = 'removed', {_ORDER}",
            params,
        )
        if not items:
            return []
        executors = await self.fetch_all(
            f"SELECT {_EXECUTOR_COLUMNS} FROM assignment_executors e"  # noqa: S608 - fixed
            " JOIN departments d ON d.id = e.department_id"
            f" WHERE e.assignment_id IN (SELECT a.id FROM assignments a WHERE {where})"
            " ORDER BY e.assignment_id, e.position, e.rowid",
            params,
        )
        return await asyncio.to_thread(_assignments, items, executors)

    async def _reports(self, where: str, params: tuple[object, ...]) -> list[Report]:
        rows = await self.fetch_all(
            f"SELECT * FROM reports WHERE {where} ORDER BY created_at, id",  # noqa: S608
            params,
        )
        files = await attachments_of(
            self.conn, "report_files", "report_id", [row["id"] for row in rows]
        )
        return [from_row(Report, row, files=tuple(files[row["id"]])) for row in rows]

    async def reports(self, assignment_id: int) -> list[Report]:
        """Every report on the item, with its files, oldest first."""
        return await self._reports("assignment_id = ?", (assignment_id,))

    async def report(self, report_id: int) -> Report | None:
        found = await self._reports("id = ?", (report_id,))
        return found[0] if found else None

    async def sent_cards(self, assignment_id: int) -> list[SentCard]:
        """Every card of the item sent out, with the department each was drawn for (the
        payload of the card's outbox message, kind 'card')."""
        rows = await self.fetch_all(
            "SELECT c.person_id, c.chat_id, c.message_id,"
            " (SELECT json_extract(o.payload, '$.department_id') FROM outbox o"
            "  WHERE o.kind = 'card' AND o.person_id = c.person_id"
            "  AND o.telegram_message_id = c.message_id"
            "  AND json_extract(o.payload, '$.assignment_id') = c.assignment_id"
            "  ORDER BY o.id DESC LIMIT 1) AS department_id"
            " FROM card_messages c WHERE c.assignment_id = ? ORDER BY c.rowid",
            (assignment_id,),
        )
        return [from_row(SentCard, row) for row in rows]

    async def history(self, reg_number: str) -> list[AuditEntry]:
        return await self.audit.for_entity(ENTITY, reg_number.strip())

    # --- helpers for writing ------------------------------------------------------------------
    async def _department(self, department_id: int) -> Department | None:
        return await StaffRepo(self.db).department(department_id)

    async def reg_number(self, assignment_id: int) -> str | None:
        """The item's registration number (the audit trail's entity id); None if no such item."""
        row = await self.fetch_one(
            "SELECT reg_number FROM assignments WHERE id = ?", (assignment_id,)
        )
        return str(row["reg_number"]) if row else None

    async def _record_item(
        self, assignment_id: int, action: str, **change: Unpack[Change]
    ) -> None:
        """One audit row on the item's trail, named by its registration number."""
        await self._record(written(await self.reg_number(assignment_id)), action, **change)

    async def _touch(self, assignment_id: int, at: datetime | None = None) -> None:
        await self.conn.execute(
            "UPDATE assignments SET updated_at = ? WHERE id = ?",
            (utc_text(at or now_utc()), assignment_id),
        )

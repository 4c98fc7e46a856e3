"""What the execution-discipline reports read: the counts per main executor department and
source, the worst overdue items, every item of a period and the deadlines moved in it.

The facts come from `assignment_facts` and the item's `reported_at` / `removed_at` (migration
0016: written by triggers on the audit trail, in the step's own unit of work). Dates are local:
a stored UTC moment is shifted by the window's offset. An item belongs to its main executor
department (the «свод»).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import aiosqlite

from storage.db import Store
from storage.domain.assignments import RemovalGround, Status
from storage.domain.enums import Source
from storage.domain.names import in_language
from storage.domain.reports import Counts, ExtensionRow, GroupCounts, ItemRow, Overdue, Window
from storage.models import short_name

# Every item on control in the window (registered by its end, not removed before its start),
# with its main executor department and its facts as local dates. Parameters:
# :tz the offset modifier, :start, :end, :as_of ISO dates, :all 1 for every department,
# :departments a JSON list of department ids.
_ITEMS = """
WITH moved AS MATERIALIZED (
    SELECT assignment_id, SUM(kind = 'extended') AS extended, SUM(kind = 'returned') AS returned
    FROM assignment_facts
    WHERE kind IN ('extended', 'returned') AND at >= :start_utc AND at < :after_utc
    GROUP BY assignment_id
),
raw AS MATERIALIZED (
    SELECT a.id, a.reg_number, a.source, a.deadline, a.registered_on, a.status,
           e.department_id,
           date(a.reported_at, :tz) AS reported_on,
           CASE WHEN a.status = 'removed'
                THEN COALESCE(date(a.removed_at, :tz), date(a.updated_at, :tz)) END AS removed_on,
           a.removal_ground AS ground,
           COALESCE(m.extended, 0) AS extended,
           COALESCE(m.returned, 0) AS returned
    FROM assignments a
    LEFT JOIN assignment_executors e
           ON e.assignment_id = a.id AND e.is_main = 1 AND e.declined_at IS NULL
    LEFT JOIN moved m ON m.assignment_id = a.id
    WHERE a.registered_on <= :end
      AND (a.removed_at IS NULL OR a.removed_at >= :start_utc OR a.status <> 'removed')
      AND (:all = 1 OR e.department_id IN (SELECT value FROM json_each(:departments)))
),
judged AS (
    SELECT raw.*,
           COALESCE(reported_on, removed_on) AS done_on,
           removed_on IS NOT NULL AND removed_on BETWEEN :start AND :end AS removed_in,
           (removed_on IS NULL OR removed_on > :as_of) AND registered_on <= :as_of AS open_then,
           -- the report in by the deadline, waiting for the controller's decision
           (status IN ('report_submitted', 'removed') AND reported_on IS NOT NULL
            AND reported_on <= deadline AND reported_on <= :as_of) AS report_in_time
    FROM raw
    WHERE removed_on IS NULL OR removed_on >= :start
),
items AS (
    SELECT id, reg_number, source, department_id, deadline, reported_on, removed_on, ground,
           registered_on >= :start AS received,
           removed_in AND ground = 'executed' AND done_on <= deadline AS on_time,
           removed_in AND ground = 'executed' AND done_on > deadline AS late,
           open_then AND deadline < :as_of AND NOT report_in_time AS overdue,
           open_then AND (deadline >= :as_of OR report_in_time) AS in_time,
           extended,
           removed_in AND ground = 'impossible' AS impossible,
           returned,
           CASE WHEN removed_in AND ground = 'executed' AND done_on > deadline
                THEN CAST(julianday(done_on) - julianday(deadline) AS INTEGER)
                ELSE 0 END AS days_late
    FROM judged
)
"""

_GROUPS = (
    _ITEMS
    + """
SELECT department_id, source,
       SUM(received) AS received, SUM(on_time) AS on_time, SUM(late) AS late,
       SUM(overdue) AS overdue, SUM(in_time) AS in_time, SUM(extended) AS extended,
       SUM(impossible) AS impossible, SUM(returned) AS returned, SUM(days_late) AS days_late
FROM items
GROUP BY department_id, source
"""
)

# The overdue items alone, without counting everything: the same rule as `overdue` above (on
# control as of :as_of, past the deadline, no report in by the deadline waiting for a decision).
_WORST = """
SELECT a.reg_number, e.department_id, a.deadline,
       CAST(julianday(:as_of) - julianday(a.deadline) AS INTEGER) AS days
FROM assignments a
LEFT JOIN assignment_executors e
       ON e.assignment_id = a.id AND e.is_main = 1 AND e.declined_at IS NULL
WHERE a.deadline < :as_of AND a.registered_on <= :as_of
  AND (a.status <> 'removed'
       OR COALESCE(a.removed_at, a.updated_at) >= :as_of_after_utc)
  AND NOT (a.status IN ('report_submitted', 'removed') AND a.reported_at IS NOT NULL
           AND a.reported_at < :as_of_after_utc AND date(a.reported_at, :tz) <= a.deadline)
  AND (:all = 1 OR e.department_id IN (SELECT value FROM json_each(:departments)))
ORDER BY a.deadline, a.reg_number
LIMIT :limit
"""

_ROWS = (
    _ITEMS  # noqa: S608 - fixed fragments only
    + """
SELECT items.id, items.reg_number, a.received, a.source, a.summary, a.restricted, a.status,
       a.original_deadline, a.deadline, a.extensions, items.reported_on, items.removed_on,
       items.ground,
       (SELECT json_group_array(json_array(d.name, e.is_main, d.name_kk, d.name_ru))
        FROM (SELECT * FROM assignment_executors WHERE assignment_id = items.id
              AND declined_at IS NULL ORDER BY is_main DESC, position) e
        JOIN departments d ON d.id = e.department_id) AS executors
FROM items JOIN assignments a ON a.id = items.id
ORDER BY a.registered_on, a.reg_number
"""
)

_MOVES = """
SELECT a.reg_number, COALESCE(d.name, '') AS department, COALESCE(d.name_kk, '') AS department_kk,
       COALESCE(d.name_ru, '') AS department_ru, date(f.at, :tz) AS day,
       f.old_deadline, f.new_deadline, f.kind = 'extended' AS extension
FROM assignment_facts f
JOIN assignments a ON a.id = f.assignment_id
LEFT JOIN assignment_executors e
       ON e.assignment_id = a.id AND e.is_main = 1 AND e.declined_at IS NULL
LEFT JOIN departments d ON d.id = e.department_id
WHERE f.kind IN ('extended', 'deadline_changed')
  AND f.at >= :start_utc AND f.at < :after_utc
  AND f.old_deadline IS NOT NULL AND f.new_deadline IS NOT NULL
  AND (:all = 1 OR d.id IN (SELECT value FROM json_each(:departments)))
ORDER BY f.at, f.id
"""

_COUNT_COLUMNS = tuple(Counts.__dataclass_fields__)


def _utc_midnight(day: date, offset_minutes: int) -> str:
    """The local midnight starting `day`, as a stored UTC moment (compares as text)."""
    moment = datetime.combine(day, time()) - timedelta(minutes=offset_minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000")


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


class ReportRepo(Store):
    async def _named(self, sql: str, params: dict[str, object]) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    @staticmethod
    def _params(window: Window) -> dict[str, object]:
        wanted = None if window.departments is None else sorted(window.departments)
        return {
            "tz": window.sqlite_offset,
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "as_of": window.as_of.isoformat(),
            "all": 1 if wanted is None else 0,
            "departments": json.dumps(wanted or []),
            "start_utc": _utc_midnight(window.start, window.utc_offset_minutes),
            "after_utc": _utc_midnight(window.end + timedelta(days=1), window.utc_offset_minutes),
            "as_of_after_utc": _utc_midnight(
                window.as_of + timedelta(days=1), window.utc_offset_minutes
            ),
        }

    async def groups(self, window: Window) -> list[GroupCounts]:
        """The counts per (main executor department, source), one grouped query."""
        rows = await self._named(_GROUPS, self._params(window))
        return [
            GroupCounts(
                None if row["department_id"] is None else int(row["department_id"]),
                Source(row["source"]),
                Counts(*(int(row[name] or 0) for name in _COUNT_COLUMNS)),
            )
            for row in rows
        ]

    async def worst_overdue(self, window: Window, limit: int = 5) -> list[Overdue]:
        """The items overdue the longest as of the window's day, the oldest deadline first."""
        rows = await self._named(_WORST, self._params(window) | {"limit": limit})
        return [
            Overdue(
                row["reg_number"],
                None if row["department_id"] is None else int(row["department_id"]),
                date.fromisoformat(row["deadline"]),
                int(row["days"]),
            )
            for row in rows
        ]

    async def items(self, window: Window, language: str) -> list[ItemRow]:
        """Every item on control in the window with its facts, in order of registration; the
        departments named in `language` (kk, ru)."""
        rows = await self._named(_ROWS, self._params(window))
        found = []
        for row in rows:
            executors = [
                (in_language(language, name, kk, ru), main)
                for name, main, kk, ru in (
                    json.loads(row["executors"]) if row["executors"] else []
                )
            ]
            reported, removed = _day(row["reported_on"]), _day(row["removed_on"])
            deadline = date.fromisoformat(row["deadline"])
            ground = RemovalGround(row["ground"]) if row["ground"] else None
            done = reported or removed
            late = (
                (done - deadline).days
                if ground is RemovalGround.EXECUTED and done is not None and done > deadline
                else None
            )
            found.append(
                ItemRow(
                    id=int(row["id"]),
                    reg_number=row["reg_number"],
                    received=date.fromisoformat(row["received"]),
                    source=Source(row["source"]),
                    summary=row["summary"],
                    restricted=bool(row["restricted"]),
                    status=Status(row["status"]),
                    original_deadline=date.fromisoformat(row["original_deadline"]),
                    deadline=deadline,
                    extensions=int(row["extensions"]),
                    main_department=next((name for name, main in executors if main), ""),
                    co_departments=tuple(name for name, main in executors if not main),
                    reported_on=reported,
                    removed_on=removed,
                    removal_ground=ground,
                    days_late=late,
                )
            )
        return found

    async def deadline_moves(self, window: Window, language: str) -> list[ExtensionRow]:
        """Every deadline moved in the window (extensions and the controller's changes); the
        main executor department named in `language` (kk, ru)."""
        rows = await self._named(_MOVES, self._params(window))
        return [
            ExtensionRow(
                row["reg_number"],
                in_language(
                    language, row["department"], row["department_kk"], row["department_ru"]
                ),
                date.fromisoformat(row["day"]),
                date.fromisoformat(row["old_deadline"]),
                date.fromisoformat(row["new_deadline"]),
                bool(row["extension"]),
            )
            for row in rows
        ]


@dataclass(frozen=True, slots=True)
class Reach:
    """How the bot reaches one active person: joined or not, blocked, what waits or failed."""

    person_id: int
    code: str
    full_name: str
    department: str
    joined: bool
    blocked: bool
    waiting: int  # messages not sent yet (pending or being sent)
    failed: int
    last_sent: datetime | None

    @property
    def short_name(self) -> str:
        """«Омарова Д. М.», as every list and button names a person (README, "Languages")."""
        return short_name(self.full_name)


_REACH = """
SELECT p.id, p.code, p.full_name, COALESCE(d.name, '') AS department,
       COALESCE(d.name_kk, '') AS department_kk, COALESCE(d.name_ru, '') AS department_ru,
       p.telegram_id IS NOT NULL AS joined, p.unreachable AS blocked,
       COALESCE(o.waiting, 0) AS waiting, COALESCE(o.failed, 0) AS failed, o.last_sent
FROM people p
LEFT JOIN departments d ON d.id = p.department_id
LEFT JOIN (
    SELECT person_id, SUM(status IN ('pending', 'sending')) AS waiting,
           SUM(status = 'failed') AS failed, MAX(sent_at) AS last_sent
    FROM outbox GROUP BY person_id
) o ON o.person_id = p.id
WHERE p.active = 1
ORDER BY p.telegram_id IS NOT NULL, p.unreachable DESC, COALESCE(o.failed, 0) DESC,
         p.full_name
"""


class DeliveryHealthRepo(Store):
    async def reach(self, language: str) -> list[Reach]:
        """Every active person: not joined first, then blocked, then by failed messages; the
        departments named in `language` (kk, ru)."""
        rows = await self.fetch_all(_REACH)
        return [
            Reach(
                int(row["id"]),
                row["code"],
                row["full_name"],
                in_language(
                    language, row["department"], row["department_kk"], row["department_ru"]
                ),
                bool(row["joined"]),
                bool(row["blocked"]),
                int(row["waiting"]),
                int(row["failed"]),
                datetime.fromisoformat(row["last_sent"]) if row["last_sent"] else None,
            )
            for row in rows
        ]

"""What the execution-discipline reports read: the counts per main executor department and
source, the worst overdue items, every item of a period and the deadlines moved in it.

The facts come from `assignment_facts` (migration 0013: written by a trigger on the audit
trail, in the step's own unit of work). Dates are local: a stored UTC moment is shifted by the
window's offset. An item belongs to its main executor department (the «свод»).
"""

from __future__ import annotations

import json
from datetime import date

import aiosqlite

from storage.db import Store
from storage.domain.assignments import RemovalGround, Status
from storage.domain.enums import Source
from storage.domain.reports import Counts, ExtensionRow, GroupCounts, ItemRow, Overdue, Window

# Every item on control in the window (registered by its end, not removed before its start),
# with its main executor department and its facts as local dates. Parameters:
# :tz the offset modifier, :start, :end, :as_of ISO dates, :all 1 for every department,
# :departments a JSON list of department ids.
_ITEMS = """
WITH facts AS (
    SELECT assignment_id,
           MAX(CASE WHEN kind = 'reported' THEN at END) AS reported_at,
           MAX(CASE WHEN kind = 'removed' THEN at END) AS removed_at,
           MAX(CASE WHEN kind = 'removed' THEN ground END) AS ground,
           SUM(kind = 'extended' AND date(at, :tz) BETWEEN :start AND :end) AS extended,
           SUM(kind = 'returned' AND date(at, :tz) BETWEEN :start AND :end) AS returned
    FROM assignment_facts
    WHERE kind IN ('reported', 'removed', 'extended', 'returned')
    GROUP BY assignment_id
),
raw AS (
    SELECT a.id, a.reg_number, a.source, a.deadline, a.registered_on, a.status,
           (SELECT e.department_id FROM assignment_executors e
            WHERE e.assignment_id = a.id AND e.is_main = 1
            ORDER BY e.declined_at IS NOT NULL, e.position LIMIT 1) AS department_id,
           date(f.reported_at, :tz) AS reported_on,
           CASE WHEN a.status = 'removed'
                THEN COALESCE(date(f.removed_at, :tz), date(a.updated_at, :tz)) END AS removed_on,
           COALESCE(f.ground, a.removal_ground) AS ground,
           COALESCE(f.extended, 0) AS extended,
           COALESCE(f.returned, 0) AS returned
    FROM assignments a LEFT JOIN facts f ON f.assignment_id = a.id
    WHERE a.registered_on <= :end
),
items AS (
    SELECT raw.*,
           removed_on IS NOT NULL AND removed_on BETWEEN :start AND :end AS removed_in,
           removed_on IS NULL OR removed_on > :as_of AS open_then,
           -- the report in by the deadline, waiting for the controller's decision
           (status IN ('report_submitted', 'removed') AND reported_on IS NOT NULL
            AND reported_on <= deadline AND reported_on <= :as_of) AS report_in_time
    FROM raw
    WHERE (removed_on IS NULL OR removed_on >= :start)
      AND (:all = 1 OR department_id IN (SELECT value FROM json_each(:departments)))
)
"""

_GROUPS = (
    _ITEMS
    + """
SELECT department_id, source,
       SUM(registered_on >= :start) AS received,
       SUM(removed_in AND ground = 'executed'
           AND COALESCE(reported_on, removed_on) <= deadline) AS on_time,
       SUM(removed_in AND ground = 'executed'
           AND COALESCE(reported_on, removed_on) > deadline) AS late,
       SUM(open_then AND registered_on <= :as_of AND deadline < :as_of
           AND NOT report_in_time) AS overdue,
       SUM(open_then AND registered_on <= :as_of
           AND (deadline >= :as_of OR report_in_time)) AS in_time,
       SUM(extended) AS extended,
       SUM(removed_in AND ground = 'impossible') AS impossible,
       SUM(returned) AS returned,
       SUM(CASE WHEN removed_in AND ground = 'executed'
                 AND COALESCE(reported_on, removed_on) > deadline
                THEN CAST(julianday(COALESCE(reported_on, removed_on)) - julianday(deadline)
                     AS INTEGER)
                ELSE 0 END) AS days_late
FROM items
GROUP BY department_id, source
"""
)

_WORST = (
    _ITEMS
    + """
SELECT reg_number, department_id, deadline,
       CAST(julianday(:as_of) - julianday(deadline) AS INTEGER) AS days
FROM items
WHERE open_then AND registered_on <= :as_of AND deadline < :as_of AND NOT report_in_time
ORDER BY deadline, reg_number
LIMIT :limit
"""
)

_ROWS = (
    _ITEMS  # noqa: S608 - fixed fragments only
    + """
SELECT items.id, items.reg_number, a.received, a.source, a.summary, a.restricted, a.status,
       a.original_deadline, a.deadline, a.extensions, items.reported_on, items.removed_on,
       items.ground,
       (SELECT json_group_array(json_array(d.name, e.is_main))
        FROM (SELECT * FROM assignment_executors WHERE assignment_id = items.id
              AND declined_at IS NULL ORDER BY is_main DESC, position) e
        JOIN departments d ON d.id = e.department_id) AS executors
FROM items JOIN assignments a ON a.id = items.id
ORDER BY a.registered_on, a.reg_number
"""
)

_MOVES = """
SELECT a.reg_number, COALESCE(d.name, '') AS department, date(f.at, :tz) AS day,
       f.old_deadline, f.new_deadline, f.kind = 'extended' AS extension
FROM assignment_facts f
JOIN assignments a ON a.id = f.assignment_id
LEFT JOIN departments d ON d.id = (
    SELECT e.department_id FROM assignment_executors e
    WHERE e.assignment_id = a.id AND e.is_main = 1
    ORDER BY e.declined_at IS NOT NULL, e.position LIMIT 1)
WHERE f.kind IN ('extended', 'deadline_changed')
  AND f.at >= :from_utc AND date(f.at, :tz) BETWEEN :start AND :end
  AND f.old_deadline IS NOT NULL AND f.new_deadline IS NOT NULL
  AND (:all = 1 OR d.id IN (SELECT value FROM json_each(:departments)))
ORDER BY f.at, f.id
"""

_COUNT_COLUMNS = tuple(Counts.__dataclass_fields__)


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

    async def items(self, window: Window) -> list[ItemRow]:
        """Every item on control in the window with its facts, in order of registration."""
        rows = await self._named(_ROWS, self._params(window))
        found = []
        for row in rows:
            executors = json.loads(row["executors"]) if row["executors"] else []
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

    async def deadline_moves(self, window: Window) -> list[ExtensionRow]:
        """Every deadline moved in the window (extensions and the controller's changes)."""
        params = self._params(window)
        # A stored moment a day before the start in UTC can fall on the start in local time.
        params["from_utc"] = date.fromordinal(window.start.toordinal() - 1).isoformat()
        rows = await self._named(_MOVES, params)
        return [
            ExtensionRow(
                row["reg_number"],
                row["department"],
                date.fromisoformat(row["day"]),
                date.fromisoformat(row["old_deadline"]),
                date.fromisoformat(row["new_deadline"]),
                bool(row["extension"]),
            )
            for row in rows
        ]

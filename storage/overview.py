"""What the leaders' overview reads: open assignments counted per department and deadline."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from storage.assignments.reading import HELD_CONDITION
from storage.db import Store


@dataclass(frozen=True, slots=True)
class DeadlineCount:
    """How many open items of a department (None: of all departments, each item once) have
    this deadline."""

    department_id: int | None
    deadline: date
    count: int


# Per department and deadline, then per deadline over the departments (an item with several
# executor departments counts once in the total), grouped over the covering partial index
# `assignment_executors_open` (migration 0017: the executor rows of open items, with their
# deadline): the items table is not read. Open items only; an executor who declined («не
# наше») no longer holds the item. Every department, or the ones in a JSON list.
_ALL = HELD_CONDITION
_SOME = "e.department_id IN (SELECT value FROM json_each(?)) AND " + HELD_CONDITION  # noqa: S608
_PER_DEPARTMENT = (
    "SELECT e.department_id, e.open_deadline, COUNT(*) FROM assignment_executors e"
    " WHERE {held} GROUP BY e.department_id, e.open_deadline"
)
# each item once (several executor departments): over every department, read in deadline and
# item order from `assignment_executors_open_by_deadline`, so the distinct count needs no sort
_PER_DEADLINE = (
    "SELECT NULL, e.open_deadline, COUNT(DISTINCT e.assignment_id) FROM assignment_executors e"
    " WHERE {held} GROUP BY e.open_deadline"
)


# The same per department by light instead of by deadline (`bounds`: today and the first 🟢
# deadline): each range of deadlines grouped per department in the index's department order
# (a row's deadline is the earliest of its range, which has the range's light), so a
# department has at most three rows, not one per deadline; the totals stay per deadline.
_RANGES = (
    "e.open_deadline < ?",
    "e.open_deadline >= ? AND e.open_deadline < ?",
    "e.open_deadline >= ?",
)
_PER_DEPARTMENT_IN = (
    "SELECT e.department_id, MIN(e.open_deadline), COUNT(*)"
    " FROM assignment_executors e INDEXED BY assignment_executors_open"
    " WHERE {held} AND {range} GROUP BY e.department_id"
)


def light_counts_sql(held: str) -> str:
    """The counts per department for each of the three ranges, then per deadline in all, as
    one statement (parameters: `light_params`)."""
    parts = [_PER_DEPARTMENT_IN.format(held=held, range=part) for part in _RANGES]
    return " UNION ALL ".join([*parts, _PER_DEADLINE.format(held=held)])


def light_params(scope: tuple[str, ...], bounds: tuple[date, date]) -> tuple[str, ...]:
    today, later_from = (day.isoformat() for day in bounds)
    ranges = [(today,), (today, later_from), (later_from,)]
    return (*(value for part in ranges for value in (*scope, *part)), *scope)


def counts_sql(held: str) -> str:
    """Both groupings as one statement, for every department (`_ALL`) or some (`_SOME`)."""
    return f"{_PER_DEPARTMENT.format(held=held)} UNION ALL {_PER_DEADLINE.format(held=held)}"


class OverviewRepo(Store):
    async def open_counts(
        self, department_ids: Iterable[int] | None, bounds: tuple[date, date] | None = None
    ) -> list[DeadlineCount]:
        """Open items counted per (department, deadline), and per deadline in all (rows with
        `department_id` None), in one statement of two groupings over the index (one
        snapshot, so the totals agree with the departments). `department_ids` None means every
        department; an empty collection matches nothing. With `bounds` (today and the first
        deadline that is 🟢, see `bot.assignments.rules.light_bounds`): one row per department
        and light instead, its deadline the earliest of its light's."""
        wanted = None if department_ids is None else sorted(set(department_ids))
        if wanted == []:
            return []
        held, scope = (_ALL, ()) if wanted is None else (_SOME, (json.dumps(wanted),))
        if bounds is None:
            rows = await self.fetch_all(counts_sql(held), (*scope, *scope))
        else:
            rows = await self.fetch_all(light_counts_sql(held), light_params(scope, bounds))
        return [
            DeadlineCount(
                row[0] if row[0] is None else int(row[0]), date.fromisoformat(row[1]), int(row[2])
            )
            for row in rows
        ]

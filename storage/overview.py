"""What the leaders' overview reads: open assignments counted per department and deadline."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from storage.assignments.reading import _OPEN
from storage.db import Store


@dataclass(frozen=True, slots=True)
class DeadlineCount:
    """How many open items of a department (None: of all departments, each item once) have
    this deadline."""

    department_id: int | None
    deadline: date
    count: int


# One statement: per department and deadline, then per deadline over all departments (an item
# with several executor departments counts once in the total). Open items only; an executor
# who declined («не наше») no longer holds the item.
_COUNTS = """
WITH held AS (
    SELECT a.id AS assignment_id, a.deadline AS deadline, e.department_id AS department_id
    FROM assignments a
    JOIN assignment_executors e ON e.assignment_id = a.id AND e.declined_at IS NULL
    WHERE a.status IN (SELECT value FROM json_each(?1))
      AND (?2 = 1 OR e.department_id IN (SELECT value FROM json_each(?3)))
)
SELECT department_id, deadline, COUNT(DISTINCT assignment_id) AS n
FROM held GROUP BY department_id, deadline
UNION ALL
SELECT NULL, deadline, COUNT(DISTINCT assignment_id) FROM held GROUP BY deadline
"""


class OverviewRepo(Store):
    async def open_counts(self, department_ids: Iterable[int] | None) -> list[DeadlineCount]:
        """Open items counted per (department, deadline), and per deadline in all (rows with
        `department_id` None), in one grouped query. `department_ids` None means every
        department; an empty collection matches nothing."""
        wanted = None if department_ids is None else sorted(set(department_ids))
        if wanted == []:
            return []
        rows = await self.fetch_all(
            _COUNTS,
            (_OPEN, 1 if wanted is None else 0, json.dumps(wanted or [])),
        )
        return [
            DeadlineCount(
                row[0] if row[0] is None else int(row[0]), date.fromisoformat(row[1]), int(row[2])
            )
            for row in rows
        ]

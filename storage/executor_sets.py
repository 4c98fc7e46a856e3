"""The control department changes an assignment's executor departments and its main one
(«свод»): one conditional rewrite of the active executor rows, audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.assignments.reading import _OPEN, ENTITY
from storage.audit import AuditedStore
from storage.domain.assignments import Status
from storage.rows import utc_text


class ExecutorSetRepo(AuditedStore):
    entity = ENTITY

    async def active(self, assignment_id: int) -> list[int]:
        """The active executor departments, the main one first, then by position."""
        rows = await self.fetch_all(
            "SELECT department_id FROM assignment_executors"
            " WHERE assignment_id = ? AND declined_at IS NULL ORDER BY is_main DESC, position",
            (assignment_id,),
        )
        return [int(row["department_id"]) for row in rows]

    async def _names(self, department_ids: Sequence[int]) -> list[str]:
        names = []
        for department_id in department_ids:
            row = await self.fetch_one(
                "SELECT name FROM departments WHERE id = ?", (department_id,)
            )
            names.append(str(row["name"]) if row else str(department_id))
        return names

    async def replace(
        self,
        assignment_id: int,
        *,
        seen: Sequence[int],
        chosen: Sequence[int],
        actor: str,
        at: datetime,
    ) -> bool:
        """Make `chosen` (main first) the active executors, when they are still `seen` (main
        first) and the item is open; False otherwise (someone changed them meanwhile). Removed
        departments' rows go (the audit keeps them); added ones get a fresh row; a department
        that had declined gets its row back, active and not accepted."""
        if not chosen or len(set(chosen)) != len(chosen):
            raise ValueError("at least one executor, each once")
        async with self.db.transaction():
            item = await self.fetch_one(
                "SELECT reg_number, status FROM assignments WHERE id = ?"
                " AND status IN (SELECT value FROM json_each(?))",
                (assignment_id, _OPEN),
            )
            current = await self.active(assignment_id)
            if item is None or current != list(seen):
                return False
            for department_id in set(current) - set(chosen):
                await self.conn.execute(
                    "DELETE FROM assignment_executors"
                    " WHERE assignment_id = ? AND department_id = ?",
                    (assignment_id, department_id),
                )
            row = await self.fetch_one(
                "SELECT COALESCE(MAX(position), -1) AS top FROM assignment_executors"
                " WHERE assignment_id = ?",
                (assignment_id,),
            )
            top = int(row["top"]) if row else -1
            for department_id in chosen:
                if department_id in current:
                    continue
                top += 1
                await self.conn.execute(
                    "INSERT INTO assignment_executors (assignment_id, department_id, is_main,"
                    " position) VALUES (?, ?, 0, ?) ON CONFLICT (assignment_id, department_id)"
                    " DO UPDATE SET position = excluded.position, accepted_at = NULL,"
                    " accepted_by = NULL, declined_at = NULL, decline_reason = NULL",
                    (assignment_id, department_id, top),
                )
            await self.conn.execute(
                "UPDATE assignment_executors SET is_main = (department_id = ?)"
                " WHERE assignment_id = ? AND declined_at IS NULL",
                (chosen[0], assignment_id),
            )
            if chosen[0] != current[0]:
                main = await self.fetch_one(
                    "SELECT accepted_at FROM assignment_executors"
                    " WHERE assignment_id = ? AND department_id = ?",
                    (assignment_id, chosen[0]),
                )
                accepted = main is not None and main["accepted_at"] is not None
                old, new = (
                    (Status.ACCEPTED, Status.REGISTERED)
                    if not accepted
                    else (Status.REGISTERED, Status.ACCEPTED)
                )
                await self.conn.execute(
                    "UPDATE assignments SET status = ? WHERE id = ? AND status = ?",
                    (new.value, assignment_id, old.value),
                )
            await self.conn.execute(
                "UPDATE assignments SET updated_at = ? WHERE id = ?", (utc_text(at), assignment_id)
            )
            await self._record(
                item["reg_number"],
                "executors",
                actor=actor,
                old={"executors": await self._names(current)},
                new={"executors": await self._names(chosen)},
                at=at,
            )
        return True

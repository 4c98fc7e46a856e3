"""Items passed to executors of a department, and the executors' report drafts (migration
0008). Every change is audited on the assignment's trail."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from storage.assignments.reading import _OPEN, ENTITY
from storage.attachments import attachments_of, save_attachments
from storage.audit import AuditedStore
from storage.db import quick
from storage.domain.executors import DraftStatus, ExecutorDraft, Pass
from storage.domain.files import Attachment
from storage.rows import from_row, required, utc_text, written


class ExecutorRepo(AuditedStore):
    entity = ENTITY

    # --- passes ----------------------------------------------------------------------------
    @quick
    async def passed(self, assignment_id: int, department_id: int) -> list[Pass]:
        rows = await self.fetch_all(
            "SELECT * FROM assignment_passes WHERE assignment_id = ? AND department_id = ?"
            " ORDER BY passed_at, person_id",
            (assignment_id, department_id),
        )
        return [from_row(Pass, row) for row in rows]

    @quick
    async def pass_of(self, assignment_id: int, person_id: int) -> Pass | None:
        """The pass of the item to this person, if there is one."""
        row = await self.fetch_one(
            "SELECT * FROM assignment_passes WHERE assignment_id = ? AND person_id = ?",
            (assignment_id, person_id),
        )
        return from_row(Pass, row) if row else None

    async def open_passes(self, person_id: int | None = None) -> list[Pass]:
        """Every pass of an item still on control (for the executors' reminders), or only the
        passes to one person."""
        rows = await self.fetch_all(
            "SELECT p.* FROM assignment_passes p JOIN assignments a ON a.id = p.assignment_id"
            " WHERE a.status IN (SELECT value FROM json_each(?))"
            " AND (? IS NULL OR p.person_id = ?)"
            " ORDER BY p.assignment_id, p.person_id",
            (_OPEN, person_id, person_id),
        )
        return [from_row(Pass, row) for row in rows]

    async def set_passes(
        self,
        assignment_id: int,
        department_id: int,
        person_ids: Sequence[int],
        *,
        reg_number: str,
        actor: str,
        on_behalf_of: str | None,
        at: datetime,
    ) -> tuple[list[int], list[int]]:
        """The item is passed to exactly `person_ids` of the department (replacing the list):
        (added, removed) person ids; both empty when nothing changed (then nothing is audited)."""
        async with self.db.transaction():
            before = {p.person_id for p in await self.passed(assignment_id, department_id)}
            wanted = list(dict.fromkeys(person_ids))
            added = [pid for pid in wanted if pid not in before]
            removed = sorted(before - set(wanted))
            if not added and not removed:
                return [], []
            await self.conn.execute(
                "DELETE FROM assignment_passes WHERE assignment_id = ? AND department_id = ?"
                " AND person_id IN (SELECT value FROM json_each(?))",
                (assignment_id, department_id, json.dumps(removed)),
            )
            await self.conn.executemany(
                "INSERT INTO assignment_passes (assignment_id, department_id, person_id,"
                " passed_by, passed_at) VALUES (?, ?, ?, ?, ?)",
                [(assignment_id, department_id, pid, actor, utc_text(at)) for pid in added],
            )
            codes = await self._codes([*before, *wanted])
            await self._record(
                reg_number,
                "pass" if wanted else "take_back",
                actor=actor,
                on_behalf_of=on_behalf_of,
                old={"executors": [codes[pid] for pid in sorted(before)]},
                new={"executors": [codes[pid] for pid in wanted]},
                at=at,
            )
        return added, removed

    async def _codes(self, person_ids: Sequence[int]) -> dict[int, str]:
        rows = await self.fetch_all(
            "SELECT id, code FROM people WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(person_ids))),),
        )
        return {row["id"]: row["code"] for row in rows}

    # --- drafts ----------------------------------------------------------------------------
    async def add_draft(
        self,
        assignment_id: int,
        department_id: int,
        *,
        author_id: int,
        author_code: str,
        reg_number: str,
        text: str,
        files: Sequence[Attachment],
        at: datetime,
    ) -> ExecutorDraft:
        """A new draft with the head; the author's earlier pending one is superseded."""
        text = required(text, "a draft needs text")
        async with self.db.transaction():
            await self.conn.execute(
                "UPDATE executor_drafts SET status = ?, decided_at = ? WHERE assignment_id = ?"
                " AND department_id = ? AND author_id = ? AND status = ?",
                (
                    DraftStatus.SUPERSEDED.value,
                    utc_text(at),
                    assignment_id,
                    department_id,
                    author_id,
                    DraftStatus.PENDING.value,
                ),
            )
            cursor = await self.conn.execute(
                "INSERT INTO executor_drafts (assignment_id, department_id, author_id, text,"
                " status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    assignment_id,
                    department_id,
                    author_id,
                    text,
                    DraftStatus.PENDING.value,
                    utc_text(at),
                ),
            )
            draft_id = cursor.lastrowid
            assert draft_id is not None
            await save_attachments(
                self.conn, "executor_draft_files", "draft_id", draft_id, list(files)
            )
            await self._record(
                reg_number,
                "executor_draft",
                actor=author_code,
                new={"draft": draft_id, "files": len(files)},
                at=at,
            )
        return written(await self.draft(draft_id))

    @quick
    async def draft(self, draft_id: int) -> ExecutorDraft | None:
        row = await self.fetch_one("SELECT * FROM executor_drafts WHERE id = ?", (draft_id,))
        if row is None:
            return None
        files = await attachments_of(self.conn, "executor_draft_files", "draft_id", [draft_id])
        return from_row(ExecutorDraft, row, files=tuple(files[draft_id]))

    async def decide_draft(
        self,
        draft_id: int,
        status: DraftStatus,
        *,
        reg_number: str,
        actor: str,
        on_behalf_of: str | None,
        at: datetime,
        comment: str | None = None,
        report_id: int | None = None,
    ) -> bool:
        """A pending draft approved (with the report it became) or returned (with a comment);
        False when it is no longer pending (decided already, or superseded)."""
        async with self.db.transaction():
            if not await self.transition(
                "executor_drafts",
                draft_id,
                DraftStatus.PENDING,
                {
                    "status": DraftStatus(status),
                    "comment": comment,
                    "decided_by": actor,
                    "decided_at": utc_text(at),
                    "report_id": report_id,
                },
            ):
                return False
            await self._record(
                reg_number,
                "draft_approved" if status is DraftStatus.APPROVED else "draft_returned",
                actor=actor,
                on_behalf_of=on_behalf_of,
                new={"draft": draft_id, **({"comment": comment} if comment else {})},
                at=at,
            )
        return True

"""Removals from control waiting for consent (migration 0009): asked by a controller, agreed
or refused by the akim or the head of apparatus (or whoever acts for them). The first decision
wins: each decision is a conditional update of a pending request, in one unit of work with
the assignment's own change and the audit rows."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.domain.assignments import RemovalGround, Status
from storage.domain.removals import RemovalRequest, RemovalStatus
from storage.requests import RequestRepo
from storage.rows import required, utc_text, written


class RemovalPending(ValueError):
    """The assignment already has a removal waiting for consent."""


class RemovalRepo(RequestRepo[RemovalRequest]):
    table = "removal_requests"
    shape = RemovalRequest
    pending_status = RemovalStatus.PENDING
    on_behalf_column = "on_behalf_of"
    refused_status = RemovalStatus.REFUSED
    reason_column = "refuse_reason"
    refused_action = "removal_refused"

    async def create(
        self,
        assignment_id: int,
        *,
        ground: RemovalGround,
        note: str,
        actor: str,
        at: datetime,
    ) -> RemovalRequest:
        """A removal waiting for consent. RemovalPending when one already waits."""
        note = required(note, "a note is required")
        ground = RemovalGround(ground)
        async with self.db.transaction():
            try:
                cursor = await self.conn.execute(
                    "INSERT INTO removal_requests (assignment_id, ground, note, requested_by,"
                    " status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        assignment_id,
                        ground.value,
                        note,
                        actor,
                        RemovalStatus.PENDING.value,
                        utc_text(at),
                    ),
                )
            except aiosqlite.IntegrityError as exc:
                raise RemovalPending(str(assignment_id)) from exc
            request_id = cursor.lastrowid
            await self._record(
                await self._reg_number(assignment_id),
                "removal_asked",
                actor=actor,
                new={"ground": ground.value, "note": note},
                at=at,
            )
        return written(await self.get(int(request_id or 0)))

    async def agree(
        self, request_id: int, *, actor: str, on_behalf_of: str | None, at: datetime
    ) -> RemovalStatus | None:
        """Agree: the item is removed with the request's ground and note. None when the request
        is no longer pending (someone decided first); LAPSED (and the request closed) when the
        item no longer waits for a decision on its report."""
        async with self.db.transaction():
            request = await self.get(request_id)
            if request is None or request.status is not RemovalStatus.PENDING:
                return None
            removed = await self.transition(
                "assignments",
                request.assignment_id,
                Status.REPORTED,
                {
                    "status": Status.REMOVED,
                    "removal_ground": request.ground,
                    "updated_at": utc_text(at),
                },
            )
            status = RemovalStatus.AGREED if removed else RemovalStatus.LAPSED
            if not await self._decided(
                request_id, status, actor=actor, on_behalf_of=on_behalf_of, at=at
            ):
                return None
            if status is RemovalStatus.AGREED:
                await self._record(
                    await self._reg_number(request.assignment_id),
                    "remove",
                    actor=actor,
                    old={"status": Status.REPORTED.value},
                    new={
                        "ground": request.ground.value,
                        "note": request.note,
                        "asked_by": request.requested_by,
                    },
                    on_behalf_of=on_behalf_of,
                    at=at,
                )
        return status

    async def lapse(self, assignment_id: int, *, at: datetime) -> bool:
        """The item left «report in» (returned for rework): a waiting removal closes."""
        lapsed = await self.write(
            "UPDATE removal_requests SET status = ?, decided_at = ?"
            " WHERE assignment_id = ? AND status = ?",
            (
                RemovalStatus.LAPSED.value,
                utc_text(at),
                assignment_id,
                RemovalStatus.PENDING.value,
            ),
        )
        return lapsed > 0

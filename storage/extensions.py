"""Extension requests (продление срока): asking, reading, and the one decision on each."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from storage.assignments.reading import _OPEN
from storage.domain.assignments import OPEN_STATUSES, Refusal, Status
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.domain.refusals import Refused
from storage.requests import RequestRepo
from storage.rows import required, utc_text, written


class PendingExists(ValueError):
    """The assignment already has a request waiting for a decision."""

    def __init__(self, assignment_id: int, reg_number: str | None = None) -> None:
        super().__init__(
            f"assignment {reg_number or assignment_id} already has a pending extension request"
        )
        self.assignment_id = assignment_id
        self.reg_number = reg_number


class ExtensionRepo(RequestRepo[ExtensionRequest]):
    table = "extension_requests"
    shape = ExtensionRequest
    pending_status = RequestStatus.PENDING
    on_behalf_column = "decided_on_behalf_of"
    refused_status = RequestStatus.REJECTED
    reason_column = "reject_reason"
    refused_action = "extension_rejected"
    refusal_names_request = True

    # --- reading -------------------------------------------------------------------------------
    async def pending(self) -> list[ExtensionRequest]:
        """Every request waiting for a decision, oldest first."""
        return await self._many("status = ?", (RequestStatus.PENDING.value,))

    async def for_assignment(self, assignment_id: int) -> list[ExtensionRequest]:
        """Every request on the item, decided or not, oldest first."""
        return await self._many("assignment_id = ?", (assignment_id,))

    # --- asking --------------------------------------------------------------------------------
    async def create(
        self,
        assignment_id: int,
        department_id: int,
        *,
        requested_by: str,
        on_behalf_of: str | None,
        new_deadline: date,
        reasons: str,
        exceptional: bool,
        at: datetime,
    ) -> ExtensionRequest:
        """File a request against the item's current deadline (read under the write lock).

        ValueError: no such item or empty reasons; Refused(CLOSED) (a ValueError) when the
        item is removed from control; PendingExists when a request is already waiting.
        """
        reasons = required(reasons, "reasons are required")
        async with self.db.transaction():
            item = await self.fetch_one(
                "SELECT reg_number, deadline, status FROM assignments WHERE id = ?",
                (assignment_id,),
            )
            if item is None:
                raise ValueError(f"no assignment with id {assignment_id}")
            reg_number = item["reg_number"]
            if Status(item["status"]) not in OPEN_STATUSES:
                raise Refused(Refusal.CLOSED, reg_number=reg_number)
            async with self.conn.execute(
                "SELECT 1 FROM extension_requests WHERE assignment_id = ? AND status = ?",
                (assignment_id, RequestStatus.PENDING.value),
            ) as cursor:
                if await cursor.fetchone():
                    raise PendingExists(assignment_id, reg_number)
            try:
                cursor = await self.conn.execute(
                    "INSERT INTO extension_requests (assignment_id, department_id,"
                    " requested_by, on_behalf_of, old_deadline, new_deadline, reasons,"
                    " exceptional, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        assignment_id,
                        department_id,
                        requested_by,
                        on_behalf_of,
                        item["deadline"],
                        new_deadline.isoformat(),
                        reasons,
                        int(exceptional),
                        RequestStatus.PENDING.value,
                        utc_text(at),
                    ),
                )
            except aiosqlite.IntegrityError as exc:
                # The partial unique index: a request filed between the check and the insert.
                if "UNIQUE" in str(exc):
                    raise PendingExists(assignment_id, reg_number) from exc
                raise
            request_id = cursor.lastrowid
            assert request_id is not None
            await self._record(
                reg_number,
                "extension_requested",
                actor=requested_by,
                on_behalf_of=on_behalf_of,
                new={
                    "from": item["deadline"],
                    "to": new_deadline.isoformat(),
                    "reasons": reasons,
                    "exceptional": exceptional,
                },
                at=at,
            )
            return written(await self.get(request_id))

    # --- deciding ------------------------------------------------------------------------------
    async def approve(
        self,
        request_id: int,
        *,
        granted: date,
        actor: str,
        on_behalf_of: str | None,
        at: datetime,
        letter_ref: str | None = None,
        letter_date: date | None = None,
    ) -> bool:
        """Grant a pending request: the item's deadline becomes `granted` and one more
        extension is counted (`letter_ref`, `letter_date`: the number and date of the issuer's
        letter, when the issuer outside the akimat granted it). False when already decided
        (the first decision wins), or the request is unknown, or the item is closed."""
        async with self.db.transaction():
            row = await self.fetch_one(
                "SELECT r.assignment_id, a.reg_number, a.deadline FROM extension_requests r"
                " JOIN assignments a ON a.id = r.assignment_id WHERE r.id = ?",
                (request_id,),
            )
            if row is None:
                return False
            assignment_id = row["assignment_id"]
            if not await self._decided(
                request_id,
                RequestStatus.APPROVED,
                actor=actor,
                on_behalf_of=on_behalf_of,
                at=at,
                granted_deadline=granted.isoformat(),
                letter_ref=letter_ref,
                letter_date=letter_date.isoformat() if letter_date else None,
                also=" AND EXISTS (SELECT 1 FROM assignments a"
                " WHERE a.id = ? AND a.status IN (SELECT value FROM json_each(?)))",
                also_params=(assignment_id, _OPEN),
            ):
                return False
            cursor = await self.conn.execute(
                "UPDATE assignments SET deadline = ?, extensions = extensions + 1,"
                " updated_at = ? WHERE id = ? AND status IN (SELECT value FROM json_each(?))",
                (granted.isoformat(), utc_text(at), assignment_id, _OPEN),
            )
            assert cursor.rowcount == 1  # checked above, under the same write lock
            await self._record(
                row["reg_number"],
                "extension_approved",
                actor=actor,
                on_behalf_of=on_behalf_of,
                old={"deadline": row["deadline"]},
                new={"deadline": granted.isoformat(), "request": request_id}
                | ({"letter_ref": letter_ref} if letter_ref else {})
                | ({"letter_date": letter_date.isoformat()} if letter_date else {}),
                at=at,
            )
        return True

    reason_optional = True  # the issuer's letter may refuse without giving reasons

    async def reject(
        self,
        request_id: int,
        *,
        reason: str | None,
        actor: str,
        on_behalf_of: str | None,
        at: datetime,
        letter_ref: str | None = None,
        letter_date: date | None = None,
    ) -> bool:
        """An extension request is «rejected» (RequestRepo.refuse), with the issuer's letter
        when it refused; without reasons only then."""
        if reason is None and letter_ref is None:
            raise ValueError("a reason is required")
        return await self.refuse(
            request_id,
            reason=reason,
            actor=actor,
            on_behalf_of=on_behalf_of,
            at=at,
            letter_ref=letter_ref,
            letter_date=letter_date.isoformat() if letter_date else None,
        )

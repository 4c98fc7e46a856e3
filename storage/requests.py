"""What extension and removal requests share: a table of requests on assignments, read the same
way, each decided once while it is still pending (the first decision wins)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from storage.assignments.reading import ENTITY, AssignmentReading
from storage.audit import AuditedStore
from storage.db import quick
from storage.rows import from_row, required, utc_text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    class _Request(DataclassInstance, Protocol):
        @property
        def assignment_id(self) -> int: ...


R = TypeVar("R", bound="_Request")


class RequestRepo(AuditedStore, Generic[R]):
    """A repository of requests: `table` holds them, read as `shape`; `pending_status` is the
    status of one waiting for a decision, `on_behalf_column` the column naming whom its decider
    acted for; a refused one gets `refused_status`, its reason in `reason_column`, audited as
    `refused_action`. Their changes go to the assignment's trail."""

    entity = ENTITY
    table: ClassVar[str]
    shape: type[R]
    pending_status: ClassVar[StrEnum]
    on_behalf_column: ClassVar[str]
    refused_status: ClassVar[StrEnum]
    reason_column: ClassVar[str]
    refused_action: ClassVar[str]
    refusal_names_request: ClassVar[bool] = False  # the audit row says which request
    reason_optional: ClassVar[bool] = False  # a refusal may come without a reason (None)

    async def _many(self, where: str, params: tuple[object, ...]) -> list[R]:
        rows = await self.fetch_all(
            f"SELECT * FROM {self.table} WHERE {where}"  # noqa: S608 - fixed fragments
            " ORDER BY created_at, id",
            params,
        )
        return [from_row(self.shape, row) for row in rows]

    @quick
    async def get(self, request_id: int) -> R | None:
        found = await self._many("id = ?", (request_id,))
        return found[0] if found else None

    @quick
    async def pending_for(self, assignment_id: int) -> R | None:
        """The request of the item waiting for a decision (at most one), if any."""
        found = await self._many(
            "assignment_id = ? AND status = ?", (assignment_id, self.pending_status.value)
        )
        return found[0] if found else None

    async def _decided(
        self,
        request_id: int,
        status: StrEnum,
        *,
        actor: str,
        on_behalf_of: str | None,
        at: datetime,
        also: str = "",
        also_params: Iterable[object] = (),
        **details: object,
    ) -> bool:
        """The request decided (`status`, by whom, for whom, when, and the decision's
        `details` columns) if still pending (and `also` holds); whether it was."""
        values = {
            "status": status,
            "decided_by": actor,
            self.on_behalf_column: on_behalf_of,
            "decided_at": utc_text(at),
            **details,
        }
        return await self.transition(
            self.table, request_id, self.pending_status, values, also=also, also_params=also_params
        )

    async def _reg_number(self, assignment_id: int) -> str:
        number = await AssignmentReading(self.db).reg_number(assignment_id)
        assert number is not None  # a request always names an existing item
        return number

    async def refuse(
        self,
        request_id: int,
        *,
        reason: str | None,
        actor: str,
        on_behalf_of: str | None,
        at: datetime,
        **columns: object,
    ) -> bool:
        """Refuse a pending request: the item stays as it is (other decision `columns` set
        and audited when not None). False when someone decided first or the request is
        unknown; ValueError on an empty reason (None is no reason where `reason_optional`)."""
        if reason is not None or not self.reason_optional:
            reason = required(reason or "", "a reason is required")
        columns = {name: value for name, value in columns.items() if value is not None}
        decided: dict[str, Any] = {self.reason_column: reason, **columns}
        async with self.db.transaction():
            request = await self.get(request_id)
            if request is None or not await self._decided(
                request_id,
                self.refused_status,
                actor=actor,
                on_behalf_of=on_behalf_of,
                at=at,
                **decided,
            ):
                return False
            await self._record(
                await self._reg_number(request.assignment_id),
                self.refused_action,
                actor=actor,
                on_behalf_of=on_behalf_of,
                new=({"reason": reason} if reason is not None else {})
                | ({"request": request_id} if self.refusal_names_request else {})
                | columns,
                at=at,
            )
        return True

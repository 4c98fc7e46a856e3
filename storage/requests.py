"""What extension and removal requests share: a table of requests on assignments, read the same
way, each decided once while it is still pending (the first decision wins)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from storage.assignments.reading import ENTITY
from storage.audit import AuditedStore
from storage.rows import from_row, utc_text

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


class RequestRepo(AuditedStore, Generic[R]):
    """A repository of requests: `table` holds them, read as `shape`; `pending_status` is the
    status of one waiting for a decision, `on_behalf_column` the column naming whom its decider
    acted for. Their changes go to the assignment's trail."""

    entity = ENTITY
    table: ClassVar[str]
    shape: type[R]
    pending_status: ClassVar[StrEnum]
    on_behalf_column: ClassVar[str]

    async def _many(self, where: str, params: tuple[object, ...]) -> list[R]:
        rows = await self.fetch_all(
            f"SELECT * FROM {self.table} WHERE {where}"  # noqa: S608 - fixed fragments
            " ORDER BY created_at, id",
            params,
        )
        return [from_row(self.shape, row) for row in rows]

    async def get(self, request_id: int) -> R | None:
        found = await self._many("id = ?", (request_id,))
        return found[0] if found else None

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

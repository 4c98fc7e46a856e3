"""The audit trail: who did what, when, to what, old value → new value."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar, Required, TypedDict, Unpack

from storage.db import Database, Store, quick
from storage.models import AuditEntry
from storage.rows import from_row


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_text(value: Any) -> str | None:
    """Store a value readably: strings as they are, everything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class AuditRepo(Store):
    async def record(
        self,
        *,
        actor: str,
        action: str,
        entity: str,
        entity_id: str | int,
        old: Any = None,
        new: Any = None,
        on_behalf_of: str | None = None,
        at: datetime | None = None,
    ) -> None:
        await self.conn.execute(
            "INSERT INTO audit (at, actor, on_behalf_of, action, entity, entity_id,"
            " old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (at or now_utc()).isoformat(),
                actor,
                on_behalf_of,
                action,
                entity,
                str(entity_id),
                as_text(old),
                as_text(new),
            ),
        )

    @quick
    async def for_entity(self, entity: str, entity_id: str | int) -> list[AuditEntry]:
        rows = await self.fetch_all(
            "SELECT * FROM audit WHERE entity = ? AND entity_id = ? ORDER BY id",
            (entity, str(entity_id)),
        )
        return [from_row(AuditEntry, row) for row in rows]

    @quick
    async def latest(self, limit: int = 50) -> list[AuditEntry]:
        rows = await self.fetch_all("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [from_row(AuditEntry, row) for row in rows]


class Change(TypedDict, total=False):
    """What an audit row says besides its action and subject: who (always), for whom, the old
    and the new value, and when (now unless given)."""

    actor: Required[str]
    on_behalf_of: str | None
    old: Any
    new: Any
    at: datetime | None


class AuditedStore(Store):
    """A repository whose changes are recorded in the audit trail (`self.audit`), in the same
    unit of work; `_record` writes on the repository's own trail, `entity`."""

    entity: ClassVar[str] = ""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.audit = AuditRepo(db)

    async def _record(self, entity_id: str | int, action: str, **change: Unpack[Change]) -> None:
        """One audit row: `action` on `entity_id` of this repository's trail."""
        await self.audit.record(action=action, entity=self.entity, entity_id=entity_id, **change)

"""Working-day overrides edited by admins and controllers (decrees announced late)."""

from __future__ import annotations

from datetime import date

from storage.audit import AuditedStore, now_utc
from storage.models import CalendarOverride
from storage.rows import from_row, required

# Overrides changed by this process, per database file: a calendar cached in this process
# re-reads the counter at once after one (another process's change is seen on the next check).
_changed_here: dict[str, int] = {}


def changes_here(path: object) -> int:
    """How many times this process changed the overrides of the database at `path`."""
    return _changed_here.get(str(path), 0)


class CalendarRepo(AuditedStore):
    entity = "calendar"
    quick_reads = True  # a counter and a few dozen overrides

    async def version(self) -> int:
        """A counter every change of the overrides bumps (migration 0014's triggers)."""
        row = await self.fetch_one("SELECT version FROM calendar_version WHERE id = 1")
        return int(row[0]) if row else 0

    def _changed(self) -> None:
        key = str(self.db.path)
        _changed_here[key] = _changed_here.get(key, 0) + 1

    async def overrides(self) -> list[CalendarOverride]:
        rows = await self.fetch_all(
            "SELECT day, working, reason, author FROM calendar_overrides ORDER BY day"
        )
        return [from_row(CalendarOverride, row) for row in rows]

    async def override_map(self) -> dict[date, bool]:
        return {item.day: item.working for item in await self.overrides()}

    async def set_override(self, day: date, working: bool, reason: str, *, author: str) -> None:
        required(reason, "a reason (the decree or the act) is required")
        try:
            await self._set(day, working, reason, author)
        finally:
            self._changed()

    async def _set(self, day: date, working: bool, reason: str, author: str) -> None:
        async with self.db.transaction():
            old = {item.day: item for item in await self.overrides()}.get(day)
            await self.conn.execute(
                "INSERT INTO calendar_overrides (day, working, reason, author, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(day) DO UPDATE SET"
                " working = excluded.working, reason = excluded.reason, author = excluded.author,"
                " created_at = excluded.created_at",
                (day.isoformat(), int(working), reason.strip(), author, now_utc().isoformat()),
            )
            await self._record(
                day.isoformat(),
                "calendar_override",
                actor=author,
                old={"working": old.working, "reason": old.reason} if old else None,
                new={"working": working, "reason": reason.strip()},
            )

    async def remove_override(self, day: date, *, author: str) -> bool:
        try:
            return await self._remove(day, author)
        finally:
            self._changed()

    async def _remove(self, day: date, author: str) -> bool:
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "DELETE FROM calendar_overrides WHERE day = ?", (day.isoformat(),)
            )
            removed = cursor.rowcount > 0
            if removed:
                await self._record(day.isoformat(), "calendar_override_removed", actor=author)
        return removed

"""Generated files sent to many people with the same content (the weekly list's workbook and
chart, a meeting's calendar file): the Telegram file_id each was uploaded as, by what
determines its content (`key`) and a fingerprint of that content (`digest`)."""

from __future__ import annotations

from storage.db import Store


class SharedFileRepo(Store):
    async def file_id(self, key: str, digest: str) -> str | None:
        """The file_id uploaded for exactly this content; None when there is none yet or the
        content has changed since (another digest under the key)."""
        row = await self.fetch_one(
            "SELECT file_id FROM file_cache WHERE key = ? AND digest = ?", (key, digest)
        )
        return None if row is None else str(row["file_id"])

    async def remember(self, key: str, digest: str, file_id: str) -> None:
        """The content `digest` of `key` was uploaded as `file_id` (replacing an older one)."""
        async with self.db.transaction():
            await self.conn.execute(
                "INSERT INTO file_cache (key, file_id, digest) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET file_id = excluded.file_id,"
                " digest = excluded.digest",
                (key, file_id, digest),
            )

    async def forget(self, key: str, file_id: str) -> None:
        """Telegram refused `file_id`: the next send uploads again (a newer file_id that
        another sender stored meanwhile is kept)."""
        async with self.db.transaction():
            await self.conn.execute(
                "DELETE FROM file_cache WHERE key = ? AND file_id = ?", (key, file_id)
            )

"""The outbox: messages to send, each under a unique key so none is ever queued twice.

A sender claims due items (pending → sending) under its name, sends them, and marks each sent,
to retry later, or failed. Its claims are renewed while it works; an item left 'sending' by a
sender that stopped is claimed again once its lease runs out (or at once when its process is
known to be gone). Each part of a message in several parts is recorded as it is sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from storage.audit import now_utc
from storage.db import Database, Store
from storage.rows import from_row, utc_text

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
# A claim not renewed for this long belongs to a sender that stopped: it is taken again.
CLAIM_LEASE = timedelta(seconds=30)
# Messages wait (held, pending) while their person has not joined the bot or has blocked it;
# they go out, rendered as things are then, once the person joins or comes back.
REACHABLE = (
    "person_id IN (SELECT id FROM people WHERE telegram_id IS NOT NULL AND unreachable = 0)"
)
HELD = (
    "status = 'pending' AND person_id IN"
    " (SELECT id FROM people WHERE telegram_id IS NULL OR unreachable = 1)"
)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    person_id: int
    kind: str
    payload: dict[str, Any]
    not_before: datetime
    status: str
    attempts: int
    parts_sent: int = 0
    message_id: int | None = None
    pieces: list[str] | None = None  # the text pieces as first sent, once a part went out


def _item(row: aiosqlite.Row) -> OutboxItem:
    return from_row(
        OutboxItem,
        row,
        payload=json.loads(row["payload"]),
        message_id=row["telegram_message_id"],
        pieces=json.loads(row["pieces"]) if row["pieces"] else None,
    )


def _payload(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


class OutboxRepo(Store):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # Messages queued by this process so far (a step that rolls back still counted): the
        # bot wakes the sender when it grows during an update. `queued_later`: those of them
        # queued to wait (a digest to the end of its minute), which a drain at once would not
        # take.
        self.queued = 0
        self.queued_later = 0

    async def enqueue(
        self,
        key: str,
        person_id: int,
        kind: str,
        payload: dict[str, Any],
        *,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a message; True when new, False when that key was queued before (any status).

        Joins the caller's transaction if one is open, so a state change and its
        notifications commit together.
        """
        now = now_utc()
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "INSERT INTO outbox (key, person_id, kind, payload, not_before, status,"
                " created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT(key) DO NOTHING",
                (
                    key,
                    person_id,
                    kind,
                    _payload(payload),
                    utc_text(not_before or now),
                    utc_text(now),
                ),
            )
            self.queued += cursor.rowcount
            if not_before is not None and not_before > now:
                self.queued_later += cursor.rowcount
            return cursor.rowcount == 1

    async def enqueue_many(
        self, rows: Sequence[tuple[str, int, str, dict[str, Any]]], *, not_before: datetime
    ) -> int:
        """Many (key, person id, kind, payload) at once; keys already present are skipped.

        Returns how many were new. One `executemany` instead of a round trip per row: a sweep
        may queue thousands.
        """
        now = now_utc()
        created = utc_text(now)
        waiting = utc_text(not_before)
        async with self.db.transaction():
            before = self.conn.total_changes
            await self.conn.executemany(
                "INSERT INTO outbox (key, person_id, kind, payload, not_before, status,"
                " created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT(key) DO NOTHING",
                [
                    (key, person_id, kind, _payload(payload), waiting, created)
                    for key, person_id, kind, payload in rows
                ],
            )
            new = self.conn.total_changes - before
            self.queued += new
            if not_before > now:
                self.queued_later += new
            return new

    async def claim(
        self,
        now: datetime,
        *,
        limit: int = 50,
        owner: str = "",
        stale_after: timedelta = CLAIM_LEASE,
        dead_owners: Sequence[str] = (),
    ) -> list[OutboxItem]:
        """Take due items for sending, oldest due first, under `owner`'s name.

        Also taken: items whose claim was not renewed for `stale_after` (their sender stopped)
        and items claimed by `dead_owners` (processes known to be gone). Items due together
        stay together per person (the last person's group is completed past the limit), so one
        person's notices go as one message."""
        stamp = utc_text(now)
        # what may be taken: due and waiting, or claimed by a sender that stopped
        # (held messages, for people not joined or who blocked the bot, are not taken)
        waiting = f"status = 'pending' AND not_before <= ? AND {REACHABLE}"
        claimable = (
            f"(({waiting}) OR (status = 'sending' AND"  # noqa: S608
            " (claimed_at < ? OR claimed_by IN (SELECT value FROM json_each(?)))))"
        )
        taking = (stamp, utc_text(now - stale_after), json.dumps(list(dead_owners)))
        async with self.db.transaction():
            async with self.conn.execute(
                f"SELECT id, person_id, not_before FROM outbox WHERE {claimable}"  # noqa: S608
                " ORDER BY not_before, person_id, id LIMIT ?",
                (*taking, limit),
            ) as cursor:
                rows = list(await cursor.fetchall())
            if not rows:
                return []
            ids = [row["id"] for row in rows]
            if len(rows) == limit:  # complete the last person's group due at that moment
                last = rows[-1]
                async with self.conn.execute(
                    f"SELECT id FROM outbox WHERE {claimable}"  # noqa: S608
                    " AND person_id = ? AND not_before = ? AND id > ? ORDER BY id",
                    (*taking, last["person_id"], last["not_before"], last["id"]),
                ) as cursor:
                    ids += [row["id"] for row in await cursor.fetchall()]
            chosen = json.dumps(ids)
            await self.conn.execute(
                "UPDATE outbox SET status = 'sending', claimed_at = ?, claimed_by = ?,"
                " attempts = attempts + 1 WHERE id IN (SELECT value FROM json_each(?))",
                (stamp, owner, chosen),
            )
            async with self.conn.execute(
                "SELECT * FROM outbox WHERE id IN (SELECT value FROM json_each(?))"
                " ORDER BY not_before, person_id, id",
                (chosen,),
            ) as cursor:
                return [_item(row) for row in await cursor.fetchall()]

    async def renew(self, owner: str, at: datetime) -> int:
        """Keep `owner`'s claims alive (the sender's heartbeat); how many were renewed."""
        return await self.write(
            "UPDATE outbox SET claimed_at = ? WHERE status = 'sending' AND claimed_by = ?",
            (utc_text(at), owner),
        )

    async def release(self, owner: str) -> int:
        """Give `owner`'s unfinished claims back to the queue (its drain is over)."""
        return await self.write(
            "UPDATE outbox SET status = 'pending', claimed_at = NULL, claimed_by = NULL"
            " WHERE status = 'sending' AND claimed_by = ?",
            (owner,),
        )

    async def claim_owners(self) -> list[str]:
        """The owners of claims in progress (to find those whose process is gone)."""
        async with self.conn.execute(
            "SELECT DISTINCT claimed_by FROM outbox WHERE status = 'sending'"
            " AND claimed_by IS NOT NULL"
        ) as cursor:
            return [row[0] for row in await cursor.fetchall()]

    async def part_sent(
        self,
        item_ids: Sequence[int],
        parts: int,
        message_id: int | None,
        pieces: Sequence[str] = (),
    ) -> None:
        """Record that the first `parts` parts of these items' message went out; the text
        pieces are kept as first sent, so a resumed message continues with the same text."""
        await self.write(
            "UPDATE outbox SET parts_sent = ?,"
            " telegram_message_id = COALESCE(?, telegram_message_id),"
            " pieces = COALESCE(pieces, ?)"
            " WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending'",
            (
                parts,
                message_id,
                json.dumps(list(pieces), ensure_ascii=False) if pieces else None,
                json.dumps(list(item_ids)),
            ),
        )

    async def mark_sent(
        self, item_id: int, *, chat_id: int, message_id: int | None, at: datetime
    ) -> None:
        await self.write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, chat_id = ?,"
            " telegram_message_id = COALESCE(?, telegram_message_id), last_error = NULL"
            " WHERE id = ? AND status IN ('sending', 'pending')",
            (utc_text(at), chat_id, message_id, item_id),
        )

    async def retry_later(self, item_id: int, *, error: str, at: datetime) -> None:
        """Back to pending, due again at `at` (the parts already sent stay recorded)."""
        await self.write(
            "UPDATE outbox SET status = 'pending', not_before = ?, claimed_at = NULL,"
            " claimed_by = NULL, last_error = ? WHERE id = ? AND status = 'sending'",
            (utc_text(at), error, item_id),
        )

    async def mark_failed(self, item_id: int, *, error: str) -> None:
        await self.write(
            "UPDATE outbox SET status = 'failed', last_error = ?"
            " WHERE id = ? AND status IN ('sending', 'pending')",
            (error, item_id),
        )

    async def cancel(self, keys_prefix: str) -> int:
        """Cancel pending items whose key starts with the prefix; how many were cancelled."""
        if not keys_prefix:
            raise ValueError("an empty prefix would cancel everything")
        return await self.write(
            "UPDATE outbox SET status = 'cancelled'"
            " WHERE status = 'pending' AND substr(key, 1, length(?)) = ?",
            (keys_prefix, keys_prefix),
        )

    async def cancel_for_person(self, person_id: int) -> int:
        """Cancel everything still waiting for one person (they left); how many."""
        return await self.write(
            "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending' AND person_id = ?",
            (person_id,),
        )

    async def revive(self, person_id: int, prefix: str, *, at: datetime) -> int:
        """A person came back: their cancelled messages whose key starts with `prefix` wait
        again (rendered as things are when sent, so a closed item's card is dropped then)."""
        revived = await self.write(
            "UPDATE outbox SET status = 'pending', not_before = ?, claimed_at = NULL,"
            " claimed_by = NULL WHERE status = 'cancelled' AND person_id = ?"
            " AND substr(key, 1, length(?)) = ?",
            (utc_text(at), person_id, prefix, prefix),
        )
        self.queued += revived
        return revived

    async def sent_with_prefix(self, prefix: str) -> list[tuple[int, int, int]]:
        """(person id, chat id, message id) of the sent messages whose key starts with `prefix`."""
        rows = await self.fetch_all(
            "SELECT person_id, chat_id, telegram_message_id FROM outbox"
            " WHERE substr(key, 1, length(?)) = ? AND status = 'sent'"
            " AND telegram_message_id IS NOT NULL ORDER BY id",
            (prefix, prefix),
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def has_prefix(self, prefix: str) -> bool:
        """Whether any message (in any state) has a key starting with `prefix`."""
        row = await self.fetch_one(
            "SELECT 1 FROM outbox WHERE substr(key, 1, length(?)) = ? LIMIT 1", (prefix, prefix)
        )
        return row is not None

    async def counts(self) -> dict[str, int]:
        """Items per status, every status present (0 when none)."""
        found = dict.fromkeys(STATUSES, 0)
        async with self.conn.execute(
            "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status"
        ) as cursor:
            for row in await cursor.fetchall():
                found[row["status"]] = row["n"]
        return found

    async def get(self, key: str) -> OutboxItem | None:
        row = await self.fetch_one("SELECT * FROM outbox WHERE key = ?", (key,))
        return _item(row) if row else None

    async def waiting(self, person_id: int) -> dict[str, int]:
        """The messages waiting for one person, by kind (held ones included)."""
        async with self.conn.execute(
            "SELECT kind, COUNT(*) AS n FROM outbox WHERE status = 'pending' AND person_id = ?"
            " GROUP BY kind",
            (person_id,),
        ) as cursor:
            return {row["kind"]: row["n"] for row in await cursor.fetchall()}

    async def held(self) -> list[tuple[int, dict[str, int]]]:
        """Everyone whose messages are held (not joined, or blocked the bot): (person id,
        waiting messages by kind), in the order of people's ids."""
        held: dict[int, dict[str, int]] = {}
        async with self.conn.execute(
            f"SELECT person_id, kind, COUNT(*) AS n FROM outbox WHERE {HELD}"  # noqa: S608
            " GROUP BY person_id, kind ORDER BY person_id, kind"
        ) as cursor:
            for row in await cursor.fetchall():
                held.setdefault(row["person_id"], {})[row["kind"]] = row["n"]
        return list(held.items())

    async def hold(self, person_id: int, until: datetime) -> None:
        """A person joining: what waits for them is not sent before `until` (their welcome goes
        first; `released` with `held_until` lets it go as soon as the welcome has gone)."""
        await self.write(
            "UPDATE outbox SET not_before = ?"
            " WHERE status = 'pending' AND person_id = ? AND not_before < ?",
            (utc_text(until), person_id, utc_text(until)),
        )

    async def released(self, person_id: int, held_until: datetime | None = None) -> int:
        """A person just joined or came back: how many of their messages may go now (those
        `hold` kept until `held_until` are due at once). The count wakes the sender at the end
        of the update, like newly queued messages."""
        if held_until is not None:
            await self.write(
                "UPDATE outbox SET not_before = ?"
                " WHERE status = 'pending' AND person_id = ? AND not_before = ?",
                (utc_text(now_utc()), person_id, utc_text(held_until)),
            )
        async with self.conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND person_id = ?",
            (person_id,),
        ) as cursor:
            row = await cursor.fetchone()
        count = int(row[0]) if row else 0
        self.queued += count
        return count

    async def cancel_older(self, family: str, newest: str) -> int:
        """Cancel pending items whose key starts with `family` and sorts before `newest` (a
        newer message of the family replaces them); how many were cancelled."""
        if not family:
            raise ValueError("an empty family would cancel everything")
        async with self.db.transaction():
            cursor = await self.conn.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE status = 'pending'"
                " AND substr(key, 1, length(?)) = ? AND key < ?",
                (family, family, newest),
            )
            return cursor.rowcount

    async def sendable(self, now: datetime) -> int:
        """How many messages a sender could take as of `now`: due ones for people who can get
        them, and any claimed by a sender (it may have stopped). 0: nothing to send."""
        async with self.conn.execute(
            "SELECT COUNT(*) FROM outbox WHERE status = 'sending' OR"  # noqa: S608
            f" (status = 'pending' AND not_before <= ? AND {REACHABLE})",
            (utc_text(now),),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

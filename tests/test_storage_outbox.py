"""Storage of the outbox: idempotent keys, claims, retries, failures and cancellations."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from aiosqlite import Row

from storage.repo import Repos
from tests.helpers import everyone_joined, found, person_id
from tests.stored_assignments import (
    AT,
)

# --- outbox ---------------------------------------------------------------------------------


async def outbox_row(repos: Repos, key: str) -> Row:
    """The outbox's row for `key`."""
    async with repos.conn.execute("SELECT * FROM outbox WHERE key = ?", (key,)) as cursor:
        row: Row | None = await cursor.fetchone()
    return found(row)


async def test_outbox_enqueue_is_idempotent_by_key(staffed: Repos) -> None:
    await everyone_joined(staffed)
    edu_head = await person_id(staffed, "edu_head")
    payload = {"assignment_id": 1, "text": "Жаңа тапсырма"}
    assert await staffed.outbox.enqueue("card:1:5", edu_head, "card", payload, not_before=AT)
    assert not await staffed.outbox.enqueue(
        "card:1:5", edu_head, "card", {"other": True}, not_before=AT + timedelta(days=1)
    )
    stored = await staffed.outbox.get("card:1:5")
    assert stored is not None
    assert (stored.kind, stored.payload, stored.not_before) == ("card", payload, AT)
    assert (stored.status, stored.attempts, stored.person_id) == ("pending", 0, edu_head)
    assert await staffed.outbox.get("card:1:6") is None
    assert (await staffed.outbox.counts())["pending"] == 1

    # Even once sent, the same key cannot be queued again.
    [claimed] = await staffed.outbox.claim(AT)
    await staffed.outbox.mark_sent(claimed.id, chat_id=5001, message_id=77, at=AT)
    assert not await staffed.outbox.enqueue("card:1:5", edu_head, "card", payload)
    assert await staffed.outbox.claim(AT + timedelta(days=1)) == []


async def test_outbox_claim_marks_sending_and_reclaims_stale(staffed: Repos) -> None:
    await everyone_joined(staffed)
    edu_head = await person_id(staffed, "edu_head")
    fin_head = await person_id(staffed, "fin_head")
    await staffed.outbox.enqueue("b", edu_head, "card", {"n": 2}, not_before=AT)
    await staffed.outbox.enqueue("a", fin_head, "card", {"n": 1}, not_before=AT - timedelta(1))
    await staffed.outbox.enqueue("later", edu_head, "remind", {}, not_before=AT + timedelta(1))

    claimed = await staffed.outbox.claim(AT)
    assert [(i.key, i.status, i.attempts) for i in claimed] == [
        ("a", "sending", 1),
        ("b", "sending", 1),
    ]
    assert await staffed.outbox.claim(AT) == []
    assert await staffed.outbox.claim(AT + timedelta(seconds=29)) == []
    assert await staffed.outbox.counts() == {
        "pending": 1,
        "sending": 2,
        "sent": 0,
        "failed": 0,
        "cancelled": 0,
    }

    # "a" is sent; "b" stays 'sending' (its sender crashed) and is taken again once its claim
    # has not been renewed for the lease (30 s).
    await staffed.outbox.mark_sent(claimed[0].id, chat_id=5002, message_id=None, at=AT)
    stale = AT + timedelta(seconds=31)
    [again] = await staffed.outbox.claim(stale)
    assert (again.key, again.status, again.attempts) == ("b", "sending", 2)
    assert await staffed.outbox.claim(stale, stale_after=timedelta(0)) == []
    [quick] = await staffed.outbox.claim(stale + timedelta(seconds=1), stale_after=timedelta(0))
    assert (quick.key, quick.attempts) == ("b", 3)

    # The limit takes the oldest due first.
    await staffed.outbox.mark_sent(quick.id, chat_id=5001, message_id=9, at=stale)
    [first] = await staffed.outbox.claim(AT + timedelta(days=2), limit=1)
    assert first.key == "later"

    row = await outbox_row(staffed, "b")
    assert (row["chat_id"], row["telegram_message_id"], row["status"]) == (5001, 9, "sent")
    assert datetime.fromisoformat(row["sent_at"]) == stale


async def test_outbox_retry_fail_cancel_and_counts(staffed: Repos) -> None:
    await everyone_joined(staffed)
    edu_head = await person_id(staffed, "edu_head")
    for key in ("remind:1:a", "remind:1:b", "remind:10:a", "card:1:a", "card:2:a"):
        assert await staffed.outbox.enqueue(key, edu_head, "remind", {"key": key}, not_before=AT)

    # Cancel affects pending items under the prefix only, not a longer number.
    assert await staffed.outbox.cancel("remind:1:") == 2
    assert await staffed.outbox.cancel("remind:1:") == 0
    with pytest.raises(ValueError, match="empty prefix"):
        await staffed.outbox.cancel("")
    cancelled = await staffed.outbox.get("remind:1:a")
    assert cancelled is not None
    assert cancelled.status == "cancelled"

    claimed = await staffed.outbox.claim(AT)
    assert [i.key for i in claimed] == ["remind:10:a", "card:1:a", "card:2:a"]
    retry, fail, sent = claimed
    assert await staffed.outbox.cancel("card:") == 0  # 'sending' items are not cancelled

    await staffed.outbox.retry_later(retry.id, error="429 Too Many Requests", at=AT + timedelta(1))
    await staffed.outbox.mark_failed(fail.id, error="403 Forbidden: bot was blocked")
    await staffed.outbox.mark_sent(sent.id, chat_id=5001, message_id=5, at=AT)
    assert await staffed.outbox.counts() == {
        "pending": 1,
        "sending": 0,
        "sent": 1,
        "failed": 1,
        "cancelled": 2,
    }
    assert await staffed.outbox.claim(AT + timedelta(hours=23)) == []
    [retried] = await staffed.outbox.claim(AT + timedelta(days=1))
    assert (retried.key, retried.attempts, retried.not_before) == (
        "remind:10:a",
        2,
        AT + timedelta(days=1),
    )

    # A late answer cannot resurrect a finished item.
    await staffed.outbox.retry_later(sent.id, error="late", at=AT)
    await staffed.outbox.mark_failed(sent.id, error="late")
    still = await staffed.outbox.get("card:2:a")
    assert still is not None
    assert still.status == "sent"

    row = await outbox_row(staffed, "card:1:a")
    assert row["last_error"] == "403 Forbidden: bot was blocked"


async def test_enqueue_joins_the_callers_transaction(staffed: Repos) -> None:
    edu_head = await person_id(staffed, "edu_head")
    with pytest.raises(RuntimeError):
        async with staffed.transaction():
            assert await staffed.outbox.enqueue("x", edu_head, "card", {})
            raise RuntimeError("the state change failed")
    assert await staffed.outbox.get("x") is None


async def test_naive_datetimes_are_refused(staffed: Repos) -> None:
    edu_head = await person_id(staffed, "edu_head")
    with pytest.raises(ValueError, match="naive"):
        await staffed.outbox.enqueue("x", edu_head, "card", {}, not_before=datetime(2026, 3, 2))

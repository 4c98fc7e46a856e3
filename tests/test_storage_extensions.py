"""Storage of extension requests: asking, one pending at a time, the first decision wins."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from storage.domain.assignments import (
    Refusal,
    RemovalGround,
)
from storage.domain.extensions import RequestStatus
from storage.domain.refusals import Refused
from storage.extensions import PendingExists
from storage.repo import Repos
from tests.helpers import add_report, department_id, write
from tests.stored_assignments import AT, EDU, FIN, register

DEADLINE = date(2026, 4, 1)  # what `register` gives


async def ask(
    repos: Repos,
    item_id: int,
    department: int,
    *,
    to: date = date(2026, 4, 15),
    at: datetime = AT,
    on_behalf_of: str | None = None,
    exceptional: bool = False,
) -> int:
    request = await repos.extensions.create(
        item_id,
        department,
        requested_by="edu_head",
        on_behalf_of=on_behalf_of,
        new_deadline=to,
        reasons="Ждём ответа из области",
        exceptional=exceptional,
        at=at,
    )
    return request.id


async def test_create_reads_back(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "1/1", EDU, FIN)
    assert await staffed.extensions.pending_for(item_id) is None
    assert await staffed.extensions.for_assignment(item_id) == []

    created = await staffed.extensions.create(
        item_id,
        edu,
        requested_by="edu_exec",
        on_behalf_of="edu_head",
        new_deadline=date(2026, 4, 15),
        reasons="  Ждём ответа из области  ",
        exceptional=True,
        at=AT,
    )
    assert created.assignment_id == item_id
    assert created.department_id == edu
    assert (created.requested_by, created.on_behalf_of) == ("edu_exec", "edu_head")
    assert (created.old_deadline, created.new_deadline) == (DEADLINE, date(2026, 4, 15))
    assert created.reasons == "Ждём ответа из области"
    assert created.exceptional
    assert created.status is RequestStatus.PENDING
    assert (created.decided_by, created.decided_at) == (None, None)
    assert (created.granted_deadline, created.reject_reason) == (None, None)
    assert created.created_at == AT

    assert await staffed.extensions.get(created.id) == created
    assert await staffed.extensions.get(999) is None
    assert await staffed.extensions.pending_for(item_id) == created
    assert await staffed.extensions.for_assignment(item_id) == [created]
    assert await staffed.extensions.pending() == [created]

    # Asking does not move the deadline.
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert (current.deadline, current.extensions) == (DEADLINE, 0)

    with pytest.raises(ValueError, match="reasons"):
        await staffed.extensions.create(
            item_id,
            edu,
            requested_by="edu_head",
            on_behalf_of=None,
            new_deadline=date(2026, 4, 15),
            reasons="   ",
            exceptional=False,
            at=AT,
        )
    with pytest.raises(ValueError, match="no assignment"):
        await ask(staffed, 999, edu)


async def test_one_pending_request_at_a_time(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "2/1", EDU)
    other = await register(staffed, "2/2", EDU)
    first = await ask(staffed, item_id, edu)

    with pytest.raises(PendingExists) as exists:
        await ask(staffed, item_id, edu, to=date(2026, 4, 20))
    assert exists.value.assignment_id == item_id
    assert exists.value.reg_number == "2/1"
    assert isinstance(exists.value, ValueError)
    # Another item is not affected.
    await ask(staffed, other, edu)

    # The partial unique index holds even if the check is bypassed.
    with pytest.raises(Exception, match="UNIQUE"):
        await write(
            staffed.db,
            "INSERT INTO extension_requests (assignment_id, department_id, requested_by,"
            " old_deadline, new_deadline, reasons, exceptional, status, created_at)"
            " VALUES (?, ?, 'x', '2026-04-01', '2026-04-02', 'r', 0, 'pending', 'now')",
            (item_id, edu),
        )

    # Once decided, a new request may be filed.
    assert await staffed.extensions.reject(
        first, reason="Нет оснований", actor="akim", on_behalf_of=None, at=AT
    )
    second = await ask(staffed, item_id, edu, to=date(2026, 4, 20))
    pending = await staffed.extensions.pending_for(item_id)
    assert pending is not None
    assert pending.id == second
    assert [r.id for r in await staffed.extensions.for_assignment(item_id)] == [first, second]


async def test_approve_moves_the_deadline_and_first_decision_wins(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "3/1", EDU)
    request_id = await ask(staffed, item_id, edu, to=date(2026, 4, 15))
    decided = AT + timedelta(hours=2)

    assert await staffed.extensions.approve(
        request_id, granted=date(2026, 4, 10), actor="akim", on_behalf_of=None, at=decided
    )
    request = await staffed.extensions.get(request_id)
    assert request is not None
    assert request.status is RequestStatus.APPROVED
    assert (request.decided_by, request.decided_at) == ("akim", decided)
    assert request.granted_deadline == date(2026, 4, 10)
    assert request.reject_reason is None
    assert await staffed.extensions.pending_for(item_id) is None
    assert await staffed.extensions.pending() == []

    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert (current.deadline, current.extensions) == (date(2026, 4, 10), 1)
    async with staffed.conn.execute(
        "SELECT original_deadline, updated_at FROM assignments WHERE id = ?", (item_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    assert row["original_deadline"] == "2026-04-01"
    assert datetime.fromisoformat(row["updated_at"]) == decided

    # A second decision changes nothing.
    assert not await staffed.extensions.approve(
        request_id, granted=date(2026, 5, 1), actor="hoa", on_behalf_of=None, at=decided
    )
    assert not await staffed.extensions.reject(
        request_id, reason="Поздно", actor="hoa", on_behalf_of=None, at=decided
    )
    assert await staffed.extensions.get(request_id) == request
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert (current.deadline, current.extensions) == (date(2026, 4, 10), 1)
    assert not await staffed.extensions.approve(
        999, granted=date(2026, 5, 1), actor="akim", on_behalf_of=None, at=decided
    )

    # The next request starts from the granted deadline and counts again.
    again = await ask(staffed, item_id, edu, to=date(2026, 4, 30))
    stored = await staffed.extensions.get(again)
    assert stored is not None
    assert stored.old_deadline == date(2026, 4, 10)
    assert await staffed.extensions.approve(
        again, granted=date(2026, 4, 30), actor="akim", on_behalf_of=None, at=decided
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert (current.deadline, current.extensions) == (date(2026, 4, 30), 2)


async def test_reject_keeps_the_deadline(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "4/1", EDU)
    request_id = await ask(staffed, item_id, edu)

    with pytest.raises(ValueError, match="reason"):
        await staffed.extensions.reject(
            request_id, reason="  ", actor="akim", on_behalf_of=None, at=AT
        )
    assert await staffed.extensions.reject(
        request_id, reason=" Сроки не переносятся ", actor="akim", on_behalf_of=None, at=AT
    )
    request = await staffed.extensions.get(request_id)
    assert request is not None
    assert request.status is RequestStatus.REJECTED
    assert request.reject_reason == "Сроки не переносятся"
    assert (request.decided_by, request.decided_at) == ("akim", AT)
    assert request.granted_deadline is None

    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert (current.deadline, current.extensions) == (DEADLINE, 0)
    assert not await staffed.extensions.approve(
        request_id, granted=date(2026, 4, 15), actor="akim", on_behalf_of=None, at=AT
    )
    assert not await staffed.extensions.reject(
        request_id, reason="Ещё раз", actor="akim", on_behalf_of=None, at=AT
    )
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert (current.deadline, current.extensions) == (DEADLINE, 0)


async def test_requests_on_a_removed_item_are_refused(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "5/1", EDU)
    request_id = await ask(staffed, item_id, edu)
    await add_report(staffed, item_id, edu, "edu_head", "Исполнено", final=True, at=AT)
    assert await staffed.assignments.remove(
        item_id, ground=RemovalGround.EXECUTED, actor="ctrl", at=AT
    )

    # The pending request can no longer move the deadline of a closed item.
    assert not await staffed.extensions.approve(
        request_id, granted=date(2026, 4, 15), actor="akim", on_behalf_of=None, at=AT
    )
    request = await staffed.extensions.get(request_id)
    assert request is not None
    assert request.status is RequestStatus.PENDING
    current = await staffed.assignments.get(item_id)
    assert current is not None
    assert (current.deadline, current.extensions) == (DEADLINE, 0)

    # A new request on it is refused (Refused is a ValueError), before the pending check.
    with pytest.raises(Refused) as closed:
        await ask(staffed, item_id, edu)
    assert closed.value.refusal is Refusal.CLOSED
    assert closed.value.values == {"reg_number": "5/1"}
    assert isinstance(closed.value, ValueError)
    assert len(await staffed.extensions.for_assignment(item_id)) == 1


async def test_audit_trail_in_order_with_on_behalf_of(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "6/1", EDU)
    steps = [AT + timedelta(minutes=minute) for minute in range(4)]
    first = await ask(
        staffed, item_id, edu, to=date(2026, 4, 15), at=steps[0], on_behalf_of="edu_head"
    )
    assert await staffed.extensions.reject(
        first, reason="Недостаточно причин", actor="hoa", on_behalf_of="akim", at=steps[1]
    )
    second = await ask(staffed, item_id, edu, to=date(2026, 4, 20), at=steps[2], exceptional=True)
    assert await staffed.extensions.approve(
        second, granted=date(2026, 4, 17), actor="dep1", on_behalf_of="akim", at=steps[3]
    )

    trail = await staffed.assignments.history("6/1")
    assert [(e.action, e.actor, e.on_behalf_of, e.at) for e in trail] == [
        ("register", "ctrl", None, trail[0].at),
        ("extension_requested", "edu_head", "edu_head", steps[0]),
        ("extension_rejected", "hoa", "akim", steps[1]),
        ("extension_requested", "edu_head", None, steps[2]),
        ("extension_approved", "dep1", "akim", steps[3]),
    ]
    assert {e.entity for e in trail} == {"assignment"}
    values = [(e.old_value, e.new_value) for e in trail[1:]]
    assert [
        (None if o is None else json.loads(o), json.loads(n or "null")) for o, n in values
    ] == [
        (
            None,
            {
                "from": "2026-04-01",
                "to": "2026-04-15",
                "reasons": "Ждём ответа из области",
                "exceptional": False,
            },
        ),
        (None, {"reason": "Недостаточно причин", "request": first}),
        (
            None,
            {
                "from": "2026-04-01",
                "to": "2026-04-20",
                "reasons": "Ждём ответа из области",
                "exceptional": True,
            },
        ),
        ({"deadline": "2026-04-01"}, {"deadline": "2026-04-17", "request": second}),
    ]

    async with staffed.conn.execute(
        "SELECT decided_on_behalf_of FROM extension_requests ORDER BY id"
    ) as cursor:
        rows = await cursor.fetchall()
    assert [row[0] for row in rows] == ["akim", "akim"]


async def test_pending_lists_oldest_first(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    fin = await department_id(staffed, FIN)
    late = await register(staffed, "7/1", EDU)
    early = await register(staffed, "7/2", FIN)
    decided = await register(staffed, "7/3", EDU)
    later_id = await ask(staffed, late, edu, at=AT + timedelta(hours=3))
    early_id = await ask(staffed, early, fin, at=AT + timedelta(hours=1))
    decided_id = await ask(staffed, decided, edu, at=AT)
    assert [r.id for r in await staffed.extensions.pending()] == [decided_id, early_id, later_id]

    assert await staffed.extensions.approve(
        decided_id, granted=date(2026, 4, 15), actor="akim", on_behalf_of=None, at=AT
    )
    pending = await staffed.extensions.pending()
    assert [(r.id, r.department_id) for r in pending] == [(early_id, fin), (later_id, edu)]
    assert all(r.status is RequestStatus.PENDING for r in pending)


async def test_deleting_an_assignment_deletes_its_requests(staffed: Repos) -> None:
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "8/1", EDU)
    request_id = await ask(staffed, item_id, edu)
    await write(staffed.db, "DELETE FROM assignments WHERE id = ?", (item_id,))
    assert await staffed.extensions.get(request_id) is None
    assert await staffed.extensions.pending() == []


async def test_an_issuers_refusal_keeps_its_letter_and_may_give_no_reasons(
    staffed: Repos,
) -> None:
    """Migration 0013: the issuer's letter has its number and date apart; a refusal by letter
    may come without reasons (NULL, shown in each reader's language), any other needs one."""
    edu = await department_id(staffed, EDU)
    item_id = await register(staffed, "4/9", EDU)
    request_id = await ask(staffed, item_id, edu)
    with pytest.raises(ValueError, match="reason"):
        await staffed.extensions.reject(
            request_id, reason=None, actor="ctrl", on_behalf_of=None, at=AT
        )
    assert await staffed.extensions.reject(
        request_id,
        reason=None,
        actor="ctrl",
        on_behalf_of=None,
        at=AT,
        letter_ref="7-77",
        letter_date=date(2026, 3, 20),
    )
    request = await staffed.extensions.get(request_id)
    assert request is not None
    assert (request.status, request.reject_reason) == (RequestStatus.REJECTED, None)
    assert (request.letter_ref, request.letter_date) == ("7-77", date(2026, 3, 20))
    entry = (await staffed.assignments.history("4/9"))[-1]
    assert entry.action == "extension_rejected"
    assert json.loads(entry.new_value or "{}") == {
        "request": request_id,
        "letter_ref": "7-77",
        "letter_date": "2026-03-20",
    }

    again = await ask(staffed, item_id, edu)
    assert await staffed.extensions.approve(
        again,
        granted=date(2026, 4, 15),
        actor="ctrl",
        on_behalf_of=None,
        at=AT,
        letter_ref="01-12/345",
        letter_date=date(2026, 3, 25),
    )
    approved = await staffed.extensions.get(again)
    assert approved is not None
    assert (approved.letter_ref, approved.letter_date) == ("01-12/345", date(2026, 3, 25))

"""The assignments the storage tests of assignments work on, and the executors' moves on them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from storage.domain.assignments import ControlType, NewAssignment, RemovalGround
from storage.domain.enums import Mark, Source
from storage.repo import Repos

EDU = "Отдел образования"
FIN = "Отдел финансов"
CTRL = "Отдел контроля"
DIGITAL = "Отдел цифровизации"
TODAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)


def item(
    number: str,
    *executors: str,
    received: date = date(2026, 3, 2),
    source: Source = Source.AKIM,
    issuer: str | None = None,
    mark: Mark = Mark.NONE,
    restricted: bool = False,
    line: int = 0,
) -> NewAssignment:
    return NewAssignment(
        reg_number=number,
        received=received,
        source=source,
        summary=f"Поручение {number}",
        executors=executors or (EDU,),
        mark=mark,
        restricted=restricted,
        issuer_code=issuer,
        line=line,
    )


async def register(
    repos: Repos,
    number: str,
    *executors: str,
    deadline: date = date(2026, 4, 1),
    source: Source = Source.AKIM,
    issuer: str | None = None,
) -> int:
    created = await repos.assignments.create(
        item(number, *executors, source=source, issuer=issuer),
        deadline=deadline,
        control_type=ControlType.SHORT,
        registered_on=TODAY,
        actor="ctrl",
    )
    return created.id


async def accept(
    repos: Repos, item_id: int, department: int, code: str, behalf: str | None = None, **at: Any
) -> bool:
    """`code` accepts item `item_id` for `department` (on `behalf` of its head) at AT, or `at`."""
    return await repos.assignments.accept(
        item_id, department, person_code=code, on_behalf_of=behalf, at=at.get("at", AT)
    )


async def decline(
    repos: Repos, item_id: int, department: int, code: str, reason: str, **how: Any
) -> bool:
    """`code` declines item `item_id` for `department` with `reason`, at AT unless `how` gives
    `at`, on `behalf` of its head if given."""
    return await repos.assignments.decline(
        item_id,
        department,
        reason=reason,
        actor=code,
        on_behalf_of=how.get("behalf"),
        at=how.get("at", AT),
    )


async def remove(
    repos: Repos, item_id: int, ground: RemovalGround = RemovalGround.EXECUTED, at: datetime = AT
) -> bool:
    """The controller removes item `item_id` from control on `ground`."""
    return await repos.assignments.remove(item_id, ground=ground, actor="ctrl", at=at)


async def rework(repos: Repos, item_id: int, reason: str, at: datetime = AT) -> bool:
    """The controller returns item `item_id` for rework."""
    return await repos.assignments.return_for_rework(item_id, reason=reason, actor="ctrl", at=at)


def audited(department: str, **more: str) -> str:
    """An executor's move as the history records it: the department's name, and `more`."""
    return json.dumps({"department": department} | more, ensure_ascii=False)

"""A first quarter of 2026 with known figures, for the report tests (storage, rules, chart,
workbook, handlers). Every fact is made through the repositories, so it reaches
`assignment_facts` the way a step's does (the audit trigger).

Expected, as of 31 March 2026 (the quarter's end), Q1 2026:
- Отдел образования: received 3, on time 2 (A1; A3 against its extended deadline, 10 March —
  9 March was a holiday), late 2 (A2 by 5 days, A9 by 5 days), extended 1, days late 10;
- Отдел финансов: received 4, overdue 1 (A4, 29 days), open within the deadline 2 (A5; A10's
  report in by its deadline), removed as impossible 1 (A6), returned 1 (A6);
- outside the quarter: A7 (removed in December), A8 (registered in April).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage.domain.assignments import ControlType, NewAssignment, RemovalGround
from storage.domain.enums import Source
from storage.repo import Repos
from tests.helpers import add_report, department_id

EDU = "Отдел образования"
FIN = "Отдел финансов"
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
SUMMARY_SECRET = "Секретное содержание"


def moment(month: int, day: int, year: int = 2026, hour: int = 6) -> datetime:
    """A UTC moment (hour 6 UTC is 11:00 in Almaty)."""
    return datetime(year, month, day, hour, tzinfo=UTC)


async def register(
    repos: Repos,
    number: str,
    department: str,
    registered: date,
    deadline: date,
    *,
    source: Source = Source.AKIM,
    restricted: bool = False,
) -> int:
    created = await repos.assignments.create(
        NewAssignment(
            reg_number=number,
            received=registered,
            source=source,
            summary=SUMMARY_SECRET if restricted else f"Поручение {number}",
            executors=(department,),
            restricted=restricted,
        ),
        deadline=deadline,
        control_type=ControlType.SHORT,
        registered_on=registered,
        actor="ctrl",
    )
    return created.id


async def report(repos: Repos, item: int, department: str, at: datetime) -> None:
    dep = await department_id(repos, department)
    code = "edu_head" if department == EDU else "fin_head"
    await add_report(repos, item, dep, code, "Исполнено", final=True, at=at)


async def remove(repos: Repos, item: int, ground: RemovalGround, at: datetime) -> None:
    assert await repos.assignments.remove(item, ground=ground, actor="ctrl", at=at)


async def extend(repos: Repos, item: int, department: str, to: date, at: datetime) -> None:
    dep = await department_id(repos, department)
    request = await repos.extensions.create(
        item,
        dep,
        requested_by="edu_head",
        on_behalf_of=None,
        new_deadline=to,
        reasons="Объективные причины",
        exceptional=False,
        at=at,
    )
    assert await repos.extensions.approve(
        request.id, granted=to, actor="akim", on_behalf_of=None, at=at
    )


async def first_quarter(repos: Repos) -> dict[str, int]:
    """The items of the module docstring; their ids by number."""
    ids: dict[str, int] = {}
    executed = RemovalGround.EXECUTED

    ids["A1"] = await register(repos, "A1", EDU, date(2026, 1, 10), date(2026, 2, 10))
    await report(repos, ids["A1"], EDU, moment(2, 9))
    await remove(repos, ids["A1"], executed, moment(2, 12))

    ids["A2"] = await register(repos, "A2", EDU, date(2026, 1, 15), date(2026, 2, 20))
    await report(repos, ids["A2"], EDU, moment(2, 25))
    await remove(repos, ids["A2"], executed, moment(2, 26))

    # 9 March 2026 is a day off (8 March on a Sunday): the extension goes to Tuesday 10 March.
    ids["A3"] = await register(repos, "A3", EDU, date(2026, 2, 1), date(2026, 3, 6))
    await extend(repos, ids["A3"], EDU, date(2026, 3, 10), moment(3, 3))
    await report(repos, ids["A3"], EDU, moment(3, 10))
    await remove(repos, ids["A3"], executed, moment(3, 11))

    ids["A4"] = await register(repos, "A4", FIN, date(2026, 2, 1), date(2026, 3, 2))
    ids["A5"] = await register(
        repos, "A5", FIN, date(2026, 3, 1), date(2026, 4, 15), source=Source.GOVERNMENT
    )

    ids["A6"] = await register(repos, "A6", FIN, date(2026, 2, 10), date(2026, 3, 20))
    await report(repos, ids["A6"], FIN, moment(3, 5))
    assert await repos.assignments.return_for_rework(
        ids["A6"], reason="Не полностью", actor="ctrl", at=moment(3, 6)
    )
    await report(repos, ids["A6"], FIN, moment(3, 25))
    await remove(repos, ids["A6"], RemovalGround.IMPOSSIBLE, moment(3, 26))

    ids["A7"] = await register(repos, "A7", EDU, date(2025, 12, 1), date(2025, 12, 20))
    await report(repos, ids["A7"], EDU, moment(12, 18, year=2025))
    await remove(repos, ids["A7"], executed, moment(12, 19, year=2025))

    ids["A8"] = await register(repos, "A8", EDU, date(2026, 4, 2), date(2026, 5, 4))

    ids["A9"] = await register(repos, "A9", EDU, date(2025, 11, 3), date(2026, 1, 20))
    await report(repos, ids["A9"], EDU, moment(1, 25))
    await remove(repos, ids["A9"], executed, moment(2, 1))

    ids["A10"] = await register(
        repos, "A10", FIN, date(2026, 3, 2), date(2026, 3, 30), restricted=True
    )
    await report(repos, ids["A10"], FIN, moment(3, 27))
    return ids

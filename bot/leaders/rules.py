"""Who of the leaders sees which departments, and how open items are counted: pure rules.

The akim and the head of apparatus see every department; a deputy akim the departments they
curate (the distribution of duties). Items are counted by the traffic light of /my: overdue,
due within 3 working days, later (`bot.assignments.rules.traffic_light`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.assignments.rules import Light, lights_on
from bot.profiles import CalendarLike
from storage.domain.assignments import Assignment
from storage.domain.enums import Role
from storage.overview import DeadlineCount

SEE_ALL = frozenset({Role.AKIM, Role.HEAD_OF_APPARATUS})
LEADERS = SEE_ALL | {Role.DEPUTY_AKIM}


class LeaderRefusal(StrEnum):
    NOT_YOURS = "leader_not_yours"  # a department or item outside the leader's scope


@dataclass(frozen=True, slots=True)
class Tally:
    """Open items by traffic light."""

    overdue: int = 0
    soon: int = 0
    later: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.soon + self.later

    def plus(self, light: Light, count: int) -> Tally:
        return Tally(
            self.overdue + (count if light is Light.OVERDUE else 0),
            self.soon + (count if light is Light.SOON else 0),
            self.later + (count if light is Light.LATER else 0),
        )


def scope(roles: Iterable[Role], curates: Iterable[int]) -> frozenset[int] | None:
    """The departments a leader looks at: None for all of them (the akim, the head of
    apparatus), the curated ones for a deputy akim, none for anybody else."""
    held = frozenset(roles)
    if held & SEE_ALL:
        return None
    if Role.DEPUTY_AKIM in held:
        return frozenset(curates)
    return frozenset()


def sees_department(roles: Iterable[Role], curates: Iterable[int], department_id: int) -> bool:
    departments = scope(roles, curates)
    return departments is None or department_id in departments


def sees_item(roles: Iterable[Role], curates: Iterable[int], item: Assignment) -> bool:
    """An item is in view when one of its active executor departments is."""
    departments = scope(roles, curates)
    if departments is None:
        return True
    return any(e.active and e.department_id in departments for e in item.executors)


def tally(
    rows: Iterable[DeadlineCount], cal: CalendarLike, today: date
) -> tuple[dict[int, Tally], Tally]:
    """Counts per department and in all (each item once) from the per-deadline counts."""
    departments: dict[int, Tally] = {}
    total = Tally()
    light_of = lights_on(cal, today)
    for row in rows:
        light = light_of(row.deadline)
        if row.department_id is None:
            total = total.plus(light, row.count)
        else:
            departments[row.department_id] = departments.get(row.department_id, Tally()).plus(
                light, row.count
            )
    return departments, total


def by_urgency(tallies: dict[int, Tally], names: dict[int, str]) -> list[int]:
    """Departments with open items, the most overdue first, then the most due soon, by name."""
    return sorted(
        (d for d, t in tallies.items() if t.total),
        key=lambda d: (-tallies[d].overdue, -tallies[d].soon, names.get(d, "")),
    )

"""Staff lifecycle rules (pure): who is missing from a synced file, who became a department's
head, where a departing person's open work goes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from storage.domain.enums import Role
from storage.domain.staff import StaffRow
from storage.models import Person


class StaffRefusal(StrEnum):
    ACCESS_ENDED = "access_ended"  # the person was removed from the directory meanwhile


def missing_from_file(active: Iterable[Person], rows: Iterable[StaffRow]) -> list[Person]:
    """The active people whose code is not in the file (codes compare without case)."""
    codes = {row.code.casefold() for row in rows}
    return [person for person in active if person.code.casefold() not in codes]


def headed_department(person: Person) -> int | None:
    """The department a person answers for as its head, if any."""
    if Role.HEAD in person.roles and person.active:
        return person.department_id
    return None


def new_head_departments(before: Mapping[int, Person], after: Iterable[Person]) -> list[int]:
    """Departments with a head now who was not their head before (created, reactivated, or
    given the role or the department): these heads have not had the department's cards."""
    found: list[int] = []
    for person in after:
        department = headed_department(person)
        if department is None or department in found:
            continue
        previous = before.get(person.id)
        if previous is None or headed_department(previous) != department:
            found.append(department)
    return found


def handover_department(department_id: int | None, person: Person) -> int | None:
    """Whose head takes over a departing person's unanswered place: the department it was
    addressed through, else the person's own department."""
    return department_id if department_id is not None else person.department_id

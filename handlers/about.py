"""The outbox renderers' kit: decorators that hand a renderer the thing its message is about
(an assignment, a person, a request and its assignment, an executor department), fetched at
send time — nothing is rendered once the thing is gone or the message no longer applies."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Collection
from datetime import date
from typing import Protocol, TypeVar

from bot.delivery import Deliverer, Rendered, Renderer
from storage.domain.assignments import Assignment, Executor
from storage.models import Person
from storage.outbox import OutboxItem
from storage.repo import Repos

AssignmentRenderer = Callable[
    [Deliverer, OutboxItem, Person, Assignment], Awaitable[Rendered | None]
]


Thing = TypeVar("Thing")
ThingRenderer = Callable[[Deliverer, OutboxItem, Person, Thing], Awaitable[Rendered | None]]


def about(
    key: str,
    fetch: Callable[[Repos, int], Awaitable[Thing | None]],
    applies: Callable[[Thing], bool] = lambda _thing: True,
) -> Callable[[ThingRenderer[Thing]], Renderer]:
    """A renderer for a message about one thing (the payload's `key`, `fetch`ed), which it is
    given; nothing is rendered once the thing is gone or the message no longer `applies`."""

    def about_thing(render: ThingRenderer[Thing]) -> Renderer:
        @functools.wraps(render)
        async def rendered(
            deliverer: Deliverer, item: OutboxItem, person: Person
        ) -> Rendered | None:
            thing = await fetch(deliverer.repos, int(item.payload[key]))
            if thing is None or not applies(thing):
                return None
            return await render(deliverer, item, person, thing)

        return rendered

    return about_thing


async def _assignment(repos: Repos, assignment_id: int) -> Assignment | None:
    return await repos.assignments.get(assignment_id)


async def _person(repos: Repos, person_id: int) -> Person | None:
    return await repos.staff.get(person_id)


def about_assignment(render: AssignmentRenderer) -> Renderer:
    """A renderer for a message about one assignment (the payload's `assignment_id`)."""
    return about("assignment_id", _assignment)(render)


def about_open_assignment(render: AssignmentRenderer) -> Renderer:
    """`about_assignment` for a message that no longer applies once the assignment is closed."""
    return about("assignment_id", _assignment, lambda assignment: assignment.is_open)(render)


def about_person(render: ThingRenderer[Person]) -> Renderer:
    """A renderer for a message about one person of the staff (the payload's `person_id`)."""
    return about("person_id", _person)(render)


ExecutorRenderer = Callable[
    [Deliverer, OutboxItem, Assignment, Executor], Awaitable[Rendered | None]
]


def to_department(render: ExecutorRenderer) -> Renderer:
    """`about_open_assignment` for a message to one of its executor departments (the payload's
    `department_id`), given as its `Executor`; nothing once the department no longer executes
    it."""

    @functools.wraps(render)
    async def for_executor(
        deliverer: Deliverer, item: OutboxItem, person: Person, assignment: Assignment
    ) -> Rendered | None:
        executor = assignment.executor(int(item.payload["department_id"]))
        return None if executor is None else await render(deliverer, item, assignment, executor)

    return about_open_assignment(for_executor)


class Request(Protocol):
    """A request on an assignment waiting for a decision (an extension, a removal)."""

    @property
    def assignment_id(self) -> int: ...

    @property
    def status(self) -> object: ...


R = TypeVar("R", bound=Request)
RequestRenderer = Callable[[Deliverer, Person, R, Assignment], Awaitable[Rendered | None]]


def about_request(
    fetch: Callable[[Repos, int], Awaitable[R | None]],
    statuses: Collection[object],
    *,
    open_only: bool = False,
) -> Callable[[RequestRenderer[R]], Renderer]:
    """A renderer for a message about a request (the payload's `request_id`, `fetch`ed) and its
    assignment, which it is given; nothing is rendered once either is gone, the request's status
    is not among `statuses`, or (`open_only`) the assignment is closed."""

    def about(render: RequestRenderer[R]) -> Renderer:
        @functools.wraps(render)
        async def rendered(
            deliverer: Deliverer, item: OutboxItem, person: Person
        ) -> Rendered | None:
            request = await fetch(deliverer.repos, int(item.payload["request_id"]))
            if request is None or request.status not in statuses:
                return None
            assignment = await deliverer.repos.assignments.get(request.assignment_id)
            if assignment is None or (open_only and not assignment.is_open):
                return None
            return await render(deliverer, person, request, assignment)

        return rendered

    return about


def local_today(deliverer: Deliverer) -> date:
    return deliverer.now.astimezone(deliverer.settings.zone).date()

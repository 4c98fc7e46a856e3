"""Application steps that combine rules and storage: register, deliver, accept, report, decide.

Each step is one transaction: the change and the messages it queues commit together.
Handlers and the command line call these; they send nothing themselves — every message the bot
sends on its own initiative goes into the outbox (one identity per message) and out through
`bot.delivery`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Concatenate, ParamSpec, TypeVar

from bot.assignments.rules import (
    acting_departments,
)
from bot.calendar import WorkCalendar
from bot.config import Settings
from bot.profiles import Profile
from bot.staff.rules import StaffRefusal
from storage.calendar import changes_here
from storage.domain.enums import Role
from storage.domain.refusals import Refused
from storage.models import Person
from storage.repo import Repos


@dataclass(frozen=True, slots=True)
class Context:
    """What every step needs: storage, the profile in force, the calendar, and local time."""

    repos: Repos
    profile: Profile
    calendar: WorkCalendar
    settings: Settings
    now: datetime  # aware, UTC
    today: date = field(init=False)  # the local day of `now` (read by every list row)

    def __post_init__(self) -> None:
        object.__setattr__(self, "today", self.now.astimezone(self.settings.zone).date())


P = ParamSpec("P")
T = TypeVar("T")


def one_unit(
    step: Callable[Concatenate[Context, P], Awaitable[T]],
) -> Callable[Concatenate[Context, P], Awaitable[T]]:
    """Run a step as one unit of work: its reads, rule checks and writes see one consistent
    state and commit together (or not at all); no other task's step interleaves. A person's
    step is short: its statements run at once on the loop's thread (`storage/quick.py`)."""
    return _as_unit(step, quick=True)


def long_unit(
    step: Callable[Concatenate[Context, P], Awaitable[T]],
) -> Callable[Concatenate[Context, P], Awaitable[T]]:
    """`one_unit` for a step that may write a great deal (a staff import): its statements go
    through aiosqlite's thread, so the other updates are answered meanwhile."""
    return _as_unit(step, quick=False)


def _as_unit(
    step: Callable[Concatenate[Context, P], Awaitable[T]], *, quick: bool
) -> Callable[Concatenate[Context, P], Awaitable[T]]:
    @functools.wraps(step)
    async def run(ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> T:
        async with ctx.repos.transaction(quick=quick):
            if args and isinstance(args[0], Person):
                await still_in_directory(ctx, args[0])
            return await step(ctx, *args, **kwargs)

    return run


async def still_in_directory(ctx: Context, person: Person) -> None:
    """The person acting (a step's first argument after the context) is checked inside the
    unit: one removed while their tap was on its way is refused, never half served."""
    if not await ctx.repos.staff.is_active(person.id):
        raise Refused(StaffRefusal.ACCESS_ENDED)


# How long a cached calendar is used before the override counter is read again (a change made
# by another process, e.g. `python -m bot calendar set`, is seen within this time; one made by
# this process at once).
CALENDAR_RECHECK_SECONDS = 1.0


@dataclass(slots=True)
class _CachedCalendar:
    calendar: WorkCalendar
    version: int  # the overrides' counter it was built at
    changes_here: int  # this process's changes to the overrides, when last checked
    checked_at: float  # time.monotonic() of the last check


_calendars: dict[str, _CachedCalendar] = {}


async def load_calendar(repos: Repos) -> WorkCalendar:
    """The working-day calendar with the database's overrides, built once per process and
    database file and rebuilt only when an override changes (every handled update and every
    message rendered asks for it)."""
    key = str(repos.db.path)
    cached = _calendars.get(key)
    now = time.monotonic()
    local = changes_here(repos.db.path)
    if (
        cached is not None
        and cached.changes_here == local
        and now - cached.checked_at < CALENDAR_RECHECK_SECONDS
    ):
        return cached.calendar
    version = await repos.calendar.version()
    if cached is None or cached.version != version:
        calendar = WorkCalendar(await repos.calendar.override_map())
        cached = _calendars[key] = _CachedCalendar(calendar, version, local, now)
    else:
        cached.changes_here, cached.checked_at = local, now
    return cached.calendar


async def make_context(
    repos: Repos, profile: Profile, settings: Settings, now: datetime | None = None
) -> Context:
    return Context(repos, profile, await load_calendar(repos), settings, now or datetime.now(UTC))


# --- who answers for what ------------------------------------------------------------------------


async def head_departments(ctx: Context, person: Person) -> frozenset[int]:
    """Departments `person` answers for as head today: their own and those they act for."""
    represented = await ctx.repos.staff.represented_by(person, ctx.today)
    return acting_departments(
        person.roles,
        person.department_id,
        [(other.roles, other.department_id) for other in represented],
    )


def only(departments: frozenset[int], department_id: int) -> frozenset[int]:
    """The department a button names, if this person answers for it; else none."""
    return departments & {department_id}


async def on_behalf_of(ctx: Context, person: Person, department_id: int) -> str | None:
    """The code of the head `person` acts for in that department (None when it is their own)."""
    if Role.HEAD in person.roles and person.department_id == department_id:
        return None
    for other in await ctx.repos.staff.represented_by(person, ctx.today):
        if other.department_id == department_id and Role.HEAD in other.roles:
            return other.code
    return None


async def acting(ctx: Context, people: Sequence[Person]) -> list[Person]:
    """Each person replaced by whoever acts for them today; each one once, in order."""
    found: dict[int, Person] = {}
    for person in people:
        substitute = await ctx.repos.staff.acting_for(person, ctx.today)
        found.setdefault(substitute.id, substitute)
    return list(found.values())


async def department_recipients(ctx: Context, department_id: int) -> list[Person]:
    """The heads of a department, each replaced by their acting substitute today."""
    return await acting(ctx, await ctx.repos.staff.heads_of(department_id))


async def top_deciders(ctx: Context) -> list[Person]:
    """The akim and the head of apparatus, each replaced by whoever acts for them today."""
    people = await ctx.repos.staff.with_role(Role.AKIM)
    return await acting(ctx, people + await ctx.repos.staff.with_role(Role.HEAD_OF_APPARATUS))


async def curating_deputies(ctx: Context, department_id: int) -> list[Person]:
    """The deputy akims curating a department, each replaced by their acting substitute today."""
    return [
        await ctx.repos.staff.acting_for(curator, ctx.today)
        for curator in await ctx.repos.staff.curators_of(department_id)
        if Role.DEPUTY_AKIM in curator.roles
    ]


async def controllers(ctx: Context) -> list[Person]:
    return await ctx.repos.staff.with_role(Role.CONTROLLER)


def stamp(ctx: Context) -> str:
    """The step's moment as part of an identity: a message each time the step is taken."""
    return ctx.now.strftime("%Y%m%dT%H%M%S%f")


async def notify(
    ctx: Context,
    people: Sequence[Person | None],
    key: str,
    kind: str,
    *,
    not_before: datetime | None = None,
    **payload: object,
) -> int:
    """One message per person (identity `{key}:{person id}`), due at `not_before` or at the
    step's own moment (`ctx.now`): a step taken at a given moment is deliverable from then.
    Nobody who left the directory (or was not found: None) is written to. Returns how many
    were new."""
    return await ctx.repos.outbox.enqueue_many(
        [(f"{key}:{p.id}", p.id, kind, dict(payload)) for p in people if p and p.active],
        not_before=not_before or ctx.now,
    )


async def notify_about(
    ctx: Context,
    people: Sequence[Person | None],
    kind: str,
    ids: dict[str, int],
    *more_key: object,
    key: str,
    not_before: datetime | None = None,
    **payload: object,
) -> int:
    """`notify` about a thing named by `ids` (in the payload as they are): the identity is
    `{key}:{each id}…[:{more_key}…]`, in that order."""
    identity = ":".join(str(part) for part in [key, *ids.values(), *more_key])
    return await notify(ctx, people, identity, kind, not_before=not_before, **ids, **payload)


async def notify_control(
    ctx: Context, key: str, kind: str, *, not_before: datetime | None = None, **payload: object
) -> int:
    """The same message to every controller (the control department)."""
    return await notify(ctx, await controllers(ctx), key, kind, not_before=not_before, **payload)


# --- extension requests ------------------------------------------------------------------------


# --- «замечаний нет» rounds ----------------------------------------------------------------------

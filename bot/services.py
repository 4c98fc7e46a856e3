"""Application steps that combine rules and storage: register, deliver, accept, report, decide.

Each step is one transaction: the change and the messages it queues commit together.
Handlers and the command line call these; they send nothing themselves — every message the bot
sends on its own initiative goes into the outbox (one identity per message) and out through
`bot.delivery`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Concatenate, ParamSpec, TypeVar

from bot.assignments import (
    acting_departments,
    check_accept,
    check_controller,
    check_decision,
    check_not_ours,
    check_report,
    classify,
    resolve_deadline,
)
from bot.calendar import WorkCalendar
from bot.config import Settings
from bot.extensions import (
    ExtensionError,
    ExtensionRefusal,
    check_may_request,
    check_new_date,
    decider_kind,
)
from bot.profiles import ExtensionDecider, Profile
from bot.remarks import RoundError, RoundRefusal, check_answer, check_due
from storage.domain.assignments import (
    Assignment,
    ControlType,
    NewAssignment,
    RemovalGround,
    ReportFile,
    RuleError,
)
from storage.domain.enums import Role
from storage.domain.extensions import ExtensionRequest, RequestStatus
from storage.domain.remarks import Answer, Round, RoundFile
from storage.domain.staff import CsvProblem
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

    @property
    def today(self) -> date:
        return self.now.astimezone(self.settings.zone).date()


P = ParamSpec("P")
T = TypeVar("T")


def one_unit(
    step: Callable[Concatenate[Context, P], Awaitable[T]],
) -> Callable[Concatenate[Context, P], Awaitable[T]]:
    """Run a step as one unit of work: its reads, rule checks and writes see one consistent
    state and commit together (or not at all); no other task's step interleaves."""

    @functools.wraps(step)
    async def run(ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> T:
        async with ctx.repos.transaction():
            return await step(ctx, *args, **kwargs)

    return run


async def load_calendar(repos: Repos) -> WorkCalendar:
    return WorkCalendar(await repos.calendar.override_map())


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


async def department_recipients(ctx: Context, department_id: int) -> list[Person]:
    """The heads of a department, each replaced by their acting substitute today."""
    recipients: dict[int, Person] = {}
    for head in await ctx.repos.staff.heads_of(department_id):
        acting = await ctx.repos.staff.acting_for(head, ctx.today)
        recipients[acting.id] = acting
    return list(recipients.values())


async def curating_deputies(ctx: Context, department_id: int) -> list[Person]:
    """The deputy akims curating a department, each replaced by their acting substitute today."""
    return [
        await ctx.repos.staff.acting_for(curator, ctx.today)
        for curator in await ctx.repos.staff.curators_of(department_id)
        if Role.DEPUTY_AKIM in curator.roles
    ]


async def controllers(ctx: Context) -> list[Person]:
    return await ctx.repos.staff.with_role(Role.CONTROLLER)


async def notify(
    ctx: Context,
    people: Sequence[Person],
    key: str,
    kind: str,
    *,
    not_before: datetime | None = None,
    **payload: object,
) -> int:
    """One message per person (identity `{key}:{person id}`), due at `not_before` or at the
    step's own moment (`ctx.now`): a step taken at a given moment is deliverable from then.
    Returns how many were new."""
    return await ctx.repos.outbox.enqueue_many(
        [(f"{key}:{p.id}", p.id, kind, dict(payload)) for p in people],
        not_before=not_before or ctx.now,
    )


async def fresh(ctx: Context, item: Assignment) -> Assignment:
    """The item as it is now, read inside the step's unit of work: every rule check decides on
    the latest committed state, never on the copy the button was drawn from."""
    current = await ctx.repos.assignments.get(item.id)
    assert current is not None  # items are never deleted
    return current


# --- registration -------------------------------------------------------------------------------


def resolve(ctx: Context, new: NewAssignment) -> tuple[NewAssignment, date, ControlType]:
    deadline = resolve_deadline(
        ctx.profile,
        ctx.calendar,
        received=new.received,
        deadline=new.deadline,
        mark=new.mark,
        today=ctx.today,
    )
    return new, deadline, classify(ctx.profile, ctx.calendar, new.received, deadline, new.mark)


async def deliver_cards(ctx: Context, item: Assignment) -> None:
    """A card to the head (or acting substitute) of every executor department."""
    for executor in item.executors:
        if not executor.active:
            continue
        recipients = await department_recipients(ctx, executor.department_id)
        if not recipients:
            await notify(
                ctx,
                await controllers(ctx),
                f"nohead:{item.id}:{executor.department_id}",
                "no_head",
                assignment_id=item.id,
                department_id=executor.department_id,
            )
        await notify(
            ctx,
            recipients,
            f"card:{item.id}:{executor.department_id}",
            "card",
            assignment_id=item.id,
            department_id=executor.department_id,
        )


@one_unit
async def register(ctx: Context, new: NewAssignment, *, actor: str) -> Assignment:
    async with ctx.repos.transaction():
        _, deadline, kind = resolve(ctx, new)
        item = await ctx.repos.assignments.create(
            new,
            deadline=deadline,
            control_type=kind,
            registered_on=ctx.today,
            actor=actor,
        )
        await deliver_cards(ctx, item)
        return item


async def import_assignments(
    ctx: Context,
    items: list[NewAssignment],
    *,
    actor: str,
    progress: Callable[[int], None] | None = None,
) -> list[Assignment]:
    """The whole file is checked first (a rule refusal or a bad row names its line and nothing
    is written); then it is written in short units of work, each item with its cards, so the
    bot keeps answering during a large import."""
    resolved = []
    for new in items:
        try:
            resolved.append(resolve(ctx, new))
        except RuleError as error:
            raise CsvProblem(new.line, rule_problem(error)) from None

    async def cards(item: Assignment) -> None:
        await deliver_cards(ctx, item)

    return await ctx.repos.assignments.import_many(
        resolved, registered_on=ctx.today, actor=actor, then=cards, progress=progress
    )


def rule_problem(error: RuleError) -> str:
    """An English sentence for the command line (the chat uses the catalogues)."""
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in error.values.items()}
    return {
        "deadline_past": "deadline {deadline} has already passed",
        "deadline_before_received": "deadline {deadline} is before the date received {received}",
        "received_in_future": "the date received {received} is in the future",
    }.get(error.refusal.value, error.refusal.value).format(**values)


# --- executors ----------------------------------------------------------------------------------


@one_unit
async def accept(ctx: Context, person: Person, item: Assignment, department_id: int) -> bool:
    async with ctx.repos.transaction():
        item = await fresh(ctx, item)
        departments = await head_departments(ctx, person)
        executor = check_accept(item, only(departments, department_id))
        changed = await ctx.repos.assignments.accept(
            item.id,
            executor.department_id,
            person_code=person.code,
            on_behalf_of=await on_behalf_of(ctx, person, executor.department_id),
            at=ctx.now,
        )
        if changed:
            await notify(
                ctx,
                await controllers(ctx),
                f"accepted:{item.id}:{executor.department_id}",
                "accepted",
                assignment_id=item.id,
                department_id=executor.department_id,
                person_id=person.id,
            )
        return changed


@one_unit
async def submit_report(
    ctx: Context,
    person: Person,
    item: Assignment,
    department_id: int,
    text: str,
    files: Sequence[ReportFile],
) -> bool:
    """Co-executors report to the main executor; the main executor's report goes to control."""
    async with ctx.repos.transaction():
        item = await fresh(ctx, item)
        departments = await head_departments(ctx, person)
        executor = check_report(item, only(departments, department_id))
        report = await ctx.repos.assignments.add_report(
            item.id,
            executor.department_id,
            author_code=person.code,
            on_behalf_of=await on_behalf_of(ctx, person, executor.department_id),
            text=text,
            files=[] if item.restricted else list(files),
            final=executor.main,
            at=ctx.now,
        )
        if executor.main:
            await notify(
                ctx,
                await controllers(ctx),
                f"report:{report.id}",
                "report",
                assignment_id=item.id,
                report_id=report.id,
            )
        else:
            main = item.main_executor
            if main is not None:
                await notify(
                    ctx,
                    await department_recipients(ctx, main.department_id),
                    f"coreport:{report.id}",
                    "co_report",
                    assignment_id=item.id,
                    report_id=report.id,
                )
        return True


@one_unit
async def not_ours(
    ctx: Context, person: Person, item: Assignment, department_id: int, reason: str
) -> bool:
    async with ctx.repos.transaction():
        item = await fresh(ctx, item)
        departments = await head_departments(ctx, person)
        executor = check_not_ours(
            ctx.profile, ctx.calendar, item, only(departments, department_id), ctx.today
        )
        changed = await ctx.repos.assignments.decline(
            item.id,
            executor.department_id,
            reason=reason,
            actor=person.code,
            on_behalf_of=await on_behalf_of(ctx, person, executor.department_id),
            at=ctx.now,
        )
        if changed:
            await notify(
                ctx,
                await controllers(ctx),
                f"declined:{item.id}:{executor.department_id}",
                "declined",
                assignment_id=item.id,
                department_id=executor.department_id,
                reason=reason,
            )
        return changed


# --- the controller -----------------------------------------------------------------------------


async def executor_heads(ctx: Context, item: Assignment) -> list[Person]:
    people: dict[int, Person] = {}
    for executor in item.executors:
        if executor.active:
            for person in await department_recipients(ctx, executor.department_id):
                people[person.id] = person
    return list(people.values())


@one_unit
async def remove(ctx: Context, person: Person, item: Assignment, ground: RemovalGround) -> bool:
    async with ctx.repos.transaction():
        item = await fresh(ctx, item)
        check_decision(item, person.roles)
        changed = await ctx.repos.assignments.remove(
            item.id, ground=ground, actor=person.code, at=ctx.now
        )
        if changed:
            await notify(
                ctx,
                await executor_heads(ctx, item),
                f"removed:{item.id}",
                "removed",
                assignment_id=item.id,
            )
        return changed


@one_unit
async def return_for_rework(ctx: Context, person: Person, item: Assignment, reason: str) -> bool:
    async with ctx.repos.transaction():
        item = await fresh(ctx, item)
        check_decision(item, person.roles)
        changed = await ctx.repos.assignments.return_for_rework(
            item.id, reason=reason, actor=person.code, at=ctx.now
        )
        if changed:
            stamp = ctx.now.strftime("%Y%m%dT%H%M%S%f")
            await notify(
                ctx,
                await executor_heads(ctx, item),
                f"returned:{item.id}:{stamp}",
                "returned",
                assignment_id=item.id,
                reason=reason,
            )
        return changed


@one_unit
async def reassign(
    ctx: Context, person: Person, item: Assignment, old_department: int, new_department: int
) -> Assignment | None:
    async with ctx.repos.transaction():
        item = await fresh(ctx, item)
        check_controller(item, person.roles)
        if not await ctx.repos.assignments.reassign(
            item.id, old_department, new_department, actor=person.code
        ):
            return None
        updated = await ctx.repos.assignments.get(item.id)
        assert updated is not None
        await deliver_cards(ctx, updated)
        return updated


# --- extension requests ------------------------------------------------------------------------


async def extension_deciders(ctx: Context, item: Assignment) -> list[Person]:
    """Who decides this item's extension today (acting substitutes respected)."""
    people: dict[int, Person] = {}
    if decider_kind(ctx.profile, item) is ExtensionDecider.ISSUER and item.issuer_id is not None:
        issuer = await ctx.repos.staff.get(item.issuer_id)
        candidates = [issuer] if issuer is not None else []
    else:
        candidates = await ctx.repos.staff.with_role(Role.AKIM)
        candidates += await ctx.repos.staff.with_role(Role.HEAD_OF_APPARATUS)
    for person in candidates:
        acting = await ctx.repos.staff.acting_for(person, ctx.today)
        people[acting.id] = acting
    return list(people.values())


async def check_extension_request(
    ctx: Context, person: Person, item: Assignment, department_id: int
) -> bool:
    """Whether this head may ask now (ExtensionError / RuleError say why not); True when the
    request would go beyond the limit and be flagged for a disciplinary review."""
    pending = await ctx.repos.extensions.pending_for(item.id) is not None
    _, exceptional = check_may_request(
        ctx.profile,
        ctx.calendar,
        item,
        only(await head_departments(ctx, person), department_id),
        ctx.today,
        pending=pending,
    )
    return exceptional


@one_unit
async def request_extension(
    ctx: Context,
    person: Person,
    item: Assignment,
    department_id: int,
    new_date: date,
    reasons: str,
) -> ExtensionRequest:
    async with ctx.repos.transaction():
        item = await fresh(ctx, item)
        exceptional = await check_extension_request(ctx, person, item, department_id)
        check_new_date(ctx.calendar, item, new_date)
        request = await ctx.repos.extensions.create(
            item.id,
            department_id,
            requested_by=person.code,
            on_behalf_of=await on_behalf_of(ctx, person, department_id),
            new_deadline=new_date,
            reasons=reasons,
            exceptional=exceptional,
            at=ctx.now,
        )
        await notify(
            ctx,
            await extension_deciders(ctx, item),
            f"extreq:{request.id}",
            "extension_request",
            request_id=request.id,
        )
    return request


async def deciding_for(ctx: Context, person: Person, item: Assignment) -> str | None:
    """The code of the decider `person` acts for ('' when deciding in their own right);
    None when this person does not decide this item."""
    for decider in await extension_deciders(ctx, item):
        if decider.id == person.id:
            for absent in await ctx.repos.staff.represented_by(person, ctx.today):
                if (
                    absent.roles & {Role.AKIM, Role.HEAD_OF_APPARATUS}
                    or absent.id == item.issuer_id
                ):
                    return absent.code
            return ""
    return None


@one_unit
async def decide_extension(
    ctx: Context,
    person: Person,
    request: ExtensionRequest,
    *,
    granted: date | None = None,
    reject_reason: str | None = None,
) -> bool:
    """Approve (with the date asked, or another) or reject; the first decision wins (checked
    inside the unit of work, on the request and item as they are now)."""
    async with ctx.repos.transaction():
        request = await ctx.repos.extensions.get(request.id) or request
        item = await ctx.repos.assignments.get(request.assignment_id)
        assert item is not None
        behalf = await deciding_for(ctx, person, item)
        if behalf is None:
            raise ExtensionError(ExtensionRefusal.NOT_DECIDER)
        if request.status is not RequestStatus.PENDING or not item.is_open:
            raise ExtensionError(ExtensionRefusal.DECIDED, request_id=request.id)
        if reject_reason is not None:
            changed = await ctx.repos.extensions.reject(
                request.id,
                reason=reject_reason,
                actor=person.code,
                on_behalf_of=behalf or None,
                at=ctx.now,
            )
        else:
            day = check_new_date(ctx.calendar, item, granted or request.new_deadline)
            changed = await ctx.repos.extensions.approve(
                request.id,
                granted=day,
                actor=person.code,
                on_behalf_of=behalf or None,
                at=ctx.now,
            )
        if not changed:
            raise ExtensionError(ExtensionRefusal.DECIDED, request_id=request.id)
        requester = await ctx.repos.staff.by_code(request.requested_by)
        audience = await controllers(ctx) + ([requester] if requester else [])
        await notify(
            ctx, audience, f"extdone:{request.id}", "extension_decided", request_id=request.id
        )
    return True


# --- «замечаний нет» rounds ----------------------------------------------------------------------


async def round_addressees(
    ctx: Context, department_ids: Sequence[int], person_ids: Sequence[int]
) -> list[tuple[Person, int | None]]:
    """Departments answer through their heads (or acting substitutes); people answer themselves."""
    found: dict[int, tuple[Person, int | None]] = {}
    for department_id in department_ids:
        for head in await department_recipients(ctx, department_id):
            found.setdefault(head.id, (head, department_id))
    for person_id in person_ids:
        person = await ctx.repos.staff.get(person_id)
        if person is not None:
            acting = await ctx.repos.staff.acting_for(person, ctx.today)
            found.setdefault(acting.id, (acting, None))
    return list(found.values())


@one_unit
async def start_round(
    ctx: Context,
    initiator: Person,
    *,
    subject: str,
    restricted: bool,
    due: date,
    files: Sequence[RoundFile],
    department_ids: Sequence[int],
    person_ids: Sequence[int],
) -> Round:
    check_due(ctx.calendar, ctx.today, due)
    async with ctx.repos.transaction():
        addressees = await round_addressees(ctx, department_ids, person_ids)
        item = await ctx.repos.remarks.create(
            subject,
            initiator_id=initiator.id,
            restricted=restricted,
            due=due,
            files=[] if restricted else list(files),
            addressees=[(person.id, department) for person, department in addressees],
            actor=initiator.code,
            at=ctx.now,
        )
        await notify(
            ctx,
            [person for person, _ in addressees],
            f"rmreq:{item.id}",
            "remarks_request",
            round_id=item.id,
        )
    return item


@one_unit
async def answer_round(
    ctx: Context,
    person: Person,
    round_id: int,
    answer: Answer,
    text: str | None = None,
    files: Sequence[RoundFile] = (),
) -> Round:
    async with ctx.repos.transaction():
        item = await ctx.repos.remarks.get(round_id)
        if item is None:
            raise RoundError(RoundRefusal.NOT_ADDRESSEE, round_id=round_id)
        addressee = check_answer(item, person.id, ctx.today)
        if answer is Answer.REMARKS and not (text or files):
            raise RoundError(RoundRefusal.NO_TEXT)
        if not await ctx.repos.remarks.answer(
            round_id,
            person.id,
            answer=answer,
            text=text,
            files=[] if item.restricted else list(files),
            by=person.code,
            at=ctx.now,
        ):
            raise RoundError(RoundRefusal.CLOSED, due=item.due)
        if answer is Answer.REMARKS:
            initiator = await ctx.repos.staff.get(item.initiator_id)
            stamp = ctx.now.strftime("%Y%m%dT%H%M%S%f")
            await notify(
                ctx,
                [initiator] if initiator else [],
                f"rmans:{round_id}:{addressee.id}:{stamp}",
                "remarks_answer",
                round_id=round_id,
                addressee_id=addressee.id,
            )
    updated = await ctx.repos.remarks.get(round_id)
    assert updated is not None
    return updated

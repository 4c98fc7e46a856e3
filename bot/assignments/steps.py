"""Assignment steps: register (one, or a CSV in slices), accept, report, «не наше», return for
rework, reassign, change the deadline, keep (removals are bot.removals). Each is one unit of
work: the change and the messages it queues commit together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Protocol

from bot.assignments.notices import deadline_news_audiences
from bot.assignments.rules import (
    accepted_already,
    check_accept,
    check_controller,
    check_decision,
    check_keep,
    check_new_deadline,
    check_not_ours,
    check_report,
    classify,
    item_internal_deadline,
    resolve_deadline,
)
from bot.assignments.sweep import Recipients
from bot.outbox_kinds import Kind, digest_moment
from bot.services import (
    Context,
    controllers,
    department_recipients,
    head_departments,
    notify_about,
    on_behalf_of,
    one_unit,
    only,
    stamp,
)
from storage.domain.assignments import (
    Assignment,
    ControlType,
    Executor,
    NewAssignment,
    Refusal,
    Report,
    ReportFile,
)
from storage.domain.refusals import Refused
from storage.domain.staff import CsvProblem
from storage.models import Person


async def about_item(
    ctx: Context,
    people: Sequence[Person | None],
    kind: Kind,
    key: str,
    item: Assignment,
    *more_key: object,
    department_id: int | None = None,
    not_before: datetime | None = None,
    **payload: object,
) -> int:
    """`notify` about an assignment (and one of its executor departments): the identity is
    `{key}:{item id}[:{department id}][:{more_key}…]`, the payload names the item (and
    department)."""
    ids = {"assignment_id": item.id}
    if department_id is not None:
        ids["department_id"] = department_id
    return await notify_about(
        ctx, people, kind, ids, *more_key, key=key, not_before=not_before, **payload
    )


class OfItem(Protocol):
    """A record of an assignment: a report, an executor's draft, a removal request."""

    @property
    def id(self) -> int: ...

    @property
    def assignment_id(self) -> int: ...


async def about_record(
    ctx: Context, people: Sequence[Person | None], kind: Kind, key: str, name: str, record: OfItem
) -> int:
    """`notify` about a record of an item: the identity is `{key}:{record id}`, the payload
    names the record (`{name}_id`) and its item."""
    ids = {f"{name}_id": record.id}
    return await notify_about(ctx, people, kind, ids, key=key, assignment_id=record.assignment_id)


async def to_control(
    ctx: Context,
    kind: Kind,
    key: str,
    item: Assignment,
    executor: Executor,
    *,
    not_before: datetime | None = None,
    **payload: object,
) -> None:
    """Tell the control department about an item and one of its executor departments (at
    once, or from `not_before`: a digest's moment)."""
    ids = {"assignment_id": item.id, "department_id": executor.department_id}
    await notify_about(
        ctx, await controllers(ctx), kind, ids, key=key, not_before=not_before, **payload
    )


async def deadline_readers(
    ctx: Context, item: Assignment, *also: Person | None, besides: Person | None = None
) -> list[Person]:
    """Everyone who hears that the item's deadline moved (`deadline_news_audiences`: whom its
    notices reach under the profile, acting substitutes today), then `also`, each person once;
    never `besides` (who moved it: they are answered in the chat)."""
    audiences = deadline_news_audiences(
        ctx.profile,
        ctx.calendar,
        item.deadline,
        item_internal_deadline(ctx.profile, ctx.calendar, item),
    )
    people: dict[int, Person] = {}
    for person in [*await Recipients(ctx).among(item, audiences), *also]:
        if person is not None and (besides is None or person.id != besides.id):
            people.setdefault(person.id, person)
    return list(people.values())


async def refresh_cards(ctx: Context, item: Assignment) -> int:
    """Every card of the item sent out is edited to show it as it is now (a new deadline):
    one `Kind.CARD_EDIT` message per card, queued in the step's unit of work, so a restart
    edits them still and a step rolled back edits none; the sender re-renders each for its
    reader and edits it in place, and a card Telegram no longer lets edit fails alone."""
    queued = 0
    for card in await ctx.repos.assignments.sent_cards(item.id):
        reader = await ctx.repos.staff.get(card.person_id)
        if card.department_id is None or reader is None:
            continue
        queued += await about_item(
            ctx,
            [reader],
            Kind.CARD_EDIT,
            "cardedit",
            item,
            card.message_id,
            stamp(ctx),
            department_id=card.department_id,
            chat_id=card.chat_id,
            message_id=card.message_id,
        )
    return queued


async def fresh(ctx: Context, item: Assignment) -> Assignment:
    """The item as it is now, read inside the step's unit of work: every rule check decides on
    the latest committed state, never on the copy the button was drawn from."""
    current = await ctx.repos.assignments.get(item.id)
    assert current is not None  # items are never deleted
    return current


async def as_head(
    ctx: Context,
    person: Person,
    item: Assignment,
    department_id: int,
    check: Callable[[Assignment, frozenset[int]], Executor],
) -> tuple[Assignment, Executor, str | None]:
    """An executor's step, as the head of the department the button names (or acting for
    them): the item as it is now, the executor row the rule allows, and whom the person acts
    for. A refusal raises `Refused`."""
    item = await fresh(ctx, item)
    departments = await head_departments(ctx, person)
    executor = check(item, only(departments, department_id))
    return item, executor, await on_behalf_of(ctx, person, executor.department_id)


def resolve(ctx: Context, new: NewAssignment) -> tuple[NewAssignment, date, ControlType]:
    deadline = resolve_deadline(
        ctx.profile,
        ctx.calendar,
        received=new.received,
        deadline=new.deadline,
        mark=new.mark,
        today=ctx.today,
        source=new.source,
    )
    return new, deadline, classify(ctx.profile, ctx.calendar, new.received, deadline, new.mark)


async def deliver_card(
    ctx: Context, item: Assignment, department_id: int, *more_key: object
) -> None:
    """The card to the head (or acting substitute) of one executor department; when it has no
    head, the control department is told (the card waits for the next head)."""
    heads = await department_recipients(ctx, department_id)
    if not heads:
        control = await controllers(ctx)
        await about_item(
            ctx, control, Kind.NO_HEAD, "nohead", item, *more_key, department_id=department_id
        )
    await about_item(ctx, heads, Kind.CARD, "card", item, *more_key, department_id=department_id)


async def deliver_cards(ctx: Context, item: Assignment) -> None:
    """A card to the head (or acting substitute) of every executor department."""
    for executor in item.executors:
        if executor.active:
            await deliver_card(ctx, item, executor.department_id)


@one_unit
async def register(ctx: Context, new: NewAssignment, *, actor: str) -> Assignment:
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
        except Refused as error:
            raise CsvProblem(new.line, rule_problem(error)) from None

    async def cards(item: Assignment) -> None:
        await deliver_cards(ctx, item)

    return await ctx.repos.assignments.import_many(
        resolved, registered_on=ctx.today, actor=actor, then=cards, progress=progress
    )


def rule_problem(error: Refused) -> str:
    """An English sentence for the command line (the chat uses the catalogues)."""
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in error.values.items()}
    return {
        "deadline_past": "deadline {deadline} has already passed",
        "deadline_before_received": "deadline {deadline} is before the date received {received}",
        "received_in_future": "the date received {received} is in the future",
    }.get(error.refusal.value, error.refusal.value).format(**values)


async def accept(ctx: Context, person: Person, item: Assignment, department_id: int) -> bool:
    """The department's acceptance, one unit of work (`accept_now`). A department that has
    accepted the item already (a second tap on Accept, an old card's button) is refused from
    `item` as the tap loaded it, committed and just read, without a unit: an active executor
    row once accepted stays so (only a declined one is made new), so the unit would refuse it
    alike, after waiting its turn for the writer and two trips to its thread. (Whom the person
    heads is read only then: a first tap goes to the unit at once.)"""
    shown = item.executor(department_id)
    if (
        shown is not None
        and shown.accepted_at is not None
        and accepted_already(item, only(await head_departments(ctx, person), department_id))
    ):
        raise Refused(Refusal.ALREADY_ACCEPTED, reg_number=item.reg_number)
    return await accept_now(ctx, person, item, department_id)


@one_unit
async def accept_now(ctx: Context, person: Person, item: Assignment, department_id: int) -> bool:
    item, executor, acting_for = await as_head(ctx, person, item, department_id, check_accept)
    return await mark_accepted(ctx, person, item, executor, acting_for)


async def mark_accepted(
    ctx: Context, person: Person, item: Assignment, executor: Executor, acting_for: str | None
) -> bool:
    """Record the department's acceptance (inside the caller's unit) and tell control; False
    when it was accepted already."""
    changed = await ctx.repos.assignments.accept(
        item.id,
        executor.department_id,
        person_code=person.code,
        on_behalf_of=acting_for,
        at=ctx.now,
    )
    if changed:
        await to_control(
            ctx,
            Kind.ACCEPTED,
            "accepted",
            item,
            executor,
            not_before=digest_moment(ctx.now),
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
    item, executor, acting_for = await as_head(ctx, person, item, department_id, check_report)
    await send_report(ctx, person, item, executor, acting_for, text, files)
    return True


async def send_report(
    ctx: Context,
    person: Person,
    item: Assignment,
    executor: Executor,
    acting_for: str | None,
    text: str,
    files: Sequence[ReportFile],
) -> Report:
    """The department's report, written and sent on (inside the caller's unit of work, after
    its rule checks): to the control department from the main executor, else to the main
    executor's head. Also how a head sends on an executor's draft (bot.executors.steps)."""
    report = await ctx.repos.assignments.add_report(
        item.id,
        executor.department_id,
        author_code=person.code,
        on_behalf_of=acting_for,
        text=text,
        files=[] if item.restricted else list(files),
        final=executor.main,
        at=ctx.now,
    )
    main = item.main_executor
    if executor.main:
        people, key, kind = await controllers(ctx), "report", Kind.REPORT
    else:
        heads = await department_recipients(ctx, main.department_id) if main else []
        people, key, kind = heads, "coreport", Kind.CO_REPORT
    await about_record(ctx, people, kind, key, "report", report)
    return report


@one_unit
async def not_ours(
    ctx: Context, person: Person, item: Assignment, department_id: int, reason: str
) -> bool:
    check = partial(check_not_ours, ctx.profile, ctx.calendar, today=ctx.today)
    item, executor, acting_for = await as_head(ctx, person, item, department_id, check)
    changed = await ctx.repos.assignments.decline(
        item.id,
        executor.department_id,
        reason=reason,
        actor=person.code,
        on_behalf_of=acting_for,
        at=ctx.now,
    )
    if changed:
        await to_control(ctx, Kind.DECLINED, "declined", item, executor, reason=reason)
    return changed


async def executor_heads(ctx: Context, item: Assignment) -> list[Person]:
    people: dict[int, Person] = {}
    for executor in item.executors:
        if executor.active:
            for person in await department_recipients(ctx, executor.department_id):
                people[person.id] = person
    return list(people.values())


@one_unit
async def return_for_rework(ctx: Context, person: Person, item: Assignment, reason: str) -> bool:
    item = await fresh(ctx, item)
    check_decision(item, person.roles)
    changed = await ctx.repos.assignments.return_for_rework(
        item.id, reason=reason, actor=person.code, at=ctx.now
    )
    if changed:
        await ctx.repos.removals.lapse(item.id, at=ctx.now)  # a waiting removal closes
        heads = await executor_heads(ctx, item)
        await about_item(ctx, heads, Kind.RETURNED, "returned", item, stamp(ctx), reason=reason)
    return changed


@one_unit
async def reassign(
    ctx: Context, person: Person, item: Assignment, old_department: int, new_department: int
) -> Assignment | None:
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


@one_unit
async def change_deadline(
    ctx: Context,
    person: Person,
    item: Assignment,
    *,
    seen: date,
    new: date,
    reference: str,
    reason: str,
) -> Assignment:
    """The control department moves the deadline by a decision taken outside the bot. `seen`
    is the deadline the controller's card showed: when another controller moved it meanwhile,
    nothing changes and the person is told. Everyone who works on the item (`deadline_readers`)
    hears of the new deadline, the cards sent out are edited to show it, and the deadline
    notices follow it (their identities carry the deadline, bot/assignments/notices)."""
    item = await fresh(ctx, item)
    check_new_deadline(ctx.calendar, item, person.roles, new, ctx.today)
    if item.deadline != seen or not await ctx.repos.assignments.change_deadline(
        item.id,
        old=seen,
        new=new,
        reference=reference,
        reason=reason,
        actor=person.code,
        at=ctx.now,
    ):
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=item.reg_number)
    moved = await fresh(ctx, item)
    await about_item(
        ctx,
        await deadline_readers(ctx, moved, besides=person),
        Kind.DEADLINE_CHANGED,
        "deadline",
        item,
        seen.isoformat(),
        new.isoformat(),
        old=seen.isoformat(),
        new=new.isoformat(),
        reference=reference,
        reason=reason,
    )
    await refresh_cards(ctx, moved)
    return moved


@one_unit
async def keep(
    ctx: Context, person: Person, item: Assignment, department_id: int, reason: str
) -> None:
    """Refuse a «не наше»: the department that declined gets the item back with the reason and
    its card (to accept it again). A second controller's tap is refused."""
    item = await fresh(ctx, item)
    check_keep(item, person.roles, department_id)
    if not await ctx.repos.assignments.keep(
        item.id, department_id, reason=reason, actor=person.code, at=ctx.now
    ):
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=item.reg_number)
    heads = await department_recipients(ctx, department_id)
    await about_item(
        ctx, heads, Kind.KEPT, "kept", item, stamp(ctx), department_id=department_id, reason=reason
    )

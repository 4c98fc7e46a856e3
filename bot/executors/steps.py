"""Executors' steps: a head passes an item (or takes it back), an executor sends a draft of
the report, the head sends it on as the department's report or returns it with a comment.
Each is one unit of work with the messages it queues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

from bot.assignments.rules import check_head_of, check_report
from bot.assignments.steps import (
    about_item,
    about_record,
    as_head,
    fresh,
    mark_accepted,
    send_report,
)
from bot.executors.rules import check_passed, check_pending, check_targets
from bot.outbox_kinds import Kind
from bot.services import Context, department_recipients, one_unit, stamp
from storage.domain.assignments import Assignment, ReportFile
from storage.domain.executors import DraftStatus, ExecutorDraft
from storage.models import Person


class HeadsMove(TypedDict):
    """How the executors' repository records a head's move on an item (its audit)."""

    reg_number: str
    actor: str
    on_behalf_of: str | None
    at: datetime


def heads_move(
    ctx: Context, person: Person, item: Assignment, acting_for: str | None
) -> HeadsMove:
    return HeadsMove(
        reg_number=item.reg_number, actor=person.code, on_behalf_of=acting_for, at=ctx.now
    )


@one_unit
async def pass_item(
    ctx: Context, person: Person, item: Assignment, department_id: int, chosen: Sequence[int]
) -> tuple[list[int], list[int]]:
    """The head (or acting head) of an executor department passes the item to exactly
    `chosen` executors of the department (none: takes it back). (added, removed)."""
    item, executor, acting_for = await as_head(ctx, person, item, department_id, check_head_of)
    staff = {p.id: p for p in await ctx.repos.staff.executors_of(executor.department_id)}
    wanted = check_targets(chosen, staff)
    added, removed = await ctx.repos.executors.set_passes(
        item.id, executor.department_id, wanted, **heads_move(ctx, person, item, acting_for)
    )
    if added and executor.accepted_at is None:
        # passing the item on is organising its execution (§12): the department has it
        await mark_accepted(ctx, person, item, executor, acting_for)
    department, moment = executor.department_id, stamp(ctx)
    passed = [staff[pid] for pid in added]
    await about_item(
        ctx, passed, Kind.PASSED, "passed", item, moment, department_id=department, by=person.id
    )
    gone = [await ctx.repos.staff.get(pid) for pid in removed]
    await about_item(ctx, gone, Kind.TAKEN_BACK, "taken", item, department, moment)
    return added, removed


@one_unit
async def submit_draft(
    ctx: Context, person: Person, item: Assignment, text: str, files: Sequence[ReportFile]
) -> ExecutorDraft:
    """An executor's draft of the report goes to the head (or acting head)."""
    item = await fresh(ctx, item)
    executor = check_passed(item, await ctx.repos.executors.pass_of(item.id, person.id), person)
    draft = await ctx.repos.executors.add_draft(
        item.id,
        executor.department_id,
        author_id=person.id,
        author_code=person.code,
        reg_number=item.reg_number,
        text=text,
        files=[] if item.restricted else list(files),
        at=ctx.now,
    )
    heads = await department_recipients(ctx, executor.department_id)
    await about_record(ctx, heads, Kind.EXECUTOR_DRAFT, "draft", "draft", draft)
    return draft


@one_unit
async def approve_draft(ctx: Context, person: Person, item: Assignment, draft_id: int) -> bool:
    """The head sends the draft on, unchanged, as the department's report (one tap)."""
    item = await fresh(ctx, item)
    draft = check_pending(item, await ctx.repos.executors.draft(draft_id))
    item, executor, acting_for = await as_head(
        ctx, person, item, draft.department_id, check_report
    )
    report = await send_report(ctx, person, item, executor, acting_for, draft.text, draft.files)
    return await decide(ctx, person, item, draft, acting_for, report_id=report.id)


@one_unit
async def return_draft(
    ctx: Context, person: Person, item: Assignment, draft_id: int, comment: str
) -> bool:
    """The head returns the draft to its author with a comment."""
    item = await fresh(ctx, item)
    draft = check_pending(item, await ctx.repos.executors.draft(draft_id))
    item, _executor, acting_for = await as_head(
        ctx, person, item, draft.department_id, check_head_of
    )
    return await decide(ctx, person, item, draft, acting_for, comment=comment.strip())


async def decide(
    ctx: Context,
    person: Person,
    item: Assignment,
    draft: ExecutorDraft,
    acting_for: str | None,
    *,
    report_id: int | None = None,
    comment: str | None = None,
) -> bool:
    """The head's decision on a draft: sent on as the report (`report_id`) or returned with a
    `comment`; the author is told."""
    status = DraftStatus.APPROVED if report_id is not None else DraftStatus.RETURNED
    move = heads_move(ctx, person, item, acting_for)
    await ctx.repos.executors.decide_draft(
        draft.id, status, **move, comment=comment, report_id=report_id
    )
    author = await ctx.repos.staff.get(draft.author_id)
    await about_record(ctx, [author], Kind.DRAFT_DECIDED, "drafted", "draft", draft)
    return True

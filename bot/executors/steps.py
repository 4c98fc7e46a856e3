"""Executors' steps: a head passes an item (or takes it back), an executor sends a draft of
the report, the head sends it on as the department's report or returns it with a comment.
Each is one unit of work with the messages it queues."""

from __future__ import annotations

from collections.abc import Sequence

from bot.assignments.rules import check_head_of, check_report
from bot.assignments.steps import as_head, fresh, send_report
from bot.executors.rules import check_passed, check_pending, check_targets
from bot.outbox_kinds import Kind
from bot.services import Context, department_recipients, notify, one_unit
from storage.domain.assignments import Assignment, ReportFile
from storage.domain.executors import DraftStatus, ExecutorDraft
from storage.models import Person


def stamp(ctx: Context) -> str:
    return ctx.now.strftime("%Y%m%dT%H%M%S%f")


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
        item.id,
        executor.department_id,
        wanted,
        reg_number=item.reg_number,
        actor=person.code,
        on_behalf_of=acting_for,
        at=ctx.now,
    )
    key = f"{item.id}:{executor.department_id}:{stamp(ctx)}"
    await notify(
        ctx,
        [staff[pid] for pid in added],
        f"passed:{key}",
        Kind.PASSED,
        assignment_id=item.id,
        department_id=executor.department_id,
        by=person.id,
    )
    gone = [p for p in [await ctx.repos.staff.get(pid) for pid in removed] if p is not None]
    await notify(ctx, gone, f"taken:{key}", Kind.TAKEN_BACK, assignment_id=item.id)
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
    await notify(
        ctx,
        await department_recipients(ctx, executor.department_id),
        f"draft:{draft.id}",
        Kind.EXECUTOR_DRAFT,
        assignment_id=item.id,
        draft_id=draft.id,
    )
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
    await ctx.repos.executors.decide_draft(
        draft.id,
        DraftStatus.APPROVED,
        reg_number=item.reg_number,
        actor=person.code,
        on_behalf_of=acting_for,
        at=ctx.now,
        report_id=report.id,
    )
    await tell_author(ctx, item, draft)
    return True


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
    await ctx.repos.executors.decide_draft(
        draft.id,
        DraftStatus.RETURNED,
        reg_number=item.reg_number,
        actor=person.code,
        on_behalf_of=acting_for,
        at=ctx.now,
        comment=comment.strip(),
    )
    await tell_author(ctx, item, draft)
    return True


async def tell_author(ctx: Context, item: Assignment, draft: ExecutorDraft) -> None:
    author = await ctx.repos.staff.get(draft.author_id)
    if author is not None:
        await notify(
            ctx,
            [author],
            f"drafted:{draft.id}",
            Kind.DRAFT_DECIDED,
            assignment_id=item.id,
            draft_id=draft.id,
        )

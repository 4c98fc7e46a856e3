"""Who may pass an item to whom, and who may draft its report (pure: no aiogram, no SQL).

Baidibek 2025 §12.17 (L1353–1357): the first head of the body an item is addressed to answers
personally for its execution, so the head organises it — passes it to staff of the
department — and still answers for the deadline (the notices keep going to the head).
§12.13 (L1320–1323): the report is official and signed by the first head, so an executor only
drafts it; the head sends it on as the department's report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from bot.assignments.rules import check_open
from storage.domain.assignments import Assignment, Executor, Refusal, Status
from storage.domain.enums import Role
from storage.domain.executors import DraftStatus, ExecutorDraft, Pass
from storage.domain.refusals import Refused
from storage.models import Person

MAX_PASSED = 10  # executors one item is passed to in one department


class ExecutorRefusal(StrEnum):
    NOT_STAFF = "not_staff"  # someone chosen is not an executor of the department
    TOO_MANY = "too_many"
    NOT_PASSED = "not_passed"  # the item is not passed to this person
    DRAFT_DECIDED = "draft_decided"  # the draft no longer waits for the head


def check_targets(chosen: Sequence[int], staff: Iterable[int]) -> list[int]:
    """The people chosen, each an active executor of the department (a forged or stale id is
    refused, nothing is passed)."""
    allowed = set(staff)
    if any(person_id not in allowed for person_id in chosen):
        raise Refused(ExecutorRefusal.NOT_STAFF)
    unique = list(dict.fromkeys(chosen))
    if len(unique) > MAX_PASSED:
        raise Refused(ExecutorRefusal.TOO_MANY, count=MAX_PASSED)
    return unique


def check_passed(item: Assignment, passed: Pass | None, person: Person) -> Executor:
    """The department's executor row an executor drafts for: the item is open, passed to them,
    they are still an executor of that department, and the department still executes it."""
    check_open(item)
    if (
        passed is None
        or Role.EXECUTOR not in person.roles
        or person.department_id != passed.department_id
    ):
        raise Refused(ExecutorRefusal.NOT_PASSED, reg_number=item.reg_number)
    executor = item.executor(passed.department_id)
    if executor is None:
        raise Refused(ExecutorRefusal.NOT_PASSED, reg_number=item.reg_number)
    if executor.main and item.status is Status.REPORTED:
        raise Refused(Refusal.CLOSED, reg_number=item.reg_number)
    return executor


def check_pending(item: Assignment, draft: ExecutorDraft | None) -> ExecutorDraft:
    """A draft of this item still waiting for the head."""
    if draft is None or draft.assignment_id != item.id or draft.status is not DraftStatus.PENDING:
        raise Refused(ExecutorRefusal.DRAFT_DECIDED, reg_number=item.reg_number)
    return draft

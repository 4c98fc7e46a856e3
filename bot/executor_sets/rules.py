"""Changing the executors: pure rules (no aiogram, no SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.assignments.rules import check_controller
from storage.domain.assignments import Assignment, Refusal
from storage.domain.enums import Role
from storage.domain.refusals import Refused


class ExecutorSetRefusal(StrEnum):
    NONE_LEFT = "executors_none_left"  # at least one executor department stays
    SAME = "executors_same"  # nothing changed


@dataclass(frozen=True, slots=True)
class ExecutorChange:
    added: tuple[int, ...]
    removed: tuple[int, ...]
    main_changed: tuple[int, ...]  # departments that became, or stopped being, the main one


def active_executors(item: Assignment) -> list[int]:
    """The active executor departments, the main one first."""
    active = [e for e in item.executors if e.active]
    return [e.department_id for e in sorted(active, key=lambda e: not e.main)]


def check_executors(
    item: Assignment, roles: frozenset[Role], seen: Sequence[int], chosen: Sequence[int]
) -> ExecutorChange:
    """A controller, an open item whose executors are still those the dialog started from,
    at least one department (the first is the main one), something changed."""
    check_controller(item, roles)
    current = active_executors(item)
    if list(seen) != current:
        raise Refused(Refusal.CHANGED_MEANWHILE, reg_number=item.reg_number)
    if not chosen:
        raise Refused(ExecutorSetRefusal.NONE_LEFT, reg_number=item.reg_number)
    if list(chosen) == current:
        raise Refused(ExecutorSetRefusal.SAME, reg_number=item.reg_number)
    added = tuple(d for d in chosen if d not in current)
    removed = tuple(d for d in current if d not in chosen)
    main_changed: tuple[int, ...] = ()
    if chosen[0] != current[0]:
        main_changed = tuple(d for d in (current[0], chosen[0]) if d in chosen and d not in added)
    return ExecutorChange(added, removed, main_changed)

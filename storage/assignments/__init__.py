"""Assignments on control: registration, executors, acceptance, reports, decisions, cards.

One repository, `AssignmentRepo`, in parts: `reading` (and the helpers the others share),
`registration` (one item or a CSV import) and `execution` (acceptance, «not ours»,
reassignment, reports, decisions, cards).
"""

from __future__ import annotations

from storage.assignments.execution import AssignmentExecution
from storage.assignments.reading import ENTITY, IMPORT_SLICE
from storage.assignments.registration import (
    AssignmentRegistration,
    DuplicateNumber,
    ImportInterrupted,
    UnknownDepartment,
    UnknownIssuer,
    check_new,
)

__all__ = [
    "ENTITY",
    "IMPORT_SLICE",
    "AssignmentRepo",
    "DuplicateNumber",
    "ImportInterrupted",
    "UnknownDepartment",
    "UnknownIssuer",
    "check_new",
]


class AssignmentRepo(AssignmentRegistration, AssignmentExecution):
    """Every assignment operation on one store (see the parts)."""

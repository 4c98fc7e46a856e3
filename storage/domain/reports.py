"""The shapes of an execution-discipline report: counts, the worst overdue items, item rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from storage.domain.assignments import RemovalGround, Status
from storage.domain.enums import Source


@dataclass(frozen=True, slots=True)
class Window:
    """What a report looks at: the local days `start`..`end` (both included), the state of the
    items as of `as_of` (the end, or today for a period not over yet), the local time's offset
    from UTC in minutes, and the departments (None: every department)."""

    start: date
    end: date
    as_of: date
    utc_offset_minutes: int
    departments: frozenset[int] | None = None

    @property
    def sqlite_offset(self) -> str:
        """The SQLite date modifier turning a stored UTC moment into local time."""
        return f"{self.utc_offset_minutes:+d} minutes"


@dataclass(frozen=True, slots=True)
class Counts:
    """One line of the report (a department, a source, or the total)."""

    received: int = 0  # registered in the period
    on_time: int = 0  # removed as executed in the period, the report by the deadline
    late: int = 0  # removed as executed in the period, the report after the deadline
    overdue: int = 0  # on control as of the window's day, past the deadline
    in_time: int = 0  # on control as of the window's day, within the deadline
    extended: int = 0  # extensions granted in the period (times, not items)
    impossible: int = 0  # removed as impossible in the period
    returned: int = 0  # returns for rework in the period (times)
    days_late: int = 0  # calendar days late, summed over the `late` items

    def plus(self, other: Counts) -> Counts:
        return Counts(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )

    @property
    def executed(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        """Executed on time among those due: on time / (on time + late + overdue), in %."""
        due = self.on_time + self.late + self.overdue
        return None if due == 0 else 100.0 * self.on_time / due

    @property
    def average_days_late(self) -> float | None:
        return None if self.late == 0 else self.days_late / self.late


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """The counts of the items of one main executor department (None: none recorded) and one
    source, as storage aggregates them."""

    department_id: int | None
    source: Source
    counts: Counts


@dataclass(frozen=True, slots=True)
class Overdue:
    """An item overdue as of the window's day."""

    reg_number: str
    department_id: int | None
    deadline: date
    days: int  # calendar days past the deadline


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item on control in the period, with its facts (for the report's item sheet)."""

    id: int
    reg_number: str
    received: date
    source: Source
    summary: str
    restricted: bool
    status: Status
    original_deadline: date
    deadline: date
    extensions: int
    main_department: str
    co_departments: tuple[str, ...]
    reported_on: date | None
    removed_on: date | None
    removal_ground: RemovalGround | None
    days_late: int | None  # executed after the deadline: calendar days


@dataclass(frozen=True, slots=True)
class ExtensionRow:
    """A deadline moved in the period: by an extension, or by a controller's decision."""

    reg_number: str
    department: str
    on: date
    old_deadline: date
    new_deadline: date
    extension: bool  # False: the controller changed the deadline (not counted as extension)


@dataclass(frozen=True, slots=True)
class ReportData:
    """What storage returns for a window."""

    groups: list[GroupCounts] = field(default_factory=list)
    worst: list[Overdue] = field(default_factory=list)

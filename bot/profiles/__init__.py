"""Regulation profiles: the akimat's numbers as validated, cited data (pure; no aiogram).

A profile is a named set of parameters (PRODUCT.md, "Regulation profiles"). Each parameter is a
`Param` carrying its value and the paragraph + seed line it comes from (``cite``); a parameter
the regulation is silent on is ``None`` and the feature is off (`Profile.features_off`).

Profiles ship as TOML files in ``bot/profiles/`` and are read with `load_profile`; single values
can be overridden by name (``{"deadline_notice": "5wd", "report_due.main": "6wd"}``).

All date arithmetic goes through a working-day calendar (`CalendarLike`, implemented by
`bot.calendar.WorkCalendar`).

The parts: `values` (the value types and their enumerations), `model` (`Profile`), `loading`
(shipped files, overrides, `describe`) and `dates` (the date helpers).
"""

from __future__ import annotations

from bot.profiles.dates import (
    agenda_send_date,
    control_type,
    deadline_notice_date,
    default_deadline,
    extension_cutoff,
    internal_deadline,
    invitee_notice_date,
    materials_due_date,
    normalize_deadline,
    not_ours_until,
    package_date,
    protocol_distribution_date,
    protocol_due_date,
    remarks_due_date,
    removal_note_date,
    report_due_dates,
    roadmap_due_date,
)
from bot.profiles.loading import (
    DEFAULT_PROFILE,
    PROFILE_NAMES,
    ProfileError,
    describe,
    load_profile,
)
from bot.profiles.model import PARAMETER_NAMES, BeyondLimit, Profile, Rollover
from bot.profiles.values import (
    CalendarLike,
    ControlThresholds,
    DayOffShift,
    DeciderBySource,
    DraftKind,
    ExtensionDecider,
    Param,
    QuarterlyReport,
    QuarterMonth,
    Quorum,
    RemarksDue,
    ReportDue,
    SourcedTerm,
    Term,
    Unit,
    WorkingHours,
)
from storage.domain.assignments import ControlType

__all__ = [
    "DEFAULT_PROFILE",
    "PARAMETER_NAMES",
    "PROFILE_NAMES",
    "BeyondLimit",
    "CalendarLike",
    "ControlThresholds",
    "ControlType",
    "DayOffShift",
    "DeciderBySource",
    "DraftKind",
    "ExtensionDecider",
    "Param",
    "Profile",
    "ProfileError",
    "QuarterMonth",
    "QuarterlyReport",
    "Quorum",
    "RemarksDue",
    "ReportDue",
    "Rollover",
    "SourcedTerm",
    "Term",
    "Unit",
    "WorkingHours",
    "agenda_send_date",
    "control_type",
    "deadline_notice_date",
    "default_deadline",
    "describe",
    "extension_cutoff",
    "internal_deadline",
    "invitee_notice_date",
    "load_profile",
    "materials_due_date",
    "normalize_deadline",
    "not_ours_until",
    "package_date",
    "protocol_distribution_date",
    "protocol_due_date",
    "remarks_due_date",
    "removal_note_date",
    "report_due_dates",
    "roadmap_due_date",
]

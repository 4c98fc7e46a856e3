"""The profile itself: every parameter with its type, which may be off, and the form each
parameter's value is written in."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.profiles.values import (
    ControlThresholds,
    DayOffShift,
    DeciderBySource,
    DraftKind,
    ExtensionDecider,
    KindList,
    MeetingLead,
    NonNegativeInt,
    Param,
    QuarterlyReport,
    QuarterMonth,
    Quorum,
    RemarksDue,
    ReportDue,
    SourcedTerm,
    SourceList,
    Term,
    WorkingHours,
)
from storage.domain.enums import Source
from storage.domain.meetings import MeetingKind


class Rollover(StrEnum):
    """What a deadline falling on a non-working day becomes."""

    NEXT_WORKING_DAY = "next_working_day"
    KEEP = "keep"


class BeyondLimit(StrEnum):
    """What happens to an extension request beyond `extensions_allowed`."""

    REFUSE = "refuse"
    FLAG_DISCIPLINARY = "flag_disciplinary"


class Profile(BaseModel):
    """A validated regulation profile. Optional parameters are None when the feature is off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    regulation: str = Field(min_length=1)
    seed: str = Field(min_length=1)

    # Deadlines of assignments
    default_term: Param[Term]
    urgent_term: Param[Term]
    very_urgent_term: Param[Term]
    deadline_rollover: Param[Rollover]
    control_types: Param[ControlThresholds]
    not_ours_window: Param[Term]
    internal_deadline: Param[SourcedTerm] | None = None
    working_day_sources: Param[SourceList] | None = None
    roadmap_due: Param[SourcedTerm] | None = None
    # Notices, lists and reports
    deadline_notice: Param[Term] | None = None
    deadline_notice_leadership: Param[bool] | None = None
    report_due: Param[ReportDue] | None = None
    removal_note_due: Param[Term] | None = None
    removal_consent: Param[bool] | None = None
    weekly_control_list: Param[bool] | None = None
    monthly_higher_list: Param[SourceList] | None = None
    quarterly_report: Param[QuarterlyReport] | None = None
    working_hours: Param[WorkingHours]
    # Extensions
    extension_cutoff: Param[Term] | None = None
    extensions_allowed: Param[NonNegativeInt]
    extension_beyond_limit: Param[BeyondLimit]
    extension_decider: Param[DeciderBySource]  # who decides, per source (or forbidden)
    # «Замечаний нет» rounds
    remarks_round_due: Param[RemarksDue]
    silent_consent: Param[bool]
    silent_consent_kinds: Param[KindList] | None = None  # the kinds of round it applies to
    refusal_answer: Param[bool] | None = None  # a third answer: refused, with typed reasons
    remarks_forbidden_kinds: Param[KindList] | None = None  # no approval «с замечаниями» for
    approval_answers: Param[KindList] | None = None  # answered in the regulation's own words
    # Meetings
    agenda_lead: Param[MeetingLead] | None = None
    materials_lead: Param[MeetingLead] | None = None
    package_lead: Param[MeetingLead] | None = None
    invitee_notice: Param[MeetingLead] | None = None
    attendance_confirmation: Param[bool] | None = None
    quorum: Param[Quorum]
    protocol_due: Param[Term] | None = None
    protocol_distribution: Param[Term] | None = None
    protocol_weekly_report: Param[bool] | None = None

    # Why each parameter that is off is off (what the regulation says, or "override").
    off_notes: dict[str, str] = Field(default_factory=dict)

    @field_validator("off_notes")
    @classmethod
    def _notes_name_parameters(cls, notes: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(notes) - set(PARAMETER_NAMES))
        if unknown:
            raise ValueError(f"off_notes name unknown parameters: {', '.join(unknown)}")
        return notes

    @model_validator(mode="after")
    def _notes_only_for_off(self) -> Profile:
        on = sorted(name for name in self.off_notes if self.param(name) is not None)
        if on:
            raise ValueError(f"off_notes given for parameters that are on: {', '.join(on)}")
        return self

    def param(self, name: str) -> Param[Any] | None:
        """The parameter called `name` (a member of `PARAMETER_NAMES`)."""
        if name not in PARAMETER_NAMES:
            raise KeyError(name)
        value: Param[Any] | None = getattr(self, name)
        return value

    def features_off(self) -> tuple[str, ...]:
        """Parameters whose feature is off: silent in the regulation (None) or a false flag."""
        return tuple(name for name in PARAMETER_NAMES if not self.is_on(name))

    def is_on(self, name: str) -> bool:
        param = self.param(name)
        return param is not None and param.value is not False


_META_FIELDS = ("name", "title", "regulation", "seed", "off_notes")
PARAMETER_NAMES: tuple[str, ...] = tuple(
    name for name in Profile.model_fields if name not in _META_FIELDS
)
_OPTIONAL = frozenset(
    name for name in PARAMETER_NAMES if not Profile.model_fields[name].is_required()
)

_TERM_FORM = "a term such as '3wd', '10cd' or '1m' (working days, calendar days, months)"
_BOOL_FORM = "true or false"
_LEAD_FORM = "a term such as '3wd', or 'default=5wd, apparatus=2wd' (session, apparatus, other)"


def _enum_form(enum: type[StrEnum]) -> str:
    return "one of " + ", ".join(f"'{member.value}'" for member in enum)


_EXPECTED: dict[str, str] = {
    "default_term": _TERM_FORM,
    "urgent_term": _TERM_FORM,
    "very_urgent_term": _TERM_FORM,
    "deadline_rollover": _enum_form(Rollover),
    "control_types": "thresholds such as 'short=1m, medium=6m'",
    "not_ours_window": _TERM_FORM,
    "internal_deadline": (
        "a term and the sources it applies to, such as '10wd/president, government'"
    ),
    "roadmap_due": ("a term and the sources it applies to, such as '5wd/president'"),
    "working_day_sources": "a comma-separated list of sources, each " + _enum_form(Source),
    "deadline_notice": _TERM_FORM,
    "deadline_notice_leadership": _BOOL_FORM,
    "report_due": "terms such as 'main=5wd, co_executors=7wd'",
    "removal_note_due": _TERM_FORM,
    "removal_consent": _BOOL_FORM,
    "weekly_control_list": _BOOL_FORM,
    "monthly_higher_list": "a comma-separated list of sources, each " + _enum_form(Source),
    "quarterly_report": "a day of the month from 1 to 31, such as 20",
    "working_hours": "hours such as '09:00-18:00'",
    "extension_cutoff": _TERM_FORM,
    "extensions_allowed": "a whole number of 0 or more",
    "extension_beyond_limit": _enum_form(BeyondLimit),
    "extension_decider": "deciders per source such as 'president=issuing_body, "
    "default=akim_or_head_of_apparatus', each " + _enum_form(ExtensionDecider),
    "remarks_round_due": "a term such as '3wd', or 'default=5wd, resolution=10wd, emergency=3wd'",
    "silent_consent": _BOOL_FORM,
    "silent_consent_kinds": "a comma-separated list of kinds of round, each "
    + _enum_form(DraftKind),
    "refusal_answer": _BOOL_FORM,
    "remarks_forbidden_kinds": "a comma-separated list of kinds of round, each "
    + _enum_form(DraftKind),
    "approval_answers": "a comma-separated list of kinds of round, each " + _enum_form(DraftKind),
    "agenda_lead": _LEAD_FORM,
    "materials_lead": _LEAD_FORM,
    "package_lead": _LEAD_FORM,
    "invitee_notice": _LEAD_FORM,
    "attendance_confirmation": _BOOL_FORM,
    "quorum": "a fraction such as '2/3'",
    "protocol_due": _TERM_FORM,
    "protocol_distribution": _TERM_FORM,
    "protocol_weekly_report": _BOOL_FORM,
}

# Dotted names: parameter.sub-field → expected form.
_SUBFIELDS: dict[str, dict[str, str]] = {
    "control_types": {"short": _TERM_FORM, "medium": _TERM_FORM},
    "report_due": {"main": _TERM_FORM, "co_executors": _TERM_FORM},
    "remarks_round_due": {"default": _TERM_FORM} | {kind.value: _TERM_FORM for kind in DraftKind},
    "agenda_lead": {"default": _TERM_FORM} | {kind.value: _TERM_FORM for kind in MeetingKind},
    "materials_lead": {"default": _TERM_FORM} | {kind.value: _TERM_FORM for kind in MeetingKind},
    "package_lead": {"default": _TERM_FORM} | {kind.value: _TERM_FORM for kind in MeetingKind},
    "invitee_notice": {"default": _TERM_FORM} | {kind.value: _TERM_FORM for kind in MeetingKind},
    "quarterly_report": {
        "day": "a day of the month from 1 to 31",
        "month": _enum_form(QuarterMonth),
        "day_off": _enum_form(DayOffShift),
    },
    "working_hours": {"start": "a time such as '09:00'", "end": "a time such as '18:00'"},
    "extension_decider": {source.value: _enum_form(ExtensionDecider) for source in Source},
    "quorum": {"numerator": "a whole number of 1 or more", "denominator": "a whole number"},
}
# Parameters written as a default and per-kind terms: a dotted override names a kind.
_PER_KIND = frozenset(
    {"remarks_round_due", "agenda_lead", "materials_lead", "package_lead", "invitee_notice"}
)
_ALL_NAMES: tuple[str, ...] = PARAMETER_NAMES + tuple(
    f"{param}.{sub}" for param, subs in _SUBFIELDS.items() for sub in subs
)

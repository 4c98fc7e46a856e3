"""Regulation profiles: the akimat's numbers as validated, cited data (pure; no aiogram).

A profile is a named set of parameters (PRODUCT.md, "Regulation profiles"). Each parameter is a
`Param` carrying its value and the paragraph + seed line it comes from (``cite``); a parameter
the regulation is silent on is ``None`` and the feature is off (`Profile.features_off`).

Profiles ship as TOML files in ``bot/profiles/`` and are read with `load_profile`; single values
can be overridden by name (``{"deadline_notice": "5wd", "report_due.main": "6wd"}``).

All date arithmetic goes through a working-day calendar (`CalendarLike`, implemented by
`bot.calendar.WorkCalendar`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from datetime import date, time, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Any, Generic, Protocol, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from storage.domain.assignments import ControlType
from storage.domain.enums import Mark, Source

__all__ = [
    "DEFAULT_PROFILE",
    "PARAMETER_NAMES",
    "PROFILE_NAMES",
    "BeyondLimit",
    "CalendarLike",
    "ControlThresholds",
    "ControlType",
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
    "Term",
    "Unit",
    "WorkingHours",
    "agenda_send_date",
    "control_type",
    "deadline_notice_date",
    "default_deadline",
    "describe",
    "extension_cutoff",
    "load_profile",
    "materials_due_date",
    "normalize_deadline",
    "not_ours_until",
    "protocol_distribution_date",
    "remarks_due_date",
    "removal_note_date",
    "report_due_dates",
]

PROFILE_NAMES: tuple[str, ...] = ("ust-kamenogorsk-2025", "baidibek-2025", "almaty-2016")
DEFAULT_PROFILE = "ust-kamenogorsk-2025"
OVERRIDE_CITE = "override"

_OFF_WORDS = frozenset({"off", "none", "null", "-", "—"})


class ProfileError(ValueError):
    """A profile cannot be loaded or overridden; the message is one human sentence."""


class CalendarLike(Protocol):
    """What the helpers need from a working-day calendar (`bot.calendar.WorkCalendar`)."""

    def is_working_day(self, day: date) -> bool: ...

    def next_working_day(self, day: date) -> date: ...

    def add_working_days(self, day: date, n: int) -> date: ...

    def subtract_working_days(self, day: date, n: int) -> date: ...


# --------------------------------------------------------------------------------------------
# Enumerations
# --------------------------------------------------------------------------------------------


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


class ExtensionDecider(StrEnum):
    AKIM_OR_HEAD_OF_APPARATUS = "akim_or_head_of_apparatus"
    ISSUER = "issuer"


class BeyondLimit(StrEnum):
    """What happens to an extension request beyond `extensions_allowed`."""

    REFUSE = "refuse"
    FLAG_DISCIPLINARY = "flag_disciplinary"


class Rollover(StrEnum):
    """What a deadline falling on a non-working day becomes."""

    NEXT_WORKING_DAY = "next_working_day"
    KEEP = "keep"


class DraftKind(StrEnum):
    """Kinds of draft in a «замечаний нет» round (Baidibek §10.14 sets a period per kind)."""

    RESOLUTION = "resolution"  # постановление акимата
    DECISION = "decision"  # решение акима
    ORDER = "order"  # распоряжение акима
    EMERGENCY = "emergency"  # ЧС / гуманитарная помощь


class QuarterMonth(StrEnum):
    """The month whose `day` the quarterly report is due on."""

    AFTER_QUARTER = "after_quarter"
    LAST_OF_QUARTER = "last_of_quarter"


# --------------------------------------------------------------------------------------------
# Small parsing helpers
# --------------------------------------------------------------------------------------------

_UNIT_WORDS: dict[str, Unit] = {
    "wd": Unit.WORKING_DAYS,
    "working_day": Unit.WORKING_DAYS,
    "working_days": Unit.WORKING_DAYS,
    "cd": Unit.CALENDAR_DAYS,
    "calendar_day": Unit.CALENDAR_DAYS,
    "calendar_days": Unit.CALENDAR_DAYS,
    "m": Unit.MONTHS,
    "mo": Unit.MONTHS,
    "month": Unit.MONTHS,
    "months": Unit.MONTHS,
}
_UNIT_SHORT: dict[Unit, str] = {
    Unit.WORKING_DAYS: "wd",
    Unit.CALENDAR_DAYS: "cd",
    Unit.MONTHS: "m",
}
_TERM_RE = re.compile(r"^\s*(\d{1,4})\s*([A-Za-z][A-Za-z_ ]*?)\s*$")
_HOURS_RE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")
_FRACTION_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _kv_pairs(text: str) -> dict[str, str] | None:
    """``"a=1, b=2"`` (or ``;``-separated) → ``{"a": "1", "b": "2"}``; None when not that form."""
    if "=" not in text:
        return None
    pairs: dict[str, str] = {}
    for chunk in re.split(r"[,;]", text):
        if not chunk.strip():
            continue
        key, sep, value = chunk.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"not a key=value pair: {chunk.strip()!r}")
        pairs[_norm_name(key)] = value.strip()
    return pairs


def _norm_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _reject_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not true/false")
    return value


NonNegativeInt = Annotated[int, BeforeValidator(_reject_bool), Field(ge=0)]
Cite = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _shift_months(day: date, months: int) -> date:
    """Calendar-month arithmetic, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    first_of_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    last_day = (first_of_next - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Term(_Value):
    """A period: ``value`` working days, calendar days or months. ``str(term)`` → ``"3wd"``."""

    value: NonNegativeInt = Field(le=9999)
    unit: Unit

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return _parse_term_text(data)
        return data

    @classmethod
    def parse(cls, text: str) -> Term:
        """``"3wd"``, ``"10cd"``, ``"1m"``, ``"3 wd"``, ``"1 month"``, ``"2 working days"``."""
        return cls.model_validate(text)

    def __str__(self) -> str:
        return f"{self.value}{_UNIT_SHORT[self.unit]}"

    def after(self, cal: CalendarLike, start: date) -> date:
        """The day this term after `start` ends (`start` excluded); no rollover applied."""
        if self.value == 0:
            return start
        if self.unit is Unit.WORKING_DAYS:
            return cal.add_working_days(start, self.value)
        if self.unit is Unit.CALENDAR_DAYS:
            return start + timedelta(days=self.value)
        return _shift_months(start, self.value)

    def before(self, cal: CalendarLike, end: date) -> date:
        """The day this term before `end` (`end` excluded); no rollover applied."""
        if self.value == 0:
            return end
        if self.unit is Unit.WORKING_DAYS:
            return cal.subtract_working_days(end, self.value)
        if self.unit is Unit.CALENDAR_DAYS:
            return end - timedelta(days=self.value)
        return _shift_months(end, -self.value)


def _parse_term_text(text: str) -> dict[str, object]:
    match = _TERM_RE.match(text)
    unit = _UNIT_WORDS.get(_norm_name(match.group(2))) if match else None
    if match is None or unit is None:
        raise ValueError(f"not a term: {text!r} (expected e.g. '3wd', '10cd', '1m')")
    return {"value": int(match.group(1)), "unit": unit}


class ReportDue(_Value):
    """Executors' report before the deadline: main executor and co-executors."""

    main: Term
    co_executors: Term

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            pairs = _kv_pairs(data)
            if pairs is not None:
                return pairs
            main, sep, co = data.partition("/")
            if not sep:
                raise ValueError("expected 'main=5wd, co_executors=7wd' or '5wd/7wd'")
            return {"main": main, "co_executors": co}
        return data

    def __str__(self) -> str:
        return f"main={self.main}, co_executors={self.co_executors}"


class RemarksDue(_Value):
    """Due period of a «замечаний нет» round: a default plus optional per-kind periods."""

    default: Term
    per_kind: dict[DraftKind, Term] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            pairs = _kv_pairs(data)
            if pairs is None:
                return {"default": data}
            default = pairs.pop("default", None)
            return {"default": default, "per_kind": pairs}
        return data

    def for_kind(self, kind: DraftKind | None = None) -> Term:
        if kind is None:
            return self.default
        return self.per_kind.get(kind, self.default)

    def __str__(self) -> str:
        if not self.per_kind:
            return str(self.default)
        parts = [f"default={self.default}"]
        parts += [f"{kind}={term}" for kind, term in self.per_kind.items()]
        return ", ".join(parts)


class Quorum(_Value):
    """Quorum as a fraction of akimat members (``2/3``)."""

    numerator: int = Field(ge=1)
    denominator: int = Field(ge=1)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            match = _FRACTION_RE.match(data)
            if match is None:
                raise ValueError("expected a fraction such as '2/3'")
            return {"numerator": int(match.group(1)), "denominator": int(match.group(2))}
        return data

    @model_validator(mode="after")
    def _proper(self) -> Quorum:
        if self.numerator > self.denominator:
            raise ValueError("a quorum cannot exceed all members")
        return self

    def required(self, members: int) -> int:
        """Smallest head count that makes the quorum (ceil of members × fraction)."""
        return -(-members * self.numerator // self.denominator)

    def is_met(self, present: int, members: int) -> bool:
        return present * self.denominator >= members * self.numerator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


class QuarterlyReport(_Value):
    """The quarterly execution report is due on `day` of the month given by `month`."""

    day: int = Field(ge=1, le=31)
    month: QuarterMonth = QuarterMonth.AFTER_QUARTER

    @model_validator(mode="before")
    @classmethod
    def _from_scalar(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("a day of the month is expected")
        if isinstance(data, int):
            return {"day": data}
        if isinstance(data, str):
            pairs = _kv_pairs(data)
            return pairs if pairs is not None else {"day": data.strip()}
        return data

    def due(self, year: int, quarter: int) -> date:
        """Due date for quarter 1–4 of `year` (the day is clamped to the month's end)."""
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1..4, not {quarter}")
        last_month = date(year, quarter * 3, 1)
        shift = 1 if self.month is QuarterMonth.AFTER_QUARTER else 0
        return _clamped_day(_shift_months(last_month, shift), self.day)

    def __str__(self) -> str:
        return f"day={self.day}, month={self.month}"


def _clamped_day(first_of_month: date, day: int) -> date:
    last = (_shift_months(first_of_month, 1) - timedelta(days=1)).day
    return first_of_month.replace(day=min(day, last))


class ControlThresholds(_Value):
    """Upper bounds (from receipt) of the urgent, short and medium control types; above: long."""

    urgent: Term
    short: Term
    medium: Term

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            pairs = _kv_pairs(data)
            if pairs is not None:
                return pairs
            parts = data.split("/")
            if len(parts) != 3:
                raise ValueError("expected 'urgent=10wd, short=1m, medium=6m' or '10wd/1m/6m'")
            return dict(zip(("urgent", "short", "medium"), parts, strict=True))
        return data

    def __str__(self) -> str:
        return f"urgent={self.urgent}, short={self.short}, medium={self.medium}"


class WorkingHours(_Value):
    """Office hours; notices go out only inside them (quiet hours outside)."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            match = _HOURS_RE.match(data)
            if match is None:
                raise ValueError("expected hours such as '09:00-18:00'")
            return {"start": match.group(1).zfill(5), "end": match.group(2).zfill(5)}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        return self

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _split_sources(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    return value


SourceList = Annotated[tuple[Source, ...], BeforeValidator(_split_sources), Field(min_length=1)]

V = TypeVar("V")


class Param(BaseModel, Generic[V]):
    """One profile parameter: its value and where it comes from (paragraph + seed line)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: V
    cite: Cite


# --------------------------------------------------------------------------------------------
# The profile
# --------------------------------------------------------------------------------------------


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
    # Notices, lists and reports
    deadline_notice: Param[Term] | None = None
    report_due: Param[ReportDue] | None = None
    removal_note_due: Param[Term] | None = None
    weekly_control_list: Param[bool] | None = None
    quarterly_report: Param[QuarterlyReport] | None = None
    working_hours: Param[WorkingHours]
    # Extensions
    extension_cutoff: Param[Term] | None = None
    extensions_allowed: Param[NonNegativeInt]
    extension_beyond_limit: Param[BeyondLimit]
    extension_forbidden_sources: Param[SourceList] | None = None
    extension_decider: Param[ExtensionDecider]
    # «Замечаний нет» rounds
    remarks_round_due: Param[RemarksDue]
    silent_consent: Param[bool]
    # Meetings
    agenda_lead: Param[Term] | None = None
    materials_lead: Param[Term] | None = None
    attendance_confirmation: Param[bool] | None = None
    quorum: Param[Quorum]
    protocol_distribution: Param[Term] | None = None

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


def _enum_form(enum: type[StrEnum]) -> str:
    return "one of " + ", ".join(f"'{member.value}'" for member in enum)


_EXPECTED: dict[str, str] = {
    "default_term": _TERM_FORM,
    "urgent_term": _TERM_FORM,
    "very_urgent_term": _TERM_FORM,
    "deadline_rollover": _enum_form(Rollover),
    "control_types": "thresholds such as 'urgent=10wd, short=1m, medium=6m'",
    "not_ours_window": _TERM_FORM,
    "deadline_notice": _TERM_FORM,
    "report_due": "terms such as 'main=5wd, co_executors=7wd'",
    "removal_note_due": _TERM_FORM,
    "weekly_control_list": _BOOL_FORM,
    "quarterly_report": "a day of the month from 1 to 31, such as 20",
    "working_hours": "hours such as '09:00-18:00'",
    "extension_cutoff": _TERM_FORM,
    "extensions_allowed": "a whole number of 0 or more",
    "extension_beyond_limit": _enum_form(BeyondLimit),
    "extension_forbidden_sources": "a comma-separated list of sources, each " + _enum_form(Source),
    "extension_decider": _enum_form(ExtensionDecider),
    "remarks_round_due": "a term such as '3wd', or 'default=5wd, resolution=10wd, emergency=3wd'",
    "silent_consent": _BOOL_FORM,
    "agenda_lead": _TERM_FORM,
    "materials_lead": _TERM_FORM,
    "attendance_confirmation": _BOOL_FORM,
    "quorum": "a fraction such as '2/3'",
    "protocol_distribution": _TERM_FORM,
}

# Dotted names: parameter.sub-field → expected form.
_SUBFIELDS: dict[str, dict[str, str]] = {
    "control_types": {"urgent": _TERM_FORM, "short": _TERM_FORM, "medium": _TERM_FORM},
    "report_due": {"main": _TERM_FORM, "co_executors": _TERM_FORM},
    "remarks_round_due": {"default": _TERM_FORM} | {kind.value: _TERM_FORM for kind in DraftKind},
    "quarterly_report": {
        "day": "a day of the month from 1 to 31",
        "month": _enum_form(QuarterMonth),
    },
    "working_hours": {"start": "a time such as '09:00'", "end": "a time such as '18:00'"},
    "quorum": {"numerator": "a whole number of 1 or more", "denominator": "a whole number"},
}
_ALL_NAMES: tuple[str, ...] = PARAMETER_NAMES + tuple(
    f"{param}.{sub}" for param, subs in _SUBFIELDS.items() for sub in subs
)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _profile_text(name: str) -> str:
    return resources.files("bot").joinpath("profiles", f"{name}.toml").read_text("utf-8")


@cache
def _base_profile(name: str) -> Profile:
    try:
        raw = tomllib.loads(_profile_text(name))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"The profile file for '{name}' cannot be read: {exc}.") from exc
    data: dict[str, Any] = {}
    for key, item in raw.items():
        if key == "off":
            data["off_notes"] = item
        else:
            data[key] = item
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ProfileError(
            f"The shipped profile '{name}' is invalid at '{where}': {first['msg']}."
        ) from exc
    if profile.name != name:
        raise ProfileError(f"The profile file '{name}.toml' declares the name '{profile.name}'.")
    return profile


def load_profile(name: str, overrides: Mapping[str, object] | None = None) -> Profile:
    """Load the named profile and apply overrides (plain or dotted parameter names).

    An override replaces the value; the parameter's cite becomes ``"override"``. ``None`` or
    ``"off"`` switches an optional parameter off.
    """
    if name not in PROFILE_NAMES:
        raise ProfileError(
            f"Unknown regulation profile '{name}'; known profiles: {', '.join(PROFILE_NAMES)}."
        )
    profile = _base_profile(name)
    for key, raw in (overrides or {}).items():
        profile = _apply_override(profile, key, raw)
    return profile


def _unknown_parameter(key: str) -> ProfileError:
    close = difflib.get_close_matches(_norm_name(key), _ALL_NAMES, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(f"'{match}'" for match in close) + "?"
    else:
        hint = "known parameters: " + ", ".join(PARAMETER_NAMES) + "."
    return ProfileError(f"Unknown profile parameter '{key}'; {hint}")


def _is_off(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in _OFF_WORDS)


def _apply_override(profile: Profile, key: str, raw: object) -> Profile:
    name = _norm_name(key)
    param_name, _, sub = name.partition(".")
    if param_name not in PARAMETER_NAMES or (sub and sub not in _SUBFIELDS.get(param_name, {})):
        raise _unknown_parameter(key)
    data = profile.model_dump(mode="python")
    notes: dict[str, str] = dict(data["off_notes"])
    if sub:
        current = data[param_name]
        if current is None:
            raise ProfileError(
                f"Parameter '{param_name}' is off in profile '{profile.name}', so '{key}' cannot "
                f"be set alone; override '{param_name}' as a whole."
            )
        value = dict(current["value"])
        if param_name == "remarks_round_due" and sub != "default":
            value["per_kind"] = {**value["per_kind"], sub: raw}
        else:
            value[sub] = raw
        data[param_name] = {"value": value, "cite": OVERRIDE_CITE}
        expected = _SUBFIELDS[param_name][sub]
    elif raw is None or (param_name in _OPTIONAL and _is_off(raw)):
        if param_name not in _OPTIONAL:
            raise ProfileError(
                f"Parameter '{param_name}' cannot be switched off; expected "
                f"{_EXPECTED[param_name]}."
            )
        data[param_name] = None
        notes[param_name] = OVERRIDE_CITE
        expected = _EXPECTED[param_name]
    else:
        data[param_name] = {"value": raw, "cite": OVERRIDE_CITE}
        notes.pop(param_name, None)
        expected = _EXPECTED[param_name]
    data["off_notes"] = notes
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"Bad value {raw!r} for '{key}': expected {expected}.") from exc


def _value_text(param: Param[Any] | None) -> str:
    if param is None:
        return "off"
    value = param.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def describe(profile: Profile) -> list[tuple[str, str, str]]:
    """Rows of (parameter, value text, cite) in declaration order, for the README and CLI.

    The value text is in the form an override accepts; an off parameter shows ``"off"`` and,
    as its cite, the note on why it is off.
    """
    rows: list[tuple[str, str, str]] = []
    for name in PARAMETER_NAMES:
        param = profile.param(name)
        cite = (
            param.cite if param is not None else profile.off_notes.get(name, "regulation silent")
        )
        rows.append((name, _value_text(param), cite))
    return rows


# --------------------------------------------------------------------------------------------
# Date helpers (all through the calendar)
# --------------------------------------------------------------------------------------------


def normalize_deadline(profile: Profile, cal: CalendarLike, day: date) -> date:
    """A deadline on a non-working day moves to the next working day (per profile)."""
    if profile.deadline_rollover.value is Rollover.NEXT_WORKING_DAY:
        return cal.next_working_day(day)
    return day


def _on_or_before_working(cal: CalendarLike, day: date) -> date:
    """`day` if working, else the last working day before it (no notice on a day off)."""
    return day if cal.is_working_day(day) else cal.subtract_working_days(day, 1)


def _before(cal: CalendarLike, term: Term, day: date) -> date:
    return _on_or_before_working(cal, term.before(cal, day))


def default_deadline(profile: Profile, cal: CalendarLike, received: date, mark: Mark) -> date:
    """Deadline of an assignment registered without one: by mark, from the day of receipt."""
    terms: dict[Mark, Term] = {
        Mark.NONE: profile.default_term.value,
        Mark.URGENT: profile.urgent_term.value,
        Mark.VERY_URGENT: profile.very_urgent_term.value,
    }
    return normalize_deadline(profile, cal, terms[Mark(mark)].after(cal, received))


def control_type(
    profile: Profile,
    cal: CalendarLike,
    received: date,
    deadline: date,
    mark: Mark = Mark.NONE,
) -> ControlType:
    """Control type from the mark, else from the term between receipt and deadline.

    A marked item is urgent. Otherwise each bound (received + threshold, rolled forward like a
    deadline) is inclusive: ≤10 wd urgent, ≤1 month short, ≤6 months medium, else long.
    """
    if Mark(mark) is not Mark.NONE:
        return ControlType.URGENT
    thresholds = profile.control_types.value
    for ctype, term in (
        (ControlType.URGENT, thresholds.urgent),
        (ControlType.SHORT, thresholds.short),
        (ControlType.MEDIUM, thresholds.medium),
    ):
        if deadline <= normalize_deadline(profile, cal, term.after(cal, received)):
            return ctype
    return ControlType.LONG


def deadline_notice_date(profile: Profile, cal: CalendarLike, deadline: date) -> date | None:
    """Day of the deadline notice to the executor's head and the controller (None: off)."""
    param = profile.deadline_notice
    return None if param is None else _before(cal, param.value, deadline)


def extension_cutoff(profile: Profile, cal: CalendarLike, deadline: date) -> date | None:
    """Last day an extension may be requested (None: no cut-off in the profile).

    A cut-off landing on a day off moves back to the previous working day.
    """
    param = profile.extension_cutoff
    return None if param is None else _before(cal, param.value, deadline)


def not_ours_until(profile: Profile, cal: CalendarLike, received: date) -> date:
    """Last day an executor may forward an item that is not theirs («по принадлежности»)."""
    return normalize_deadline(profile, cal, profile.not_ours_window.value.after(cal, received))


def report_due_dates(
    profile: Profile, cal: CalendarLike, deadline: date
) -> tuple[date, date] | None:
    """(main executor, co-executors) report due dates before the deadline (None: off)."""
    param = profile.report_due
    if param is None:
        return None
    due = param.value
    return _before(cal, due.main, deadline), _before(cal, due.co_executors, deadline)


def removal_note_date(profile: Profile, cal: CalendarLike, deadline: date) -> date | None:
    """Due date of the removal-from-control note after the deadline (None: off)."""
    param = profile.removal_note_due
    if param is None:
        return None
    return normalize_deadline(profile, cal, param.value.after(cal, deadline))


def remarks_due_date(
    profile: Profile, cal: CalendarLike, sent: date, kind: DraftKind | None = None
) -> date:
    """Due date of a «замечаний нет» round sent on `sent` (per draft kind if the profile says)."""
    term = profile.remarks_round_due.value.for_kind(kind)
    return normalize_deadline(profile, cal, term.after(cal, sent))


def agenda_send_date(profile: Profile, cal: CalendarLike, meeting: date) -> date | None:
    """Day the agenda and materials go to recipients (None: no lead time in the profile)."""
    param = profile.agenda_lead
    return None if param is None else _before(cal, param.value, meeting)


def materials_due_date(profile: Profile, cal: CalendarLike, meeting: date) -> date | None:
    """Day departments' materials are due for a meeting (None: no lead time in the profile)."""
    param = profile.materials_lead
    return None if param is None else _before(cal, param.value, meeting)


def protocol_distribution_date(profile: Profile, cal: CalendarLike, signed: date) -> date | None:
    """Last day to distribute a protocol signed on `signed` (None: off)."""
    param = profile.protocol_distribution
    if param is None:
        return None
    return normalize_deadline(profile, cal, param.value.after(cal, signed))

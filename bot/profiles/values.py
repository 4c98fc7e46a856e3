"""The values a profile parameter holds: terms, due periods, quorum, hours, thresholds, and
`Param` (a value with its cite); the enumerations they use; parsing them from text."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from storage.domain.enums import Source
from storage.domain.meetings import MeetingKind
from storage.domain.remarks import RoundKind


class CalendarLike(Protocol):
    """What the helpers need from a working-day calendar (`bot.calendar.WorkCalendar`)."""

    def is_working_day(self, day: date) -> bool: ...

    def next_working_day(self, day: date) -> date: ...

    def add_working_days(self, day: date, n: int) -> date: ...

    def subtract_working_days(self, day: date, n: int) -> date: ...

    def working_days_between(self, start: date, end: date) -> int: ...


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


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


def _pairs_or_parts(
    text: str, names: tuple[str, ...], expected: str, *, maxsplit: int = -1
) -> dict[str, str]:
    """``"a=1, b=2"`` as pairs, else the values of `names` in order, separated by ``/``."""
    pairs = _kv_pairs(text)
    if pairs is not None:
        return pairs
    parts = text.split("/", maxsplit)
    if len(parts) != len(names):
        raise ValueError(expected)
    return dict(zip(names, parts, strict=True))


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


class _Value(BaseModel):
    """A parameter's value: given as its fields, or as text in the form an override uses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return cls._read_text(data) if isinstance(data, str) else data

    @classmethod
    def _read_text(cls, text: str) -> Any:
        """The fields written in `text`."""
        raise NotImplementedError


class Term(_Value):
    """A period: ``value`` working days, calendar days or months. ``str(term)`` → ``"3wd"``."""

    value: NonNegativeInt = Field(le=9999)
    unit: Unit

    @classmethod
    def _read_text(cls, text: str) -> Any:
        return _parse_term_text(text)

    @classmethod
    def parse(cls, text: str) -> Term:
        """``"3wd"``, ``"10cd"``, ``"1m"``, ``"3 wd"``, ``"1 month"``, ``"2 working days"``."""
        return cls.model_validate(text)

    def __str__(self) -> str:
        return f"{self.value}{_UNIT_SHORT[self.unit]}"

    def after(self, cal: CalendarLike, start: date) -> date:
        """The day this term after `start` ends (`start` excluded); no rollover applied."""
        return self._count(cal, start, 1)

    def before(self, cal: CalendarLike, end: date) -> date:
        """The day this term before `end` (`end` excluded); no rollover applied."""
        return self._count(cal, end, -1)

    def _count(self, cal: CalendarLike, day: date, direction: int) -> date:
        """The day this term away from `day`, forwards (1) or backwards (-1)."""
        if self.value == 0:
            return day
        if self.unit is Unit.WORKING_DAYS:
            if direction > 0:
                return cal.add_working_days(day, self.value)
            return cal.subtract_working_days(day, self.value)
        if self.unit is Unit.CALENDAR_DAYS:
            return day + timedelta(days=direction * self.value)
        return _shift_months(day, direction * self.value)


def _parse_term_text(text: str) -> dict[str, object]:
    match = _TERM_RE.match(text)
    unit = _UNIT_WORDS.get(_norm_name(match.group(2))) if match else None
    if match is None or unit is None:
        raise ValueError(f"not a term: {text!r} (expected e.g. '3wd', '10cd', '1m')")
    return {"value": int(match.group(1)), "unit": unit}


class _Terms(_Value):
    """Named terms: written ``name=term, …`` or as the terms in order, separated by ``/``."""

    EXAMPLE: ClassVar[tuple[str, ...]]  # a term per field, for the error message
    MAXSPLIT: ClassVar[int] = -1

    @classmethod
    def _read_text(cls, text: str) -> Any:
        names = tuple(cls.model_fields)
        pairs = ", ".join(f"{name}={term}" for name, term in zip(names, cls.EXAMPLE, strict=True))
        expected = f"expected '{pairs}' or '{'/'.join(cls.EXAMPLE)}'"
        return _pairs_or_parts(text, names, expected, maxsplit=cls.MAXSPLIT)

    def __str__(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name in type(self).model_fields)


class ReportDue(_Terms):
    """Executors' report before the deadline: main executor and co-executors."""

    EXAMPLE = ("5wd", "7wd")
    MAXSPLIT = 1

    main: Term
    co_executors: Term


# The kinds of round (Baidibek §10.14 sets a period per kind of draft act).
DraftKind = RoundKind


class _TermsByKind(_Value):
    """A default term plus optional per-kind terms, written 'default=5wd, <kind>=10wd' (or just
    '5wd'). Subclasses type `per_kind` with their kinds."""

    default: Term
    per_kind: dict[Any, Term] = Field(default_factory=dict)

    @classmethod
    def _read_text(cls, text: str) -> Any:
        pairs = _kv_pairs(text)
        if pairs is None:
            return {"default": text}
        default = pairs.pop("default", None)
        return {"default": default, "per_kind": pairs}

    def _for(self, kind: StrEnum | None) -> Term:
        if kind is None:
            return self.default
        return self.per_kind.get(kind, self.default)

    def __str__(self) -> str:
        if not self.per_kind:
            return str(self.default)
        parts = [f"default={self.default}"] if self.default is not None else []
        parts += [f"{kind}={term}" for kind, term in self.per_kind.items()]
        return ", ".join(parts)


class RemarksDue(_TermsByKind):
    """Due period of a «замечаний нет» round: a default plus optional per-kind periods."""

    per_kind: dict[DraftKind, Term] = Field(default_factory=dict)

    def for_kind(self, kind: DraftKind | None = None) -> Term:
        return self._for(kind)


class MeetingLead(_TermsByKind):
    """A lead time before a meeting: a default plus optional per-kind terms (seed 003 sets
    them per kind of meeting: akimat sessions §5.6, §5.8, apparatus meetings §5.27-5.30).
    Without a default ('apparatus=1wd') only the kinds named have one."""

    default: Term | None = None  # type: ignore[assignment]
    per_kind: dict[MeetingKind, Term] = Field(default_factory=dict)

    def for_kind(self, kind: MeetingKind | None = None) -> Term | None:
        if kind is None:
            return self.default
        return self.per_kind.get(kind, self.default)


class Quorum(_Value):
    """Quorum as a fraction of akimat members (``2/3``)."""

    numerator: int = Field(ge=1)
    denominator: int = Field(ge=1)

    @classmethod
    def _read_text(cls, text: str) -> Any:
        match = _FRACTION_RE.match(text)
        if match is None:
            raise ValueError("expected a fraction such as '2/3'")
        return {"numerator": int(match.group(1)), "denominator": int(match.group(2))}

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


class QuarterMonth(StrEnum):
    """The month whose `day` the quarterly report is due on."""

    AFTER_QUARTER = "after_quarter"
    LAST_OF_QUARTER = "last_of_quarter"


class DayOffShift(StrEnum):
    """Where a due date that falls on a non-working day goes."""

    NEXT_WORKING_DAY = "next_working_day"
    PREVIOUS_WORKING_DAY = "previous_working_day"


class QuarterlyReport(_Value):
    """The quarterly execution report is due on `day` of the month given by `month`; on a day
    off it moves to the next or the previous working day (`day_off`)."""

    day: int = Field(ge=1, le=31)
    month: QuarterMonth = QuarterMonth.AFTER_QUARTER
    day_off: DayOffShift = DayOffShift.NEXT_WORKING_DAY

    @model_validator(mode="before")
    @classmethod
    def _from_number(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("a day of the month is expected")
        if isinstance(data, int):
            return {"day": data}
        return data

    @classmethod
    def _read_text(cls, text: str) -> Any:
        pairs = _kv_pairs(text)
        return pairs if pairs is not None else {"day": text.strip()}

    def due(self, cal: CalendarLike, year: int, quarter: int) -> date:
        """Due date for quarter 1–4 of `year`: the day (clamped to the month's end), moved off
        a Saturday, Sunday or holiday as `day_off` says."""
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1..4, not {quarter}")
        last_month = date(year, quarter * 3, 1)
        shift = 1 if self.month is QuarterMonth.AFTER_QUARTER else 0
        day = _clamped_day(_shift_months(last_month, shift), self.day)
        if cal.is_working_day(day):
            return day
        if self.day_off is DayOffShift.PREVIOUS_WORKING_DAY:
            return cal.subtract_working_days(day, 1)
        return cal.next_working_day(day)

    def __str__(self) -> str:
        return f"day={self.day}, month={self.month}, day_off={self.day_off}"


def _clamped_day(first_of_month: date, day: int) -> date:
    last = (_shift_months(first_of_month, 1) - timedelta(days=1)).day
    return first_of_month.replace(day=min(day, last))


class ControlThresholds(_Terms):
    """Upper bounds (from receipt) of the short and medium control types of an unmarked item;
    above: long. «Срочный» is the class of the marks, not of a term (seed 003 §12.2)."""

    EXAMPLE = ("1m", "6m")

    short: Term
    medium: Term


class WorkingHours(_Value):
    """Office hours; notices go out only inside them (quiet hours outside)."""

    start: time
    end: time

    @classmethod
    def _read_text(cls, text: str) -> Any:
        match = _HOURS_RE.match(text)
        if match is None:
            raise ValueError("expected hours such as '09:00-18:00'")
        return {"start": match.group(1).zfill(5), "end": match.group(2).zfill(5)}

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        return self

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class ExtensionDecider(StrEnum):
    """Who decides an extension of an item from a given source."""

    AKIM_OR_HEAD_OF_APPARATUS = "akim_or_head_of_apparatus"  # own and lower items
    ISSUER = "issuer"  # the issuer on the staff; the akim or head of apparatus if none recorded
    ISSUING_BODY = "issuing_body"  # outside the akimat: asked by letter, recorded by control
    FORBIDDEN = "forbidden"  # no extension at all


class DeciderBySource(_Value):
    """Who decides an extension, for each source. Text form: ``"president=issuing_body, ...,
    default=akim_or_head_of_apparatus"`` (``default`` fills the sources not named), or one
    decider for every source."""

    president: ExtensionDecider
    presidential_administration: ExtensionDecider
    government: ExtensionDecider
    prime_minister: ExtensionDecider
    oblast_akim: ExtensionDecider
    akim: ExtensionDecider
    akimat: ExtensionDecider
    deputy_akim: ExtensionDecider
    head_of_apparatus: ExtensionDecider
    other: ExtensionDecider

    @classmethod
    def _read_text(cls, text: str) -> Any:
        pairs = _kv_pairs(text)
        if pairs is None:
            return dict.fromkeys(cls.model_fields, text.strip())
        default = pairs.pop("default", None)
        return ({} if default is None else dict.fromkeys(cls.model_fields, default)) | pairs

    def for_source(self, source: Source) -> ExtensionDecider:
        decider: ExtensionDecider = getattr(self, source.value)
        return decider

    def __str__(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)}" for name in type(self).model_fields)


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;]", value) if part.strip()]
    return value


KindList = Annotated[tuple[RoundKind, ...], BeforeValidator(_split_list), Field(min_length=1)]
SourceList = Annotated[tuple[Source, ...], BeforeValidator(_split_list), Field(min_length=1)]

V = TypeVar("V")


class Param(BaseModel, Generic[V]):
    """One profile parameter: its value and where it comes from (paragraph + seed line)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: V
    cite: Cite


class SourcedTerm(_Value):
    """A term that applies to the items from `sources` (the internal deadline before the
    deadline, Baidibek §12.2; the roadmap after receipt, §12.3). Written
    ``10wd/president, government``."""

    term: Term
    sources: SourceList

    @classmethod
    def _read_text(cls, text: str) -> Any:
        expected = "expected '10wd/president, government' (a term, then sources)"
        return _pairs_or_parts(text, ("term", "sources"), expected, maxsplit=1)

    def __str__(self) -> str:
        return f"{self.term}/{', '.join(self.sources)}"

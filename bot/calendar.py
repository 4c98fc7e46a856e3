"""Kazakhstan working-day calendar (pure Python, no aiogram).

Built on the `holidays` library (country ``KZ``): public holidays, observed/carried-over days
off and the Saturdays/Sundays that the government turned into working days
(``weekend_workdays``).  Overrides stored in the database win over the library.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

import holidays

__all__ = ["SEARCH_LIMIT_DAYS", "WorkCalendar"]

SEARCH_LIMIT_DAYS = 366
"""How far `next_working_day` / `previous_working_day` look before giving up."""

INDEX_MAX_YEARS = 60
"""The widest span of years a calendar indexes; counting beyond it goes day by day."""

_COUNTRY = "KZ"
_LANGUAGE = "kk"
_ONE_DAY = timedelta(days=1)


def _as_date(day: date) -> date:
    """Normalise a `datetime` (a `date` subclass) to a plain `date`."""
    return day.date() if isinstance(day, datetime) else day


class _LibraryDays:
    """The `holidays` object plus a per-day cache of its answers (overrides never stored here).

    Shared between calendars derived through `WorkCalendar.with_overrides`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # years are loaded once, also from a worker thread
        # The language is pinned: left as None, `holidays` guesses it from LANGUAGE / LC_ALL /
        # LC_MESSAGES / LANG, and e.g. LANG=C.UTF-8 (usual in containers) yields English names.
        self._holidays = holidays.country_holidays(_COUNTRY, language=_LANGUAGE)
        self._loaded_years: set[int] = set()
        self._working: dict[date, bool] = {}

    def _ensure_year(self, year: int) -> None:
        if year in self._loaded_years:
            return
        with self._lock:
            self._load(year)

    def _load(self, year: int) -> None:
        if year in self._loaded_years:
            return
        # A substitution may be declared in a neighbouring year (e.g. Sat 2013-12-28 was worked
        # for Fri 2014-01-03 and is only recorded when 2014 is populated), so load those too.
        for y in (year - 1, year, year + 1):
            if MINYEAR <= y <= MAXYEAR and y not in self._holidays.years:
                # Membership test expands the object by that year (expand=True by default).
                _ = date(y, 1, 1) in self._holidays
        self._loaded_years.add(year)

    def is_working_day(self, day: date) -> bool:
        cached = self._working.get(day)
        if cached is None:
            self._ensure_year(day.year)
            cached = bool(self._holidays.is_working_day(day))
            self._working[day] = cached
        return cached

    def name(self, day: date) -> str | None:
        self._ensure_year(day.year)
        name = self._holidays.get(day)
        return None if name is None else str(name)


@dataclass(frozen=True, slots=True)
class _Index:
    """The working days of whole years `first_year`..`last_year` as sorted ordinals, so that
    counting and stepping over working days is a binary search instead of a walk day by day.

    Built from one calendar's answers (the library's days and that calendar's overrides, both
    fixed for the calendar's lifetime); `usable` is False when two working days lie so far apart
    that the day-by-day walk would give up (`SEARCH_LIMIT_DAYS`): then the walk decides.
    """

    first_year: int
    last_year: int
    first: int  # ordinal of 1 January of first_year
    last: int  # ordinal of 31 December of last_year
    working: list[int]
    usable: bool

    @classmethod
    def build(
        cls, is_working_day: Callable[[date], bool], first_year: int, last_year: int
    ) -> _Index:
        first = date(first_year, 1, 1).toordinal()
        last = date(last_year, 12, 31).toordinal()
        working = [o for o in range(first, last + 1) if is_working_day(date.fromordinal(o))]
        edges = [first - 1, *working, last + 1]
        widest = max(b - a for a, b in itertools.pairwise(edges))
        return cls(first_year, last_year, first, last, working, widest <= SEARCH_LIMIT_DAYS)

    def covers(self, *ordinals: int) -> bool:
        return all(self.first <= o <= self.last for o in ordinals)


@functools.cache
def _shared_library() -> _LibraryDays:
    """One `holidays` object and day cache for the whole process: building it costs
    milliseconds, and every step builds a calendar."""
    return _LibraryDays()


class WorkCalendar:
    """Kazakhstan working days: `holidays` country KZ (holidays, carried-over days off, transferred
    working Saturdays/Sundays via the library's weekend_workdays) plus overrides from the database.

    ``overrides`` maps a date to True (a working day) or False (a day off); an override wins over
    the library.  The mapping is copied, so later changes to it do not affect the calendar.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._library = _shared_library()
        self._overrides: dict[date, bool] = self._copy_overrides(overrides)
        self._index: _Index | None = None  # built on first use, widened when asked beyond it

    @staticmethod
    def _copy_overrides(overrides: Mapping[date, bool] | None) -> dict[date, bool]:
        if not overrides:
            return {}
        return {_as_date(day): bool(working) for day, working in overrides.items()}

    @property
    def overrides(self) -> Mapping[date, bool]:
        """A copy of the overrides in effect."""
        return dict(self._overrides)

    def with_overrides(self, overrides: Mapping[date, bool]) -> WorkCalendar:
        """A new calendar with exactly these overrides (they replace the current ones).

        The library data and its cache are shared with `self`; `self` is not modified.
        """
        clone = WorkCalendar.__new__(WorkCalendar)
        clone._library = self._library
        clone._overrides = self._copy_overrides(overrides)
        clone._index = None
        return clone

    def is_working_day(self, day: date) -> bool:
        day = _as_date(day)
        override = self._overrides.get(day)
        if override is not None:
            return override
        return self._library.is_working_day(day)

    def day_off_name(self, day: date) -> str | None:
        """The library's holiday name (Kazakh) for `day`, or None.

        None as well when an override makes `day` a working day, and for plain weekends or
        days off that come only from an override (the library has no name for them).
        """
        day = _as_date(day)
        if self._overrides.get(day) is True:
            return None
        return self._library.name(day)

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        return self._scan(_as_date(day), _ONE_DAY)

    def previous_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the last working day before it."""
        return self._scan(_as_date(day), -_ONE_DAY)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (`day` itself not counted).

        ``n == 0`` returns `day` unchanged; a negative `n` counts backwards
        (same as ``subtract_working_days(day, -n)``).
        """
        day = _as_date(day)
        if n < 0:
            return self.subtract_working_days(day, -n)
        if n == 0:
            return day
        found = self._indexed_step(day, n)
        return found if found is not None else self._step(day, n, _ONE_DAY)

    def subtract_working_days(self, day: date, n: int) -> date:
        """The n-th working day before `day` (`day` itself not counted).

        "3 working days before the deadline 2027-05-12" is 2027-05-05.  ``n == 0`` returns `day`
        unchanged; a negative `n` counts forwards (same as ``add_working_days(day, -n)``).
        """
        day = _as_date(day)
        if n < 0:
            return self.add_working_days(day, -n)
        if n == 0:
            return day
        found = self._indexed_step(day, -n)
        return found if found is not None else self._step(day, n, -_ONE_DAY)

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days d with ``start < d <= end``.

        When ``end < start`` the result is minus the number of working days d with
        ``end < d <= start``; 0 when the dates are equal.
        """
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        index = self._index_for(start.year, end.year)
        if index is not None:
            working = index.working
            return bisect.bisect_right(working, end.toordinal()) - bisect.bisect_right(
                working, start.toordinal()
            )
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def _index_for(self, low: int, high: int) -> _Index | None:
        """The index covering years `low`..`high` (widened if needed; a year to spare on each
        side), or None where the day-by-day walk must decide: near the ends of the date range,
        over too many years, or across a gap of days off longer than the walk allows."""
        index = self._index
        if index is not None and index.first_year <= low and high <= index.last_year:
            return index if index.usable else None
        if index is not None:
            low, high = min(low, index.first_year), max(high, index.last_year)
        low, high = low - 1, high + 1
        if low <= MINYEAR + 1 or high >= MAXYEAR - 1 or high - low + 1 > INDEX_MAX_YEARS:
            return None
        # Built outside any lock: a race only builds the same index twice; the assignment is
        # atomic, and the calendar's answers never change during its lifetime.
        index = self._index = _Index.build(self.is_working_day, low, high)
        return index if index.usable else None

    def _indexed_step(self, day: date, n: int) -> date | None:
        """The |n|-th working day after (n > 0) or before (n < 0) `day` from the index, or None
        when the index cannot tell (then the walk decides)."""
        at = day.toordinal()
        # ~250 working days a year: ask for enough years that the answer is inside.
        years = -(-abs(n) // 200)
        low, high = (day.year, day.year + years) if n > 0 else (day.year - years, day.year)
        index = self._index_for(low, high)
        if index is None:
            return None
        working = index.working
        if n > 0:
            position = bisect.bisect_right(working, at) + n - 1
        else:
            position = bisect.bisect_left(working, at) + n
        if not 0 <= position < len(working):
            return None
        return date.fromordinal(working[position])

    def _scan(self, day: date, step: timedelta) -> date:
        """`day` if working, else the first working day in the direction of `step`."""
        current = day
        for _ in range(SEARCH_LIMIT_DAYS + 1):
            if self.is_working_day(current):
                return current
            try:
                current += step
            except OverflowError:
                break
        raise ValueError(
            f"no working day within {SEARCH_LIMIT_DAYS} days of {day.isoformat()} "
            f"({'forward' if step > timedelta(0) else 'backward'})"
        )

    def _step(self, day: date, n: int, step: timedelta) -> date:
        """Move `n` working days from `day` (excluded) in the direction of `step`."""
        current = day
        for _ in range(n):
            try:
                current = self._scan(current + step, step)
            except OverflowError as exc:
                raise ValueError(f"date out of range moving from {day.isoformat()}") from exc
        return current

"""Kazakhstan working-day calendar (pure Python, no aiogram).

Built on the `holidays` library (country ``KZ``): public holidays, observed/carried-over days
off and the Saturdays/Sundays that the government turned into working days
(``weekend_workdays``).  Overrides stored in the database win over the library.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta

import holidays

__all__ = ["SEARCH_LIMIT_DAYS", "WorkCalendar"]

SEARCH_LIMIT_DAYS = 366
"""How far `next_working_day` / `previous_working_day` look before giving up."""

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
            return self._step(day, -n, -_ONE_DAY)
        return self._step(day, n, _ONE_DAY)

    def subtract_working_days(self, day: date, n: int) -> date:
        """The n-th working day before `day` (`day` itself not counted).

        "3 working days before the deadline 2027-05-12" is 2027-05-05.  ``n == 0`` returns `day`
        unchanged; a negative `n` counts forwards (same as ``add_working_days(day, -n)``).
        """
        day = _as_date(day)
        if n < 0:
            return self._step(day, -n, _ONE_DAY)
        return self._step(day, n, -_ONE_DAY)

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days d with ``start < d <= end``.

        When ``end < start`` the result is minus the number of working days d with
        ``end < d <= start``; 0 when the dates are equal.
        """
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

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

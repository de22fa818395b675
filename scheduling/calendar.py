"""Working days: the one place that knows the official Chinese calendar.

The State Council holiday schedule (statutory holidays and the weekend days that become working
days, 调休) comes from the `chinese_calendar` package. The package only knows the years it was
released with (1.11.0: 2004–2026) and raises NotImplementedError for any other; for those years
we fall back to Monday–Friday corrected by the `Holiday` rows the commission enters in the admin
(a holiday on a weekday, or a 调休 working Saturday/Sunday). `year_is_official(year)` says which
rule a year follows, so pages and the API can say "unofficial calendar" instead of crashing.

Conventions (the same as a running count of working days W(d) = working days up to and
including d):

- `workdays_between(start, end) = W(end) − W(start)`: the working days after `start` up to and
  including `end`; negative (and antisymmetric) when `end` is before `start`; 0 when equal.
  It is additive: between(a, b) + between(b, c) == between(a, c).
- `add_workdays(day, n)` steps n working days like Excel's WORKDAY: for n > 0 the n-th working
  day after `day`, for n < 0 the |n|-th working day before it, `day` itself for n = 0 (even when
  it is not a working day). For n > 0, workdays_between(day, add_workdays(day, n)) == n.

A `WorkCalendar` caches one year at a time (one query for the Holiday rows of each fallback
year, none for official years), so a request or a report over many milestones builds one and
asks it everything; the module-level functions build a fresh one per call.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=256)
def year_is_official(year: int) -> bool:
    """True when the chinese-calendar package has the State Council schedule for `year`."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
        chinese_calendar.is_workday(dt.date(year, 12, 31))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _official_year(year: int) -> tuple[bool, ...]:
    """Working-day flags for every day of an official year (index = day of year − 1)."""
    start = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - start).days
    return tuple(chinese_calendar.is_workday(start + dt.timedelta(days=i)) for i in range(days))


class WorkCalendar:
    """Working days for any span of years; caches per year. Not shared between requests, so a
    Holiday row the commission just entered counts from the next request on."""

    def __init__(self) -> None:
        self._years: dict[int, tuple[bool, ...]] = {}
        self._prefix: dict[int, list[int]] = {}

    # -- per year -----------------------------------------------------------------------------
    def _flags(self, year: int) -> tuple[bool, ...]:
        flags = self._years.get(year)
        if flags is None:
            flags = _official_year(year) if year_is_official(year) else self._fallback_year(year)
            self._years[year] = flags
        return flags

    @staticmethod
    def _fallback_year(year: int) -> tuple[bool, ...]:
        from .models import Holiday

        start = dt.date(year, 1, 1)
        days = (dt.date(year + 1, 1, 1) - start).days
        flags = [(start + dt.timedelta(days=i)).weekday() < 5 for i in range(days)]
        for day, is_workday in Holiday.objects.filter(date__year=year).values_list("date", "is_workday"):
            flags[day.timetuple().tm_yday - 1] = is_workday
        return tuple(flags)

    def _cumulative(self, year: int) -> list[int]:
        """prefix[i] = working days among the first i days of the year."""
        prefix = self._prefix.get(year)
        if prefix is None:
            prefix = [0]
            for flag in self._flags(year):
                prefix.append(prefix[-1] + flag)
            self._prefix[year] = prefix
        return prefix

    # -- the questions ------------------------------------------------------------------------
    def is_official(self, *days: dt.date) -> bool:
        return all(year_is_official(day.year) for day in days)

    def is_workday(self, day: dt.date) -> bool:
        return self._flags(day.year)[day.timetuple().tm_yday - 1]

    def _count_through(self, day: dt.date, base_year: int) -> int:
        """Working days from base_year-01-01 through `day` (day.year ≥ base_year)."""
        total = sum(self._cumulative(year)[-1] for year in range(base_year, day.year))
        return total + self._cumulative(day.year)[day.timetuple().tm_yday]

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        if end < start:
            return -self.workdays_between(end, start)
        base = start.year
        return self._count_through(end, base) - self._count_through(start, base)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        current = day
        while remaining:
            current += step
            if self.is_workday(current):
                remaining -= 1
        return current


def is_workday(day: dt.date) -> bool:
    return WorkCalendar().is_workday(day)


def workdays_between(start: dt.date, end: dt.date) -> int:
    return WorkCalendar().workdays_between(start, end)


def add_workdays(day: dt.date, n: int) -> dt.date:
    return WorkCalendar().add_workdays(day, n)

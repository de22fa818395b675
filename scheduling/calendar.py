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

Arithmetic, not a loop over days: a running count W(d) is the Monday–Friday count
(whole weeks × 5 plus the remainder of the week) corrected by two sorted lists — the weekdays
that are holidays and the weekend days that are working days (调休) — counted with bisect, so a
count over decades costs the same as over a week. `add_workdays` finds the day where W reaches
its target by bisection over a window that doubles until it holds the answer, inside the one
date range (common.dates): a step that would leave it raises DateError, never an overflow.

A `WorkCalendar` reads the Holiday rows once (one query, and none at all while every day it is
asked about lies in official years), so a request or a report over many milestones builds one
and asks it everything; the module-level functions build a fresh one per call.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from functools import lru_cache

import chinese_calendar

from common.dates import DateError, date_range, range_message

from .models import Holiday

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


def _weekdays_through(ordinal: int) -> int:
    """Mondays–Fridays from 0001-01-01 (a Monday, ordinal 1) through the day `ordinal`."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


@lru_cache(maxsize=1)
def _official_corrections() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(weekdays off, weekend days on) of the package's years, as sorted ordinals: a day is a
    working day when it is a 调休 day, or a weekday that is no holiday (chinese_calendar's rule)."""
    on = {day for day in chinese_calendar.workdays if day.weekday() >= 5}
    off = {day for day in chinese_calendar.holidays if day.weekday() < 5 and day not in chinese_calendar.workdays}
    return tuple(sorted(d.toordinal() for d in off)), tuple(sorted(d.toordinal() for d in on))


class WorkCalendar:
    """Working days for any span of years. Not shared between requests, so a Holiday row the
    commission just entered counts from the next request on."""

    def __init__(self) -> None:
        self._fallback: tuple[list[int], list[int]] | None = None

    # -- the corrections ----------------------------------------------------------------------
    def _fallback_corrections(self, first: int, last: int) -> tuple[list[int], list[int]]:
        """(weekdays off, weekend days on) from the Holiday rows of the fallback years, read once,
        and only when the ordinals first..last reach outside the official years."""
        if self._fallback is not None:
            return self._fallback
        years = (dt.date.fromordinal(first).year, dt.date.fromordinal(last).year)
        if all(year_is_official(year) for year in years):  # the official years are contiguous
            return [], []
        off, on = [], []
        for day, is_workday in Holiday.objects.values_list("date", "is_workday"):
            if year_is_official(day.year) or is_workday == (day.weekday() < 5):
                continue  # the package decides, or the row changes nothing
            (on if is_workday else off).append(day.toordinal())
        self._fallback = (sorted(off), sorted(on))
        return self._fallback

    def _count(self, ordinal: int, first: int, last: int) -> int:
        """W(day): working days from 0001-01-01 through the day `ordinal` (first ≤ it ≤ last)."""
        official_off, official_on = _official_corrections()
        fallback_off, fallback_on = self._fallback_corrections(first, last)
        return (
            _weekdays_through(ordinal)
            - bisect_right(official_off, ordinal)
            - bisect_right(fallback_off, ordinal)
            + bisect_right(official_on, ordinal)
            + bisect_right(fallback_on, ordinal)
        )

    # -- the questions ------------------------------------------------------------------------
    def is_official(self, *days: dt.date) -> bool:
        return all(year_is_official(day.year) for day in days)

    def is_workday(self, day: dt.date) -> bool:
        n = day.toordinal()
        return self._count(n, n, n) - self._count(n - 1, n, n) == 1 if n > 1 else day.weekday() < 5

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        a, b = start.toordinal(), end.toordinal()
        first, last = min(a, b), max(a, b)
        return self._count(b, first, last) - self._count(a, first, last)

    def _first_reaching(self, start: int, delta: int, forward: bool) -> dt.date:
        """The first day whose W is ≥ W(start) + delta, searched from the day `start` (forwards
        for delta > 0, backwards for delta ≤ 0) in a window that doubles, within the date range,
        until it holds the day; then bisection: a few dozen counts whatever the distance."""
        lowest, highest = (day.toordinal() for day in date_range())
        if not lowest - 1 <= start <= highest:
            raise DateError(range_message(), "range")
        width = 16
        while True:
            lo = start if forward else max(start - width, lowest - 1)
            hi = min(start + width, highest) if forward else start
            target = self._count(start, lo, hi) + delta  # the first count reads the Holiday rows
            if self._count(lo, lo, hi) < target <= self._count(hi, lo, hi):
                break
            if (hi == highest) if forward else (lo == lowest - 1):
                raise DateError(range_message(), "range")
            width *= 2
        while hi - lo > 1:  # W(lo) < target ≤ W(hi)
            mid = (lo + hi) // 2
            if self._count(mid, lo, hi) >= target:
                hi = mid
            else:
                lo = mid
        return dt.date.fromordinal(hi)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """Like Excel's WORKDAY (see the module's conventions). Raises DateError when the answer
        lies outside the date range (common.dates)."""
        if n == 0:
            return day
        if n > 0:
            return self._first_reaching(day.toordinal(), n, forward=True)
        # The |n|-th working day before `day`: the first day whose W reaches W(day − 1) − |n| + 1.
        return self._first_reaching(day.toordinal() - 1, n + 1, forward=False)


def is_workday(day: dt.date) -> bool:
    return WorkCalendar().is_workday(day)


def workdays_between(start: dt.date, end: dt.date) -> int:
    return WorkCalendar().workdays_between(start, end)


def add_workdays(day: dt.date, n: int) -> dt.date:
    return WorkCalendar().add_workdays(day, n)

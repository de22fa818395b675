"""The working-day arithmetic (scheduling/calendar.py: whole weeks × 5 plus the remainder,
corrected by sorted holiday/调休 lists with bisect) gives the same answers as the loop over days
it replaced, kept here as the reference: over random spans in the package's official years,
the fallback years before and after them (with Holiday rows) and across their borders."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.dates import DateError, date_range
from scheduling.calendar import WorkCalendar
from scheduling.models import Holiday

pytestmark = pytest.mark.django_db
ONE_DAY = dt.timedelta(days=1)


class LoopCalendar:
    """The implementation before the arithmetic: a flag per day, counted and stepped one day
    at a time (Mon–Fri plus the Holiday rows for the years the package does not know)."""

    def __init__(self, rows: dict[dt.date, bool]):
        self.rows = rows

    def is_workday(self, day: dt.date) -> bool:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            return self.rows.get(day, day.weekday() < 5)

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_workday(day)
        return count

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        step, remaining, current = (ONE_DAY if n > 0 else -ONE_DAY), abs(n), day
        while remaining:
            current += step
            remaining -= self.is_workday(current)
        return current


FIRST, LAST = date_range()
official = st.dates(dt.date(2004, 1, 1), dt.date(2026, 12, 31))
fallback = st.one_of(st.dates(FIRST, dt.date(2003, 12, 31)), st.dates(dt.date(2027, 1, 1), LAST))
border = st.one_of(
    st.dates(dt.date(2003, 11, 1), dt.date(2004, 2, 28)), st.dates(dt.date(2026, 11, 1), dt.date(2027, 2, 28))
)
any_day = st.one_of(official, fallback, border)
rows = st.dictionaries(st.one_of(fallback, border, official), st.booleans(), max_size=25)


def _calendars(holidays: dict[dt.date, bool]):
    Holiday.objects.all().delete()
    Holiday.objects.bulk_create(Holiday(date=d, name="节日", is_workday=w) for d, w in holidays.items())
    fallback_rows = {d: w for d, w in holidays.items() if not 2004 <= d.year <= 2026}
    return WorkCalendar(), LoopCalendar(fallback_rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holidays=rows, start=any_day, span=st.integers(-800, 800), far=any_day)
def test_counts_match_the_loop(holidays, start, span, far):
    new, old = _calendars(holidays)
    end = min(max(start + dt.timedelta(days=span), FIRST), LAST)
    assert new.workdays_between(start, end) == old.workdays_between(start, end)
    assert new.workdays_between(start, far) == old.workdays_between(start, far)
    assert new.is_workday(start) == old.is_workday(start)
    assert new.is_workday(end) == old.is_workday(end)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holidays=rows, day=any_day, n=st.integers(-400, 400))
def test_steps_match_the_loop(holidays, day, n):
    new, old = _calendars(holidays)
    expected = old.add_workdays(day, n)
    if FIRST <= expected <= LAST:
        assert new.add_workdays(day, n) == expected
        if n > 0:
            assert new.workdays_between(day, expected) == n
    else:
        with pytest.raises(DateError):
            new.add_workdays(day, n)


def test_a_count_over_the_whole_range_is_a_few_operations(django_assert_max_num_queries):
    Holiday.objects.create(date=dt.date(2050, 10, 3), name="国庆节", is_workday=False)  # a Monday
    calendar = WorkCalendar()
    with django_assert_max_num_queries(1):
        total = calendar.workdays_between(FIRST, LAST)
        assert calendar.workdays_between(dt.date(2026, 5, 20), LAST) > 19000
        assert calendar.add_workdays(FIRST, total) == dt.date(2100, 12, 31)  # a Friday
    assert calendar.is_workday(dt.date(2050, 10, 3)) is False


def test_a_step_out_of_the_range_is_refused():
    calendar = WorkCalendar()
    with pytest.raises(DateError):
        calendar.add_workdays(dt.date(2000, 1, 3), -5)
    with pytest.raises(DateError):
        calendar.add_workdays(dt.date(2100, 12, 30), 5)
    assert calendar.add_workdays(dt.date(2000, 1, 4), -1) == dt.date(2000, 1, 3)

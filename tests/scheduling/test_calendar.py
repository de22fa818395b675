"""Working days: the official calendar (国庆 2025, a 调休 Saturday) and the fallback for years
the chinese-calendar package does not know (Mon–Fri plus the commission's Holiday rows)."""

import datetime as dt

import pytest

from scheduling import calendar
from scheduling.calendar import WorkCalendar
from scheduling.models import Holiday

D = dt.date


def test_official_years_are_known_and_2027_is_not():
    assert calendar.year_is_official(2025) is True
    assert calendar.year_is_official(2026) is True
    assert calendar.year_is_official(2027) is False
    assert calendar.year_is_official(1999) is False


def test_national_day_2025_and_the_working_saturday_before_it():
    # 2025: 国庆+中秋 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are working days (调休).
    assert calendar.is_workday(D(2025, 9, 28)) is True  # a Sunday that is a working day
    assert calendar.is_workday(D(2025, 10, 11)) is True  # a Saturday that is a working day
    assert calendar.is_workday(D(2025, 9, 27)) is False  # an ordinary Saturday
    for day in range(1, 9):
        assert calendar.is_workday(D(2025, 10, day)) is False
    assert calendar.is_workday(D(2025, 10, 9)) is True


def test_workdays_between_across_national_day_2025():
    # After 09-26 (Fri) up to and including 10-12 (Sun): 09-28, 09-29, 09-30, 10-09, 10-10, 10-11 = 6.
    assert calendar.workdays_between(D(2025, 9, 26), D(2025, 10, 12)) == 6
    # Antisymmetric and additive.
    assert calendar.workdays_between(D(2025, 10, 12), D(2025, 9, 26)) == -6
    assert (
        calendar.workdays_between(D(2025, 9, 26), D(2025, 9, 30))
        + calendar.workdays_between(D(2025, 9, 30), D(2025, 10, 12))
        == 6
    )
    assert calendar.workdays_between(D(2025, 10, 3), D(2025, 10, 3)) == 0
    # The whole holiday: no working day after 09-30 up to 10-08.
    assert calendar.workdays_between(D(2025, 9, 30), D(2025, 10, 8)) == 0


def test_add_workdays_steps_over_the_holiday_like_excel_workday():
    assert calendar.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert calendar.add_workdays(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert calendar.add_workdays(D(2025, 10, 9), -2) == D(2025, 9, 29)
    assert calendar.add_workdays(D(2025, 9, 27), 1) == D(2025, 9, 28)  # the 调休 Sunday counts
    assert calendar.add_workdays(D(2025, 10, 4), 0) == D(2025, 10, 4)
    start = D(2025, 9, 20)
    assert calendar.workdays_between(start, calendar.add_workdays(start, 15)) == 15


def test_across_a_year_boundary():
    # 2025-12-31 (Wed) → 2026-01-05 (Mon): 元旦 2026 is 01-01..01-03 off, 01-04 (Sun) is a working day.
    assert calendar.workdays_between(D(2025, 12, 31), D(2026, 1, 5)) == 2


@pytest.mark.django_db
def test_unknown_year_falls_back_to_weekdays_and_honours_holiday_rows():
    # 2027-10-01 is a Friday; without rows the fallback is Monday–Friday.
    assert calendar.is_workday(D(2027, 10, 1)) is True
    assert calendar.is_workday(D(2027, 10, 2)) is False
    assert calendar.workdays_between(D(2027, 9, 30), D(2027, 10, 8)) == 6
    Holiday.objects.create(date=D(2027, 10, 1), name="国庆节", is_workday=False)
    Holiday.objects.create(date=D(2027, 10, 4), name="国庆节", is_workday=False)
    Holiday.objects.create(date=D(2027, 9, 26), name="调休上班", is_workday=True)  # a Sunday
    assert calendar.is_workday(D(2027, 10, 1)) is False
    assert calendar.is_workday(D(2027, 9, 26)) is True
    assert calendar.workdays_between(D(2027, 9, 30), D(2027, 10, 8)) == 4
    assert calendar.workdays_between(D(2027, 9, 25), D(2027, 9, 30)) == 5  # 26 (调休), 27, 28, 29, 30
    assert calendar.add_workdays(D(2027, 9, 30), 1) == D(2027, 10, 5)


@pytest.mark.django_db
def test_a_span_from_an_official_into_an_unknown_year(django_assert_max_num_queries):
    cal = WorkCalendar()
    # 2026-12-31 is a Thursday; 2027-01-01 Friday (no row: a working day in the fallback).
    with django_assert_max_num_queries(1):
        assert cal.workdays_between(D(2026, 12, 30), D(2027, 1, 4)) == 3
        assert cal.workdays_between(D(2026, 12, 30), D(2027, 1, 5)) == 4
    assert cal.is_official(D(2026, 12, 30)) is True
    assert cal.is_official(D(2026, 12, 30), D(2027, 1, 4)) is False

"""The rules of the monthly cycle (projects.rules): what counts, when a month is due, closed."""

import datetime as D

import pytest
from django.test import override_settings

from projects import rules
from projects.models import PeriodClose


def test_counted_statuses_are_submitted_and_approved():
    assert [s for s in ("draft", "submitted", "returned", "approved") if rules.counts(s)] == ["submitted", "approved"]
    assert rules.sql_counted("r") == "r.status IN ('submitted', 'approved')"


def test_due_date_is_the_due_day_of_the_next_month():
    assert rules.report_due_date(D.date(2026, 11, 1)) == D.date(2026, 12, 5)
    assert rules.report_due_date(D.date(2026, 12, 1)) == D.date(2027, 1, 5)
    with override_settings(REPORT_DUE_DAY=31):
        assert rules.report_due_date(D.date(2027, 1, 1)) == D.date(2027, 2, 28)
    assert rules.period_now_due(D.date(2026, 12, 2)) == D.date(2026, 11, 1)
    assert rules.period_now_due(D.date(2027, 1, 31)) == D.date(2026, 12, 1)


@pytest.mark.django_db
def test_closed_and_default_stats_period():
    today = D.date(2026, 12, 2)
    assert rules.stats_default_period(today) == D.date(2026, 11, 1)
    assert rules.stats_default_period_closed(today) == (D.date(2026, 11, 1), False)
    assert not rules.period_is_closed(D.date(2026, 11, 1))
    PeriodClose.objects.create(period=D.date(2026, 9, 1))
    PeriodClose.objects.create(period=D.date(2026, 10, 1), closed=False)
    assert rules.period_is_closed(D.date(2026, 9, 15))
    assert not rules.period_is_closed(D.date(2026, 10, 1))
    assert rules.stats_default_period(today) == D.date(2026, 9, 1)
    # The default month and whether it is closed in one query: as period_is_closed says.
    assert rules.stats_default_period_closed(today) == (D.date(2026, 9, 1), True)

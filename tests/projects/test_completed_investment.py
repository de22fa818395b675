"""本年累计完成投资 (projects.selectors.completed_investment): the counted reports of the year of
the active projects in a user's scope, to the cent, on PostgreSQL from the stored ReviewCount
sums and elsewhere from the reports; a write shows at once; one statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import ReportStatus
from projects.selectors import completed_investment
from tests import factories

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def year(city):
    a = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    sub = factories.ProjectFactory(park=city.park_a_sub, industry=city.bio)
    b = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    gone = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    rows = [
        (a, dt.date(2026, 1, 1), "100.01", ReportStatus.SUBMITTED),
        (a, dt.date(2026, 2, 1), "200.02", ReportStatus.APPROVED),
        (a, dt.date(2026, 3, 1), "999.00", ReportStatus.DRAFT),  # not counted
        (sub, dt.date(2026, 2, 1), "0.03", ReportStatus.APPROVED),
        (sub, dt.date(2026, 4, 1), "50.00", ReportStatus.RETURNED),  # not counted
        (b, dt.date(2026, 12, 1), "7.40", ReportStatus.SUBMITTED),
        (b, dt.date(2025, 12, 1), "800.00", ReportStatus.APPROVED),  # last year
        (gone, dt.date(2026, 5, 1), "60.00", ReportStatus.APPROVED),  # archived below
    ]
    for project, period, amount, status in rows:
        factories.ReportFactory(project=project, period=period, amount=Decimal(amount), status=status)
    gone.archived_at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    gone.save()
    return a


def test_the_sum_per_scope(city, year, commission_user, park_a_admin, park_b_admin, viewer_user):
    expected = {
        (commission_user, None): Decimal("307.46"),
        (viewer_user, None): Decimal("307.46"),
        (commission_user, city.park_a): Decimal("300.06"),  # with its sub-park
        (commission_user, city.park_a_sub): Decimal("0.03"),
        (park_a_admin, None): Decimal("300.06"),
        (park_b_admin, None): Decimal("7.40"),
        (park_a_admin, city.park_a_sub): Decimal("0.03"),
    }
    for (user, park), total in expected.items():
        assert completed_investment(user=user, year=2026, park=park) == total, (user.username, park)
    assert completed_investment(user=commission_user, year=2025) == Decimal("800.00")
    assert completed_investment(user=commission_user, year=2024) == Decimal(0)


def test_a_write_shows_at_once_and_costs_one_statement(city, year, commission_user):
    report = year.reports.get(period=dt.date(2026, 3, 1))
    services.report_review_submit(user=commission_user, report=report)  # the draft is submitted: counted
    assert completed_investment(user=commission_user, year=2026) == Decimal("1306.46")
    services.report_return(user=commission_user, report=year.reports.get(pk=report.pk), reason="核实")
    assert completed_investment(user=commission_user, year=2026) == Decimal("307.46")
    with CaptureQueriesContext(connection) as queries:
        completed_investment(user=commission_user, year=2026)
    assert len(queries) == 1

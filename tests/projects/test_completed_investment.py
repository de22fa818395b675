"""本年累计完成投资 and 年度计划投资 (projects.selectors.completed_investment, planned_investment):
the counted reports and the annual plans of the year of the active projects in a user's scope,
to the cent, on PostgreSQL from the stored sums (ReviewCount, ParkPlanTotal) and elsewhere from
the rows; a write shows at once; one statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import AnnualPlan, Project, ReportStatus
from projects.selectors import completed_investment, planned_investment
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


def test_the_plans_per_scope_and_every_write(city, commission_user, park_a_admin, park_b_admin):
    a = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    sub = factories.ProjectFactory(park=city.park_a_sub, industry=city.bio)
    b = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    AnnualPlan.objects.bulk_create(
        [
            AnnualPlan(project=a, year=2026, planned_investment=Decimal("1000.10")),
            AnnualPlan(project=a, year=2027, planned_investment=Decimal("5.00")),
            AnnualPlan(project=sub, year=2026, planned_investment=Decimal("0.01")),
            AnnualPlan(project=b, year=2026, planned_investment=Decimal("300.00")),
        ]
    )

    def plans():
        return (
            planned_investment(user=commission_user, year=2026),
            planned_investment(user=park_a_admin, year=2026),
            planned_investment(user=park_b_admin, year=2026),
            planned_investment(user=commission_user, year=2026, park=city.park_a_sub),
        )

    assert plans() == (Decimal("1300.11"), Decimal("1000.11"), Decimal("300.00"), Decimal("0.01"))
    AnnualPlan.objects.filter(project=a, year=2026).update(planned_investment=Decimal("10.10"))
    assert plans() == (Decimal("310.11"), Decimal("10.11"), Decimal("300.00"), Decimal("0.01"))
    Project.objects.filter(pk=sub.pk).update(park=city.park_b)  # moved
    assert plans() == (Decimal("310.11"), Decimal("10.10"), Decimal("300.01"), Decimal(0))
    services.project_archive(user=commission_user, project=b)  # archived
    assert plans() == (Decimal("10.11"), Decimal("10.10"), Decimal("0.01"), Decimal(0))
    AnnualPlan.objects.filter(project=a).delete()
    assert plans() == (Decimal("0.01"), Decimal(0), Decimal("0.01"), Decimal(0))
    assert planned_investment(user=commission_user, year=2027) == Decimal(0)
    b.archived_at = None
    b.save()  # unarchived: its plan counts again
    assert plans() == (Decimal("300.01"), Decimal(0), Decimal("300.01"), Decimal(0))
    with CaptureQueriesContext(connection) as queries:
        planned_investment(user=commission_user, year=2026)
    assert len(queries) == 1

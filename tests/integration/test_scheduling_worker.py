"""Both scheduling jobs end to end through a REAL Celery worker (in a thread, solo pool)
consuming from Redis, writing to PostgreSQL: the message goes through the broker, the task
runs in the worker, the data lands in committed tables. Running each job again through the
worker changes nothing."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from projects.models import Project
from scheduling.models import DelayRecord, GrowthSnapshot, IndustryGrowth
from scheduling.tasks import compute_industry_growth_task, flag_delays_task
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

D = dt.date


def state_of_the_tables():
    return (
        sorted(DelayRecord.objects.values_list()),
        sorted(Project.objects.values_list("id", "status", "investment_status")),
        sorted(GrowthSnapshot.objects.values_list()),
        sorted(IndustryGrowth.objects.values_list()),
    )


def test_both_jobs_run_end_to_end_through_a_real_worker(city, worker):
    red = factories.ProjectFactory(
        park=city.park_a, industry=city.bio_drug, year=2026, total_investment=Decimal("8000")
    )
    late = factories.ProjectFactory(park=city.park_b, industry=city.ei_ic, year=2025, total_investment=Decimal("2000"))
    factories.AnnualPlanFactory(project=red, year=2026, planned_investment=Decimal("1200.00"))
    factories.MilestoneFactory(project=red, kind="construction_start", planned_date=D(2026, 4, 1))  # 49 days: red
    factories.MilestoneFactory(project=late, kind="signing", planned_date=D(2026, 5, 10))  # 10 days: yellow
    factories.MilestoneFactory(project=late, kind="land", planned_date=D(2026, 5, 25))  # due soon
    for month, amount in ((1, "100.00"), (2, "100.00"), (3, "50.00"), (4, "50.00")):
        factories.ReportFactory(project=red, period=D(2026, month, 1), amount=Decimal(amount))
    factories.ReportFactory(project=late, period=D(2025, 3, 1), amount=Decimal("250.00"))

    result = flag_delays_task.delay(as_of="2026-05-20")
    assert worker.wait(result.id) == "SUCCESS"
    assert worker.threads[result.id] != threading.current_thread().name  # run by the worker, not eagerly
    records = dict(DelayRecord.objects.values_list("milestone__kind", "severity"))
    assert records == {"construction_start": "red", "signing": "yellow"}
    assert DelayRecord.objects.get(milestone__kind="construction_start").days_overdue == 49
    statuses = {p.pk: (p.status, p.investment_status) for p in Project.objects.all()}
    # red: ytd 300 of 1200 × 4/12 = 400 → 75 % → yellow; late has no plan.
    assert statuses == {red.pk: ("red", "yellow"), late.pk: ("yellow", "none")}

    result = compute_industry_growth_task.delay(period="2026-04")
    assert worker.wait(result.id) == "SUCCESS"
    snapshot = GrowthSnapshot.objects.get(period=D(2026, 4, 1))
    assert (snapshot.ytd, snapshot.prior_ytd, snapshot.growth_pct) == (
        Decimal("300.00"),
        Decimal("250.00"),
        Decimal("20.0"),
    )
    assert (snapshot.listed_investment, snapshot.prior_listed_investment, snapshot.listed_growth_pct) == (
        Decimal("8000.00"),
        Decimal("2000.00"),
        Decimal("300.0"),
    )
    bio = IndustryGrowth.objects.get(snapshot=snapshot, industry=city.bio)
    assert (bio.ytd, bio.prior_ytd, bio.growth_pct, bio.diff_pp, bio.project_count) == (
        Decimal("300.00"),
        Decimal("0.00"),
        None,
        None,
        1,
    )

    # Again through the worker: nothing changes.
    before = state_of_the_tables()
    first, second = flag_delays_task.delay(as_of="2026-05-20"), compute_industry_growth_task.delay(period="2026-04")
    assert worker.wait(first.id) == "SUCCESS" and worker.wait(second.id) == "SUCCESS"
    assert state_of_the_tables() == before

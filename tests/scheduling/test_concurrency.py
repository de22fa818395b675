"""Safe to run concurrently: two flag_delays (or two growth computations) at the same moment on
PostgreSQL leave exactly what one run leaves; the database, not luck, forbids a second open
delay record for a milestone."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connections, transaction

from scheduling.models import DelayRecord, GrowthSnapshot, IndustryGrowth
from scheduling.services import compute_industry_growth, flag_delays
from tests import factories
from tests.conftest import require_postgres

from .conftest import delay_rows

D = dt.date


def run_together(fn, n=2):
    barrier = threading.Barrier(n)
    errors = []
    results = []

    def target():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


@pytest.fixture
def delayed(city):
    require_postgres()
    for i in range(5):
        project = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
        factories.MilestoneFactory(
            project=project, kind="other", name="甲", planned_date=D(2026, 4, 1) + dt.timedelta(days=i)
        )
        factories.MilestoneFactory(project=project, kind="other", name="乙", planned_date=D(2026, 5, 19))
        factories.ReportFactory(project=project, period=D(2026, 3, 1), amount=Decimal("10.00"))
        factories.ReportFactory(project=project, period=D(2025, 3, 1), amount=Decimal("8.00"))


@pytest.mark.django_db(transaction=True)
def test_two_flag_delays_at_once_leave_what_one_leaves(delayed):
    results = run_together(lambda: flag_delays(as_of=D(2026, 5, 20)))
    assert sorted(r["opened"] for r in results) == [0, 10]
    assert DelayRecord.objects.count() == 10
    after_race = delay_rows()
    flag_delays(as_of=D(2026, 5, 20))
    assert delay_rows() == after_race


@pytest.mark.django_db(transaction=True)
def test_two_growth_computations_at_once_leave_one_snapshot(delayed):
    run_together(lambda: compute_industry_growth(period=D(2026, 3, 1)))
    snapshot = GrowthSnapshot.objects.get()
    assert (snapshot.ytd, snapshot.prior_ytd, snapshot.growth_pct) == (
        Decimal("50.00"),
        Decimal("40.00"),
        Decimal("25.0"),
    )
    assert IndustryGrowth.objects.filter(snapshot=snapshot).count() == 4


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_record_for_a_milestone(city):
    milestone = factories.MilestoneFactory(planned_date=D(2026, 5, 1))
    fields = {
        "planned_date": D(2026, 5, 1),
        "opened_on": D(2026, 5, 2),
        "last_seen_on": D(2026, 5, 2),
        "days_overdue": 1,
        "severity": "yellow",
    }
    DelayRecord.objects.create(milestone=milestone, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        DelayRecord.objects.create(milestone=milestone, **fields)
    # A closed one beside the open one is history, and allowed.
    DelayRecord.objects.create(
        milestone=milestone, **fields | {"closed_on": D(2026, 5, 3), "close_reason": "replanned"}
    )
    # A closed record must say why.
    with pytest.raises(IntegrityError), transaction.atomic():
        DelayRecord.objects.create(milestone=milestone, **fields | {"closed_on": D(2026, 5, 3)})

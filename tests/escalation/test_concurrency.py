"""Dispatch numbers unique and gap-free under 20 concurrent first assignments (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from escalation import services
from escalation.models import Department, Problem
from tests import factories
from tests.conftest import require_postgres
from tests.reliability.test_concurrency import run_together


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_assignments_number_gap_free(city):
    require_postgres()
    commission = factories.UserFactory(username="commission", role="commission")
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
    Department.objects.create(name="供电公司", email="")
    raised = dt.date(2026, 11, 1)
    problems = [
        Problem.objects.create(project=project, category="utilities", description=f"问题{i}", raised_on=raised)
        for i in range(20)
    ]
    # A 21st assignment races on the first problem: whichever comes second (the row is locked)
    # is a reassignment and keeps the number the first gave.
    targets = [p.pk for p in problems] + [problems[0].pk]

    def act(i: int):
        fresh = Problem.objects.select_related("project").get(pk=targets[i])
        return services.problem_assign(
            user=commission, problem=fresh, department="供电公司", deadline=dt.date(2026, 12, 31)
        )

    results = run_together(len(targets), act)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results[0].dispatch_no == results[20].dispatch_no
    year = timezone.localdate().year
    seqs = sorted(Problem.objects.values_list("dispatch_seq", flat=True))
    assert seqs == list(range(1, 21))
    assert set(Problem.objects.values_list("dispatch_year", flat=True)) == {year}
    assert len(set(Problem.objects.values_list("dispatch_no", flat=True))) == 20

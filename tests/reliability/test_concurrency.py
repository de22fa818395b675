"""Concurrency on PostgreSQL: many people submitting the same month's report at the same moment,
and two people editing one project at once. Each thread has its own database connection
(Django's connections are per thread), and a barrier releases them together."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from common.exceptions import VersionConflict
from projects.models import InvestmentReport, Project
from projects.services import project_update, report_submit
from tests import factories
from tests.conftest import require_postgres

pytestmark = [pytest.mark.django_db(transaction=True)]

N = 20


def run_together(n: int, fn) -> list:
    """Run fn(i) in n threads released at once; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            with translation.override("zh-hans"):
                barrier.wait(timeout=30)
                results[i] = fn(i)
        except BaseException as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a submission hung"
    return results


def test_twenty_concurrent_reports_for_one_month_store_exactly_one(city):
    require_postgres()
    admin = factories.UserFactory(username="gx", role="park_admin", park=city.park_a)
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)

    def submit(i: int):
        fresh = Project.objects.get(pk=project.pk)
        return report_submit(user=admin, project=fresh, period="2026-03", amount=Decimal(f"{100 + i}.25"))

    results = run_together(N, submit)
    stored = [r for r in results if isinstance(r, InvestmentReport)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    unexpected = [r for r in results if not isinstance(r, InvestmentReport | ValidationError)]
    assert unexpected == []
    assert len(stored) == 1 and len(refused) == N - 1
    for exc in refused:
        assert exc.message_dict == {"period": ["该项目 2026-03 的月度报告已报送；如需更正，请修改原报告。"]}
    rows = list(InvestmentReport.objects.filter(project=project).values_list("period", "amount"))
    assert rows == [(stored[0].period, stored[0].amount)]
    # One history row: the refused submissions left no trace.
    assert InvestmentReport.history.filter(project_id=project.pk).count() == 1


def test_concurrent_reports_for_different_months_all_stored(city):
    require_postgres()
    admin = factories.UserFactory(username="gx", role="park_admin", park=city.park_a)
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    results = run_together(
        12,
        lambda i: report_submit(
            user=admin, project=Project.objects.get(pk=project.pk), period=f"2025-{i + 1:02d}", amount=Decimal("10.00")
        ),
    )
    assert all(isinstance(r, InvestmentReport) for r in results), results
    assert InvestmentReport.objects.filter(project=project).count() == 12


def test_two_concurrent_edits_second_refused_no_lost_update(city):
    require_postgres()
    admin = factories.UserFactory(username="gx", role="park_admin", park=city.park_a)
    commission = factories.UserFactory(username="fgw", role="commission")
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio, total_investment=Decimal("10000.00"))
    assert project.version == 1
    original_name = project.name
    edits = [(admin, {"total_investment": Decimal("12000.00")}), (commission, {"name": "改名后的项目"})]

    def edit(i: int):
        user, data = edits[i]
        fresh = Project.objects.get(pk=project.pk)  # both start from version 1
        return project_update(user=user, project=fresh, data=data, expected_version=1)

    results = run_together(2, edit)
    winners = [r for r in results if isinstance(r, Project)]
    losers = [r for r in results if isinstance(r, VersionConflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].message_dict["version"] == ["该项目已被他人修改，您的修改未保存。请刷新后对照最新内容重新修改。"]
    project.refresh_from_db()
    assert project.version == 2
    won = results.index(winners[0])
    if won == 0:
        assert (project.total_investment, project.name) == (Decimal("12000.00"), original_name)
    else:
        assert (project.total_investment, project.name) == (Decimal("10000.00"), "改名后的项目")
    # Exactly one change recorded in the history besides the creation.
    assert Counter(Project.history.filter(id=project.pk).values_list("history_type", flat=True)) == {"+": 1, "~": 1}


def test_twenty_concurrent_edits_from_one_version_exactly_one_wins(city):
    require_postgres()
    commission = factories.UserFactory(username="fgw", role="commission")
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)

    def edit(i: int):
        fresh = Project.objects.get(pk=project.pk)
        return project_update(user=commission, project=fresh, data={"phase": f"第{i}期"}, expected_version=1)

    results = run_together(N, edit)
    winners = [r for r in results if isinstance(r, Project)]
    assert len(winners) == 1
    assert sum(isinstance(r, VersionConflict) for r in results) == N - 1
    project.refresh_from_db()
    assert project.version == 2 and project.phase == winners[0].phase

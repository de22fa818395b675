"""The review page's stored figures, kept by PostgreSQL triggers (migration 0015): ReviewCount
(reports per month, park and status of active projects) and InvestmentReport.prior_amount (the
counted amount of the month before). After every kind of write — the service filing, each
review step, the bulk approval, a correction of last month, a project moved or archived, a
report deleted, a rolled-back transaction — they equal what a direct count and join give, and
the page shows them at once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Case, Count, Sum, When

from projects import services
from projects.models import InvestmentReport, ReviewCount, Stage
from projects.reporting import EXPECTED_STAGES
from projects.rules import counted_q
from projects.services import ReportRow
from tests import factories
from tests.conftest import require_postgres

pytestmark = [pytest.mark.django_db]

FEB, MARCH = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres()
    assert connection.vendor == "postgresql", "the figures are kept by PostgreSQL triggers"


def stored() -> dict[tuple, int]:
    """The stored counts per (period, park, status), expected or not."""
    n = Counter()
    for r in ReviewCount.objects.all():
        n[(r.period, r.park_id, r.status)] += r.n
    return {k: v for k, v in n.items() if v}


def stored_rows() -> dict[tuple, tuple[int, Decimal]]:
    return {(r.period, r.park_id, r.status, r.expected): (r.n, r.amount) for r in ReviewCount.objects.all() if r.n}


def actual_rows() -> dict[tuple, tuple[int, Decimal]]:
    rows = (
        InvestmentReport.objects.filter(project__archived_at__isnull=True)
        .annotate(expected=Case(When(project__stage__in=EXPECTED_STAGES, then=True), default=False))
        .values("period", "project__park_id", "status", "expected")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    return {(r["period"], r["project__park_id"], r["status"], r["expected"]): (r["n"], r["amount"]) for r in rows}


def actual() -> dict[tuple, int]:
    n = Counter()
    for (period, park, status, _expected), (count, _amount) in actual_rows().items():
        n[(period, park, status)] += count
    return dict(n)


def priors_ok() -> None:
    counted = {(r.project_id, r.period): r.amount for r in InvestmentReport.objects.filter(counted_q())}
    for r in InvestmentReport.objects.all():
        before = (r.period - dt.timedelta(days=1)).replace(day=1)
        assert r.prior_amount == counted.get((r.project_id, before)), (r.project_id, r.period)


def check() -> None:
    assert stored() == actual()
    assert stored_rows() == actual_rows()
    priors_ok()


@pytest.fixture
def month(city):
    projects = [factories.ProjectFactory(park=park, industry=city.bio_drug) for park in (city.park_a, city.park_b)]
    for p in projects:
        factories.ReportFactory(project=p, period=FEB, amount=Decimal("100"))
        factories.ReportFactory(project=p, period=MARCH, amount=Decimal("900"))
    return projects


def test_every_write_keeps_the_counts_and_the_prior_amounts(city, month, commission_user):
    p1, p2 = month
    check()
    assert stored()[(MARCH, city.park_a.pk, "submitted")] == 1
    assert InvestmentReport.objects.get(project=p1, period=MARCH).prior_amount == Decimal("100")

    # The service filing (a new month, a draft) and a correction of last month.
    services.report_file(user=commission_user, rows=[ReportRow(project=p1, amount=Decimal("5"))], period="2026-04")
    check()
    services.report_file(
        user=commission_user,
        rows=[ReportRow(project=p2, amount=Decimal("300"))],
        period="2026-02",
        correct_existing=True,
    )
    check()
    assert InvestmentReport.objects.get(project=p2, period=MARCH).prior_amount == Decimal("300")

    # Each review step, and the bulk approval.
    feb = InvestmentReport.objects.get(project=p1, period=FEB)
    services.report_return(user=commission_user, report=feb, reason="数字有误")
    check()
    assert InvestmentReport.objects.get(project=p1, period=MARCH).prior_amount is None  # returned: not counted
    services.report_review_submit(user=commission_user, report=InvestmentReport.objects.get(pk=feb.pk))
    check()
    services.reports_approve(
        user=commission_user,
        report_ids=list(InvestmentReport.objects.filter(period=MARCH).values_list("pk", flat=True)),
    )
    check()
    assert stored()[(MARCH, city.park_a.pk, "approved")] == 1

    # A correction of an amount alone (no status change) moves the stored sum.
    services.report_file(
        user=commission_user,
        rows=[ReportRow(project=p2, amount=Decimal("950.50"))],
        period="2026-03",
        correct_existing=True,
        correction_reason="更正",
    )
    check()
    assert stored_rows()[(MARCH, city.park_b.pk, "approved", True)][1] == Decimal("950.50")

    # A project whose stage leaves the expected ones (投产) and comes back.
    p1.stage = Stage.IN_PRODUCTION
    p1.save()
    check()
    assert (MARCH, city.park_a.pk, "approved", False) in stored_rows()
    assert (MARCH, city.park_a.pk, "approved", True) not in stored_rows()
    p1.stage = Stage.COMPLETED
    p1.save()
    check()

    # A project moved to another park, archived; a report deleted.
    p1.park = city.park_b
    p1.save()
    check()
    services.project_archive(user=commission_user, project=p2)
    check()
    assert (MARCH, city.park_b.pk, "approved") in stored() and stored()[(MARCH, city.park_b.pk, "approved")] == 1
    InvestmentReport.objects.filter(project=p1, period=FEB).delete()
    check()
    assert InvestmentReport.objects.get(project=p1, period=MARCH).prior_amount is None


def test_a_rolled_back_write_leaves_no_trace(city, month, commission_user):
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.reports_approve(
            user=commission_user, report_ids=list(InvestmentReport.objects.values_list("pk", flat=True))
        )
        assert stored() != before
        raise RuntimeError
    assert stored() == before
    check()


def test_the_page_shows_a_write_at_once(client_commission, city, month, commission_user):
    url = "/review/?period=2026-03"
    summary = client_commission.get(url).context["summary"]
    assert (summary["submitted"], summary["approved"], summary["jumps"], summary["total"]) == (2, 0, 2, 2)
    march = InvestmentReport.objects.get(project=month[0], period=MARCH)
    services.report_approve(user=commission_user, report=march)
    response = client_commission.get(url)
    summary = response.context["summary"]
    assert (summary["submitted"], summary["approved"], summary["jumps"], summary["total"]) == (1, 1, 1, 2)
    assert [r.pk for r in response.context["reports"]] == [
        InvestmentReport.objects.get(project=month[1], period=MARCH).pk
    ]
    # Last month corrected to a figure close to this one: no longer a jump.
    services.report_file(
        user=commission_user,
        rows=[ReportRow(project=month[1], amount=Decimal("800"))],
        period="2026-02",
        correct_existing=True,
    )
    summary = client_commission.get(url).context["summary"]
    assert summary["jumps"] == 0
    assert client_commission.get(url + "&jumps=1").context["reports"] == []


def test_the_synthetic_loader_keeps_them(city):
    """The bench city's set-based SQL (it writes prior_amount itself, as the triggers would)."""
    from django.core.management import call_command

    call_command("load_demo", projects=30, batch_size=7)
    check()
    assert sum(stored().values()) == InvestmentReport.objects.count() > 0


def test_the_indexed_ratio_keeps_every_jump_at_the_boundaries(client_commission, city):
    """Factor 3, minimum 500: exactly 3× and +500 is a jump, a previous 0 too, just under is not."""
    cases = {
        ("100", "600"): True,  # 6× and +500
        ("250", "750"): True,  # exactly 3× and exactly +500
        ("0", "500"): True,  # from nothing
        ("300", "100"): False,  # a third but only −200
        ("1500", "500"): True,  # exactly a third and −1000
        ("250", "749.99"): False,  # just under 3×
    }
    pks = {}
    for (before, now), _jump in cases.items():
        p = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
        factories.ReportFactory(project=p, period=FEB, amount=Decimal(before))
        pks[(before, now)] = factories.ReportFactory(project=p, period=MARCH, amount=Decimal(now)).pk
    response = client_commission.get("/review/?period=2026-03&jumps=1")
    shown = {r.pk for r in response.context["reports"]}
    assert shown == {pks[k] for k, jump in cases.items() if jump}
    assert response.context["summary"]["jumps"] == sum(cases.values())

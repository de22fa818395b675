"""The review state machine (projects.review through projects.services) and what counts in the
figures: only submitted and approved reports (projects.rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from common.exceptions import Conflict
from projects import services
from projects.models import InvestmentReport, PeriodClose, Project
from reports.selectors import investment_lagging
from scheduling.models import SchedulingSettings
from scheduling.selectors import compute_growth_figures
from scheduling.services import refresh_project_status
from tests import factories
from tests.conftest import require_postgres
from tests.reliability.test_concurrency import run_together

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def report(city):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
    return factories.ReportFactory(project=project, period=MARCH, amount=Decimal("10"))


@pytest.mark.django_db
def test_the_whole_cycle_with_history(report, commission_user, park_a_admin):
    services.report_return(user=commission_user, report=report, reason=" 请核实金额 ")
    assert (report.status, report.return_reason, report.reviewed_by) == ("returned", "请核实金额", commission_user)
    assert report.reviewed_at is not None
    services.report_review_submit(user=park_a_admin, report=report)
    assert (report.status, report.return_reason) == ("submitted", "")
    services.report_approve(user=commission_user, report=report)
    services.report_return(user=commission_user, report=report, reason="复核发现问题")  # approved → returned
    stored = InvestmentReport.objects.get(pk=report.pk)
    assert (stored.status, stored.return_reason) == ("returned", "复核发现问题")
    steps = [(h.status, h.history_change_reason, h.history_user_id) for h in stored.history.order_by("history_id")]
    assert steps[1:] == [
        ("returned", "退回", commission_user.pk),
        ("submitted", "报送", park_a_admin.pk),
        ("approved", "审核通过", commission_user.pk),
        ("returned", "退回", commission_user.pk),
    ]


@pytest.mark.django_db
def test_refusals_change_nothing(report, commission_user, park_a_admin, park_b_admin, viewer_user):
    with pytest.raises(PermissionDenied):
        services.report_approve(user=park_a_admin, report=report)
    with pytest.raises(PermissionDenied):
        services.report_return(user=park_a_admin, report=report, reason="x")
    with pytest.raises(PermissionDenied):
        services.report_review_submit(user=viewer_user, report=report)
    with pytest.raises(PermissionDenied):
        services.report_review_submit(user=park_b_admin, report=report)
    with pytest.raises(Conflict) as exc:
        services.report_review_submit(user=park_a_admin, report=report)  # already submitted
    assert list(exc.value.message_dict) == ["status"]
    with pytest.raises(ValidationError) as exc:
        services.report_return(user=commission_user, report=report, reason="\t  ")
    assert list(exc.value.message_dict) == ["reason"]
    stored = InvestmentReport.objects.get(pk=report.pk)
    assert (stored.status, stored.return_reason, stored.history.count()) == ("submitted", "", 1)


@pytest.mark.django_db
def test_a_stale_step_is_a_conflict(report, commission_user):
    stale = InvestmentReport.objects.get(pk=report.pk)
    services.report_approve(user=commission_user, report=report)
    with pytest.raises(Conflict) as exc:
        services.report_return(user=commission_user, report=stale, reason="晚到的退回")  # it read "submitted"
    assert "已审核" in exc.value.message_dict["status"][0]
    assert InvestmentReport.objects.get(pk=report.pk).status == "approved"
    assert report.history.count() == 2


@pytest.mark.django_db
def test_closed_month_refuses_park_writes_and_needs_a_reason_from_the_commission(report, commission_user, park_a_admin):
    PeriodClose.objects.create(period=MARCH, closed_at=timezone.now())
    for call in (
        lambda: services.report_correct(user=park_a_admin, report=report, data={"amount": Decimal("1")}),
        lambda: services.report_submit(
            user=park_a_admin, project=report.project, period="2026-03", amount=Decimal("1")
        ),
        lambda: services.report_file(
            user=park_a_admin,
            period="2026-03",
            rows=[services.ReportRow(project=report.project, amount="1")],
            correct_existing=True,
        ),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert list(exc.value.message_dict) == ["period"]
    with pytest.raises(ValidationError) as exc:
        services.report_correct(user=commission_user, report=report, data={"amount": Decimal("1")})
    assert list(exc.value.message_dict) == ["correction_reason"]
    assert InvestmentReport.objects.get(pk=report.pk).amount == Decimal("10.00")
    services.report_correct(
        user=commission_user, report=report, data={"amount": Decimal("1")}, correction_reason="更正"
    )
    assert InvestmentReport.objects.get(pk=report.pk).correction_reason == "更正"


@pytest.mark.django_db
def test_period_close_rules(commission_user, park_a_admin):
    with pytest.raises(PermissionDenied):
        services.period_close(user=park_a_admin, period="2026-03")
    with pytest.raises(ValidationError) as exc:
        services.period_close(user=commission_user, period="2026-12", today=dt.date(2026, 12, 2))
    assert "尚未结束" in exc.value.message_dict["period"][0]
    row = services.period_close(user=commission_user, period="2026-11", today=dt.date(2026, 12, 2))
    assert (row.closed, row.closed_by) == (True, commission_user)
    with pytest.raises(Conflict):
        services.period_close(user=commission_user, period="2026-11", today=dt.date(2026, 12, 2))
    services.period_reopen(user=commission_user, period="2026-11")
    assert PeriodClose.objects.get().closed is False


@pytest.mark.django_db
def test_growth_counts_exactly_submitted_and_approved(city, commission_user):
    """A draft, a returned, a submitted and an approved report in one industry: the growth
    figure (and the investment status, the weekly report's lag) counts 20 + 300 only."""
    projects = [factories.ProjectFactory(park=city.park_a, industry=city.bio_drug) for _ in range(4)]
    for project, (status, amount) in zip(
        projects, [("draft", "1"), ("returned", "4000"), ("submitted", "20"), ("approved", "300")], strict=True
    ):
        factories.ReportFactory(project=project, period=MARCH, amount=Decimal(amount))
        InvestmentReport.objects.filter(project=project).update(status=status)
        factories.ReportFactory(project=project, period=dt.date(2025, 3, 1), amount=Decimal("80"))
    figures = compute_growth_figures(period=MARCH)
    row = next(r for r in figures["industries"] if r["industry"] == city.bio_drug.code)
    assert row["ytd"] == Decimal("320.00")
    assert figures["city"]["ytd"] == Decimal("320.00")
    assert row["prior_ytd"] == Decimal("320.00")
    # the snapshot path computes the same figures
    from scheduling.services import compute_industry_growth

    snapshot = compute_industry_growth(period=MARCH)
    assert snapshot.ytd == Decimal("320.00")


@pytest.mark.django_db
def test_a_return_refreshes_the_investment_status(city, commission_user, django_capture_on_commit_callbacks):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
    factories.AnnualPlanFactory(project=project, year=2026, planned_investment=Decimal("1200"))
    report = factories.ReportFactory(project=project, period=MARCH, amount=Decimal("300"))
    as_of = dt.date(2026, 4, 10)  # graded on March: 3/12 of the plan = 300
    refresh_project_status(project_ids=[project.pk], as_of=as_of)
    assert Project.objects.get(pk=project.pk).investment_status == "green"
    assert investment_lagging(as_of=as_of, settings=SchedulingSettings.load())[1] == []
    with django_capture_on_commit_callbacks() as callbacks:
        services.report_return(user=commission_user, report=report, reason="金额待核实")
    assert len(callbacks) == 1  # the refresh after commit, as after an edit
    refresh_project_status(project_ids=[project.pk], as_of=as_of)
    assert Project.objects.get(pk=project.pk).investment_status == "red"
    lagging = investment_lagging(as_of=as_of, settings=SchedulingSettings.load())[1]
    assert [p.pk for p, *_ in lagging] == [project.pk]


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_end_in_one_state_with_one_history_row(city):
    """Approve and return of the same submitted report at the same moment, many times over: each
    round ends approved or returned, never both, with exactly one new history row."""
    require_postgres()
    first = factories.UserFactory(username="reviewer1", role="commission")
    second = factories.UserFactory(username="reviewer2", role="commission")
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
    for round_ in range(5):
        report = factories.ReportFactory(project=project, period=dt.date(2026, round_ + 1, 1), amount=Decimal("10"))

        def act(i: int, pk=report.pk):
            fresh = InvestmentReport.objects.select_related("project").get(pk=pk)
            if i == 0:
                return services.report_approve(user=first, report=fresh)
            return services.report_return(user=second, report=fresh, reason="并发退回")

        results = run_together(2, act)
        won = [r for r in results if isinstance(r, InvestmentReport)]
        lost = [r for r in results if isinstance(r, Conflict)]
        assert len(won) == 1 and len(lost) == 1, results
        stored = InvestmentReport.objects.get(pk=report.pk)
        assert stored.status == won[0].status
        assert list(stored.history.values_list("status", flat=True).order_by("history_id")) == [
            "submitted",
            stored.status,
        ]

"""`load_demo`: idempotent, reproduces the articles' figures, shows delays and growth; and
`load_demo --projects N` builds the synthetic city for the benchmarks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum

from common.money import growth_pct
from demo import synthetic as syn
from demo.planner import month_add
from demo.writer import demo_checksum
from parks.models import Industry, Park, User
from projects.models import AnnualPlan, InvestmentReport, Project
from scheduling.models import Milestone, ScheduleTemplate, milestone_order_errors
from scheduling.selectors import due_soon_milestones, overdue_milestones

TODAY = dt.date(2026, 11, 22)


def in_tree(model, code):
    return model.objects.descendant_ids(model.objects.filter(code=code).values_list("pk", flat=True))


def gaoxin_2023(cluster):
    return Project.objects.filter(
        park_id__in=in_tree(Park, "GXQ"), year=2023, industry_id__in=in_tree(Industry, cluster)
    ).aggregate(n=Count("id"), total=Sum("total_investment"))


def ytd(year, month, industry_ids=None):
    qs = InvestmentReport.objects.filter(period__gte=dt.date(year, 1, 1), period__lte=dt.date(year, month, 1))
    if industry_ids is not None:
        qs = qs.filter(project__industry_id__in=industry_ids)
    return qs.aggregate(s=Sum("amount"))["s"]


def growth(year, month, industry_ids=None):
    return growth_pct(ytd(year, month, industry_ids), ytd(year - 1, month, industry_ids))


@pytest.mark.django_db
@pytest.mark.slow
def test_load_demo_twice_leaves_the_same_rows_and_reproduces_the_article_totals():
    call_command("load_demo")
    first = demo_checksum()
    ids = list(Project.objects.order_by("pk").values_list("pk", "name", "total_investment", "version"))
    call_command("load_demo")
    assert demo_checksum() == first
    assert list(Project.objects.order_by("pk").values_list("pk", "name", "total_investment", "version")) == ids

    # 高新区 2023 (with its sub-parks), as the article reports them.
    assert gaoxin_2023("BIO") == {"n": 58, "total": Decimal("5120000.00")}
    assert gaoxin_2023("EI") == {"n": 38, "total": Decimal("3606800.00")}
    assert gaoxin_2023("CHEM") == {"n": 51, "total": Decimal("4918900.00")}
    bonds = Project.objects.filter(park_id__in=in_tree(Park, "GXQ"), is_special_bond=True).aggregate(
        n=Count("id"), total=Sum("total_investment"), bonds=Sum("special_bond_amount")
    )
    assert bonds == {"n": 20, "total": Decimal("3262000.00"), "bonds": Decimal("2475000.00")}
    jinao = Project.objects.get(name="晶澳太阳能项目（一期）")
    assert (jinao.total_investment, jinao.annual_output, jinao.park.code) == (
        Decimal("1020000.00"),
        Decimal("1000000.00"),
        "GXQ-EI",
    )
    assert Park.objects.get(code="GXQ-BIO").area_mu == Decimal("28000.00")
    assert Park.objects.get(code="LQ-EI").area_mu == Decimal("26000.00")
    assert Park.objects.get(code="GXQ").region.code == "130171"

    # Demo users and what they administer.
    users = {u.username: (u.role, u.park.code if u.park else None) for u in User.objects.all()}
    assert users == {
        "commission": ("commission", None),
        "gaoxin": ("park_admin", "GXQ"),
        "luquan": ("park_admin", "LQ"),
        "viewer": ("viewer", None),
    }
    assert all(u.check_password("demo12345") for u in User.objects.all())
    assert ScheduleTemplate.objects.count() == 3


@pytest.mark.django_db
@pytest.mark.slow
def test_demo_shows_growth_delays_due_soon_and_keeps_its_history():
    call_command("load_demo")
    ei = in_tree(Industry, "EI")
    # The article's first seven months: 新一代电子信息 +45%, 36.5 points above the city (+8.5%).
    assert growth(2026, 7, ei) == Decimal("45.0")
    assert growth(2026, 7) == Decimal("8.5")
    assert growth(2025, 7, ei) > growth(2025, 7) > 0

    overdue = overdue_milestones(as_of=TODAY)
    severities = set(overdue.values_list("severity", flat=True))
    assert severities == {"red", "yellow"}
    assert overdue.count() >= 20
    assert due_soon_milestones(as_of=TODAY).count() >= 5
    # Some plans moved: the baseline shows the slip.
    assert Milestone.objects.exclude(baseline_date=F("planned_date")).exists()

    # Every project's schedule keeps the implied order; reports never exceed the total.
    for project in Project.objects.prefetch_related("milestones"):
        assert milestone_order_errors(list(project.milestones.all())) == {}, project.name
    over = Project.objects.annotate(reported=Sum("reports__amount")).filter(reported__gt=F("total_investment")).count()
    assert over == 0
    assert not InvestmentReport.objects.filter(period__gt=dt.date(2026, 10, 1)).exists()
    assert InvestmentReport.objects.filter(period=dt.date(2024, 1, 1)).exists()
    assert AnnualPlan.objects.filter(year=2026).count() > 100

    # The demo's rows have a first version in the history, by the commission.
    assert Project.history.count() == Project.objects.count()
    assert set(InvestmentReport.history.values_list("history_user__username", flat=True)) == {"commission"}
    assert Milestone.history.count() == Milestone.objects.count()


@pytest.mark.django_db
def test_synthetic_city_of_50_projects_and_top_up():
    call_command("load_demo", projects=50)
    assert Project.objects.count() == 50
    assert Milestone.objects.count() == 500
    assert InvestmentReport.objects.count() == 1800
    assert AnnualPlan.objects.count() == 150
    # Idempotent: the same N adds nothing, a larger N tops up.
    call_command("load_demo", projects=50)
    assert (Project.objects.count(), Milestone.objects.count(), InvestmentReport.objects.count()) == (50, 500, 1800)
    call_command("load_demo", projects=60, batch_size=7)
    assert (Project.objects.count(), Milestone.objects.count(), InvestmentReport.objects.count()) == (60, 600, 2160)
    severities = set(overdue_milestones(as_of=TODAY).values_list("severity", flat=True))
    assert severities == {"red", "yellow"}


@pytest.mark.django_db
def test_synthetic_rows_follow_the_documented_formulas():
    """On PostgreSQL this proves the set-based SQL writes what the Python path would."""
    call_command("load_demo", projects=40, batch_size=15)
    projects = {int(p.name.removeprefix(syn.SYNTHETIC_PREFIX)): p for p in Project.objects.all()}
    assert sorted(projects) == list(range(1, 41))
    park_ids, industry_ids, parks = syn.synthetic_targets()
    regions = dict(parks)
    for i, project in projects.items():
        assert project.owner == syn.SYNTHETIC_OWNER
        assert project.park_id == syn.syn_park(i, park_ids)
        assert project.industry_id == syn.syn_industry(i, industry_ids)
        assert project.code == f"{2021 + i % 6}-{regions[project.park_id]}-39-03-{200000 + i:06d}"
        assert (project.total_investment, project.target_date, project.stage) == (
            syn.syn_total(i),
            syn.syn_target(i),
            syn.syn_stage(i),
        )
        assert project.level == ("provincial" if i % 5 == 0 else "municipal")
        delay = dt.timedelta(days=syn.syn_delay(i))
        expected = []
        for seq, (kind, before) in enumerate(syn.SYNTHETIC_STEPS):
            planned = syn.syn_target(i) - dt.timedelta(days=before)
            expected.append((seq, kind, planned, planned, planned + delay if planned + delay <= TODAY else None))
        assert (
            list(
                project.milestones.order_by("sequence").values_list(
                    "sequence", "kind", "planned_date", "baseline_date", "actual_date"
                )
            )
            == expected
        )
        reports = list(project.reports.order_by("period").values_list("period", "amount"))
        assert reports == [(month_add(syn.SYNTHETIC_FIRST_PERIOD, m), syn.syn_report_amount(i, m)) for m in range(36)]
        assert list(project.annual_plans.values_list("year", "planned_investment")) == [
            (y, syn.syn_plan_amount(i)) for y in (2024, 2025, 2026)
        ]

"""`load_demo`: idempotent, reproduces the articles' figures, shows delays and growth, on any
day it runs (--today); and `load_demo --projects N` builds the synthetic city for the benchmarks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Max, Min, Sum

from common.money import growth_pct
from demo import synthetic as syn
from demo.data import DEMO_TODAY
from demo.planner import DemoPlanner, cluster_of, month_add
from demo.writer import demo_checksum
from parks.models import Industry, Park, User
from projects.models import AnnualPlan, InvestmentReport, Project
from scheduling.models import Milestone, ScheduleTemplate, milestone_order_errors
from scheduling.selectors import default_period, due_soon_milestones, industry_growth, overdue_milestones

TODAY = dt.date(2026, 11, 22)
# Three days the demo may be loaded on: December (period 2026-11), February (period 2027-01: a
# year to date of one month) and the end of July (period 2027-06).
DAYS = [dt.date(2026, 12, 2), dt.date(2027, 2, 10), dt.date(2027, 7, 31)]
JINAO_1 = "晶澳太阳能项目（一期）"
JINAO_2 = "晶澳太阳能项目（二期）"


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
def assert_gaoxin_2023_figures():
    """高新区 2023 (with its sub-parks) and its special bonds, as the article reports them."""
    assert gaoxin_2023("BIO") == {"n": 58, "total": Decimal("5120000.00")}
    assert gaoxin_2023("EI") == {"n": 38, "total": Decimal("3606800.00")}
    assert gaoxin_2023("CHEM") == {"n": 51, "total": Decimal("4918900.00")}
    bonds = Project.objects.filter(park_id__in=in_tree(Park, "GXQ"), is_special_bond=True).aggregate(
        n=Count("id"), total=Sum("total_investment"), bonds=Sum("special_bond_amount")
    )
    assert bonds == {"n": 20, "total": Decimal("3262000.00"), "bonds": Decimal("2475000.00")}


def report_rows():
    return set(InvestmentReport.objects.values_list("pk", "project_id", "period", "amount", "progress", "problems"))


@pytest.mark.django_db
@pytest.mark.slow
def test_load_demo_twice_on_a_day_leaves_the_same_rows_and_reproduces_the_article_totals():
    call_command("load_demo", today=DAYS[0])
    first = demo_checksum()
    ids = list(Project.objects.order_by("pk").values_list("pk", "name", "total_investment", "version"))
    reports = report_rows()
    call_command("load_demo", today=DAYS[0])
    assert demo_checksum() == first
    assert list(Project.objects.order_by("pk").values_list("pk", "name", "total_investment", "version")) == ids
    assert report_rows() == reports

    assert_gaoxin_2023_figures()
    jinao = Project.objects.get(name=JINAO_1)
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
    call_command("load_demo", today=TODAY)
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
@pytest.mark.slow
@pytest.mark.parametrize("today", DAYS, ids=str)
def test_on_any_day_the_default_period_has_the_articles_growth_and_flagships(today):
    call_command("load_demo", "--today", today.isoformat())
    period = default_period(today)
    # What the API and the dashboard show by default: the year to date of the last full month.
    figures = industry_growth(period=period)
    ei = next(row for row in figures["industries"] if row["industry"] == "EI")
    assert (figures["source"], figures["period"]) == ("live", f"{period:%Y-%m}")
    assert (ei["growth_pct"], figures["city"]["growth_pct"], ei["diff_pp"]) == (
        Decimal("45.0"),
        Decimal("8.5"),
        Decimal("36.5"),
    )
    assert_gaoxin_2023_figures()
    # Reports from January two years before through the default period, none later.
    assert InvestmentReport.objects.aggregate(first=Min("period"), last=Max("period")) == {
        "first": dt.date(period.year - 2, 1, 1),
        "last": period,
    }

    # 晶澳 phase 1: completed, in production since the last 26 September, reporting.
    jinao = Project.objects.get(name=JINAO_1)
    production = jinao.milestones.get(kind="production_start")
    last_september = dt.date(today.year if today >= dt.date(today.year, 9, 26) else today.year - 1, 9, 26)
    assert (jinao.stage, production.planned_date, production.actual_date) == (
        "in_production",
        last_september,
        last_september,
    )
    assert jinao.milestones.get(kind="completion").actual_date < last_september
    assert jinao.reports.filter(period=period, amount__gt=0).exists()
    assert jinao.annual_plans.filter(year=period.year, planned_investment__gt=0).exists()
    # Phase 2 starts on the coming 26 February.
    phase_2 = Project.objects.get(name=JINAO_2)
    start = phase_2.milestones.get(kind="construction_start")
    coming_february = dt.date(today.year if today < dt.date(today.year, 2, 26) else today.year + 1, 2, 26)
    assert phase_2.stage in ("signed", "planning")
    assert (start.planned_date, start.actual_date) == (coming_february, None)
    kangyu = Project.objects.get(name="康誉医疗介入类医用高值耗材产业园项目")
    assert kangyu.stage == "in_production"
    senlang = Project.objects.get(name="森朗生物细胞治疗产品商业化生产基地项目")
    assert senlang.milestones.filter(kind="other", name="GMP厂房验证", actual_date__lt=today).exists()
    assert Project.objects.get(name="陆源科技智能装备产业赋能中心项目").stage == "under_construction"
    # The schedules moved with the day: delays and countdowns as on the base day.
    assert set(overdue_milestones(as_of=today).values_list("severity", flat=True)) == {"red", "yellow"}
    assert overdue_milestones(as_of=today).count() >= 20
    assert due_soon_milestones(as_of=today).count() >= 5


@pytest.mark.django_db
@pytest.mark.slow
def test_a_later_run_only_adds_the_months_since_and_keeps_what_was_entered():
    call_command("load_demo", today=dt.date(2026, 12, 2))
    edited = InvestmentReport.objects.get(project__name=JINAO_1, period=dt.date(2026, 11, 1))
    edited.amount = Decimal("1234.56")
    edited.progress = "用户修改的进展"
    edited.save()
    reports = report_rows()
    projects = set(Project.objects.values_list("pk", "name", "stage", "target_date", "version"))
    milestones = set(Milestone.objects.values_list("pk", "planned_date", "baseline_date", "actual_date"))
    plans = set(AnnualPlan.objects.values_list("pk", "year", "planned_investment"))

    later = dt.date(2027, 1, 15)
    call_command("load_demo", today=later)
    after = report_rows()
    assert reports <= after  # every existing report as it was, the edited one included
    edited.refresh_from_db()
    assert (edited.amount, edited.progress) == (Decimal("1234.56"), "用户修改的进展")
    added = after - reports
    assert {period for _pk, _p, period, *_rest in added} == {dt.date(2026, 12, 1)}
    assert len(added) > 50  # the projects still under construction report the new month
    assert InvestmentReport.objects.filter(project__name=JINAO_1, period=dt.date(2026, 12, 1)).exists()
    assert set(Project.objects.values_list("pk", "name", "stage", "target_date", "version")) == projects
    assert set(Milestone.objects.values_list("pk", "planned_date", "baseline_date", "actual_date")) == milestones
    assert set(AnnualPlan.objects.values_list("pk", "year", "planned_investment")) == plans
    # And again on that later day: nothing more.
    checksum = demo_checksum()
    call_command("load_demo", today=later)
    assert demo_checksum() == checksum


@pytest.mark.slow
def test_the_plan_is_the_same_city_moved_to_any_day():
    """In memory, over days of six years: every project not pinned to a calendar day is at the
    same stage with its milestones as many days from today, and the default period's year to
    date of the reports is exactly +45.0% (新一代电子信息) and +8.5% (the city)."""

    def offsets(planner):
        return {
            p.spec.name: (p.stage, [(m.planned - planner.today).days for m in p.milestones])
            for p in planner.plan()
            if p.spec.pin is None
        }

    base = offsets(DemoPlanner(DEMO_TODAY))
    for today in [DEMO_TODAY + dt.timedelta(days=n) for n in range(9, 6 * 365, 173)]:
        planner = DemoPlanner(today)
        plans = planner.plan()
        assert offsets(planner) == base, today
        period = planner.period

        def ytd(year, ei_only, plans=plans, period=period):
            return sum(
                (
                    p.months.get(month, Decimal(0))
                    for p in plans
                    if not ei_only or cluster_of(p.spec.industry) == "EI"
                    for month, _progress, _problems in p.reports
                    if month.year == year and month.month <= period.month
                ),
                Decimal(0),
            )

        assert growth_pct(ytd(period.year, True), ytd(period.year - 1, True)) == Decimal("45.0"), today
        assert growth_pct(ytd(period.year, False), ytd(period.year - 1, False)) == Decimal("8.5"), today


def test_load_demo_refuses_a_malformed_day():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("load_demo", "--today", "2026-13-01")


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
        assert (project.latitude, project.longitude) == (syn.syn_latitude(i), syn.syn_longitude(i))
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

"""Investment growth by industry (投资增速): exact figures on a hand-computed city, the edges
(no prior year, January–February, unreported months, a corrected report, child industries
rolled into parents), snapshots stored once per period and recomputed idempotently."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.models import InvestmentReport, Level, Project, ReportStatus, Stage
from projects.services import report_correct
from scheduling.models import GrowthSnapshot, IndustryGrowth
from scheduling.selectors import _growth_groups, compute_growth_figures, default_period, industry_growth, parse_period
from scheduling.services import compute_industry_growth
from tests import factories

D = dt.date
P = Decimal
MARCH = D(2026, 3, 1)

pytestmark = pytest.mark.django_db


def report(project, period, amount):
    return factories.ReportFactory(project=project, period=period, amount=P(amount))


@pytest.fixture
def town(city, commission_user):
    """Period 2026-03 (ytd = 2026-01..03, prior = 2025-01..03).

    A  BIO (parent)    GXQ     provincial 2026 10000  ytd 100+200+300 = 600 (04 excluded); prior 400+100 = 500
    B  BIO-DRUG (child) GXQ-BIO municipal  2025  5000  ytd 150 (100 corrected to 150);      prior 100
    C  EI-IC (child)   LQ      municipal  2026 20000  ytd 50;                             prior 0
    D  EI (parent)     LQ      municipal  2024  3000  no reports
    """
    a = factories.ProjectFactory(
        name="A", industry=city.bio, park=city.park_a, level="provincial", year=2026, total_investment=P("10000")
    )
    b = factories.ProjectFactory(
        name="B", industry=city.bio_drug, park=city.park_a_sub, year=2025, total_investment=P("5000")
    )
    c = factories.ProjectFactory(
        name="C", industry=city.ei_ic, park=city.park_b, year=2026, total_investment=P("20000"), stage="planning"
    )
    d = factories.ProjectFactory(
        name="D", industry=city.ei, park=city.park_b, year=2024, total_investment=P("3000"), stage="completed"
    )
    for period, amount in [(D(2026, 1, 1), "100"), (D(2026, 2, 1), "200"), (MARCH, "300"), (D(2026, 4, 1), "999")]:
        report(a, period, amount)
    for period, amount in [(D(2025, 1, 1), "400"), (D(2025, 3, 1), "100"), (D(2025, 4, 1), "999")]:
        report(a, period, amount)
    wrong = report(b, D(2026, 2, 1), "100")
    report_correct(user=commission_user, report=wrong, data={"amount": P("150.00")})
    report(b, D(2025, 2, 1), "100")
    report(c, D(2026, 1, 1), "50")
    return {"a": a, "b": b, "c": c, "d": d}


def by_code(figures):
    return {item["industry"]: item for item in figures["industries"]}


def test_city_and_industry_figures_for_march(town):
    figures = compute_growth_figures(period=MARCH)
    assert {
        k: figures["city"][k]
        for k in ("ytd", "prior_ytd", "growth_pct", "listed_investment", "prior_listed_investment", "listed_growth_pct")
    } == {
        "ytd": P("800.00"),
        "prior_ytd": P("600.00"),
        "growth_pct": P("33.3"),  # 800 / 600 − 1 = 33.33 %
        "listed_investment": P("30000.00"),  # A + C (year 2026)
        "prior_listed_investment": P("5000.00"),  # B (year 2025)
        "listed_growth_pct": P("500.0"),
    }
    rows = by_code(figures)
    keys = (
        "ytd",
        "prior_ytd",
        "growth_pct",
        "diff_pp",
        "project_count",
        "listed_investment",
        "prior_listed_investment",
        "listed_growth_pct",
    )
    assert {code: tuple(row[k] for k in keys) for code, row in rows.items()} == {
        # The parent counts its child: 600 + 150 against 500 + 100.
        "BIO": (P("750.00"), P("600.00"), P("25.0"), P("-8.3"), 2, P("10000.00"), P("5000.00"), P("100.0")),
        "BIO-DRUG": (P("150.00"), P("100.00"), P("50.0"), P("16.7"), 1, P("0.00"), P("5000.00"), P("-100.0")),
        # Nothing last year: growth is null, not infinity or an error; so is diff_pp.
        "EI": (P("50.00"), P("0.00"), None, None, 2, P("20000.00"), P("0.00"), None),
        "EI-IC": (P("50.00"), P("0.00"), None, None, 1, P("20000.00"), P("0.00"), None),
    }
    assert [row["industry"] for row in figures["industries"]] == ["BIO", "BIO-DRUG", "EI", "EI-IC"]
    assert rows["BIO-DRUG"]["parent"] == "BIO" and rows["BIO"]["parent"] is None


def test_breakdowns_by_park_level_and_stage(town):
    breakdowns = compute_growth_figures(period=MARCH)["breakdowns"]
    parks = {
        row["park"]: (row["project_count"], row["total_investment"], row["ytd"], row["prior_ytd"], row["growth_pct"])
        for row in breakdowns["park"]
    }
    assert parks == {
        "GXQ": (2, "15000.00", "750.00", "600.00", "25.0"),  # with its sub-park
        "GXQ-BIO": (1, "5000.00", "150.00", "100.00", "50.0"),
        "LQ": (2, "23000.00", "50.00", "0.00", None),
    }
    levels = {row["code"]: (row["project_count"], row["ytd"]) for row in breakdowns["level"]}
    assert levels == {"provincial": (1, "600.00"), "municipal": (3, "200.00")}
    stages = {row["code"]: (row["project_count"], row["total_investment"]) for row in breakdowns["stage"]}
    assert stages["under_construction"] == (2, "15000.00")
    assert stages["planning"] == (1, "20000.00")
    assert stages["completed"] == (1, "3000.00")
    assert stages["at_capacity"] == (0, "0.00")


def test_january_and_february_and_unreported_months(city):
    project = factories.ProjectFactory(industry=city.ei, park=city.park_b)
    report(project, D(2026, 1, 1), "30")
    report(project, D(2026, 3, 1), "70")  # February never reported
    report(project, D(2025, 1, 1), "20")
    report(project, D(2025, 2, 1), "20")
    report(project, D(2024, 12, 1), "500")  # another year: never counted
    january = compute_growth_figures(period=D(2026, 1, 1))["city"]
    assert (january["ytd"], january["prior_ytd"], january["growth_pct"]) == (P("30.00"), P("20.00"), P("50.0"))
    february = compute_growth_figures(period=D(2026, 2, 1))["city"]
    assert (february["ytd"], february["prior_ytd"], february["growth_pct"]) == (P("30.00"), P("40.00"), P("-25.0"))
    march = compute_growth_figures(period=D(2026, 3, 1))["city"]
    assert (march["ytd"], march["prior_ytd"], march["growth_pct"]) == (P("100.00"), P("40.00"), P("150.0"))


def test_growth_is_rounded_half_up(city):
    project = factories.ProjectFactory(industry=city.ei, park=city.park_b)
    report(project, D(2025, 1, 1), "400")
    report(project, D(2026, 1, 1), "449")  # 449 / 400 − 1 = 12.25 % → 12.3 (half up, not to even)
    figures = compute_growth_figures(period=D(2026, 1, 1))
    assert figures["city"]["growth_pct"] == P("12.3")
    assert by_code(figures)["EI"]["growth_pct"] == P("12.3")
    assert by_code(figures)["EI"]["diff_pp"] == P("0.0")


def test_an_empty_city_has_null_growth_and_zero_sums(city):
    figures = compute_growth_figures(period=MARCH)
    assert figures["city"]["ytd"] == P("0.00")
    assert figures["city"]["growth_pct"] is None
    assert all(row["project_count"] == 0 and row["growth_pct"] is None for row in figures["industries"])


def test_snapshot_is_stored_once_and_served(town):
    snapshot = compute_industry_growth(period=MARCH)
    assert GrowthSnapshot.objects.count() == 1
    assert (snapshot.ytd, snapshot.prior_ytd, snapshot.growth_pct) == (P("800.00"), P("600.00"), P("33.3"))
    served = industry_growth(period=MARCH)
    live = compute_growth_figures(period=MARCH)
    assert served["source"] == "snapshot" and served["computed_at"] == snapshot.computed_at
    assert served["period"] == "2026-03"
    keys = (
        "industry",
        "name",
        "ytd",
        "prior_ytd",
        "growth_pct",
        "diff_pp",
        "project_count",
        "listed_investment",
        "prior_listed_investment",
        "listed_growth_pct",
    )
    assert [[row[k] for k in keys] for row in served["industries"]] == [
        [row[k] for k in keys] for row in live["industries"]
    ]
    assert served["city"] == live["city"]
    assert served["breakdowns"] == live["breakdowns"]


def test_without_a_snapshot_the_figures_are_computed_live(town):
    served = industry_growth(period=MARCH)
    assert served["source"] == "live" and served["computed_at"] is None
    assert served["city"]["growth_pct"] == P("33.3")
    assert by_code(served)["BIO"]["diff_pp"] == P("-8.3")
    assert GrowthSnapshot.objects.count() == 0


def test_recomputing_is_idempotent_and_follows_corrections(town, commission_user):
    first = compute_industry_growth(period=MARCH)
    rows_before = sorted(IndustryGrowth.objects.values_list())
    again = compute_industry_growth(period=MARCH)
    assert again.pk == first.pk and again.computed_at == first.computed_at
    assert sorted(IndustryGrowth.objects.values_list()) == rows_before
    # A report corrected after the fact: the latest figure counts on the next run.
    a_march = town["a"].reports.get(period=MARCH)
    report_correct(user=commission_user, report=a_march, data={"amount": P("400.00")})
    third = compute_industry_growth(period=MARCH)
    assert third.pk == first.pk and third.computed_at > first.computed_at
    assert (third.ytd, third.growth_pct) == (P("900.00"), P("50.0"))
    bio = IndustryGrowth.objects.get(snapshot=third, industry__code="BIO")
    assert (bio.ytd, bio.growth_pct, bio.diff_pp) == (P("850.00"), P("41.7"), P("-8.3"))
    assert GrowthSnapshot.objects.count() == 1 and IndustryGrowth.objects.count() == 4


def test_statement_count_does_not_grow_with_projects(city):
    def measure():
        GrowthSnapshot.objects.all().delete()  # the same path (a new snapshot) at both sizes
        with CaptureQueriesContext(connection) as ctx:
            compute_industry_growth(period=MARCH)
        with CaptureQueriesContext(connection) as live:
            compute_growth_figures(period=MARCH)
        with CaptureQueriesContext(connection) as served:
            industry_growth(period=MARCH)
        return len(ctx.captured_queries), len(live.captured_queries), len(served.captured_queries)

    def add(n, offset):
        for i in range(n):
            project = factories.ProjectFactory(industry=[city.bio, city.bio_drug, city.ei_ic][i % 3], park=city.park_b)
            report(project, MARCH, str(10 + i + offset))
            report(project, D(2025, 3, 1), "7")

    add(2, 0)
    small = measure()
    add(20, 100)
    large = measure()
    assert small == large
    # Two GROUP BYs (one statement on PostgreSQL), the comparable bases, the industry and park trees.
    assert small[1] == (4 if connection.vendor == "postgresql" else 5)


def test_default_period_and_parsing():
    assert default_period(D(2026, 5, 20)) == D(2026, 4, 1)
    assert default_period(D(2026, 1, 1)) == D(2025, 12, 1)
    assert default_period(D(2026, 3, 31)) == D(2026, 2, 1)
    assert parse_period("2026-02") == D(2026, 2, 1)
    assert parse_period(None, today=D(2026, 1, 15)) == D(2025, 12, 1)
    for bad in ("2026-13", "2026-2", "26-02", "abc", "2026-02-01"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_period(bad)
    for far in ("0001-01", "1999-12", "2101-01"):
        with pytest.raises(ValueError, match="报告期应在 2000-01 至 2100-12 之间"):
            parse_period(far)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one statement is PostgreSQL's")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_the_one_statement_groups_are_the_orm_ones(city, seed):
    """Property (PostgreSQL, where compute_growth_figures uses _growth_groups_pg_sql): on any mix
    of projects (industries, parks, levels, stages, listing years, archived) and reports (both
    windows and outside them, every review status), the one statement gives exactly the sums
    and counts of the two ORM GROUP BYs."""
    rng = random.Random(seed)
    InvestmentReport.objects.all().delete()
    Project.objects.all().delete()
    for i in range(rng.randint(0, 8)):
        project = factories.ProjectFactory(
            industry=rng.choice([city.bio, city.bio_drug, city.ei_ic]),
            park=rng.choice([city.park_a, city.park_b]),
            level=rng.choice(Level.values),
            stage=rng.choice(Stage.values),
            year=rng.choice([2024, 2025, 2026]),
            total_investment=P(rng.randint(0, 10**6)) / 100,
            archived_at=rng.choice([None, timezone.now()]),
        )
        for period in rng.sample([D(y, m, 1) for y in (2024, 2025, 2026) for m in (1, 2, 3, 4, 12)], rng.randint(0, 6)):
            factories.ReportFactory(
                project=project, period=period, amount=P(rng.randint(0, 10**7)) / 100,
                status=rng.choice(ReportStatus.values),
            )  # fmt: skip
    for period in (MARCH, D(2026, 1, 1), D(2025, 12, 1)):
        assert _growth_groups(period=period, one_statement=True) == _growth_groups(period=period, one_statement=False)

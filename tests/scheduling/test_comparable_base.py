"""可比口径: a comparable base replaces a row's prior_ytd in the growth figures (live and in the
snapshots), prior_source says so; every change is kept in the history; constant queries.

The town (tests.scheduling.test_growth), period 2026-03, from the reports:
city ytd 800.00, prior 600.00 → 33.3 %; BIO ytd 750.00, prior 600.00 → 25.0 % (−8.3 pp);
BIO-DRUG ytd 150.00, prior 100.00 → 50.0 %; EI ytd 50.00, prior 0 → null."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import ComparableBase, GrowthSnapshot
from scheduling.selectors import compute_growth_figures, industry_growth
from scheduling.services import comparable_base_delete, comparable_base_save, compute_industry_growth
from tests import factories
from tests.scheduling import test_growth
from tests.scheduling.test_growth import MARCH, by_code

town = test_growth.town  # the fixture

P = Decimal
pytestmark = pytest.mark.django_db


def test_without_a_comparable_base_the_reports_are_the_base(town):
    figures = compute_growth_figures(period=MARCH)
    assert figures["city"]["prior_ytd"] == P("600.00")
    assert figures["city"]["growth_pct"] == P("33.3")
    assert figures["city"]["prior_source"] == "reports"
    rows = by_code(figures)
    assert rows["BIO"]["growth_pct"] == P("25.0") and rows["BIO"]["diff_pp"] == P("-8.3")
    assert {code: row["prior_source"] for code, row in rows.items()} == dict.fromkeys(rows, "reports")


def test_city_comparable_base_moves_the_city_growth_and_every_diff_pp(town, commission_user, city):
    comparable_base_save(user=commission_user, period=MARCH, industry=None, prior_ytd=P("700.00"))
    figures = compute_growth_figures(period=MARCH)
    city_row = figures["city"]
    # (800 / 700 − 1) × 100 = 14.2857… → 14.3
    assert (city_row["prior_ytd"], city_row["growth_pct"], city_row["prior_source"]) == (
        P("700.00"),
        P("14.3"),
        "comparable",
    )
    rows = by_code(figures)
    # BIO keeps its own base (600, 25.0 %); its diff follows the city's: 25.0 − 14.3 = 10.7
    assert (rows["BIO"]["prior_ytd"], rows["BIO"]["growth_pct"], rows["BIO"]["diff_pp"]) == (
        P("600.00"),
        P("25.0"),
        P("10.7"),
    )
    assert rows["BIO"]["prior_source"] == "reports"
    assert rows["BIO-DRUG"]["diff_pp"] == P("35.7")  # 50.0 − 14.3
    assert rows["EI"]["growth_pct"] is None and rows["EI"]["diff_pp"] is None


def test_industry_comparable_base_replaces_only_that_row(town, commission_user, city):
    comparable_base_save(user=commission_user, period=MARCH, industry=city.ei, prior_ytd=P("40.00"))
    comparable_base_save(user=commission_user, period=MARCH, industry=city.bio, prior_ytd=P("500.00"))
    figures = compute_growth_figures(period=MARCH)
    rows = by_code(figures)
    # EI: (50 / 40 − 1) × 100 = 25.0; 25.0 − 33.3 = −8.3
    assert (rows["EI"]["prior_ytd"], rows["EI"]["growth_pct"], rows["EI"]["diff_pp"]) == (
        P("40.00"),
        P("25.0"),
        P("-8.3"),
    )
    assert rows["EI"]["prior_source"] == "comparable"
    # BIO: (750 / 500 − 1) × 100 = 50.0; 50.0 − 33.3 = 16.7
    assert (rows["BIO"]["growth_pct"], rows["BIO"]["diff_pp"], rows["BIO"]["prior_source"]) == (
        P("50.0"),
        P("16.7"),
        "comparable",
    )
    # children and the city keep the reports
    assert rows["EI-IC"]["prior_source"] == rows["BIO-DRUG"]["prior_source"] == "reports"
    assert figures["city"]["growth_pct"] == P("33.3") and figures["city"]["prior_source"] == "reports"
    # another period is untouched
    assert by_code(compute_growth_figures(period=dt.date(2026, 2, 1)))["EI"]["prior_source"] == "reports"


def test_a_zero_comparable_base_gives_no_growth(town, commission_user):
    comparable_base_save(user=commission_user, period=MARCH, industry=None, prior_ytd=P("0.00"))
    city = compute_growth_figures(period=MARCH)["city"]
    assert (city["growth_pct"], city["prior_source"]) == (None, "comparable")
    assert all(row["diff_pp"] is None for row in compute_growth_figures(period=MARCH)["industries"])


def test_the_stored_snapshot_follows_every_change(town, commission_user, city):
    compute_industry_growth(period=MARCH)
    assert industry_growth(period=MARCH)["city"]["prior_source"] == "reports"
    base = comparable_base_save(user=commission_user, period=MARCH, industry=None, prior_ytd=P("700.00"))
    served = industry_growth(period=MARCH)
    assert served["source"] == "snapshot"
    assert (served["city"]["growth_pct"], served["city"]["prior_source"]) == (P("14.3"), "comparable")
    assert by_code(served)["BIO"]["diff_pp"] == P("10.7")
    comparable_base_save(user=commission_user, period=MARCH, industry=None, prior_ytd=P("400.00"), base=base)
    assert industry_growth(period=MARCH)["city"]["growth_pct"] == P("100.0")  # 800 / 400 − 1
    comparable_base_delete(user=commission_user, base=ComparableBase.objects.get(pk=base.pk))
    served = industry_growth(period=MARCH)
    assert (served["city"]["growth_pct"], served["city"]["prior_source"]) == (P("33.3"), "reports")
    assert GrowthSnapshot.objects.count() == 1
    # the nightly job recomputes the same figures: nothing to write
    snapshot = GrowthSnapshot.objects.get()
    assert compute_industry_growth(period=MARCH).computed_at == snapshot.computed_at


def test_history_keeps_every_change_with_its_user(commission_user, city):
    base = comparable_base_save(user=commission_user, period=MARCH, industry=city.bio, prior_ytd=P("1.00"))
    base = comparable_base_save(user=commission_user, period=MARCH, industry=city.bio, prior_ytd=P("2.50"), base=base)
    comparable_base_delete(user=commission_user, base=base)
    rows = list(ComparableBase.history.order_by("history_id").values_list("history_type", "prior_ytd", "history_user"))
    assert rows == [
        ("+", P("1.00"), commission_user.pk),
        ("~", P("2.50"), commission_user.pk),
        ("-", P("2.50"), commission_user.pk),
    ]


def test_only_the_commission_writes(park_a_admin, viewer_user, city):
    for user in (park_a_admin, viewer_user):
        with pytest.raises(PermissionDenied):
            comparable_base_save(user=user, period=MARCH, industry=None, prior_ytd=P("1.00"))
    assert ComparableBase.objects.count() == 0


@pytest.mark.parametrize(
    ("period", "amount", "field"),
    [
        (MARCH, P("-1.00"), "prior_ytd"),
        (MARCH, P("1.001"), "prior_ytd"),
        (MARCH, P("NaN"), "prior_ytd"),
        (MARCH, P("1E+20"), "prior_ytd"),
        (dt.date(1900, 1, 1), P("1.00"), "period"),
    ],
)
def test_bad_input_stores_nothing(commission_user, city, period, amount, field):
    with pytest.raises(ValidationError) as exc:
        comparable_base_save(user=commission_user, period=period, industry=None, prior_ytd=amount)
    assert field in exc.value.message_dict
    assert ComparableBase.objects.count() == 0


def test_one_base_per_period_and_industry(commission_user, city):
    comparable_base_save(user=commission_user, period=MARCH, industry=None, prior_ytd=P("1.00"))
    comparable_base_save(user=commission_user, period=MARCH, industry=city.bio, prior_ytd=P("1.00"))
    for industry in (None, city.bio):
        with pytest.raises(ValidationError) as exc:
            comparable_base_save(user=commission_user, period=MARCH, industry=industry, prior_ytd=P("9.00"))
        assert "industry" in exc.value.message_dict
    assert ComparableBase.objects.count() == 2


def _growth_queries(period) -> int:
    with CaptureQueriesContext(connection) as ctx:
        compute_growth_figures(period=period)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_bases_or_industries(commission_user, city):
    factories.ReportFactory(project=factories.ProjectFactory(industry=city.bio), period=MARCH, amount=P("1"))
    few = _growth_queries(MARCH)
    for n in range(12):
        industry = factories.IndustryFactory(code=f"X{n}", name=f"产业{n}", parent=city.ei)
        comparable_base_save(user=commission_user, period=MARCH, industry=industry, prior_ytd=P("5.00"))
    comparable_base_save(user=commission_user, period=MARCH, industry=None, prior_ytd=P("5.00"))
    assert _growth_queries(MARCH) == few


def test_the_admin_writes_through_the_service(client, town, city, commission_user):
    commission_user.is_staff = commission_user.is_superuser = True
    commission_user.save()
    client.force_login(commission_user)
    compute_industry_growth(period=MARCH)
    url = "/admin/scheduling/comparablebase/add/"
    response = client.post(url, {"period": "2026-03-01", "industry": "", "prior_ytd": "700.00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    base = ComparableBase.objects.get()
    assert (base.prior_ytd, base.updated_by, base.history.get().history_user) == (
        P("700.00"),
        commission_user,
        commission_user,
    )
    # the snapshot followed (the service recomputed it)
    assert industry_growth(period=MARCH)["city"]["growth_pct"] == P("14.3")
    # a second base for the city and the month: refused by the form, nothing stored
    again = client.post(url, {"period": "2026-03-01", "industry": "", "prior_ytd": "1.00"})
    assert again.status_code == 200 and ComparableBase.objects.count() == 1
    change = f"/admin/scheduling/comparablebase/{base.pk}/change/"
    assert client.post(change, {"period": "2026-03-01", "industry": "", "prior_ytd": "400.00"}).status_code == 302
    assert industry_growth(period=MARCH)["city"]["growth_pct"] == P("100.0")
    assert client.get(f"/admin/scheduling/comparablebase/{base.pk}/history/").status_code == 200
    assert client.post(f"/admin/scheduling/comparablebase/{base.pk}/delete/", {"post": "yes"}).status_code == 302
    assert industry_growth(period=MARCH)["city"]["prior_source"] == "reports"
    assert ComparableBase.history.count() == 3

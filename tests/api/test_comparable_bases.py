"""`comparable-bases/` (可比口径): the commission writes, others read (403 on write, nothing
stored); bad input a 400 naming the field; `stats/industry-investment/` uses a base as that row's
prior_ytd with `prior_source` "comparable", growth and diff_pp computed by hand; constant queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import ComparableBase
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/comparable-bases/"
STATS = "/api/v1/stats/industry-investment/?period=2026-03"


@pytest.fixture
def march(data):
    """As in test_industry_investment_contract_shape_and_values: city 9700.25 against 9000.00
    (+7.8 %); BIO 1700.25 against 1000.00 (+70.0 %, 62.2 pp)."""
    factories.ReportFactory(project=data.project_a, period=dt.date(2026, 3, 1), amount=Decimal("200.00"))
    factories.ReportFactory(project=data.project_a, period=dt.date(2025, 2, 1), amount=Decimal("1000.00"))
    factories.ReportFactory(project=data.project_b, period=dt.date(2025, 1, 1), amount=Decimal("8000.00"))
    return data


def stats(client):
    body = client.get(STATS).json()
    return body["city"], {r["industry"]: r for r in body["industries"]}


def test_growth_follows_the_comparable_bases(clients, march):
    city, rows = stats(clients.viewer)
    assert (city["growth_pct"], city["prior_source"], rows["BIO"]["diff_pp"]) == ("7.8", "reports", "62.2")
    response = clients.commission.post(
        URL, {"period": "2026-03", "industry": None, "prior_ytd": "9500.00"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "period": "2026-03",
        "industry": None,
        "prior_ytd": "9500.00",
    }
    city, rows = stats(clients.viewer)
    # (9700.25 / 9500 − 1) × 100 = 2.1078… → 2.1; BIO 70.0 − 2.1 = 67.9
    assert (city["prior_ytd"], city["growth_pct"], city["prior_source"]) == ("9500.00", "2.1", "comparable")
    assert (rows["BIO"]["growth_pct"], rows["BIO"]["diff_pp"], rows["BIO"]["prior_source"]) == (
        "70.0",
        "67.9",
        "reports",
    )
    bio = clients.commission.post(URL, {"period": "2026-03", "industry": "BIO", "prior_ytd": "1500.00"}, format="json")
    assert bio.status_code == 201, bio.content
    city, rows = stats(clients.admin_a)
    # (1700.25 / 1500 − 1) × 100 = 13.35 → 13.4 (half up); 13.4 − 2.1 = 11.3
    assert (rows["BIO"]["prior_ytd"], rows["BIO"]["growth_pct"], rows["BIO"]["diff_pp"]) == ("1500.00", "13.4", "11.3")
    assert rows["BIO"]["prior_source"] == "comparable"
    assert rows["BIO-DRUG"]["prior_source"] == "reports"
    # a correction by PATCH, then a removal: the figures follow
    patched = clients.commission.patch(f"{URL}{bio.json()['id']}/", {"prior_ytd": "1000.00"}, format="json")
    assert patched.status_code == 200 and patched.json()["prior_ytd"] == "1000.00"
    assert stats(clients.viewer)[1]["BIO"]["growth_pct"] == "70.0"
    assert clients.commission.delete(f"{URL}{response.json()['id']}/").status_code == 204
    city, rows = stats(clients.viewer)
    assert (city["growth_pct"], city["prior_source"], rows["BIO"]["diff_pp"]) == ("7.8", "reports", "62.2")
    assert ComparableBase.history.count() == 4  # two created, one changed, one deleted


@pytest.mark.parametrize("role", ["admin_a", "admin_b", "viewer", "anonymous"])
def test_only_the_commission_writes(clients, march, role):
    client = getattr(clients, role)
    expected = 401 if role == "anonymous" else 403
    assert client.post(URL, {"period": "2026-03", "prior_ytd": "1.00"}, format="json").status_code == expected
    base = ComparableBase.objects.create(period=dt.date(2026, 3, 1), prior_ytd=Decimal("5.00"))
    assert client.patch(f"{URL}{base.pk}/", {"prior_ytd": "1.00"}, format="json").status_code == expected
    assert client.delete(f"{URL}{base.pk}/").status_code == expected
    assert list(ComparableBase.objects.values_list("prior_ytd", flat=True)) == [Decimal("5.00")]
    if role != "anonymous":
        listed = client.get(URL).json()
        assert [r["prior_ytd"] for r in listed["results"]] == ["5.00"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-13", "prior_ytd": "1.00"}, "period"),
        ({"period": "2026-3", "prior_ytd": "1.00"}, "period"),
        ({"period": "0000-01", "prior_ytd": "1.00"}, "period"),
        ({"prior_ytd": "1.00"}, "period"),
        ({"period": "2026-03", "prior_ytd": "-1.00"}, "prior_ytd"),
        ({"period": "2026-03", "prior_ytd": "1.005"}, "prior_ytd"),
        ({"period": "2026-03", "prior_ytd": "NaN"}, "prior_ytd"),
        ({"period": "2026-03", "prior_ytd": "1e30"}, "prior_ytd"),
        ({"period": "2026-03", "prior_ytd": True}, "prior_ytd"),
        ({"period": "2026-03"}, "prior_ytd"),
        ({"period": "2026-03", "prior_ytd": "1.00", "industry": "NOPE"}, "industry"),
        ({"period": "2026-03", "prior_ytd": "1.00", "industry": "\x00"}, "industry"),
        ({"period": "2026-03", "prior_ytd": "1.00", "industry": 7}, "industry"),
    ],
)
def test_bad_input_is_a_400_on_the_field(clients, march, body, field):
    response = clients.commission.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert ComparableBase.objects.count() == 0


def test_a_second_base_for_the_same_period_and_industry_is_a_400(clients, march):
    for industry in (None, "BIO"):
        body = {"period": "2026-03", "industry": industry, "prior_ytd": "1.00"}
        assert clients.commission.post(URL, body, format="json").status_code == 201
        again = clients.commission.post(URL, {**body, "prior_ytd": "2.00"}, format="json")
        assert again.status_code == 400 and "industry" in again.json()
    assert ComparableBase.objects.count() == 2


def test_list_filters(clients, march, city):
    for period, industry in [(dt.date(2026, 3, 1), None), (dt.date(2026, 3, 1), city.bio), (dt.date(2026, 2, 1), None)]:
        ComparableBase.objects.create(period=period, industry=industry, prior_ytd=Decimal("1.00"))

    def got(query):
        results = clients.viewer.get(f"{URL}?{query}").json()["results"]
        return sorted((r["period"], r["industry"] or "city") for r in results)

    assert got("period=2026-03") == [("2026-03", "BIO"), ("2026-03", "city")]
    assert got("industry=city") == [("2026-02", "city"), ("2026-03", "city")]
    assert got("industry=BIO") == [("2026-03", "BIO")]
    assert clients.viewer.get(f"{URL}?period=2026-13").status_code == 400


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_list_costs_the_same_at_10_and_200_rows(clients, city):
    industries = [factories.IndustryFactory(code=f"Q{n}", name=f"行业{n}") for n in range(20)]

    def add(months):
        ComparableBase.objects.bulk_create(
            ComparableBase(period=dt.date(2020 + m // 12, m % 12 + 1, 1), industry=i, prior_ytd=Decimal("1.00"))
            for m in months
            for i in industries[:10]
        )

    add(range(1))
    small = _list_queries(clients.viewer)
    add(range(1, 20))
    assert ComparableBase.objects.count() == 200
    assert _list_queries(clients.viewer) == small

"""Milestones (kinds, name for `other`, read-only baseline, countdowns, slip), the delay list
and the industry investment statistics as the contract defines them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scheduling.models import Milestone
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/milestones/"


def test_milestone_round_trip_baseline_read_only_and_slip(clients, data):
    created = clients.admin_a.post(
        URL,
        {
            "project": data.project_a.pk,
            "kind": "completion",
            "planned_date": "2026-10-01",
            "baseline_date": "2020-01-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["baseline_date"] == "2026-10-01" and body["slip_days"] == 0 and body["actual_date"] is None
    url = f"{URL}{body['id']}/"
    moved = clients.admin_a.patch(url, {"planned_date": "2026-10-31", "baseline_date": "2026-12-31"}, format="json")
    assert moved.status_code == 200
    assert moved.json()["baseline_date"] == "2026-10-01"
    assert moved.json()["planned_date"] == "2026-10-31" and moved.json()["slip_days"] == 30
    stored = Milestone.objects.get(pk=body["id"])
    assert stored.baseline_date == dt.date(2026, 10, 1) and stored.planned_date == dt.date(2026, 10, 31)


def test_other_kind_needs_name_and_bad_kind_refused(clients, data):
    nameless = clients.admin_a.post(
        URL, {"project": data.project_a.pk, "kind": "other", "planned_date": "2026-10-01"}, format="json"
    )
    assert nameless.status_code == 400 and nameless.json() == {"name": ["节点类型为“其他”时必须填写节点名称。"]}
    bad_kind = clients.admin_a.post(
        URL, {"project": data.project_a.pk, "kind": "party", "planned_date": "2026-10-01"}, format="json"
    )
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()
    named = clients.admin_a.post(
        URL,
        {"project": data.project_a.pk, "kind": "other", "name": "环评批复", "planned_date": "2026-10-01"},
        format="json",
    )
    assert named.status_code == 201 and named.json()["name"] == "环评批复"
    assert Milestone.objects.filter(project=data.project_a).count() == 2


def test_milestone_order_inconsistent_dates_400(clients, data):
    # construction_start is 2026-03-01: a signing after it is out of order.
    response = clients.admin_a.post(
        URL, {"project": data.project_a.pk, "kind": "signing", "planned_date": "2026-05-01"}, format="json"
    )
    assert response.status_code == 400 and "planned_date" in response.json()
    assert not Milestone.objects.filter(project=data.project_a, kind="signing").exists()


def test_countdown_fields_as_of(clients, data):
    # 2026-02-20 (Fri) → 2026-03-01 (Sun): 9 calendar days; working days exclude weekends.
    body = clients.admin_a.get(f"{URL}{data.milestone_a.pk}/?as_of=2026-02-20").json()
    assert body["days_left"] == 9
    assert body["workdays_left"] == 5  # 23..27 Feb
    assert body["status"] == "open"
    late = clients.admin_a.get(f"{URL}{data.milestone_a.pk}/?as_of=2026-03-11").json()
    assert late["days_left"] == -10 and late["status"] == "overdue"
    assert clients.admin_a.get(f"{URL}?as_of=2026-02-31").status_code == 400


def test_milestone_filters(clients, data):
    done = factories.MilestoneFactory(
        project=data.project_a, kind="signing", planned_date=dt.date(2026, 1, 10), actual_date=dt.date(2026, 1, 9)
    )

    def got(query):
        response = clients.commission.get(f"{URL}?as_of=2026-04-01&{query}")
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    a, b = data.milestone_a.pk, data.milestone_b.pk
    assert got(f"project={data.project_a.pk}") == {a, done.pk}
    assert got("kind=completion") == {b}
    assert got("status=done") == {done.pk}
    assert got("status=overdue") == {a}
    assert got("status=open") == {a, b}
    assert got("planned_from=2026-02-01&planned_to=2026-06-30") == {a}
    assert got("park=LQ") == {b}
    assert clients.commission.get(f"{URL}?status=late").status_code == 400


def test_delays_items_exactly_as_contract(clients, data):
    # Overdue as of 2026-04-01: milestone_a (planned 2026-03-01) → 31 days → red.
    response = clients.commission.get("/api/v1/delays/?as_of=2026-04-01")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1
    row = rows[0]
    expected = {
        "milestone": data.milestone_a.pk,
        "project": data.project_a.pk,
        "project_name": "森朗生物CAR-T商业化生产基地",
        "park": "GXQ-BIO",
        "industry": "BIO-DRUG",
        "kind": "construction_start",
        "planned_date": "2026-03-01",
        "days_overdue": 31,
        "severity": "red",
    }
    assert {k: row[k] for k in expected} == expected


def test_delays_severity_park_and_completion(clients, data):
    def got(query):
        response = clients.commission.get(f"/api/v1/delays/?{query}")
        assert response.status_code == 200, response.content
        return {(r["milestone"], r["severity"], r["days_overdue"]) for r in response.json()["results"]}

    a, b = data.milestone_a.pk, data.milestone_b.pk
    assert got("as_of=2026-03-31") == {(a, "yellow", 30)}
    assert got("as_of=2026-10-01") == {(a, "red", 214), (b, "yellow", 1)}
    assert got("as_of=2026-10-01&severity=yellow") == {(b, "yellow", 1)}
    assert got("as_of=2026-10-01&park=GXQ") == {(a, "red", 214)}  # via its sub-park
    Milestone.objects.filter(pk=a).update(actual_date=dt.date(2026, 5, 1))
    assert got("as_of=2026-04-30") == {(a, "red", 60)}  # completed later than as_of: still overdue then
    assert got("as_of=2026-05-01") == set()
    for bad in ("as_of=yesterday", "severity=orange", "park=NOPE"):
        assert clients.commission.get(f"/api/v1/delays/?{bad}").status_code == 400


def test_industry_investment_contract_shape_and_values(clients, data, city):
    # BIO-DRUG: 2026-01..03 = 1500.25 + 200.00; prior year 2025-01..03 = 1000.00 → +70.0 %.
    factories.ReportFactory(project=data.project_a, period=dt.date(2026, 3, 1), amount=Decimal("200.00"))
    factories.ReportFactory(project=data.project_a, period=dt.date(2025, 2, 1), amount=Decimal("1000.00"))
    factories.ReportFactory(project=data.project_a, period=dt.date(2025, 4, 1), amount=Decimal("999.00"))  # after Mar
    factories.ReportFactory(project=data.project_b, period=dt.date(2025, 1, 1), amount=Decimal("8000.00"))
    response = clients.admin_b.get("/api/v1/stats/industry-investment/?period=2026-03")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == "2026-03"
    assert body["city"] == {
        "ytd": "9700.25",
        "prior_ytd": "9000.00",
        "growth_pct": "7.8",
        "listed_investment": "60000.00",
        "prior_listed_investment": "1020000.00",
        "listed_growth_pct": "-94.1",
        "prior_source": "reports",
    }
    rows = {r["industry"]: r for r in body["industries"]}
    assert set(rows) == {"BIO", "BIO-DRUG", "EI", "EI-IC"}
    bio = rows["BIO"]
    assert {k: bio[k] for k in bio if k != "parent"} == {
        "industry": "BIO",
        "name": "生物医药",
        "ytd": "1700.25",
        "prior_ytd": "1000.00",
        "growth_pct": "70.0",
        "diff_pp": "62.2",
        "project_count": 1,
        "listed_investment": "60000.00",
        "prior_listed_investment": "0.00",
        "listed_growth_pct": None,
        "prior_source": "reports",
    }
    assert rows["EI"]["growth_pct"] == "0.0" and rows["EI"]["diff_pp"] == "-7.8"


def test_industry_investment_bad_period(clients, data):
    for bad in ("2026-13", "2026-1", "x", "0000-01"):
        response = clients.viewer.get(f"/api/v1/stats/industry-investment/?period={bad}")
        assert response.status_code == 400 and "period" in response.json()
    default = clients.viewer.get("/api/v1/stats/industry-investment/").json()
    assert len(default["period"]) == 7

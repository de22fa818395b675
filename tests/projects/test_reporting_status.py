"""`reporting-status/` (CONTRACT v2 "Who has reported"): the figures on a fixture computed by
hand, the scope, the period parameter."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from projects.models import PeriodClose
from projects.reporting import reporting_status
from tests import factories
from tests.api.conftest import token_client

NOV = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 12, 2)  # November is the month now due (due 2026-12-05)


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    return TODAY


@pytest.fixture
def cycle(city):
    """By hand, for 2026-11:
    GXQ:     p1 under construction, submitted (reported); p2 signed, nothing (missing);
             p3 in production (not expected); p4 completed, a draft (missing).
    GXQ-BIO: p5 under construction, approved; p6 signed, returned (missing);
             p7 planning (not expected); p8 archived (not expected).
    LQ:      p9 at capacity, approved (not expected, not counted); p10 under construction,
             reported October only (missing)."""
    P = factories.ProjectFactory
    a, sub, b = city.park_a, city.park_a_sub, city.park_b
    p = SimpleNamespace(
        p1=P(park=a, industry=city.bio, stage="under_construction"),
        p2=P(park=a, industry=city.bio, stage="signed"),
        p3=P(park=a, industry=city.bio, stage="in_production"),
        p4=P(park=a, industry=city.bio, stage="completed"),
        p5=P(park=sub, industry=city.bio, stage="under_construction"),
        p6=P(park=sub, industry=city.bio, stage="signed"),
        p7=P(park=sub, industry=city.bio, stage="planning"),
        p8=P(park=sub, industry=city.bio, stage="under_construction", archived_at=timezone.now()),
        p9=P(park=b, industry=city.ei, stage="at_capacity"),
        p10=P(park=b, industry=city.ei, stage="under_construction"),
    )
    R = factories.ReportFactory
    R(project=p.p1, period=NOV, status="submitted")
    R(project=p.p3, period=NOV, status="submitted")
    R(project=p.p4, period=NOV, status="draft")
    R(project=p.p5, period=NOV, status="approved")
    R(project=p.p6, period=NOV, status="returned")
    R(project=p.p7, period=NOV, status="submitted")
    R(project=p.p8, period=NOV, status="submitted")
    R(project=p.p9, period=NOV, status="approved")
    R(project=p.p10, period=dt.date(2026, 10, 1), status="approved")
    return p


def expected_rows(p):
    return {
        "GXQ": {"expected": 3, "reported": 1, "approved": 0, "returned": 0, "missing": sorted([p.p2.pk, p.p4.pk])},
        "GXQ-BIO": {"expected": 2, "reported": 1, "approved": 1, "returned": 1, "missing": [p.p6.pk]},
        "LQ": {"expected": 1, "reported": 0, "approved": 0, "returned": 0, "missing": [p.p10.pk]},
    }


def by_park(body):
    return {row.pop("park"): row for row in body["parks"]}


def test_selector_figures_by_hand(cycle, commission_user):
    status = reporting_status(user=commission_user, period=NOV, missing_names=5)
    assert status.due_date == dt.date(2026, 12, 5)
    assert status.closed is False
    got = {
        r.code: {
            "expected": r.expected,
            "reported": r.reported,
            "approved": r.approved,
            "returned": r.returned,
            "missing": r.missing,
        }
        for r in status.parks
    }
    assert got == expected_rows(cycle)
    names = {r.code: [pk for pk, _name, _state in r.missing_projects] for r in status.parks}
    assert sorted(names["GXQ"]) == sorted([cycle.p2.pk, cycle.p4.pk])
    states = {pk: state for r in status.parks for pk, _name, state in r.missing_projects}
    assert states == {cycle.p2.pk: None, cycle.p4.pk: "draft", cycle.p6.pk: "returned", cycle.p10.pk: None}
    assert status.totals() == {"expected": 6, "reported": 2, "approved": 1, "returned": 1, "missing_count": 4}


def test_missing_names_limited_per_park(cycle, commission_user):
    status = reporting_status(user=commission_user, period=NOV, missing_ids=False, missing_names=1)
    rows = {r.code: r for r in status.parks}
    assert len(rows["GXQ"].missing_projects) == 1
    assert rows["GXQ"].missing_count == 2
    assert rows["GXQ"].missing == []


def test_api_commission_and_viewer_see_every_park(cycle, commission_user, viewer_user, fixed_today):
    for user in (commission_user, viewer_user):
        res = token_client(user).get("/api/v1/reporting-status/", {"period": "2026-11"})
        assert res.status_code == 200, res.content
        body = res.json()
        assert body["period"] == "2026-11"
        assert body["due_date"] == "2026-12-05"
        assert body["closed"] is False
        assert [row["park"] for row in body["parks"]] == ["GXQ", "GXQ-BIO", "LQ"]
        assert by_park(body) == expected_rows(cycle)


def test_api_park_admin_gets_its_park_and_sub_parks(cycle, park_a_admin, park_b_admin, fixed_today):
    want = expected_rows(cycle)
    body = token_client(park_a_admin).get("/api/v1/reporting-status/?period=2026-11").json()
    assert by_park(body) == {"GXQ": want["GXQ"], "GXQ-BIO": want["GXQ-BIO"]}
    body = token_client(park_b_admin).get("/api/v1/reporting-status/?period=2026-11").json()
    assert by_park(body) == {"LQ": want["LQ"]}


def test_api_default_period_is_the_month_now_due(cycle, commission_user, fixed_today):
    body = token_client(commission_user).get("/api/v1/reporting-status/").json()
    assert body["period"] == "2026-11"
    assert by_park(body) == expected_rows(cycle)


def test_api_closed_month(cycle, commission_user, fixed_today):
    PeriodClose.objects.create(period=NOV, closed=True)
    body = token_client(commission_user).get("/api/v1/reporting-status/?period=2026-11").json()
    assert body["closed"] is True
    PeriodClose.objects.filter(period=NOV).update(closed=False)  # reopened
    body = token_client(commission_user).get("/api/v1/reporting-status/?period=2026-11").json()
    assert body["closed"] is False


def test_api_another_month_counts_its_own_reports(cycle, commission_user, fixed_today):
    body = token_client(commission_user).get("/api/v1/reporting-status/?period=2026-10").json()
    rows = by_park(body)
    assert rows["LQ"] == {"expected": 1, "reported": 1, "approved": 1, "returned": 0, "missing": []}
    assert rows["GXQ"]["reported"] == 0


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        ("2026-13", "报告期格式应为 YYYY-MM", "YYYY-MM"),
        ("nonsense", "报告期格式应为 YYYY-MM", "YYYY-MM"),
        ("1999-12", "报告期应在", "between"),
        ("2027-01", "尚未到来", "future"),
    ],
)
def test_api_bad_period_is_a_clear_400(cycle, commission_user, fixed_today, value, zh, en):
    client = token_client(commission_user)
    res = client.get("/api/v1/reporting-status/", {"period": value})
    assert res.status_code == 400
    assert zh in res.json()["period"][0]
    res = client.get("/api/v1/reporting-status/", {"period": value}, HTTP_ACCEPT_LANGUAGE="en")
    assert res.status_code == 400
    assert en in res.json()["period"][0]


def test_api_current_month_is_allowed(cycle, commission_user, fixed_today):
    res = token_client(commission_user).get("/api/v1/reporting-status/?period=2026-12")
    assert res.status_code == 200
    assert res.json()["due_date"] == "2027-01-05"


def test_api_needs_credentials(cycle, client):
    assert client.get("/api/v1/reporting-status/").status_code == 401

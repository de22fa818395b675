"""CONTRACT v2 "Report review" and "Period close" through the API: every step for every role,
the 409s, the closed month in every API door, the correction reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.models import InvestmentReport, PeriodClose

from .conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/investment-reports/"

# step → (status it starts from, expected answer per role)
MATRIX = {
    "submit": ("draft", {"commission": 200, "admin_a": 200, "admin_b": 404, "viewer": 403, "anonymous": 401}),
    "return": ("submitted", {"commission": 200, "admin_a": 403, "admin_b": 404, "viewer": 403, "anonymous": 401}),
    "approve": ("submitted", {"commission": 200, "admin_a": 403, "admin_b": 404, "viewer": 403, "anonymous": 401}),
}
AFTER = {"submit": "submitted", "return": "returned", "approve": "approved"}


def _set(report, status, **extra):
    InvestmentReport.objects.filter(pk=report.pk).update(status=status, **extra)
    report.refresh_from_db()


@pytest.mark.parametrize("role", ["commission", "admin_a", "admin_b", "viewer", "anonymous"])
@pytest.mark.parametrize("step", ["submit", "return", "approve"])
def test_step_permission_matrix(clients, data, step, role):
    start, expected = MATRIX[step]
    report = data.report_a
    _set(report, start)
    history_before = report.history.count()
    response = getattr(clients, role).post(f"{URL}{report.pk}/{step}/", {"reason": "金额与形象进度不符"}, format="json")
    assert response.status_code == expected[role], response.content
    report.refresh_from_db()
    if expected[role] == 200:
        body = response.json()
        assert body["status"] == AFTER[step] == report.status
        assert report.history.count() == history_before + 1
        assert report.history.first().history_change_reason
        if step == "return":
            assert body["return_reason"] == "金额与形象进度不符"
            assert body["reviewed_by"] == "commission"
            assert body["reviewed_at"]
        if step == "approve":
            assert body["reviewed_by"] == "commission" and body["return_reason"] == ""
    else:
        assert report.status == start
        assert report.history.count() == history_before


@pytest.mark.parametrize(
    "step,wrong",
    [
        ("submit", "submitted"),
        ("submit", "approved"),
        ("return", "draft"),
        ("return", "returned"),
        ("approve", "draft"),
        ("approve", "returned"),
        ("approve", "approved"),
    ],
)
def test_step_from_the_wrong_status_is_409(clients, data, step, wrong):
    _set(data.report_a, wrong)
    response = clients.commission.post(f"{URL}{data.report_a.pk}/{step}/", {"reason": "x"}, format="json")
    assert response.status_code == 409
    assert list(response.json()) == ["status"]
    data.report_a.refresh_from_db()
    assert data.report_a.status == wrong


@pytest.mark.parametrize("reason", [None, "", "   ", "\u3000 ", 12])
def test_return_needs_a_reason(clients, data, reason):
    body = {} if reason is None else {"reason": reason}
    response = clients.commission.post(f"{URL}{data.report_a.pk}/return/", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    data.report_a.refresh_from_db()
    assert data.report_a.status == "submitted"


def test_messages_in_english(clients, data):
    response = clients.commission.post(
        f"{URL}{data.report_a.pk}/return/", {"reason": " "}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.json()["reason"] == ["Please give the reason for the return."]
    _set(data.report_a, "draft")
    response = clients.commission.post(f"{URL}{data.report_a.pk}/approve/", format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "draft" in response.json()["status"][0].lower()


def test_resubmitting_clears_the_reason_and_the_returned_report_stays_returned_on_patch(clients, data):
    report = data.report_a
    assert clients.commission.post(f"{URL}{report.pk}/return/", {"reason": "请核实"}, format="json").status_code == 200
    response = clients.admin_a.patch(f"{URL}{report.pk}/", {"amount": "1200.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "returned" and response.json()["return_reason"] == "请核实"
    response = clients.admin_a.post(f"{URL}{report.pk}/submit/", format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted" and response.json()["return_reason"] == ""
    reasons = [h.history_change_reason for h in report.history.order_by("history_id")]
    assert reasons[-3:] == ["退回", None, "报送"] or reasons[-2:] == ["退回", "报送"] or "报送" in reasons


def test_post_draft_and_patch_of_an_approved_report(clients, data):
    response = clients.admin_a.post(
        URL, {"project": data.project_a.pk, "period": "2026-02", "amount": "10.00", "status": "draft"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    response = clients.admin_a.post(
        URL, {"project": data.project_a.pk, "period": "2026-03", "amount": "10.00", "status": "approved"}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()
    assert not InvestmentReport.objects.filter(project=data.project_a, period=dt.date(2026, 3, 1)).exists()
    response = clients.admin_a.post(
        URL, {"project": data.project_a.pk, "period": "2026-03", "amount": "10.00"}, format="json"
    )
    assert response.json()["status"] == "submitted"
    _set(data.report_a, "approved")
    response = clients.admin_a.patch(f"{URL}{data.report_a.pk}/", {"amount": "1.00"}, format="json")
    assert response.status_code == 409 and list(response.json()) == ["status"]
    data.report_a.refresh_from_db()
    assert data.report_a.amount == Decimal("1500.25")
    # The commission may still correct an approved report.
    response = clients.commission.patch(f"{URL}{data.report_a.pk}/", {"amount": "1.00"}, format="json")
    assert response.status_code == 200
    # The status is changed by the steps only.
    response = clients.commission.patch(f"{URL}{data.report_a.pk}/", {"status": "draft"}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_list_filters_by_status_and_shows_the_fields(clients, data):
    _set(data.report_b, "draft")
    response = clients.commission.get(URL, {"status": "draft"})
    assert [r["id"] for r in response.json()["results"]] == [data.report_b.pk]
    row = response.json()["results"][0]
    assert {"status", "return_reason", "reviewed_by", "reviewed_at", "correction_reason"} <= set(row)
    assert clients.commission.get(URL, {"status": "nonsense"}).status_code == 400


# --- Period close ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,expected", [("commission", 200), ("admin_a", 403), ("admin_b", 403), ("viewer", 403), ("anonymous", 401)]
)
def test_close_and_reopen_permissions(clients, city, role, expected):
    response = getattr(clients, role).post("/api/v1/periods/2026-01/close/")
    assert response.status_code == expected
    assert PeriodClose.objects.filter(closed=True).exists() == (expected == 200)
    if expected == 200:
        body = response.json()
        assert body["period"] == "2026-01" and body["closed"] is True
        assert body["closed_by"] == "commission" and body["closed_at"]
        response = clients.commission.post("/api/v1/periods/2026-01/reopen/")
        assert response.status_code == 200 and response.json()["closed"] is False
    else:
        PeriodClose.objects.create(period=dt.date(2026, 1, 1))
        assert getattr(clients, role).post("/api/v1/periods/2026-01/reopen/").status_code == expected
        assert PeriodClose.objects.get().closed


def test_periods_list_and_bad_periods(clients, city):
    assert clients.commission.post("/api/v1/periods/2026-01/close/").status_code == 200
    assert clients.commission.post("/api/v1/periods/2026-02/close/").status_code == 200
    assert clients.commission.post("/api/v1/periods/2026-02/reopen/").status_code == 200
    listed = clients.viewer.get("/api/v1/periods/").json()
    assert listed["count"] == 2
    assert [(r["period"], r["closed"]) for r in listed["results"]] == [("2026-02", False), ("2026-01", True)]
    assert set(listed["results"][0]) >= {"period", "closed", "closed_at", "closed_by"}
    # again: 409; nonsense: 400; the future: 400 with a clear message
    assert clients.commission.post("/api/v1/periods/2026-01/close/").status_code == 409
    assert clients.commission.post("/api/v1/periods/2026-02/reopen/").status_code == 409
    assert clients.commission.post("/api/v1/periods/2026-13/close/").status_code == 400
    this_month = timezone.localdate().replace(day=1)
    response = clients.commission.post(f"/api/v1/periods/{this_month:%Y-%m}/close/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "has not ended" in response.json()["period"][0]
    assert PeriodClose.objects.count() == 2


@pytest.fixture
def closed_january(data, commission_user):
    return PeriodClose.objects.create(period=dt.date(2026, 1, 1), closed_by=commission_user, closed_at=timezone.now())


def test_closed_month_refuses_park_admin_in_every_api_door(clients, data, closed_january):
    before = list(InvestmentReport.objects.order_by("pk").values_list("pk", "amount", "status"))
    # create
    other = data.project_a
    InvestmentReport.objects.filter(pk=data.report_a.pk).update(period=dt.date(2025, 12, 1))
    response = clients.admin_a.post(URL, {"project": other.pk, "period": "2026-01", "amount": "1.00"}, format="json")
    assert response.status_code == 409 and list(response.json()) == ["period"], response.content
    InvestmentReport.objects.filter(pk=data.report_a.pk).update(period=dt.date(2026, 1, 1))
    # change
    response = clients.admin_a.patch(f"{URL}{data.report_a.pk}/", {"amount": "1.00"}, format="json")
    assert response.status_code == 409 and list(response.json()) == ["period"]
    # submit
    InvestmentReport.objects.filter(pk=data.report_a.pk).update(status="returned")
    response = clients.admin_a.post(f"{URL}{data.report_a.pk}/submit/", format="json")
    assert response.status_code == 409 and list(response.json()) == ["period"]
    InvestmentReport.objects.filter(pk=data.report_a.pk).update(status="submitted")
    # bulk
    response = clients.admin_a.post(
        f"{URL}bulk/", {"period": "2026-01", "rows": [{"project": other.pk, "amount": "2.00"}]}, format="json"
    )
    assert response.status_code == 409 and list(response.json()) == ["period"]
    response = clients.admin_a.patch(
        f"{URL}{data.report_a.pk}/", {"amount": "1.00"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "closed" in response.json()["period"][0]
    assert list(InvestmentReport.objects.order_by("pk").values_list("pk", "amount", "status")) == before


def test_commission_corrects_a_closed_month_only_with_a_reason(clients, data, closed_january):
    url = f"{URL}{data.report_a.pk}/"
    for body in ({"amount": "9.00"}, {"amount": "9.00", "correction_reason": "  "}):
        response = clients.commission.patch(url, body, format="json")
        assert response.status_code == 400 and list(response.json()) == ["correction_reason"]
    data.report_a.refresh_from_db()
    assert data.report_a.amount == Decimal("1500.25")
    response = clients.commission.patch(
        url, {"amount": "9.00", "correction_reason": "统计局反馈数据有误"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["correction_reason"] == "统计局反馈数据有误"
    last = data.report_a.history.first()
    assert last.amount == Decimal("9.00") and last.correction_reason == "统计局反馈数据有误"
    assert last.history_change_reason == "关账后更正"
    # review steps wait for a reopen; the stats say the month is closed
    response = clients.commission.post(f"{URL}{data.report_a.pk}/approve/", format="json")
    assert response.status_code == 409 and list(response.json()) == ["period"]
    stats = clients.viewer.get("/api/v1/stats/industry-investment/").json()
    assert stats["period"] == "2026-01" and stats["closed"] is True


def test_stats_without_closed_period_show_the_last_full_month(clients, data):
    stats = clients.viewer.get("/api/v1/stats/industry-investment/").json()
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert stats["period"] == f"{last:%Y-%m}" and stats["closed"] is False
    assert {"city", "industries", "source"} <= set(stats)


def test_another_users_token_client_helper_still_works(data, park_a_admin):
    assert token_client(park_a_admin).get(f"{URL}{data.report_a.pk}/").status_code == 200

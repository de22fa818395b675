"""Monthly investment reports: round trip, one per project and month (also under concurrency),
corrections, filters, and the all-or-nothing bulk endpoint."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from projects.models import InvestmentReport
from tests import factories
from tests.conftest import require_postgres

from .conftest import token_client

URL = "/api/v1/investment-reports/"
BULK = f"{URL}bulk/"


@pytest.mark.django_db
def test_report_round_trip_exact(clients, data):
    payload = {
        "project": data.project_a.pk,
        "period": "2026-02",
        "amount": "99999999999.99",
        "progress": "主体结构封顶",
        "problems": '=HYPERLINK("x")',
    }
    created = clients.admin_a.post(URL, payload, format="json")
    assert created.status_code == 201, created.content
    body = clients.admin_a.get(f"{URL}{created.json()['id']}/").json()
    for key, value in payload.items():
        assert body[key] == value
    assert body["park"] == "GXQ-BIO" and body["industry"] == "BIO-DRUG" and body["submitted_by"] == "admin_a"
    stored = InvestmentReport.objects.get(pk=body["id"])
    assert stored.amount == Decimal("99999999999.99") and stored.period == dt.date(2026, 2, 1)


@pytest.mark.django_db
def test_second_report_same_month_is_400_with_message(clients, data):
    payload = {"project": data.project_a.pk, "period": "2026-01", "amount": "1.00"}
    response = clients.admin_a.post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"period": ["该项目 2026-01 的月度报告已报送；如需更正，请修改原报告。"]}
    assert InvestmentReport.objects.filter(project=data.project_a).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value",
    [("period", "2026-13"), ("period", "202601"), ("period", "1999-12"), ("amount", "-0.01"), ("amount", "1.001")],
)
def test_report_bad_input(clients, data, field, value):
    payload = {"project": data.project_a.pk, "period": "2026-03", "amount": "1.00", field: value}
    response = clients.admin_a.post(URL, payload, format="json")
    assert response.status_code == 400 and list(response.json()) == [field]
    assert not InvestmentReport.objects.filter(project=data.project_a, period=dt.date(2026, 3, 1)).exists()


@pytest.mark.django_db
def test_correction_is_patch_and_period_cannot_move(clients, data):
    url = f"{URL}{data.report_a.pk}/"
    fixed = clients.admin_a.patch(url, {"amount": "1500.30", "progress": "已更正"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["amount"] == "1500.30"
    moved = clients.admin_a.patch(url, {"period": "2026-02"}, format="json")
    assert moved.status_code == 400 and "period" in moved.json()
    data.report_a.refresh_from_db()
    assert data.report_a.period == dt.date(2026, 1, 1) and data.report_a.amount == Decimal("1500.30")


@pytest.mark.django_db
def test_report_filters(clients, data, city):
    extra = factories.ReportFactory(project=data.project_a, period=dt.date(2026, 3, 1))

    def got(query):
        response = clients.commission.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    a, b = data.report_a.pk, data.report_b.pk
    assert got(f"project={data.project_a.pk}") == {a, extra.pk}
    assert got("park=GXQ") == {a, extra.pk}
    assert got("industry=EI") == {b}
    assert got("period=2026-01") == {a, b}
    assert got("period_from=2026-02") == {extra.pk}
    assert got("period_to=2026-02") == {a, b}
    assert clients.commission.get(f"{URL}?period_from=2026-1").status_code == 400


@pytest.mark.django_db
def test_bulk_all_rows_stored(clients, data, city):
    other = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    body = {
        "period": "2026-04",
        "rows": [
            {"project": data.project_a.pk, "amount": "10.10", "progress": "进场施工", "problems": "用电"},
            {"project": other.pk, "amount": "0.00"},
        ],
    }
    response = clients.admin_a.post(BULK, body, format="json")
    assert response.status_code == 201, response.content
    rows = {r["project"]: r for r in response.json()}
    assert rows[data.project_a.pk]["amount"] == "10.10" and rows[data.project_a.pk]["problems"] == "用电"
    assert rows[other.pk]["amount"] == "0.00"
    assert InvestmentReport.objects.filter(period=dt.date(2026, 4, 1)).count() == 2
    assert InvestmentReport.history.filter(period=dt.date(2026, 4, 1)).count() == 2


@pytest.mark.django_db
def test_bulk_names_each_bad_row_and_stores_nothing(clients, data, city):
    other = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    body = {
        "period": "2026-01",
        "rows": [
            {"project": other.pk, "amount": "5.00"},  # fine
            {"project": other.pk, "amount": "1.234"},  # too many decimals
            {"project": data.project_b.pk, "amount": "1.00"},  # another park
            {"project": data.project_a.pk, "amount": "1.00"},  # 2026-01 already filed
            {"amount": "1.00"},  # no project
        ],
    }
    response = clients.admin_a.post(BULK, body, format="json")
    assert response.status_code == 400
    errors = response.json()["rows"]
    assert [(e["index"], e["project"]) for e in errors] == [
        (1, other.pk),
        (2, data.project_b.pk),
        (3, data.project_a.pk),
        (4, None),
    ]
    assert "amount" in errors[0]["errors"]
    assert errors[1]["errors"] == {"project": ["项目不存在或不在您的管辖范围内。"]}
    assert "period" in errors[2]["errors"]
    assert "project" in errors[3]["errors"]
    assert not InvestmentReport.objects.filter(project=other).exists()


@pytest.mark.django_db
def test_bulk_duplicate_project_in_request_and_bad_period(clients, data):
    dup = clients.admin_a.post(
        BULK,
        {"period": "2026-05", "rows": [{"project": data.project_a.pk, "amount": "1"}] * 2},
        format="json",
    )
    assert dup.status_code == 400 and dup.json()["rows"][0]["index"] == 1
    bad = clients.admin_a.post(BULK, {"period": "May", "rows": []}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"period", "rows"}
    assert clients.viewer.post(BULK, {"period": "2026-05", "rows": []}, format="json").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_reports_one_wins_other_gets_400(city):
    """Two clients file the same project and month at the same moment: the unique constraint
    lets exactly one in; the other gets the clear 400, never a 500."""
    require_postgres()
    user = factories.UserFactory(username="race", role="commission")
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    barrier = threading.Barrier(2)
    results = []

    def post(amount):
        client = token_client(user)
        barrier.wait()
        response = client.post(URL, {"project": project.pk, "period": "2026-06", "amount": amount}, format="json")
        results.append((response.status_code, response.json()))
        connection.close()

    threads = [threading.Thread(target=post, args=(a,)) for a in ("1.00", "2.00")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results) == [201, 400]
    refused = next(body for code, body in results if code == 400)
    assert refused == {"period": ["该项目 2026-06 的月度报告已报送；如需更正，请修改原报告。"]}
    assert InvestmentReport.objects.filter(project=project).count() == 1


# --- the cost of filing one report (issue #16) ------------------------------------------------


def _post_statements(client, payload) -> tuple[object, list[str]]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.post(URL, payload, format="json")
    return response, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["commission", "admin_a"])
def test_filing_reads_the_project_once_with_its_park_and_industry(clients, data, role):
    """The token, the project (its park and industry joined), the closed months, the insert and
    its history row: no statement for the park, the industry or the user on their own, and no
    existence query for the project or the user full_clean would repeat."""
    payload = {"project": data.project_a.pk, "period": "2026-07", "amount": "3.25", "progress": "x"}
    response, sql = _post_statements(getattr(clients, role), payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["park"], body["industry"], body["project_name"]) == ("GXQ-BIO", "BIO-DRUG", data.project_a.name)
    selects = [s for s in sql if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in selects if s.lstrip().upper().startswith("SELECT 1 AS")]  # FK existence checks
    assert not [s for s in selects if 'FROM "parks_industry"' in s]
    project_reads = [s for s in selects if 'FROM "projects_project"' in s]
    assert len(project_reads) == 1 and 'JOIN "parks_park"' in project_reads[0]
    inserts = [s for s in sql if s.lstrip().upper().startswith("INSERT")]
    assert [s.split('"')[1] for s in inserts] == ["projects_investmentreport", "projects_historicalinvestmentreport"]
    # commission: token, project, closed months; a park admin reads its park tree once too
    assert len(selects) == (3 if role == "commission" else 4)


@pytest.mark.django_db(transaction=True)
def test_duplicate_outside_any_transaction_is_400_and_stores_nothing(city):
    """Without a caller's transaction the insert has no savepoint of its own: a duplicate rolls
    the whole filing back, answers the same 400, and the connection serves the next request."""
    user = factories.UserFactory(username="dup", role="commission")
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    client = token_client(user)
    first = client.post(URL, {"project": project.pk, "period": "2026-06", "amount": "1.00"}, format="json")
    assert first.status_code == 201, first.content
    assert not connection.in_atomic_block
    refused = client.post(URL, {"project": project.pk, "period": "2026-06", "amount": "2.00"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"period": ["该项目 2026-06 的月度报告已报送；如需更正，请修改原报告。"]}
    assert InvestmentReport.objects.get(project=project).amount == Decimal("1.00")
    assert InvestmentReport.history.filter(project_id=project.pk).count() == 1
    assert not connection.in_atomic_block and not connection.needs_rollback
    after = client.post(URL, {"project": project.pk, "period": "2026-07", "amount": "3.00"}, format="json")
    assert after.status_code == 201, after.content
    assert InvestmentReport.history.filter(project_id=project.pk).count() == 2


@pytest.mark.django_db
def test_the_park_tree_is_read_once_per_request_not_once_per_user(clients, data, city, park_a_admin):
    """parks.access.remember_parks: the token authentication's user object of one request reads
    the park tree once; the next request (a new user object) sees a sub-park added meanwhile."""
    from parks import access

    before = {r["id"] for r in clients.admin_a.get("/api/v1/projects/").json()["results"]}
    sub = factories.ParkFactory(code="GXQ-NEW", parent=city.park_a, region=city.park_a.region)
    project = factories.ProjectFactory(park=sub, industry=city.bio)
    after = {r["id"] for r in clients.admin_a.get("/api/v1/projects/").json()["results"]}
    assert after == before | {project.pk}
    response = clients.admin_a.post(URL, {"project": project.pk, "period": "2026-08", "amount": "1.00"}, format="json")
    assert response.status_code == 201, response.content
    # a user object not marked (a service called directly, a job) reads the tree each time
    assert sub.pk in access.administered_park_ids(park_a_admin)
    access.remember_parks(park_a_admin)
    first = access.administered_park_ids(park_a_admin)
    first.discard(sub.pk)  # a caller changing its copy changes nothing
    assert sub.pk in access.administered_park_ids(park_a_admin)

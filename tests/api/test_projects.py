"""Projects over the API: round trips, optimistic locking, filters, the project card, 400s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.models import Project
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/projects/"

FULL = {
    "code": "2024-130171-27-01-000123",
    "name": "康誉医疗介入耗材产业园",
    "owner": "康誉医疗器械有限公司",
    "park": "GXQ-BIO",
    "industry": "BIO-DRUG",
    "level": "provincial",
    "year": 2026,
    "stage": "under_construction",
    "phase": "一期",
    "total_investment": "123456789012.34",
    "construction_content": "建设介入耗材生产线",
    "annual_output": "60000.10",
    "target_date": "2027-08-31",
    "leader": "张三",
    "contact_person": "李四",
    "contact_phone": "0311-12345678",
    "latitude": "38.042308",
    "longitude": "114.514861",
    "is_special_bond": True,
    "special_bond_amount": "0.01",
}


def test_create_then_read_back_identical_values(clients, data):
    created = clients.admin_a.post(URL, FULL, format="json")
    assert created.status_code == 201, created.content
    body = clients.admin_a.get(f"{URL}{created.json()['id']}/").json()
    for key, value in FULL.items():
        assert body[key] == value, key
    assert body["version"] == 1
    stored = Project.objects.get(pk=body["id"])
    assert stored.total_investment == Decimal("123456789012.34")
    assert stored.special_bond_amount == Decimal("0.01")


def test_token_endpoint_and_header(data, park_a_admin, client):
    response = client.post(
        "/api/v1/auth/token/", {"username": "admin_a", "password": factories.PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get(URL, HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [data.project_a.pk]
    bad = client.post(
        "/api/v1/auth/token/", {"username": "admin_a", "password": "wrong"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "non_field_errors" in bad.json()


def test_session_auth_for_browsable_api(client, data, commission_user):
    client.force_login(commission_user)
    response = client.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "森朗生物" in response.content.decode()


def test_stale_version_is_refused_and_nothing_stored(clients, data):
    url = f"{URL}{data.project_a.pk}/"
    first = clients.admin_a.patch(url, {"phase": "一期", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = clients.commission.patch(url, {"phase": "二期", "version": 1}, format="json")
    assert stale.status_code == 409
    assert "version" in stale.json()
    data.project_a.refresh_from_db()
    assert data.project_a.phase == "一期" and data.project_a.version == 2
    # Without a version the change applies to the current one.
    latest = clients.commission.patch(url, {"phase": "二期"}, format="json")
    assert latest.status_code == 200 and latest.json()["version"] == 3


def test_moving_project_to_another_park_refused_with_field_message(clients, data):
    url = f"{URL}{data.project_a.pk}/"
    response = clients.admin_a.patch(url, {"park": "LQ"}, format="json")
    assert response.status_code == 400
    assert response.json()["park"] == ["您无权在该园区录入或调整项目。"]
    data.project_a.refresh_from_db()
    assert data.project_a.park.code == "GXQ-BIO"
    # The commission may move it.
    assert clients.commission.patch(url, {"park": "LQ"}, format="json").json()["park"] == "LQ"


@pytest.mark.parametrize(
    "field,value",
    [
        ("code", "2023-13011-39-03-012345"),
        ("code", "2023-130110-39-04-012345"),
        ("total_investment", "-1.00"),
        ("total_investment", "10.123"),
        ("total_investment", "abc"),
        ("park", "NOPE"),
        ("industry", "NOPE"),
        ("level", "county"),
        ("stage", "dreaming"),
        ("year", 1999),
        ("target_date", "2026-02-30"),
        ("latitude", "91"),
        ("name", ""),
    ],
)
def test_bad_input_400_per_field_nothing_stored(clients, data, field, value):
    before = Project.objects.count()
    response = clients.commission.post(URL, {**FULL, field: value}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert isinstance(response.json()[field][0], str)
    assert Project.objects.count() == before


def test_duplicate_code_400(clients, data):
    response = clients.commission.post(URL, {**FULL, "code": data.project_b.code}, format="json")
    assert response.status_code == 400 and "code" in response.json()


def test_messages_chinese_by_default_english_on_request(clients, data):
    zh = clients.commission.post(URL, {**FULL, "level": "x"}, format="json")
    assert zh.json()["level"] == ["“x” 不是合法选项。"]
    en = clients.commission.post(URL, {**FULL, "level": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "valid choice" in en.json()["level"][0]
    anon = clients.anonymous.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert anon.json()["detail"] == "Authentication credentials were not provided."


def test_filters(clients, data, city):
    extra = factories.ProjectFactory(
        name="河北远征兽用生物制品基地", owner="远征药业", park=city.park_a, industry=city.bio, year=2024
    )
    Project.objects.filter(pk=data.project_b.pk).update(status="red")

    def got(query):
        response = clients.commission.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    a, b, c = data.project_a.pk, data.project_b.pk, extra.pk
    assert got("park=GXQ") == {a, c}  # with the sub-park
    assert got("park=GXQ-BIO") == {a}
    assert got("industry=BIO") == {a, c}  # with descendants
    assert got("industry=EI") == {b}
    assert got("level=provincial") == {a}
    assert got("stage=under_construction") == {a, b, c}
    assert got("year=2024") == {c}
    assert got("status=red") == {b}
    assert got("delayed=true") == {b}
    assert got("delayed=false") == {a, c}
    assert got("search=远征") == {c}
    assert got("search=2023-130110") == {b}
    assert got("search=森朗生物科技") == {a}
    ordered = clients.commission.get(f"{URL}?ordering=-total_investment").json()["results"]
    assert [r["id"] for r in ordered] == [b, a, c]
    bad = clients.commission.get(f"{URL}?park=NOPE")
    assert bad.status_code == 400 and "park" in bad.json()
    assert clients.commission.get(f"{URL}?year=abc").status_code == 400


def test_pagination_shape_and_max_page_size(clients, data):
    body = clients.commission.get(f"{URL}?page_size=1").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"] and body["previous"] is None
    assert len(clients.commission.get(f"{URL}?page_size=100000").json()["results"]) == 2


def test_project_card_carries_milestones_reports_and_investment(clients, data, city):
    today = timezone.localdate()
    project = data.project_a
    project.reports.all().delete()
    factories.ReportFactory(project=project, period=dt.date(today.year, 1, 1), amount=Decimal("100.10"))
    factories.ReportFactory(project=project, period=dt.date(today.year - 1, 6, 1), amount=Decimal("50.05"))
    factories.AnnualPlanFactory(project=project, year=today.year, planned_investment=Decimal("300.00"))
    soon = factories.MilestoneFactory(
        project=project, kind="other", name="GMP认证", planned_date=today + dt.timedelta(10)
    )
    body = clients.admin_a.get(f"{URL}{project.pk}/").json()
    assert body["as_of"] == today.isoformat()
    assert body["ytd_investment"] == "100.10"
    assert body["cumulative_investment"] == "150.15"
    assert body["annual_plan"] == "300.00"
    assert body["annual_plan_pct"] == "33.4"
    assert body["latest_report"]["period"] == f"{today.year}-01"
    assert body["latest_report"]["amount"] == "100.10"
    row = next(m for m in body["milestones"] if m["id"] == soon.pk)
    assert row["name"] == "GMP认证" and row["days_left"] == 10
    assert 0 < row["workdays_left"] <= 10


def test_archived_project_leaves_lists_and_detail(clients, data):
    assert clients.commission.delete(f"{URL}{data.project_a.pk}/").status_code == 204
    assert clients.commission.get(f"{URL}{data.project_a.pk}/").status_code == 404
    assert data.project_a.pk not in {r["id"] for r in clients.commission.get(URL).json()["results"]}


def test_an_ordering_with_ties_pages_through_every_row_once(clients, data, city):
    """`?ordering=-year` with many projects of one year: the id breaks the tie, so paging
    returns each project once, in id order within the year (api.backends.OrderingFilter)."""
    extra = [
        factories.ProjectFactory(park=data.project_a.park, industry=data.project_a.industry, year=2025)
        for _ in range(7)
    ]
    seen = []
    for page in (1, 2, 3, 4, 5):
        body = clients.commission.get(f"{URL}?ordering=-year&page_size=2&page={page}").json()
        seen += [(r["year"], r["id"]) for r in body["results"]]
        if not body["next"]:
            break
    ids = [pk for _year, pk in seen]
    assert len(ids) == len(set(ids)) == 2 + len(extra)
    assert seen == sorted(seen, key=lambda row: (-row[0], row[1]))
    # The tie-break is in the statement, not left to the plan of the day.
    with CaptureQueriesContext(connection) as queries:
        clients.commission.get(f"{URL}?ordering=-year&page_size=2")
    page = [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"] and "projects_project" in q["sql"]]
    assert page and all(sql.rsplit("ORDER BY", 1)[1].split("LIMIT")[0].count(",") == 1 for sql in page)  # year, id

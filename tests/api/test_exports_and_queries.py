"""Exports (`?format=csv|xlsx`: the filtered rows, Chinese headers, exact amounts, no formula
injection, readable by openpyxl) and constant query counts for every list."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests import factories

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def injected(data):
    data.project_a.owner = "=cmd|' /C calc'!A0"
    data.project_a.total_investment = Decimal("12345678901.23")
    data.project_a.save()
    return data


def test_projects_csv_has_filtered_rows_chinese_headers_exact_amounts(clients, injected):
    response = clients.commission.get("/api/v1/projects/?format=csv&park=GXQ")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header = rows[0]
    assert header[:4] == ["ID", "项目代码", "项目名称", "建设单位"]
    assert "总投资（万元）" in header
    assert len(rows) == 2  # only park A's project
    record = dict(zip(header, rows[1], strict=True))
    assert record["项目名称"] == "森朗生物CAR-T商业化生产基地"
    assert record["总投资（万元）"] == "12345678901.23"
    assert record["建设单位"] == "'=cmd|' /C calc'!A0"


def test_projects_xlsx_opens_in_openpyxl(clients, injected):
    response = clients.commission.get("/api/v1/projects/?format=xlsx&ordering=id")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = _xlsx(response)
    header = list(rows[0])
    records = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [r["ID"] for r in records] == [injected.project_a.pk, injected.project_b.pk]
    assert Decimal(str(records[0]["总投资（万元）"])) == Decimal("12345678901.23")
    assert records[0]["建设单位"] == "'=cmd|' /C calc'!A0"  # text, not a formula
    assert Decimal(str(records[1]["总投资（万元）"])) == Decimal("1020000.00")


def test_export_english_headers_on_request_and_scope_kept(clients, data):
    response = clients.admin_b.get("/api/v1/investment-reports/?format=csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = _csv(response)
    assert len(rows) == 2 and rows[1][1] == str(data.project_b.pk)
    assert rows[0][0] == "ID"


@pytest.mark.parametrize(
    "path,expected_rows",
    [
        ("/api/v1/parks/?search=GXQ", 2),
        ("/api/v1/industries/?search=BIO", 2),
        ("/api/v1/milestones/?kind=completion", 1),
        ("/api/v1/investment-reports/?period=2026-01", 2),
        ("/api/v1/delays/?as_of=2026-04-01", 1),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_list_exports(clients, data, path, expected_rows, fmt):
    response = clients.commission.get(f"{path}&format={fmt}")
    assert response.status_code == 200, response.content
    rows = _csv(response) if fmt == "csv" else _xlsx(response)
    assert len(rows) == 1 + expected_rows


def test_export_with_bad_filter_answers_json_400(clients, data):
    response = clients.commission.get("/api/v1/projects/?format=xlsx&park=NOPE")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json") and "park" in response.json()


# --- constant number of queries ---------------------------------------------------------------------


@pytest.fixture
def many(city):
    """30 projects (15 per park) with two milestones and two reports each, overdue by 2026-06-01."""
    for i in range(30):
        park = city.park_a_sub if i % 2 else city.park_b
        project = factories.ProjectFactory(park=park, industry=city.bio_drug if i % 2 else city.ei_ic)
        factories.MilestoneFactory(project=project, kind="signing", planned_date=dt.date(2026, 1, 1))
        factories.MilestoneFactory(project=project, kind="construction_start", planned_date=dt.date(2026, 5, 1))
        factories.ReportFactory(project=project, period=dt.date(2026, 1, 1))
        factories.ReportFactory(project=project, period=dt.date(2026, 2, 1))
        factories.AnnualPlanFactory(project=project)


LISTS = [
    "/api/v1/projects/",
    "/api/v1/milestones/?as_of=2026-06-01",
    "/api/v1/investment-reports/",
    "/api/v1/delays/?as_of=2026-06-01",
    "/api/v1/parks/",
    "/api/v1/industries/",
    "/api/v1/weekly-reports/",
]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("role", ["commission", "admin_a"])
def test_list_queries_constant_in_page_size(clients, many, url, role):
    client = getattr(clients, role)
    sep = "&" if "?" in url else "?"
    client.get(url)  # warm per-process caches (calendar years, thresholds row)
    small = _count(client, f"{url}{sep}page_size=10")
    large = _count(client, f"{url}{sep}page_size=500")
    assert small == large
    assert large <= 8


@pytest.mark.parametrize("url", LISTS[:4])
def test_export_queries_constant_in_rows(clients, many, city, url):
    sep = "&" if "?" in url else "?"
    clients.commission.get(f"{url}{sep}format=csv")  # warm per-process caches
    before = _count(clients.commission, f"{url}{sep}format=csv")
    for _ in range(5):
        project = factories.ProjectFactory(park=city.park_b, industry=city.ei)
        factories.MilestoneFactory(project=project, kind="signing", planned_date=dt.date(2026, 1, 1))
        factories.ReportFactory(project=project, period=dt.date(2026, 1, 1))
    assert _count(clients.commission, f"{url}{sep}format=csv") == before


def test_project_detail_queries_constant_in_milestones(clients, data):
    url = f"/api/v1/projects/{data.project_a.pk}/"
    clients.commission.get(url)
    before = _count(clients.commission, url)
    for day in range(1, 8):
        factories.MilestoneFactory(project=data.project_a, kind="completion", planned_date=dt.date(2026, 12, day))
        factories.ReportFactory(project=data.project_a, period=dt.date(2025, day, 1))
    assert _count(clients.commission, url) == before

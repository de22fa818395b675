"""The web pages and downloads of the weekly report, and the API list: who sees what."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIRequestFactory, force_authenticate

from api.reports import WeeklyReportViewSet

from .conftest import WEEK

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(report_city, run_report):
    run_report("--week", WEEK)
    return report_city


def download_url(fmt="xlsx", park=None):
    url = f"/reports/{WEEK}/download.{fmt}"
    return f"{url}?park={park}" if park else url


def xlsx_projects(response) -> set[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content))["滞后明细"]
    return {row[1] for row in ws.iter_rows(min_row=2, values_only=True)}


ALL = {"森朗生物CAR-T产业化基地", "康誉医疗介入耗材产业园", "晶澳太阳能二期"}


def test_anonymous_is_sent_to_login(made, client):
    for url in ("/reports/", f"/reports/{WEEK}/", download_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_commission_downloads_the_whole_report(made, client):
    client.force_login(made.commission)
    response = client.get(download_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert xlsx_projects(response) == ALL
    pdf = client.get(download_url("pdf"))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_viewer_sees_all_and_may_pick_a_park_section(made, client):
    client.force_login(made.viewer)
    assert xlsx_projects(client.get(download_url())) == ALL
    assert xlsx_projects(client.get(download_url(park="LQ"))) == {"晶澳太阳能二期"}


def test_park_admin_gets_only_its_park_section(made, client):
    client.force_login(made.admin_b)
    assert xlsx_projects(client.get(download_url())) == {"晶澳太阳能二期"}
    client.force_login(made.admin_a)
    assert xlsx_projects(client.get(download_url())) == {"森朗生物CAR-T产业化基地", "康誉医疗介入耗材产业园"}


def test_park_admin_cannot_fetch_another_parks_section(made, client):
    client.force_login(made.admin_b)
    assert client.get(download_url(park="GXQ")).status_code == 404
    assert client.get(download_url(park="GXQ-BIO")).status_code == 404
    assert client.get(f"/reports/{WEEK}/?park=GXQ").status_code == 404


def test_park_admin_may_read_a_sub_park_section_even_without_a_stored_one(made, client):
    client.force_login(made.admin_a)
    response = client.get(download_url(park="GXQ-BIO"))
    assert response.status_code == 200
    assert xlsx_projects(response) == {"森朗生物CAR-T产业化基地"}


def test_html_view_shows_the_users_scope(made, client):
    client.force_login(made.commission)
    page = client.get(f"/reports/{WEEK}/").content.decode()
    assert all(name in page for name in ALL)
    assert "逾期天数" in page
    client.force_login(made.admin_b)
    page = client.get(f"/reports/{WEEK}/").content.decode()
    assert "晶澳太阳能二期" in page
    assert "森朗生物" not in page
    listing = client.get("/reports/").content.decode()
    assert WEEK in listing


def test_unknown_week_and_format_are_404(made, client):
    client.force_login(made.commission)
    assert client.get("/reports/2026-W25/").status_code == 404
    assert client.get(f"/reports/{WEEK}/download.docx").status_code == 404
    assert client.get("/reports/2026-W25/download.pdf").status_code == 404


def test_download_accepts_the_api_token(made, client):
    token = Token.objects.create(user=made.admin_b)
    response = client.get(download_url(), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert xlsx_projects(response) == {"晶澳太阳能二期"}
    bad = client.get(download_url(), HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == "Token"


def test_api_lists_reports_with_absolute_download_urls(made):
    factory = APIRequestFactory()
    request = factory.get("/api/v1/weekly-reports/")
    force_authenticate(request, user=made.admin_a)
    response = WeeklyReportViewSet.as_view({"get": "list"})(request)
    assert response.status_code == 200
    assert response.data["count"] == 1
    item = response.data["results"][0]
    assert (item["week"], item["as_of"], item["revision"]) == (WEEK, "2026-06-08", 1)
    assert item["xlsx"] == f"http://testserver/reports/{WEEK}/download.xlsx"
    assert item["pdf"] == f"http://testserver/reports/{WEEK}/download.pdf"
    assert item["generated_at"]

    request = factory.get(f"/api/v1/weekly-reports/{WEEK}/")
    force_authenticate(request, user=made.viewer)
    detail = WeeklyReportViewSet.as_view({"get": "retrieve"})(request, week=WEEK)
    assert detail.data["week"] == WEEK


def test_api_requires_authentication(made):
    request = APIRequestFactory().get("/api/v1/weekly-reports/")
    response = WeeklyReportViewSet.as_view({"get": "list"})(request)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "results" not in response.data

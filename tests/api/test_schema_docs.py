"""OpenAPI schema and its documentation pages: offline (no CDN, assets under /static/), and
every field described in Chinese and English."""

from __future__ import annotations

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_lists_contract_paths(schema):
    paths = set(schema["paths"])
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/parks/",
        "/api/v1/parks/{code}/",
        "/api/v1/industries/",
        "/api/v1/projects/",
        "/api/v1/projects/{id}/",
        "/api/v1/milestones/",
        "/api/v1/investment-reports/",
        "/api/v1/investment-reports/bulk/",
        "/api/v1/delays/",
        "/api/v1/stats/industry-investment/",
        "/api/v1/weekly-reports/",
    ]:
        assert path in paths, path


def _own_components(schema):
    # The weekly-report serializer belongs to the reports app; everything else is ours.
    return {k: v for k, v in schema["components"]["schemas"].items() if not k.startswith("WeeklyReport")}


def test_every_field_described_in_chinese_and_english(schema):
    missing = []
    for name, component in _own_components(schema).items():
        for field, spec in component.get("properties", {}).items():
            text = spec.get("description", "")
            if not (CJK.search(text) and LATIN.search(text)):
                missing.append(f"{name}.{field}")
    assert missing == []


def test_amount_fields_are_decimal_strings(schema):
    project = schema["components"]["schemas"]["Project"]["properties"]
    assert project["total_investment"]["type"] == "string"
    assert project["total_investment"]["format"] == "decimal"
    assert "baseline_date" in schema["components"]["schemas"]["Milestone"]["properties"]
    assert schema["components"]["schemas"]["Milestone"]["properties"]["baseline_date"]["readOnly"] is True


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_reference_only_local_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, html
    for url in urls:
        assert url.startswith("/static/") or url.startswith("/api/v1/"), url
    assert "cdn" not in html.lower()
    assert "<script>" not in html.replace(" ", "") or path == "/api/v1/redoc/"


def test_docs_assets_exist_in_installed_packages(client):
    from django.contrib.staticfiles import finders

    html = client.get("/api/v1/docs/").content.decode()
    for url in re.findall(r'(?:src|href)="/static/([^"?]+)', html):
        assert finders.find(url), url

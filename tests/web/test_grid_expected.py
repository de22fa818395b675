"""The monthly grid and the monthly-report template list the projects expected to report (not
谋划/投产/达效) for the month now due; the report import skips blank rows as the grid does."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.utils import timezone

from projects.models import InvestmentReport
from tests.projects.test_reporting_status import cycle  # noqa: F401 - the hand-computed fixture
from tests.web.test_imports import upload

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def grid_ids(html: str) -> set[int]:
    return {int(x) for x in re.findall(r'data-project="(\d+)"', html)}


def test_grid_opens_on_the_month_now_due(client_a, cycle):  # noqa: F811
    html = client_a.get("/monthly/").content.decode()
    assert "· 2026-11</h1>" in html
    assert 'value="2026-11"' in html and "2026-12-05" in html


def test_grid_lists_only_expected_projects_and_counts_only_them_missing(client_a, cycle):  # noqa: F811
    html = client_a.get("/monthly/?period=2026-11").content.decode()
    c = cycle
    # park A and its sub-park: p1, p2, p4 (GXQ), p5, p6 (GXQ-BIO); not p3 (投产), p7 (谋划), p8 (archived)
    assert grid_ids(html) == {c.p1.pk, c.p2.pk, c.p4.pk, c.p5.pk, c.p6.pk}
    # missing: p2 (nothing), p4 (a draft), p6 (returned); not the in-production p3
    assert "尚未报送 3 个项目" in html
    missing = re.search(r'<details class="missing".*?</details>', html, re.S).group(0)
    assert c.p2.name in missing and c.p4.name in missing and c.p6.name in missing
    assert c.p1.name not in missing and c.p3.name not in missing


def test_commission_opens_a_sub_parks_grid_from_the_status_page(client_commission, cycle, park_a_sub):  # noqa: F811
    html = client_commission.get(f"/monthly/?park={park_a_sub.pk}&period=2026-11").content.decode()
    assert f"{park_a_sub.name} · 2026-11" in html
    assert grid_ids(html) == {cycle.p5.pk, cycle.p6.pk}


def template_rows(client, query=""):
    response = client.get(f"/imports/template/reports.xlsx{query}")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return list(ws.iter_rows(values_only=True)), response.content


def test_template_lists_the_same_projects_as_the_grid(client_a, cycle):  # noqa: F811
    rows, _content = template_rows(client_a)
    ids = {r[0] for r in rows[1:]}
    assert {r[3] for r in rows[1:]} == {"2026-11"}  # the month now due by default
    html = client_a.get("/monthly/?period=2026-11").content.decode()
    assert ids == grid_ids(html) == {cycle.p1.pk, cycle.p2.pk, cycle.p4.pk, cycle.p5.pk, cycle.p6.pk}


def _filled_template(client, fill: dict[int, float], period="2026-09") -> bytes:
    """The user's template for `period`, with amounts typed into the rows of `fill`."""
    _rows, content = template_rows(client, f"?period={period}")
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.active
    for row in ws.iter_rows(min_row=2):
        if row[0].value in fill:
            row[4].value = fill[row[0].value]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_blank_rows_are_skipped_and_counted(client_a, cycle):  # noqa: F811
    content = _filled_template(client_a, {cycle.p2.pk: 12.5})
    response = upload(client_a, content, kind="reports")
    page = client_a.get(response["Location"]).content.decode()
    assert "试运行通过：1 行全部有效" in page
    assert "另有 4 行当月完成投资为空，已跳过（不报送）。" in page
    token = response["Location"].rstrip("/").split("/")[-1]
    done = client_a.post(f"/imports/{token}/commit/", follow=True).content.decode()
    assert "另有 4 行当月完成投资为空，已跳过（不报送）。" in done
    stored = InvestmentReport.objects.filter(period=dt.date(2026, 9, 1))
    assert [(r.project_id, str(r.amount)) for r in stored] == [(cycle.p2.pk, "12.50")]


def test_a_file_of_blank_rows_is_refused_with_a_message(client_a, cycle):  # noqa: F811
    content = _filled_template(client_a, {})
    response = upload(client_a, content, kind="reports")
    html = (client_a.get(response["Location"]) if response.status_code == 302 else response).content.decode()
    assert "共 5 行的当月完成投资均为空" in html
    assert not InvestmentReport.objects.filter(period=dt.date(2026, 9, 1)).exists()

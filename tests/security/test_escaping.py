"""HTML/JS and spreadsheet formulas typed into text fields come out as inert text everywhere they
are shown: web pages, CSV/XLSX exports (the API's and the list page's), and the weekly report's
XLSX, HTML and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from reports.services import weekly_delay_report_run
from scheduling.services import flag_delays
from tests import factories

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
SCRIPT_ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"
FORMULA = '=HYPERLINK("http://evil.example","点我")'
PROGRESS = "<b onmouseover=alert(2)>主体施工</b>"
PROBLEMS = "+cmd|' /C calc'!A0"


@pytest.fixture
def hostile_project(city, commission_user):
    project = factories.ProjectFactory(
        name=SCRIPT,
        owner=FORMULA,
        park=city.park_a,
        industry=city.bio,
        leader="@SUM(A1)",
        total_investment=Decimal("500.00"),
    )
    factories.MilestoneFactory(project=project, kind="construction_start", planned_date=dt.date(2026, 5, 1))
    factories.ReportFactory(project=project, period=dt.date(2026, 5, 1), progress=PROGRESS, problems=PROBLEMS)
    return project


def assert_inert_html(html: str) -> None:
    assert "<script>alert(" not in html
    assert "<img src=x onerror" not in html
    assert "<b onmouseover" not in html


@pytest.mark.parametrize("path", ["/", "/projects/", "/projects/{id}/", "/projects/{id}/edit/", "/board/"])
def test_pages_escape_html_in_text_fields(client, commission_user, hostile_project, path):
    client.force_login(commission_user)
    response = client.get(path.format(id=hostile_project.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert_inert_html(html)
    if path in ("/projects/", "/projects/{id}/", "/projects/{id}/edit/"):
        assert SCRIPT_ESCAPED in html or "&lt;script&gt;alert(&#x27;" in html or "&lt;script&gt;" in html


def test_project_page_shows_progress_note_as_text(client, commission_user, hostile_project):
    client.force_login(commission_user)
    html = client.get(f"/projects/{hostile_project.pk}/").content.decode()
    assert_inert_html(html)


def xlsx_cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: formulas would show as type "f"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def assert_no_formula_cells(data: bytes) -> list[str]:
    texts = []
    for cell in xlsx_cells(data):
        assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
        if isinstance(cell.value, str):
            texts.append(cell.value)
    return texts


def test_api_csv_export_neutralises_formulas(client, commission_user, hostile_project):
    client.force_login(commission_user)
    response = client.get("/api/v1/projects/", {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert SCRIPT in cells  # data kept as text, exactly
    assert "'" + FORMULA in cells and FORMULA not in cells


def test_api_xlsx_export_has_no_formula_cells(client, commission_user, hostile_project):
    client.force_login(commission_user)
    response = client.get("/api/v1/projects/", {"format": "xlsx"})
    assert response.status_code == 200
    texts = assert_no_formula_cells(response.content)
    assert SCRIPT in texts


def test_report_exports_neutralise_formulas(client, commission_user, hostile_project):
    client.force_login(commission_user)
    response = client.get("/api/v1/investment-reports/", {"format": "csv"})
    assert response.status_code == 200
    cells = [c for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for c in row]
    assert "'" + PROBLEMS in cells and PROBLEMS not in cells


def test_project_list_page_xlsx_export_has_no_formula_cells(client, commission_user, hostile_project):
    client.force_login(commission_user)
    response = client.get("/projects/", {"export": "xlsx"})
    assert response.status_code == 200
    texts = assert_no_formula_cells(b"".join(response.streaming_content))
    assert SCRIPT in texts


def test_weekly_report_xlsx_html_pdf_show_the_text_inert(city, commission_user, hostile_project, settings):
    flag_delays(as_of=dt.date(2026, 6, 8))
    result = weekly_delay_report_run(week="2026-W24")
    report = result.report
    with report.xlsx.open("rb") as fh:
        texts = assert_no_formula_cells(fh.read())
    assert any(SCRIPT in t for t in texts)
    with report.html.open("rb") as fh:
        html = fh.read().decode()
    assert_inert_html(html)
    assert "&lt;script&gt;" in html
    with report.pdf.open("rb") as fh:
        text = "".join(page.extract_text() for page in PdfReader(fh).pages)
    # Escaped in the HTML it was rendered from, so the PDF prints the characters themselves
    # (an unescaped <script> would have vanished from the page).
    assert "<script>alert" in text.replace("\n", "")

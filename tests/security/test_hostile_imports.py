"""Hostile Excel imports: fuzzed workbooks (hypothesis) and hand-made nasty files. Every one is
answered with a clear message, stores nothing unless every row is valid, and never raises
anything but the import's own refusal (so never a 500) or hangs."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from common.spreadsheets import XLSX_CONTENT_TYPE
from projects.imports import KINDS, ImportRefused, check_upload, run_import
from projects.models import InvestmentReport, Project
from tests import factories

PROJECT_HEADERS = [str(c.header) for c in KINDS["projects"]]
REPORT_HEADERS = [str(c.header) for c in KINDS["reports"]]

# --- Cell values an office might type, paste or forge ----------------------------------------
nasty_text = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "=1+1",
        '=HYPERLINK("http://evil.example","点我")',
        "+cmd|' /C calc'!A0",
        "@SUM(1)",
        "-1",
        "1e400",
        "NaN",
        "Infinity",
        "1,234.567",
        "１２３",
        "100.005",
        "  ",
        "\x00\x01",
        "省重点",
        "市重点",
        "在建",
        "GXQ",
        "BIO",
        "GXQ-BIO",
        "LQ",
        "2026",
        "2026-13",
        "2026-02-30",
        "9" * 40,
        "高新区" * 300,
    ]
)
cell = st.one_of(
    st.none(),
    nasty_text,
    st.text(max_size=60),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**15).map(str),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.booleans(),
)


good_text = st.from_regex(r"[一-龥A-Za-z0-9<>&\"'=]{1,20}", fullmatch=True)
plausible_project_row = st.tuples(
    st.one_of(good_text, good_text, good_text, nasty_text),  # 项目名称 (HTML and = included)
    st.one_of(good_text, good_text, nasty_text),  # 建设单位
    st.sampled_from(["GXQ", "GXQ", "GXQ-BIO", "石家庄高新区", "NOPE"]),  # 园区代码
    st.sampled_from(["BIO", "BIO", "BIO-DRUG", "生物医药", "XX"]),  # 产业代码
    st.sampled_from(["市重点", "省重点", "市重点", "国重点"]),  # 项目级别
    st.one_of(st.integers(min_value=2000, max_value=2100), st.integers(min_value=2000, max_value=2100), nasty_text),
    st.sampled_from(["在建", "谋划", "", "完工"]),  # 建设阶段
    st.one_of(
        st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False).map(str),
        st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False).map(str),
        cell,
    ),  # 总投资（万元）
).map(list)


@st.composite
def workbooks(draw):
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        # Close to a real ledger: the template's columns, values mostly plausible, a few hostile.
        header = ["项目名称", "建设单位", "园区代码", "产业代码", "项目级别", "列入年度", "建设阶段", "总投资（万元）"]
        rows = draw(st.lists(plausible_project_row, min_size=1, max_size=3))
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(header)
        for row in rows:
            try:
                ws.append(row)
            except Exception:
                ws.append([None])
        out = io.BytesIO()
        wb.save(out)
        return "projects", out.getvalue()
    kind = draw(st.sampled_from(["projects", "reports"]))
    template = PROJECT_HEADERS if kind == "projects" else REPORT_HEADERS
    header_style = draw(st.sampled_from(["template", "shuffled", "partial", "garbage", "none"]))
    if header_style == "template":
        header = list(template)
    elif header_style == "shuffled":
        header = draw(st.permutations(template))
    elif header_style == "partial":
        header = draw(st.lists(st.sampled_from(template), max_size=len(template), unique=True))
    elif header_style == "garbage":
        header = draw(st.lists(st.one_of(st.text(max_size=10), st.integers()), max_size=12))
    else:
        header = []
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 2), max_size=12))
    wb = openpyxl.Workbook()
    ws = wb.active
    if header:
        try:
            ws.append(header)
        except Exception:  # a control character in a garbage header
            ws.append(["?"])
    for row in rows:
        try:
            ws.append(row)
        except Exception:  # openpyxl itself refuses some values (e.g. control characters)
            ws.append([None])
    if rows and draw(st.booleans()):
        # Merged cells over part of the data.
        last = min(len(rows) + 1, 5)
        ws.merge_cells(start_row=2, start_column=1, end_row=max(last, 2), end_column=min(width, 3))
    out = io.BytesIO()
    wb.save(out)
    return kind, out.getvalue()


@pytest.fixture
def importer(city):
    return factories.UserFactory(username="fgw", role="commission")


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sample=workbooks())
def test_fuzzed_workbooks_are_refused_clearly_or_imported_whole(importer, tmp_path, sample):
    kind, data = sample
    before = (Project.objects.count(), InvestmentReport.objects.count())
    path = Path(tmp_path) / f"fuzz-{time.monotonic_ns()}.xlsx"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        with open(path, "rb") as fh:
            check_upload(fh, name=path.name)
        result = run_import(user=importer, kind=kind, path=path, commit=True)
    except ImportRefused as exc:
        assert exc.message.strip(), "a refusal says why"
        event("refused whole")
        assert (Project.objects.count(), InvestmentReport.objects.count()) == before
        return
    finally:
        assert time.monotonic() - started < 20
    after = (Project.objects.count(), InvestmentReport.objects.count())
    event("row errors" if result.errors else "imported")
    if result.errors:
        assert not result.committed and result.created == 0
        assert after == before, "one bad row: nothing stored"
        for error in result.errors:
            assert error.message.strip() and error.row >= 0
    else:
        assert result.committed and result.created == result.total_rows
        grown = after[0] - before[0] if kind == "projects" else after[1] - before[1]
        assert grown == result.created
        # What was stored obeys the rules (never a negative or silently rounded amount).
        for project in Project.objects.order_by("-id")[: result.created] if kind == "projects" else []:
            assert project.total_investment >= 0
            project.full_clean(validate_unique=False)
        for report in InvestmentReport.objects.order_by("-id")[: result.created] if kind == "reports" else []:
            assert report.amount >= 0 and report.period.day == 1


# --- Hand-made hostile files through the upload page -------------------------------------------


def workbook_bytes(rows: list[list], *, merge: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A valid-looking xlsx container whose sheet inflates from ~100 KB to 100 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b"0" * (100 * 1024 * 1024))
    return out.getvalue()


VALID_ROW = ["合法项目", "合法单位", "GXQ", "BIO", "市重点", 2026, "在建", "100.50"]
VALID_HEADER = ["项目名称", "建设单位", "园区代码", "产业代码", "项目级别", "列入年度", "建设阶段", "总投资（万元）"]

HOSTILE = {
    "not-xlsx-bytes": ("data.xlsx", b"\x00\x01\x02 this is not a spreadsheet" * 100, "不是有效的 .xlsx 文件"),
    "html-renamed": ("page.xlsx", b"<html><script>alert(1)</script></html>", "不是有效的 .xlsx 文件"),
    "old-xls-name": ("old.xls", workbook_bytes([VALID_HEADER, VALID_ROW]), "只接受 Excel 2007 及以上版本的 .xlsx 文件"),
    "empty-file": ("empty.xlsx", b"", None),
    "broken-zip": ("broken.xlsx", b"PK\x03\x04" + b"\xff" * 500, "损坏"),
    "zip-bomb": ("bomb.xlsx", None, "压缩炸弹"),
    "wrong-headers": ("wrong.xlsx", workbook_bytes([["名字", "钱"], ["x", 1]]), "缺少必需的列"),
    "header-only": ("header.xlsx", workbook_bytes([VALID_HEADER]), "没有数据行"),
    "empty-sheet": ("blank.xlsx", workbook_bytes([]), "表格为空"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_upload_gets_a_clear_message_and_stores_nothing(client, park_a_admin, case):
    name, data, message = HOSTILE[case]
    if case == "zip-bomb":
        data = zip_bomb()
    client.force_login(park_a_admin)
    before = Project.objects.count()
    started = time.monotonic()
    response = client.post(
        "/imports/", {"kind": "projects", "file": SimpleUploadedFile(name, data, XLSX_CONTENT_TYPE)}, follow=True
    )
    assert time.monotonic() - started < 20, "never a hang"
    assert response.status_code == 200
    text = response.content.decode()
    if message:
        assert message in text, text[-3000:]
    assert Project.objects.count() == before


def test_too_big_file_refused_before_parsing(client, park_a_admin, settings):
    settings.IMPORT_MAX_BYTES = 2048
    data = workbook_bytes([VALID_HEADER] + [VALID_ROW] * 50)
    assert len(data) > 2048
    client.force_login(park_a_admin)
    response = client.post("/imports/", {"kind": "projects", "file": SimpleUploadedFile("big.xlsx", data)}, follow=True)
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    assert not Project.objects.exists()


def test_too_many_rows_refused(client, park_a_admin, settings):
    settings.IMPORT_MAX_ROWS = 20
    data = workbook_bytes([VALID_HEADER] + [[f"项目{i}", *VALID_ROW[1:]] for i in range(30)])
    client.force_login(park_a_admin)
    response = client.post(
        "/imports/", {"kind": "projects", "file": SimpleUploadedFile("many.xlsx", data)}, follow=True
    )
    assert response.status_code == 200
    assert "行数超过上限 20 行" in response.content.decode()
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("case", "rows", "merge"),
    [
        ("formula-amount", [VALID_HEADER, [*VALID_ROW[:7], "=100+0.5"]], None),
        ("negative-amount", [VALID_HEADER, [*VALID_ROW[:7], "-100"]], None),
        ("three-decimals", [VALID_HEADER, [*VALID_ROW[:7], "100.005"]], None),
        ("text-year", [VALID_HEADER, [*VALID_ROW[:5], "明年", *VALID_ROW[6:]]], None),
        ("other-park", [VALID_HEADER, [*VALID_ROW[:2], "LQ", *VALID_ROW[3:]]], None),
        ("merged-cells", [VALID_HEADER, VALID_ROW, VALID_ROW], "A2:C3"),
        ("one-bad-among-good", [VALID_HEADER, VALID_ROW, [*VALID_ROW[:7], "abc"], VALID_ROW], None),
    ],
)
def test_bad_rows_dry_run_lists_errors_and_commit_stores_nothing(client, park_a_admin, case, rows, merge):
    client.force_login(park_a_admin)
    data = workbook_bytes(rows, merge=merge)
    response = client.post("/imports/", {"kind": "projects", "file": SimpleUploadedFile("rows.xlsx", data)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = response["Location"]
    status = client.get(job.rstrip("/") + "/status.json").json()
    assert status["status"] == "done" and status["errors"] >= 1, status
    # Even forcing the commit stores nothing.
    forced = client.post(job.rstrip("/") + "/commit/", follow=True)
    assert forced.status_code == 200
    assert not Project.objects.exists()


def test_a_clean_file_still_imports(client, park_a_admin):
    """The control: the same path with a valid file does store (so the refusals above mean something)."""
    client.force_login(park_a_admin)
    data = workbook_bytes([VALID_HEADER, VALID_ROW])
    response = client.post("/imports/", {"kind": "projects", "file": SimpleUploadedFile("ok.xlsx", data)})
    job = response["Location"].rstrip("/")
    assert client.get(job + "/status.json").json()["errors"] == 0
    client.post(job + "/commit/")
    project = Project.objects.get()
    assert (project.name, project.total_investment, project.park.code) == ("合法项目", Decimal("100.50"), "GXQ")


def test_numeric_period_cell_is_a_row_error_not_a_crash(importer, city, tmp_path):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    path = tmp_path / "period.xlsx"
    path.write_bytes(
        workbook_bytes([["项目ID", "报告期", "当月完成投资（万元）"], [project.pk, 1.344294279088444, "10.00"]])
    )
    result = run_import(user=importer, kind="reports", path=path, commit=True)
    assert result.errors and result.errors[0].field == "报告期"
    assert not InvestmentReport.objects.exists()

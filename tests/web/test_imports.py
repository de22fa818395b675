"""Excel import: template, dry run with per-row results, all-or-nothing import, limits, refusal
of what is not an xlsx (or is a zip bomb), and large files through the Celery task."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.spreadsheets import XLSX_CONTENT_TYPE
from projects.models import InvestmentReport, Project
from projects.tasks import job_read
from tests import factories

pytestmark = pytest.mark.django_db

PROJECT_HEADERS = [
    "项目代码",
    "项目名称*",
    "建设单位*",
    "园区代码*",
    "产业代码*",
    "项目级别*",
    "列入年度*",
    "建设阶段",
    "总投资（万元）*",
]


def xlsx(rows, headers=PROJECT_HEADERS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, content: bytes, kind="projects", name="台账.xlsx"):
    return client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content, XLSX_CONTENT_TYPE)})


def good_rows(n=3):
    return [
        [None, f"导入项目{i}", "某某有限公司", "GXQ-BIO", "BIO-DRUG", "省重点", 2026, "在建", 1000 + i + 0.25]
        for i in range(n)
    ]


def test_templates_have_chinese_headers(client_a, city):
    response = client_a.get("/imports/template/projects.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["项目代码", "项目名称*", "建设单位*", "园区代码*"]
    assert "总投资（万元）*" in header


def test_report_template_lists_the_users_projects(client_a, project_a, project_b):
    response = client_a.get("/imports/template/reports.xlsx?period=2026-03")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("项目ID", "项目代码", "项目名称", "报告期*", "当月完成投资（万元）*")
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [(project_a.pk, project_a.name, "2026-03")]


def test_dry_run_names_the_bad_rows_and_nothing_is_stored(client_a, city):
    rows = good_rows(3)
    rows[1][8] = "一千"  # Excel row 3
    rows[2][3] = "LQ"  # Excel row 4: another park
    response = upload(client_a, xlsx(rows))
    assert response.status_code == 302
    page = client_a.get(response["Location"])
    html = page.content.decode()
    assert "第 3 行" in html and "“一千”不是有效的金额（万元）。" in html
    assert "第 4 行" in html and "您无权在园区“鹿泉经济开发区”录入项目。" in html
    errors = page.context["job"]["result"]["errors"]
    assert {(e["row"], e["field"]) for e in errors} == {(3, "总投资（万元）"), (4, "园区代码")}
    assert "确认导入" not in html
    assert not Project.objects.exists()


def test_dry_run_then_import_all_rows(client_a, city, park_a_admin):
    response = upload(client_a, xlsx(good_rows(3)))
    token = response["Location"].rstrip("/").split("/")[-1]
    page = client_a.get(response["Location"])
    assert "试运行通过：3 行全部有效，尚未写入。" in page.content.decode()
    assert not Project.objects.exists()  # the dry run wrote nothing
    response = client_a.post(f"/imports/{token}/commit/")
    assert response.status_code == 302
    assert sorted(Project.objects.values_list("name", "total_investment", "level", "stage")) == [
        (f"导入项目{i}", Decimal(1000 + i) + Decimal("0.25"), "provincial", "under_construction") for i in range(3)
    ]
    assert Project.objects.first().history.first().history_user == park_a_admin
    assert "导入成功" in client_a.get(f"/imports/{token}/").content.decode()
    # committing twice creates nothing more
    client_a.post(f"/imports/{token}/commit/")
    assert Project.objects.count() == 3


def test_import_is_all_or_nothing_when_data_changed_after_the_dry_run(client_a, city):
    rows = good_rows(2)
    rows[1][0] = "2026-130171-27-03-000001"
    response = upload(client_a, xlsx(rows))
    token = response["Location"].rstrip("/").split("/")[-1]
    taken = factories.ProjectFactory(code="2026-130171-27-03-000001", park=city.park_b, industry=city.bio)
    client_a.post(f"/imports/{token}/commit/")
    state = job_read(token)
    assert state["result"]["committed"] is False
    assert state["result"]["errors"][0]["row"] == 3
    assert state["result"]["errors"][0]["message"] == f"与已有项目重复：{taken.name}（ID {taken.pk}）"
    assert Project.objects.count() == 1  # only the one made above: the first row did not land


def test_amount_with_three_decimals_is_refused_not_rounded(client_a, city):
    rows = good_rows(1)
    rows[0][8] = "100.125"
    page = client_a.get(upload(client_a, xlsx(rows))["Location"])
    assert "金额最多保留两位小数" in page.content.decode()


def test_duplicate_codes_inside_the_file(client_a, city):
    rows = good_rows(2)
    rows[0][0] = rows[1][0] = "2026-130171-27-03-000009"
    page = client_a.get(upload(client_a, xlsx(rows))["Location"])
    assert "与第2行重复" in page.content.decode()


def test_monthly_reports_import(client_a, project_a, project_b):
    headers = ["项目ID", "项目代码", "项目名称", "报告期*", "当月完成投资（万元）*", "形象进度", "存在问题"]
    content = xlsx(
        [
            [project_a.pk, None, project_a.name, "2026-03", 120.5, "主体施工", "用电"],
            [project_b.pk, None, "", "2026-03", 1, "", ""],
        ],
        headers,
    )
    page = client_a.get(upload(client_a, content, kind="reports")["Location"])
    html = page.content.decode()
    assert f"项目ID {project_b.pk} 不存在或不在您的管理范围内。" in html and "第 3 行" in html
    assert not InvestmentReport.objects.exists()
    ok = xlsx([[project_a.pk, None, project_a.name, "2026-03", 120.5, "主体施工", "用电"]], headers)
    response = upload(client_a, ok, kind="reports")
    token = response["Location"].rstrip("/").split("/")[-1]
    client_a.post(f"/imports/{token}/commit/")
    report = InvestmentReport.objects.get()
    assert (report.project, str(report.period), report.amount, report.problems) == (
        project_a,
        "2026-03-01",
        Decimal("120.50"),
        "用电",
    )
    # the same month again is a duplicate, named on its row
    page = client_a.get(upload(client_a, ok, kind="reports")["Location"])
    assert "2026-03 的月度报告已报送" in page.content.decode()


def test_non_xlsx_is_refused_with_a_message(client_a, city):
    response = upload(client_a, b"a,b,c\n1,2,3\n", name="台账.csv")
    assert response.status_code == 200
    assert "只接受 Excel 2007 及以上版本的 .xlsx 文件" in response.context["form"].errors["file"][0]
    response = upload(client_a, b"not a zip at all", name="fake.xlsx")
    assert "不是有效的 .xlsx 文件" in response.context["form"].errors["file"][0]


def test_zip_bomb_is_refused_before_parsing(client_a, city):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    assert len(buf.getvalue()) < 200 * 1024
    response = upload(client_a, buf.getvalue())
    assert response.status_code == 200
    assert "压缩炸弹" in response.context["form"].errors["file"][0]


def test_size_and_row_limits(client_a, city, settings):
    settings.IMPORT_MAX_ROWS = 2
    page = client_a.get(upload(client_a, xlsx(good_rows(3)))["Location"])
    assert "行数超过上限 2 行" in page.content.decode()
    settings.IMPORT_MAX_BYTES = 1000
    response = upload(client_a, xlsx(good_rows(3)))
    assert "文件过大" in response.context["form"].errors["file"][0]


def test_missing_required_header(client_a, city):
    content = xlsx([["x"]], headers=["项目名称"])
    page = client_a.get(upload(client_a, content)["Location"])
    assert "第1行缺少必需的列：建设单位" in page.content.decode()


def test_large_file_runs_as_a_task_with_progress(client_a, city, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_ASYNC_ROWS = 2  # the tests run Celery eagerly: the task runs in-process
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(client_a, xlsx(good_rows(3)))
    token = response["Location"].rstrip("/").split("/")[-1]
    waiting = client_a.get(f"/imports/{token}/")
    assert waiting.context["job"]["status"] == "queued" and "<progress" in waiting.content.decode()
    for callback in queued:  # the transaction commits: the task is sent (and runs eagerly)
        callback()
    status = client_a.get(f"/imports/{token}/status.json").json()
    assert status == {
        "status": "done",
        "phase": "dry_run",
        "processed": 3,
        "total": 3,
        "message": "",
        "errors": 0,
        "committed": False,
    }
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(f"/imports/{token}/commit/")
    assert client_a.get(f"/imports/{token}/status.json").json()["committed"] is True
    assert Project.objects.count() == 3
    page = client_a.get(f"/imports/{token}/")
    assert "import.js" in page.content.decode()


def test_a_job_belongs_to_its_uploader(client, client_a, city, park_b_admin):
    token = upload(client_a, xlsx(good_rows(1)))["Location"].rstrip("/").split("/")[-1]
    client.force_login(park_b_admin)
    assert client.get(f"/imports/{token}/").status_code == 404
    assert client.get(f"/imports/{token}/status.json").status_code == 404
    assert client.post(f"/imports/{token}/commit/").status_code == 404
    assert client.get("/imports/../../etc/status.json").status_code == 404


def test_viewer_cannot_import(client_viewer, city):
    assert client_viewer.get("/imports/").status_code == 403
    assert upload(client_viewer, xlsx(good_rows(1))).status_code == 403
    assert not Project.objects.filter(name="导入项目0").exists()


def test_old_import_jobs_are_purged(client_a, city):
    import os
    import time

    from projects.tasks import job_dir, jobs_purge

    old = upload(client_a, xlsx(good_rows(1)))["Location"].rstrip("/").split("/")[-1]
    new = upload(client_a, xlsx(good_rows(1)))["Location"].rstrip("/").split("/")[-1]
    eight_days_ago = time.time() - 8 * 86400
    os.utime(job_dir(old), (eight_days_ago, eight_days_ago))
    assert jobs_purge(older_than_days=7) == 1
    assert not job_dir(old).exists() and job_dir(new).exists()
    assert client_a.get(f"/imports/{old}/").status_code == 404

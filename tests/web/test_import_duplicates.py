"""An import never duplicates a project: a row naming a stored project (same code; without a
code, same name, owner and park) is a row error, or with "update existing" an update of exactly
the fields that differ (through project_update: version + 1, history kept); a second upload of
the same file changes nothing and says so; the dry run previews every row it writes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.spreadsheets import XLSX_CONTENT_TYPE
from projects.models import Project
from projects.tasks import job_read
from tests import factories
from tests.web.test_imports import good_rows, xlsx

pytestmark = pytest.mark.django_db

CODE = "2026-130171-27-03-000042"


def upload(client, content: bytes, *, update_existing=False) -> str:
    data = {"kind": "projects", "file": SimpleUploadedFile("台账.xlsx", content, XLSX_CONTENT_TYPE)}
    if update_existing:
        data["update_existing"] = "on"
    response = client.post("/imports/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"].rstrip("/").split("/")[-1]


def stored_project(city, **fields) -> Project:
    """A stored project as the import template describes it (park GXQ-BIO, industry BIO-DRUG)."""
    defaults = {"owner": "某某有限公司", "park": city.park_a_sub, "industry": city.bio_drug, "level": "provincial",
                "year": 2026, "stage": "under_construction"}  # fmt: skip
    return factories.ProjectFactory(**(defaults | fields))


def imported(client, content: bytes) -> list[Project]:
    token = upload(client, content)
    client.post(f"/imports/{token}/commit/")
    assert job_read(token)["result"]["committed"] is True
    return list(Project.objects.order_by("id"))


def test_the_same_workbook_twice_creates_nothing_the_second_time(client_a, city):
    content = xlsx(good_rows(3))
    first = imported(client_a, content)
    assert [p.name for p in first] == ["导入项目0", "导入项目1", "导入项目2"]

    # Without "update existing": every row is a duplicate of the project it names.
    token = upload(client_a, content)
    result = job_read(token)["result"]
    assert [(e["row"], e["message"]) for e in result["errors"]] == [
        (2 + i, f"与已有项目重复：{p.name}（ID {p.pk}）") for i, p in enumerate(first)
    ]
    client_a.post(f"/imports/{token}/commit/")
    assert Project.objects.count() == 3

    # With it: nothing differs, so nothing is written and the page says so.
    token = upload(client_a, content, update_existing=True)
    result = job_read(token)["result"]
    assert (result["errors"], result["nothing_to_write"]) == ([], True)
    assert [(p["row"], p["action"], p["project_id"]) for p in result["preview"]] == [
        (2, "unchanged", first[0].pk),
        (3, "unchanged", first[1].pk),
        (4, "unchanged", first[2].pk),
    ]
    page = client_a.get(f"/imports/{token}/").content.decode()
    assert "所有行均与现有项目一致，无需导入。" in page and "确认导入" not in page
    history = Project.history.count()
    client_a.post(f"/imports/{token}/commit/")
    assert (Project.objects.count(), Project.history.count()) == (3, history)
    assert list(Project.objects.order_by("id").values_list("version", flat=True)) == [1, 1, 1]


def test_update_existing_changes_exactly_the_changed_fields(client_a, city, park_a_admin):
    stored = stored_project(
        city, code=CODE, name="老项目", stage="signed", total_investment=Decimal("1000.00"), leader="张三",
        construction_content="原建设内容",
    )  # fmt: skip
    before = Project.history.filter(id=stored.pk).count()
    row = [CODE, "老项目", "某某有限公司", "GXQ-BIO", "BIO-DRUG", "省重点", 2026, "在建", 1200.5]
    token = upload(client_a, xlsx([row]), update_existing=True)
    result = job_read(token)["result"]
    assert result["errors"] == []
    assert result["preview"] == [
        {
            "row": 2,
            "action": "update",
            "name": "老项目",
            "project_id": stored.pk,
            "changes": [["建设阶段", "签约", "在建"], ["总投资（万元）", "1000.00", "1200.50"]],
        }
    ]
    page = client_a.get(f"/imports/{token}/").content.decode()
    assert "建设阶段：签约 → 在建" in page and "总投资（万元）：1000.00 → 1200.50" in page
    client_a.post(f"/imports/{token}/commit/")
    assert job_read(token)["result"]["committed"] is True

    stored.refresh_from_db()
    assert (stored.stage, stored.total_investment, stored.version) == ("under_construction", Decimal("1200.50"), 2)
    assert (stored.leader, stored.construction_content, stored.code) == ("张三", "原建设内容", CODE)
    assert Project.objects.count() == 1
    records = list(Project.history.filter(id=stored.pk).order_by("-history_id"))
    assert len(records) == before + 1
    assert records[0].history_user_id == park_a_admin.pk
    delta = records[0].diff_against(records[1])
    assert sorted((c.field, c.old, c.new) for c in delta.changes) == [
        ("stage", "signed", "under_construction"),
        ("total_investment", Decimal("1000.00"), Decimal("1200.50")),
    ]


def test_a_row_without_a_code_matches_by_name_owner_and_park(client_a, city):
    stored = factories.ProjectFactory(
        code=None, name="导入项目0", owner="某某有限公司", park=city.park_a_sub, industry=city.bio_drug
    )
    token = upload(client_a, xlsx(good_rows(1)))
    assert [e["message"] for e in job_read(token)["result"]["errors"]] == [
        f"与已有项目重复：导入项目0（ID {stored.pk}）"
    ]
    # Another owner is another project.
    rows = good_rows(1)
    rows[0][2] = "另一家公司"
    token = upload(client_a, xlsx(rows))
    assert [p["action"] for p in job_read(token)["result"]["preview"]] == ["create"]


def test_the_preview_lists_every_row(client_a, city):
    kept, changed = (
        stored_project(city, code=f"2026-130171-27-03-00010{i}", name=f"已有{i}", total_investment=Decimal("500.00"))
        for i in range(2)
    )
    rows = [
        [kept.code, "已有0", "某某有限公司", "GXQ-BIO", "BIO-DRUG", "省重点", 2026, "在建", 500],
        [None, "新项目", "新公司", "GXQ-BIO", "BIO-DRUG", "市重点", 2027, None, 88.5],
        [changed.code, "已有1（更名）", "某某有限公司", "GXQ-BIO", "BIO-DRUG", "省重点", 2026, "在建", 500],
    ]
    token = upload(client_a, xlsx(rows), update_existing=True)
    result = job_read(token)["result"]
    assert (result["created"], result["updated"], result["unchanged"], result["committed"]) == (1, 1, 1, False)
    assert result["preview"] == [
        {"row": 2, "action": "unchanged", "name": "已有0", "project_id": kept.pk, "changes": []},
        {
            "row": 3,
            "action": "create",
            "name": "新项目",
            "project_id": None,
            "values": [
                ["项目名称", "新项目"],
                ["建设单位", "新公司"],
                ["园区代码", "国际生物医药园"],
                ["产业代码", "创新生物药"],
                ["项目级别", "市重点"],
                ["列入年度", "2027"],
                ["总投资（万元）", "88.50"],
            ],
        },
        {"row": 4, "action": "update", "name": "已有1", "project_id": changed.pk,
         "changes": [["项目名称", "已有1", "已有1（更名）"]]},
    ]  # fmt: skip
    page = client_a.get(f"/imports/{token}/").content.decode()
    assert page.count('class="preview-') == 3
    assert "将新建 1 个项目，更新 1 个，1 个无变化。" in page
    client_a.post(f"/imports/{token}/commit/")
    assert sorted(Project.objects.values_list("name", "version")) == [
        ("已有0", 1),
        ("已有1（更名）", 2),
        ("新项目", 1),
    ]


def test_a_long_preview_is_paged_in_constant_queries(client_a, city, monkeypatch, django_assert_max_num_queries):
    from web.views import imports as views

    monkeypatch.setattr(views, "PREVIEW_PAGE_SIZE", 4)
    token = upload(client_a, xlsx(good_rows(10)))
    for page, rows in ((1, [2, 3, 4, 5]), (3, [10, 11])):
        with django_assert_max_num_queries(8):
            html = client_a.get(f"/imports/{token}/?page={page}").content.decode()
        assert [int(n) for n in re.findall(r'data-row="(\d+)"', html)] == rows
        assert f"第 {page} / 3 页" in html


def test_rows_naming_the_same_project_inside_one_file(client_a, city):
    rows = good_rows(3)
    rows[2][1] = rows[0][1]  # row 4: the same name, owner and park as row 2, neither with a code
    coded = good_rows(2)
    coded[0][0] = CODE  # row 2 has a code, row 3 (no code) names the same project by name
    coded[1][1] = coded[0][1]
    for content, expected in (
        (xlsx(rows), [(4, "与第2行重复（项目代码相同，或项目名称、建设单位、园区相同）。")]),
        (xlsx(coded), [(3, "与第2行重复（项目代码相同，或项目名称、建设单位、园区相同）。")]),
    ):
        token = upload(client_a, content, update_existing=True)
        result = job_read(token)["result"]
        assert [(e["row"], e["message"]) for e in result["errors"]] == expected
        assert result["preview"] == []
    assert Project.objects.count() == 0


def test_update_existing_keeps_to_the_users_parks(client_a, city):
    other = factories.ProjectFactory(code=CODE, name="鹿泉项目", park=city.park_b, industry=city.bio_drug)
    row = [CODE, "鹿泉项目（改）", "某某有限公司", "GXQ-BIO", "BIO-DRUG", "省重点", 2026, "在建", 100]
    token = upload(client_a, xlsx([row]), update_existing=True)
    assert [(e["field"], e["message"]) for e in job_read(token)["result"]["errors"]] == [
        ("园区代码", "您无权在园区“鹿泉经济开发区”录入项目。")
    ]
    other.refresh_from_db()
    assert (other.name, other.version) == ("鹿泉项目", 1)


def test_the_dry_run_of_updates_is_constant_in_statements(city, park_a_admin, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.imports import run_import

    def statements(n: int) -> int:
        Project.objects.all().delete()
        rows = good_rows(n)
        for i, row in enumerate(rows):
            row[0] = f"2026-130171-27-03-{i:06d}"
            factories.ProjectFactory(
                code=row[0], name=row[1], owner=row[2], park=city.park_a_sub, industry=city.bio_drug
            )
        path = tmp_path / f"{n}.xlsx"
        path.write_bytes(xlsx(rows))
        with CaptureQueriesContext(connection) as queries:
            result = run_import(user=park_a_admin, kind="projects", path=path, commit=False, update_existing=True)
        assert (result.errors, result.updated) == ([], n)
        return len(queries)

    assert statements(3) == statements(30)

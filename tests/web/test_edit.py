"""Create/edit a project with its milestones and annual plans on one form: Chinese validation
messages next to the fields, the countdown template, and the optimistic-locking conflict."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from projects import services
from projects.models import AnnualPlan, Project
from scheduling.models import Milestone, ScheduleTemplate, TemplateStep
from tests.web.helpers import form_data

pytestmark = pytest.mark.django_db


def new_project_data(client, city, **overrides):
    data = form_data(client.get("/projects/new/"), "project-form")
    data.update(
        {
            "name": "康誉医疗介入耗材产业园",
            "owner": "康誉医疗器械有限公司",
            "park": str(city.park_a_sub.pk),
            "industry": str(city.bio_drug.pk),
            "level": "provincial",
            "year": "2026",
            "stage": "signed",
            "total_investment": "35000.50",
        }
    )
    data.update(overrides)
    return data


def test_create_with_milestones_and_plan(client_a, city):
    data = new_project_data(
        client_a,
        city,
        **{
            "ms-0-kind": "signing",
            "ms-0-planned_date": "2026-03-01",
            "ms-1-kind": "construction_start",
            "ms-1-planned_date": "2026-06-01",
            "plan-0-year": "2026",
            "plan-0-planned_investment": "8000.25",
        },
    )
    response = client_a.post("/projects/new/", data)
    project = Project.objects.get(name="康誉医疗介入耗材产业园")
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
    assert project.total_investment == Decimal("35000.50") and project.park == city.park_a_sub
    assert list(project.milestones.order_by("planned_date").values_list("kind", "baseline_date")) == [
        ("signing", dt.date(2026, 3, 1)),
        ("construction_start", dt.date(2026, 6, 1)),
    ]
    assert AnnualPlan.objects.get(project=project).planned_investment == Decimal("8000.25")
    assert project.history.first().history_user.username == "admin_a"


def test_validation_messages_are_chinese_and_next_to_fields_and_nothing_is_stored(client_a, city):
    data = new_project_data(
        client_a,
        city,
        name="",
        total_investment="-5",
        code="2023-13",
        **{
            "ms-0-kind": "construction_start",
            "ms-0-planned_date": "2026-01-01",
            "ms-1-kind": "signing",
            "ms-1-planned_date": "2026-05-01",
            "ms-2-kind": "other",
            "ms-2-planned_date": "2026-07-01",
        },
    )
    data["ms-TOTAL_FORMS"] = "3"
    response = client_a.post("/projects/new/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["该字段是必填项。"]
    assert "24位投资项目统一代码" in form.errors["code"][0]
    assert "大于或等于0" in form.errors["total_investment"][0]
    ms = response.context["ms_formset"]
    assert "“开工”的日期（2026-01-01）不能早于“签约”（2026-05-01）。" in ms.forms[0].errors["planned_date"]
    assert ms.forms[2].errors["name"] == ["节点类型为“其他”时必须填写节点名称。"]
    html = response.content.decode()
    assert 'class="field-errors"' in html and "该字段是必填项。" in html
    assert not Project.objects.exists() and not Milestone.objects.exists()


def test_park_admin_cannot_pick_another_park(client_a, city):
    response = client_a.post("/projects/new/", new_project_data(client_a, city, park=str(city.park_b.pk)))
    assert response.status_code == 200
    assert "park" in response.context["form"].errors
    assert not Project.objects.exists()


def test_template_fills_milestones_from_target_date(client_a, city):
    template = ScheduleTemplate.objects.create(name="标准工业项目", target_kind="production_start")
    TemplateStep.objects.create(template=template, kind="signing", offset=300)
    TemplateStep.objects.create(template=template, kind="construction_start", offset=200)
    data = new_project_data(client_a, city, template=str(template.pk), template_target="2027-06-30")
    response = client_a.post("/projects/new/", data)
    assert response.status_code == 302
    project = Project.objects.get()
    assert list(project.milestones.order_by("planned_date").values_list("kind", "planned_date")) == [
        ("signing", dt.date(2027, 6, 30) - dt.timedelta(days=300)),
        ("construction_start", dt.date(2027, 6, 30) - dt.timedelta(days=200)),
        ("production_start", dt.date(2027, 6, 30)),
    ]


def test_template_needs_a_target_date(client_a, city):
    template = ScheduleTemplate.objects.create(name="标准工业项目")
    response = client_a.post("/projects/new/", new_project_data(client_a, city, template=str(template.pk)))
    assert response.context["form"].errors["template_target"] == ["使用模板时必须填写目标日期。"]


def test_edit_moves_milestones_keeping_baseline(client_a, project_a, today):
    data = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    assert data["version"] == "1"
    # both nodes move later; the later one first keeps every single write in order
    data["ms-0-planned_date"] = (today + dt.timedelta(days=10)).isoformat()
    data["ms-1-planned_date"] = (today + dt.timedelta(days=20)).isoformat()
    data["total_investment"] = "61000.00"
    response = client_a.post(f"/projects/{project_a.pk}/edit/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    project_a.refresh_from_db()
    assert project_a.version == 2 and project_a.total_investment == Decimal("61000.00")
    signing = project_a.milestones.get(kind="signing")
    assert signing.planned_date == today + dt.timedelta(days=10)
    assert signing.baseline_date == today - dt.timedelta(days=40)


def test_second_concurrent_save_is_refused_showing_both_versions(client_a, park_a_admin, project_a):
    # Two people open the form at version 1.
    mine = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    # The other one saves first.
    services.project_update(
        user=park_a_admin,
        project=Project.objects.get(pk=project_a.pk),
        data={"owner": "他人保存的建设单位"},
        expected_version=1,
    )
    mine["owner"] = "我的建设单位"
    mine["total_investment"] = "70000.00"
    response = client_a.post(f"/projects/{project_a.pk}/edit/", mine)
    assert response.status_code == 200
    html = response.content.decode()
    assert "该项目已被他人修改，您的修改未保存" in html
    assert "我的建设单位" in html and "他人保存的建设单位" in html  # both visible
    rows = {str(r["label"]): r for r in response.context["conflict"]["rows"]}
    assert rows["建设单位"]["mine"] == "我的建设单位" and rows["建设单位"]["theirs"] == "他人保存的建设单位"
    assert rows["建设单位"]["differs"]
    project_a.refresh_from_db()
    assert project_a.owner == "他人保存的建设单位" and project_a.version == 2
    assert project_a.total_investment == Decimal("60000.00")
    # Having seen both, a deliberate second save replaces the current values.
    again = form_data(response, "project-form")
    assert again["version"] == "2" and again["owner"] == "我的建设单位"
    assert client_a.post(f"/projects/{project_a.pk}/edit/", again).status_code == 302
    project_a.refresh_from_db()
    assert project_a.owner == "我的建设单位" and project_a.version == 3


def test_conflict_also_rolls_back_milestone_changes(client_a, park_a_admin, project_a, today):
    mine = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    services.project_update(
        user=park_a_admin, project=Project.objects.get(pk=project_a.pk), data={}, expected_version=1
    )
    mine["ms-1-planned_date"] = (today + dt.timedelta(days=99)).isoformat()
    client_a.post(f"/projects/{project_a.pk}/edit/", mine)
    assert project_a.milestones.get(kind="construction_start").planned_date == today + dt.timedelta(days=5)


def test_delete_a_milestone_and_a_plan(client_a, project_a):
    data = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    data["ms-1-DELETE"] = "on"
    data["plan-0-DELETE"] = "on"
    assert client_a.post(f"/projects/{project_a.pk}/edit/", data).status_code == 302
    assert list(project_a.milestones.values_list("kind", flat=True)) == ["signing"]
    assert not project_a.annual_plans.exists()


def test_duplicate_plan_year_is_refused(client_a, project_a, today):
    data = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    data["plan-1-year"] = str(today.year)
    data["plan-1-planned_investment"] = "1.00"
    response = client_a.post(f"/projects/{project_a.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["plan_formset"].forms[1].errors["year"] == [f"{today.year} 年的计划已在上面填写。"]


def test_park_b_admin_cannot_post_to_park_a_project(client, park_b_admin, project_a):
    client.force_login(park_b_admin)
    before = (project_a.name, project_a.version)
    assert client.post(f"/projects/{project_a.pk}/edit/", {"name": "x"}).status_code == 404
    project_a.refresh_from_db()
    assert (project_a.name, project_a.version) == before


def test_viewer_post_is_forbidden(client_viewer, project_a):
    assert client_viewer.post(f"/projects/{project_a.pk}/edit/", {"name": "x"}).status_code == 403
    project_a.refresh_from_db()
    assert project_a.name != "x"


def test_english_validation_message_when_asked(client_a, city):
    data = new_project_data(client_a, city, name="")
    response = client_a.post("/projects/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["form"].errors["name"] == ["This field is required."]


def test_moving_several_nodes_earlier_at_once(client_a, project_a, today):
    data = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    data["ms-0-planned_date"] = (today - dt.timedelta(days=60)).isoformat()
    data["ms-1-planned_date"] = (today - dt.timedelta(days=50)).isoformat()  # before signing's saved date
    response = client_a.post(f"/projects/{project_a.pk}/edit/", data)
    assert response.status_code == 302
    assert project_a.milestones.get(kind="construction_start").planned_date == today - dt.timedelta(days=50)


def test_edit_without_version_is_refused(client_a, project_a):
    data = form_data(client_a.get(f"/projects/{project_a.pk}/edit/"), "project-form")
    del data["version"]
    data["owner"] = "无版本号的修改"
    response = client_a.post(f"/projects/{project_a.pk}/edit/", data)
    assert response.status_code == 200
    assert "缺少版本号，请刷新页面后重新修改。" in response.content.decode()
    project_a.refresh_from_db()
    assert project_a.owner != "无版本号的修改" and project_a.version == 1


def test_template_preview_gives_the_dates_for_the_form_script(client_a, city):
    template = ScheduleTemplate.objects.create(name="标准工业项目", target_kind="production_start")
    TemplateStep.objects.create(template=template, kind="signing", offset=300)
    TemplateStep.objects.create(template=template, kind="construction_start", offset=200)
    response = client_a.get("/projects/template-preview/", {"template": template.pk, "target": "2027-06-30"})
    assert response.json()["items"] == [
        {"kind": "signing", "name": "", "label": "签约", "planned_date": "2026-09-03"},
        {"kind": "construction_start", "name": "", "label": "开工", "planned_date": "2026-12-12"},
        {"kind": "production_start", "name": "", "label": "投产", "planned_date": "2027-06-30"},
    ]
    bad = client_a.get("/projects/template-preview/", {"template": template.pk, "target": "30/06/2027"})
    assert bad.status_code == 400 and bad.json() == {"error": "请填写模板目标日期（YYYY-MM-DD）。"}
    assert client_a.get("/projects/template-preview/", {"target": "2027-06-30"}).status_code == 400

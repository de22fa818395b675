"""The Django admin the commission's data officers use: every model listed, searched and
filtered in Chinese; history shown; projects with reports archived, never deleted."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from parks.models import User
from projects.models import PeriodClose, Project
from scheduling.models import (
    ComparableBase,
    DelayRecord,
    GrowthSnapshot,
    Holiday,
    IndustryGrowth,
    ScheduleTemplate,
    SchedulingSettings,
    TemplateStep,
)
from tests import factories


@pytest.fixture
def officer(city, client):
    user = factories.UserFactory(username="officer", role="commission", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def filled(city, officer):
    """One row of every model."""
    project = factories.ProjectFactory(name="石四药特色新型固体制剂项目", park=city.park_a_sub, industry=city.bio_drug)
    bare = factories.ProjectFactory(name="谋划中的项目", park=city.park_b, industry=city.ei, stage="planning")
    factories.ReportFactory(project=project, period=dt.date(2026, 9, 1), amount=Decimal("880.00"))
    factories.AnnualPlanFactory(project=project, year=2026)
    milestone = factories.MilestoneFactory(project=project, kind="construction_start", planned_date=dt.date(2026, 9, 1))
    template = ScheduleTemplate.objects.create(name="工业项目标准倒排模板")
    TemplateStep.objects.create(template=template, kind="completion", offset=90)
    Holiday.objects.create(date=dt.date(2027, 1, 1), name="元旦")
    SchedulingSettings.load()
    DelayRecord.objects.create(
        milestone=milestone,
        planned_date=milestone.planned_date,
        opened_on=dt.date(2026, 9, 2),
        last_seen_on=dt.date(2026, 11, 22),
        days_overdue=82,
        severity="red",
    )
    snapshot = GrowthSnapshot.objects.create(
        period=dt.date(2026, 7, 1),
        computed_at=timezone.now(),
        ytd=Decimal("145"),
        prior_ytd=Decimal("100"),
        growth_pct=Decimal("45.0"),
        listed_investment=Decimal("0"),
        prior_listed_investment=Decimal("0"),
    )
    IndustryGrowth.objects.create(
        snapshot=snapshot,
        industry=city.ei,
        ytd=Decimal("145"),
        prior_ytd=Decimal("100"),
        growth_pct=Decimal("45.0"),
        diff_pp=Decimal("36.5"),
        project_count=1,
        listed_investment=Decimal("0"),
        prior_listed_investment=Decimal("0"),
    )
    PeriodClose.objects.create(period=dt.date(2026, 7, 1), closed_at=timezone.now())
    ComparableBase.objects.create(period=dt.date(2026, 7, 1), industry=city.ei, prior_ytd=Decimal("90.00"))
    return {"project": project, "bare": bare, "milestone": milestone}


@pytest.mark.django_db
def test_every_model_has_a_working_changelist_search_and_change_page(client, filled):
    ours = [m for m in admin.site._registry if m._meta.app_label in {"parks", "projects", "scheduling"}]
    assert {m.__name__ for m in ours} >= {
        "Region",
        "Park",
        "Industry",
        "User",
        "Project",
        "AnnualPlan",
        "InvestmentReport",
        "Milestone",
        "ScheduleTemplate",
        "Holiday",
        "SchedulingSettings",
        "DelayRecord",
        "GrowthSnapshot",
        "IndustryGrowth",
        "ComparableBase",
    }
    for model in ours:
        info = model._meta.app_label, model._meta.model_name
        changelist = client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"), {"q": "项目"})
        assert changelist.status_code == 200, model
        obj = model.objects.first()
        assert obj is not None, model
        change = client.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]))
        assert change.status_code == 200, model


@pytest.mark.django_db
def test_admin_speaks_chinese_and_searches_projects(client, filled):
    page = client.get(reverse("admin:projects_project_changelist"), {"q": "石四药"})
    text = page.content.decode()
    assert "重点项目" in text and "归档" in text
    assert "石四药特色新型固体制剂项目" in text and "谋划中的项目" not in text


@pytest.mark.django_db
def test_project_autocomplete_for_related_forms(client, filled):
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "projects", "model_name": "annualplan", "field_name": "project", "term": "石四药"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["石四药特色新型固体制剂项目"]


@pytest.mark.django_db
def test_project_history_page_shows_earlier_versions_and_who(client, officer, filled):
    project = filled["project"]
    response = client.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        {
            "code": "",
            "name": project.name,
            "owner": project.owner,
            "park": project.park_id,
            "industry": project.industry_id,
            "level": "provincial",
            "year": 2023,
            "stage": "under_construction",
            "phase": "",
            "total_investment": "100000.00",
            "construction_content": "",
            "annual_output": "",
            "target_date": "",
            "is_special_bond": "",
            "special_bond_amount": "",
            "leader": "",
            "contact_person": "",
            "contact_phone": "",
            "latitude": "",
            "longitude": "",
            "annual_plans-TOTAL_FORMS": "0",
            "annual_plans-INITIAL_FORMS": "0",
            "annual_plans-MIN_NUM_FORMS": "0",
            "annual_plans-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert (project.total_investment, project.level, project.version) == (Decimal("100000.00"), "provincial", 2)
    latest = project.history.latest()
    assert (latest.history_user, latest.total_investment) == (officer, Decimal("100000.00"))
    history = client.get(reverse("admin:projects_project_history", args=[project.pk]))
    assert history.status_code == 200
    assert "officer" in history.content.decode()


@pytest.mark.django_db
def test_negative_amount_in_admin_is_refused_with_message(client, filled):
    project = filled["project"]
    response = client.post(
        reverse("admin:projects_investmentreport_add"),
        {
            "project": project.pk,
            "period": "2026-10-01",
            "amount": "-5",
            "progress": "",
            "problems": "",
            "status": "submitted",
        },
    )
    assert response.status_code == 200
    assert "确保该值大于或等于0。" in response.content.decode()
    assert project.reports.count() == 1


@pytest.mark.django_db
def test_project_with_reports_cannot_be_deleted(client, filled, city):
    bare = filled["bare"]
    project = factories.ProjectFactory(name="以岭小容量注射剂项目", park=city.park_a, industry=city.bio)
    factories.ReportFactory(project=project, period=dt.date(2026, 10, 1), amount=Decimal("12.00"))
    assert client.get(reverse("admin:projects_project_delete", args=[project.pk])).status_code == 403
    # The bulk action refuses too, listing it as protected.
    response = client.post(
        reverse("admin:projects_project_changelist"),
        {"action": "delete_selected", "_selected_action": [project.pk, bare.pk], "post": "yes"},
    )
    assert "以岭小容量注射剂项目（已有月度报告，只能归档）" in response.content.decode()
    assert Project.objects.filter(pk__in=[project.pk, bare.pk]).count() == 2
    # A project without reports may be deleted.
    response = client.post(reverse("admin:projects_project_delete", args=[bare.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Project.objects.filter(pk=bare.pk).exists()


@pytest.mark.django_db
def test_archive_action_calls_the_service(client, officer, filled):
    project = filled["project"]
    response = client.post(
        reverse("admin:projects_project_changelist"),
        {"action": "archive_selected", "_selected_action": [project.pk]},
        follow=True,
    )
    assert "已归档 1 个项目。" in response.content.decode()
    project.refresh_from_db()
    assert project.archived_at is not None
    assert project.history.latest().history_user == officer


@pytest.mark.django_db
def test_job_tables_are_read_only(client, filled):
    record = DelayRecord.objects.get()
    assert client.get(reverse("admin:scheduling_delayrecord_add")).status_code == 403
    response = client.post(reverse("admin:scheduling_delayrecord_change", args=[record.pk]), {"days_overdue": 1})
    assert response.status_code == 403
    assert DelayRecord.objects.get().days_overdue == 82
    assert client.get(reverse("admin:scheduling_growthsnapshot_add")).status_code == 403
    assert client.get(reverse("admin:scheduling_schedulingsettings_add")).status_code == 403


@pytest.mark.django_db
def test_user_admin_refuses_park_admin_without_park(client, filled, city):
    data = {
        "username": "zhao",
        "password1": "Str0ng-pass-2026",
        "password2": "Str0ng-pass-2026",
        "usable_password": "true",
        "role": "park_admin",
        "park": "",
    }
    response = client.post(reverse("admin:parks_user_add"), data)
    assert response.status_code == 200
    assert "园区管理员必须指定所属园区。" in response.content.decode()
    assert not User.objects.filter(username="zhao").exists()
    response = client.post(reverse("admin:parks_user_add"), {**data, "park": city.park_b.pk})
    assert response.status_code == 302
    user = User.objects.get(username="zhao")
    assert (user.role, user.park) == ("park_admin", city.park_b)


def _project_post(project, **extra):
    data = {
        "code": project.code or "",
        "name": project.name,
        "owner": project.owner,
        "park": project.park_id,
        "industry": project.industry_id,
        "level": project.level,
        "year": project.year,
        "stage": project.stage,
        "phase": project.phase,
        "total_investment": str(project.total_investment),
        "construction_content": "",
        "annual_output": "",
        "target_date": "",
        "is_special_bond": "",
        "special_bond_amount": "",
        "leader": "",
        "contact_person": "",
        "contact_phone": "",
        "latitude": "",
        "longitude": "",
        "annual_plans-MIN_NUM_FORMS": "0",
        "annual_plans-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_admin_inline_annual_plans_are_saved_with_history_and_logged(client, officer, filled):
    """The admin saves the project and its inline plans through the project and plan services
    (projects.services.project_update, annual_plans_save): one version step, the history user,
    and the admin's own log still names the added plan."""
    project = filled["project"]
    plan = project.annual_plans.get()
    url = reverse("admin:projects_project_change", args=[project.pk])
    same_year = _project_post(
        project,
        **{
            "annual_plans-TOTAL_FORMS": "2",
            "annual_plans-INITIAL_FORMS": "1",
            "annual_plans-0-id": plan.pk,
            "annual_plans-0-project": project.pk,
            "annual_plans-0-year": "2026",
            "annual_plans-0-planned_investment": str(plan.planned_investment),
            "annual_plans-1-project": project.pk,
            "annual_plans-1-year": "2027",
            "annual_plans-1-planned_investment": "1234.50",
        },
    )
    response = client.post(url, same_year)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = project.annual_plans.get(year=2027)
    assert added.planned_investment == Decimal("1234.50")
    assert added.history.latest().history_user == officer
    project.refresh_from_db()
    assert project.version == 2  # the project service bumped it once
    entry = admin.models.LogEntry.objects.filter(object_id=str(project.pk)).latest("action_time")
    assert "2027" in entry.get_change_message()

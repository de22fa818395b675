"""Services and the scoping selector: the one write path and the one read path."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from common.exceptions import VersionConflict
from projects.models import InvestmentReport, Project
from projects.selectors import projects_visible_to
from projects.services import project_archive, project_create, project_update, report_correct, report_submit
from tests import factories


@pytest.fixture
def three_projects(city):
    return {
        "a": factories.ProjectFactory(name="高新区项目", park=city.park_a, industry=city.bio),
        "a_sub": factories.ProjectFactory(name="生物医药园项目", park=city.park_a_sub, industry=city.bio_drug),
        "b": factories.ProjectFactory(name="鹿泉项目", park=city.park_b, industry=city.ei_ic),
    }


def visible_names(user):
    return set(projects_visible_to(user).values_list("name", flat=True))


@pytest.mark.django_db
def test_scoping_selector_for_each_persona(three_projects, commission_user, viewer_user, park_a_admin, park_b_admin):
    everything = {"高新区项目", "生物医药园项目", "鹿泉项目"}
    assert visible_names(commission_user) == everything
    assert visible_names(viewer_user) == everything
    # A park admin sees its park and the park's sub-parks, never another park.
    assert visible_names(park_a_admin) == {"高新区项目", "生物医药园项目"}
    assert visible_names(park_b_admin) == {"鹿泉项目"}
    assert visible_names(AnonymousUser()) == set()


@pytest.mark.django_db
def test_park_admin_of_a_sub_park_sees_only_the_sub_park(three_projects, city):
    sub_admin = factories.UserFactory(username="admin_sub", role="park_admin", park=city.park_a_sub)
    assert visible_names(sub_admin) == {"生物医药园项目"}


@pytest.mark.django_db
def test_archived_projects_leave_the_lists_but_stay_reachable(three_projects, commission_user):
    project_archive(user=commission_user, project=three_projects["b"])
    assert visible_names(commission_user) == {"高新区项目", "生物医药园项目"}
    assert projects_visible_to(commission_user, include_archived=True).count() == 3


@pytest.mark.django_db
def test_project_archive_is_for_the_commission_only(three_projects, park_b_admin):
    with pytest.raises(PermissionDenied, match="只有发改委可以归档项目"):
        project_archive(user=park_b_admin, project=three_projects["b"])
    assert Project.objects.get(pk=three_projects["b"].pk).archived_at is None


@pytest.mark.django_db
def test_park_admin_cannot_create_in_another_park(city, park_b_admin):
    data = {
        "name": "越权项目",
        "owner": "某公司",
        "park": city.park_a,
        "industry": city.bio,
        "level": "municipal",
        "year": 2026,
        "total_investment": Decimal("100"),
    }
    with pytest.raises(PermissionDenied, match="您无权在该园区录入或调整项目"):
        project_create(user=park_b_admin, data=data)
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_project_update_refuses_a_stale_version_and_stores_nothing(three_projects, commission_user, park_a_admin):
    project = three_projects["a"]
    assert project.version == 1
    # Someone else saves first (from version 1 → 2).
    project_update(user=commission_user, project=Project.objects.get(pk=project.pk), data={"name": "改名一"})
    # The park admin's edit started from version 1: refused.
    stale = Project.objects.get(pk=project.pk)
    with pytest.raises(VersionConflict) as exc:
        project_update(user=park_a_admin, project=stale, data={"name": "改名二"}, expected_version=1)
    assert exc.value.message_dict["version"] == ["该项目已被他人修改，您的修改未保存。请刷新后对照最新内容重新修改。"]
    fresh = Project.objects.get(pk=project.pk)
    assert (fresh.name, fresh.version) == ("改名一", 2)
    # With the current version it goes through.
    project_update(user=park_a_admin, project=fresh, data={"name": "改名二"}, expected_version=2)
    assert Project.objects.get(pk=project.pk).version == 3


@pytest.mark.django_db
def test_report_submit_refuses_a_second_report_for_the_month(three_projects, park_a_admin):
    project = three_projects["a_sub"]
    report_submit(user=park_a_admin, project=project, period="2026-03", amount=Decimal("850.00"), progress="主体施工")
    with pytest.raises(ValidationError) as exc:
        report_submit(user=park_a_admin, project=project, period="2026-03", amount=Decimal("999.00"))
    assert exc.value.message_dict["period"] == ["该项目 2026-03 的月度报告已报送；如需更正，请修改原报告。"]
    assert list(InvestmentReport.objects.values_list("period", "amount", "submitted_by__username")) == [
        (dt.date(2026, 3, 1), Decimal("850.00"), "admin_a")
    ]


@pytest.mark.django_db
def test_report_submit_refuses_bad_period_and_negative_amount(three_projects, park_a_admin):
    project = three_projects["a"]
    with pytest.raises(ValidationError) as exc:
        report_submit(user=park_a_admin, project=project, period="2026/03", amount=Decimal("1"))
    assert exc.value.message_dict["period"] == ["报告期格式应为 YYYY-MM，如 2026-03。"]
    with pytest.raises(ValidationError) as exc:
        report_submit(user=park_a_admin, project=project, period="2026-03", amount=Decimal("-1"))
    assert exc.value.message_dict["amount"] == ["确保该值大于或等于0。"]
    assert not InvestmentReport.objects.exists()


@pytest.mark.django_db
def test_park_admin_cannot_report_for_another_park(three_projects, park_b_admin):
    with pytest.raises(PermissionDenied):
        report_submit(user=park_b_admin, project=three_projects["a"], period="2026-03", amount=Decimal("1"))
    assert not InvestmentReport.objects.exists()


@pytest.mark.django_db
def test_history_records_every_change_with_its_user(city, commission_user, park_a_admin):
    project = project_create(
        user=park_a_admin,
        data={
            "name": "康誉医疗介入类医用高值耗材产业园项目",
            "owner": "河北康誉医疗器械有限公司",
            "park": city.park_a_sub,
            "industry": city.bio,
            "level": "municipal",
            "year": 2023,
            "total_investment": Decimal("35000.00"),
        },
    )
    project_update(user=commission_user, project=project, data={"total_investment": Decimal("36500.50")})
    records = list(project.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.history_user.username, r.total_investment) for r in records] == [
        ("+", "admin_a", Decimal("35000.00")),
        ("~", "commission", Decimal("36500.50")),
    ]
    delta = records[1].diff_against(records[0])
    changes = {c.field: (c.old, c.new) for c in delta.changes}
    assert changes["total_investment"] == (Decimal("35000.00"), Decimal("36500.50"))

    report = report_submit(user=park_a_admin, project=project, period="2026-01", amount=Decimal("120.00"))
    report_correct(user=commission_user, report=report, data={"amount": Decimal("125.00")})
    report_history = list(report.history.order_by("history_date", "history_id"))
    assert [(r.history_user.username, r.amount) for r in report_history] == [
        ("admin_a", Decimal("120.00")),
        ("commission", Decimal("125.00")),
    ]

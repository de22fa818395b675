"""The rules of the project register: each validation refuses with its Chinese message and
stores nothing, and the database refuses the same things when validation is bypassed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import AnnualPlan, InvestmentReport, Project
from projects.services import project_create
from tests import factories

CODE_MESSAGE = (
    "项目代码应为24位投资项目统一代码，格式如 2023-130110-39-03-012345（年份-行政区划-行业-类型01/02/03-序号）。"
)
NEGATIVE_MESSAGE = "确保该值大于或等于0。"


def project_data(city, **overrides):
    data = {
        "code": "2023-130171-27-03-000123",
        "name": "石药巨石生物抗体二期项目",
        "owner": "石药集团巨石生物制药有限公司",
        "park": city.park_a,
        "industry": city.bio_drug,
        "level": "provincial",
        "year": 2023,
        "stage": "under_construction",
        "total_investment": Decimal("200000.00"),
    }
    data.update(overrides)
    return data


def refused(user, data) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        project_create(user=user, data=data)
    return exc.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(
    "code",
    [
        "2023-130171-27-04-000123",  # type 04 does not exist (01 审批, 02 核准, 03 备案)
        "2023-130171-27-03-00012",  # 23 characters
        "2023-130171-27-03-0001234",  # 25 characters
        "2023-13017A-27-03-000123",  # letter in the division code
        "2023/130171/27/03/000123",  # wrong separators
    ],
)
def test_bad_project_code_is_refused_with_the_pattern_message(city, commission_user, code):
    errors = refused(commission_user, project_data(city, code=code))
    assert CODE_MESSAGE in errors["code"]
    assert not Project.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["2023-130171-27-01-000001", "2023-130171-27-02-999999", "2026-130110-39-03-012345"])
def test_valid_project_codes_of_the_three_types_are_accepted(city, commission_user, code):
    project = project_create(user=commission_user, data=project_data(city, code=code))
    assert Project.objects.get(pk=project.pk).code == code


@pytest.mark.django_db
def test_project_without_code_is_allowed_and_several_may_lack_one(city, commission_user):
    project_create(user=commission_user, data=project_data(city, code="", name="谋划项目一", stage="planning"))
    project_create(user=commission_user, data=project_data(city, code=None, name="谋划项目二", stage="planning"))
    assert list(Project.objects.order_by("name").values_list("code", flat=True)) == [None, None]


@pytest.mark.django_db
def test_duplicate_code_is_refused_and_nothing_stored(city, commission_user):
    project_create(user=commission_user, data=project_data(city))
    errors = refused(commission_user, project_data(city, name="另一个项目"))
    assert errors["code"] == ["具有 项目代码 的 重点项目 已存在。"]
    assert list(Project.objects.values_list("name", flat=True)) == ["石药巨石生物抗体二期项目"]


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["total_investment", "annual_output", "special_bond_amount"])
def test_negative_project_amounts_are_refused(city, commission_user, field):
    errors = refused(commission_user, project_data(city, **{field: Decimal("-0.01")}))
    assert errors[field] == [NEGATIVE_MESSAGE]
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_amount_with_more_than_two_decimals_is_refused_not_rounded(city, commission_user):
    errors = refused(commission_user, project_data(city, total_investment=Decimal("100.005")))
    assert errors["total_investment"] == ["金额最多保留两位小数（万元），系统不会自动舍入。"]  # the one amount rule
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_negative_report_and_plan_amounts_are_refused(city):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    report = InvestmentReport(project=project, period=dt.date(2026, 3, 1), amount=Decimal("-5"))
    with pytest.raises(ValidationError) as exc:
        report.full_clean()
    assert exc.value.message_dict["amount"] == [NEGATIVE_MESSAGE]
    plan = AnnualPlan(project=project, year=2026, planned_investment=Decimal("-1"))
    with pytest.raises(ValidationError) as exc:
        plan.full_clean()
    assert exc.value.message_dict["planned_investment"] == [NEGATIVE_MESSAGE]


@pytest.mark.django_db
def test_report_period_is_stored_as_first_of_month(city):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    report = InvestmentReport(project=project, period=dt.date(2026, 3, 17), amount=Decimal("12.50"))
    report.full_clean()
    report.save()
    assert InvestmentReport.objects.get().period == dt.date(2026, 3, 1)


# --- The database refuses what validation would have refused ------------------------------


def assert_db_refuses(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [
        ("total_investment", Decimal("-1")),
        ("annual_output", Decimal("-1")),
        ("special_bond_amount", Decimal("-1")),
        ("level", "county"),
        ("stage", "dreaming"),
    ],
)
def test_database_refuses_bad_project_values_written_with_update(city, field, value):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    assert_db_refuses(lambda: Project.objects.filter(pk=project.pk).update(**{field: value}))
    project.refresh_from_db()
    assert project.total_investment == Decimal("10000.00")
    assert (project.level, project.stage) == ("municipal", "under_construction")


@pytest.mark.django_db
def test_database_refuses_duplicate_code_written_with_bulk_create(city):
    factories.ProjectFactory(park=city.park_a, industry=city.bio, code="2023-130171-27-03-000123")
    dup = Project(
        code="2023-130171-27-03-000123",
        name="重复代码",
        owner="某公司",
        park=city.park_b,
        industry=city.ei,
        level="municipal",
        year=2023,
        total_investment=Decimal("1"),
    )
    assert_db_refuses(lambda: Project.objects.bulk_create([dup]))
    assert Project.objects.count() == 1


@pytest.mark.django_db
def test_database_refuses_second_report_for_same_month_and_negative_amounts(city):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    factories.ReportFactory(project=project, period=dt.date(2026, 3, 1), amount=Decimal("100.00"))
    assert_db_refuses(
        lambda: InvestmentReport.objects.bulk_create(
            [InvestmentReport(project=project, period=dt.date(2026, 3, 1), amount=Decimal("1"))]
        )
    )
    assert_db_refuses(lambda: InvestmentReport.objects.update(amount=Decimal("-0.01")))
    assert_db_refuses(
        lambda: InvestmentReport.objects.bulk_create(
            [InvestmentReport(project=project, period=dt.date(2026, 4, 15), amount=Decimal("1"))]
        )
    )
    assert list(InvestmentReport.objects.values_list("period", "amount")) == [(dt.date(2026, 3, 1), Decimal("100.00"))]


@pytest.mark.django_db
def test_database_refuses_second_annual_plan_and_negative_plan(city):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    factories.AnnualPlanFactory(project=project, year=2026, planned_investment=Decimal("1200.00"))
    assert_db_refuses(
        lambda: AnnualPlan.objects.bulk_create(
            [AnnualPlan(project=project, year=2026, planned_investment=Decimal("5"))]
        )
    )
    assert_db_refuses(lambda: AnnualPlan.objects.update(planned_investment=Decimal("-1")))
    assert list(AnnualPlan.objects.values_list("year", "planned_investment")) == [(2026, Decimal("1200.00"))]


@pytest.mark.django_db
def test_an_edit_loaded_before_a_job_ran_does_not_write_back_the_summary_columns(city, commission_user):
    """The colour, the investment status, the next node and finished are written by set-based
    statements only (Project.KEPT_BY_STATEMENTS): a clerk's save of a project read before the
    nightly job (or a milestone edit) updated them keeps the job's values and stores the edit."""
    from projects.services import project_update

    project = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug)
    stale = Project.objects.get(pk=project.pk)
    job = {
        "status": "red",
        "investment_status": "yellow",
        "next_date": dt.date(2026, 12, 20),
        "next_kind": "signing",
        "next_name": "签约",
        "finished": True,
    }
    Project.objects.filter(pk=project.pk).update(**job)
    project_update(user=commission_user, project=stale, data={"leader": "新的项目负责人"})
    row = Project.objects.values(*job, "leader", "version", "status_rank").get(pk=project.pk)
    assert row == {**job, "leader": "新的项目负责人", "version": stale.version, "status_rank": 0}
    # A new project is inserted with every column, its summary included.
    fresh = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug, status="yellow")
    assert Project.objects.values_list("status", flat=True).get(pk=fresh.pk) == "yellow"

"""The four doors that write a monthly report (the API single and bulk, the web grid, the Excel
import, the admin) refuse the same things with the same messages: they all go through
projects.services (report_submit / report_file) and common.periods / common.money."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from common.periods import PeriodError, parse_period
from projects.imports import run_import
from projects.models import InvestmentReport
from tests import factories
from tests.api.conftest import token_client
from tests.web.helpers import form_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/investment-reports/"
BULK = f"{URL}bulk/"
OUT_OF_RANGE = "报告期应在 2000-01 至 2100-12 之间。"
TOO_PRECISE = "金额最多保留两位小数（万元），系统不会自动舍入。"
DUPLICATE = "该项目 2026-03 的月度报告已报送；如需更正，请修改原报告。"


@pytest.fixture
def project(city):
    return factories.ProjectFactory(park=city.park_a, industry=city.bio)


def api(user, period: str, amount: str, project):
    response = token_client(user).post(URL, {"project": project.pk, "period": period, "amount": amount}, format="json")
    assert response.status_code == 400
    return response.json()


def bulk(user, period: str, amount: str, project):
    body = {"period": period, "rows": [{"project": project.pk, "amount": amount}]}
    response = token_client(user).post(BULK, body, format="json")
    assert response.status_code == 400
    return response.json()


def imported(user, period, amount, project, tmp_path) -> dict[str, list[str]]:
    wb = openpyxl.Workbook()
    wb.active.append(["项目ID", "报告期", "当月完成投资（万元）"])
    wb.active.append([project.pk, period, amount])
    path = tmp_path / "reports.xlsx"
    out = io.BytesIO()
    wb.save(out)
    path.write_bytes(out.getvalue())
    result = run_import(user=user, kind="reports", path=path, commit=True)
    assert not result.committed
    errors: dict[str, list[str]] = {}
    for error in result.errors:
        errors.setdefault(error.field, []).append(error.message)
    return errors


def grid(client, user, period: str, amount: str, project) -> str:
    client.force_login(user)
    url = f"/monthly/?park={project.park_id}&period={period}"
    data = form_data(client.get(url), "grid-form")
    data[f"p{project.pk}-amount"] = amount
    response = client.post(url, data)
    assert response.status_code == 200  # not saved: the page again, with the message
    return response.content.decode()


def admin(client, period: str, amount: str, project) -> str:
    officer = factories.UserFactory(username="officer", role="commission", is_staff=True, is_superuser=True)
    client.force_login(officer)
    response = client.post(
        reverse("admin:projects_investmentreport_add"),
        {
            "project": project.pk,
            "period": period,
            "amount": amount,
            "progress": "",
            "problems": "",
            "status": "submitted",
        },
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_period_out_of_range_is_refused_by_every_door_with_one_message(client, park_a_admin, project, tmp_path):
    assert api(park_a_admin, "1999-05", "1.00", project) == {"period": [OUT_OF_RANGE]}
    assert bulk(park_a_admin, "1999-05", "1.00", project) == {"period": [OUT_OF_RANGE]}
    assert imported(park_a_admin, "1999-05", "1.00", project, tmp_path) == {"报告期": [OUT_OF_RANGE]}
    assert OUT_OF_RANGE in grid(client, park_a_admin, "1999-05", "1.00", project)
    assert OUT_OF_RANGE in admin(client, "1999-05-01", "1.00", project)
    assert not InvestmentReport.objects.exists()


def test_an_amount_with_three_decimals_is_refused_by_every_door_with_one_message(
    client, park_a_admin, project, tmp_path
):
    assert api(park_a_admin, "2026-03", "1.005", project) == {"amount": [TOO_PRECISE]}
    assert bulk(park_a_admin, "2026-03", "1.005", project)["rows"] == [
        {"index": 0, "project": project.pk, "errors": {"amount": [TOO_PRECISE]}}
    ]
    assert imported(park_a_admin, "2026-03", "1.005", project, tmp_path) == {"当月完成投资（万元）": [TOO_PRECISE]}
    assert TOO_PRECISE in grid(client, park_a_admin, "2026-03", "1.005", project)
    assert TOO_PRECISE in admin(client, "2026-03-01", "1.005", project)
    assert not InvestmentReport.objects.exists()


def test_a_second_report_for_the_month_is_the_same_duplicate_everywhere(client, park_a_admin, project, tmp_path):
    """(The grid corrects the month's report instead: it has no duplicate to refuse.)"""
    factories.ReportFactory(project=project, period=dt.date(2026, 3, 1), amount=Decimal("10.00"))
    assert api(park_a_admin, "2026-03", "1.00", project) == {"period": [DUPLICATE]}
    assert bulk(park_a_admin, "2026-03", "1.00", project)["rows"] == [
        {"index": 0, "project": project.pk, "errors": {"period": [DUPLICATE]}}
    ]
    assert imported(park_a_admin, "2026-03", "1.00", project, tmp_path) == {"报告期": [DUPLICATE]}
    assert DUPLICATE in admin(client, "2026-03-01", "1.00", project)
    assert InvestmentReport.objects.get().amount == Decimal("10.00")


def test_an_archived_project_is_refused_by_the_service_for_every_bulk_door(park_a_admin, project, tmp_path):
    from django.utils import timezone

    project.archived_at = timezone.now()
    project.save()
    message = "该项目已归档，不能再报送或更正月报。"
    assert bulk(park_a_admin, "2026-03", "1.00", project)["rows"][0]["errors"] == {"project": [message]}
    assert imported(park_a_admin, "2026-03", "1.00", project, tmp_path) == {"项目ID": [message]}
    assert not InvestmentReport.objects.exists()


def test_a_huge_project_id_cell_is_a_row_error(park_a_admin, project, tmp_path):
    """10^30 does not fit the database's integer: a clear row error, not an OverflowError."""
    wb = openpyxl.Workbook()
    wb.active.append(["项目ID", "报告期", "当月完成投资（万元）"])
    wb.active.append([10**30, "2026-03", "1.00"])
    path = tmp_path / "huge.xlsx"
    wb.save(path)
    result = run_import(user=park_a_admin, kind="reports", path=path, commit=True)
    errors = [(e.row, e.field) for e in result.errors]
    assert errors == [(2, "项目ID")]
    assert "不是有效的项目ID" in result.errors[0].message
    assert not InvestmentReport.objects.exists()


@pytest.mark.parametrize("text", ["0000-01", "0001-12", "9999-12", "1999-12", "2101-01"])
def test_a_period_outside_the_years_is_the_range_message_never_an_overflow(text):
    """Year 0000 is no date at all: the parser says the range instead of failing to build one."""
    with pytest.raises(PeriodError) as refused:
        parse_period(text)
    assert (refused.value.code, refused.value.message) == ("range", str(OUT_OF_RANGE))

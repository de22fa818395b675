"""The review page (月报审核), the grid's draft/submit and the closed month in the web doors
(grid, Excel import), the returned report's reason in the grid and on the card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from projects.models import InvestmentReport, PeriodClose, Project
from tests import factories
from tests.web.helpers import form_data
from tests.web.test_imports import upload, xlsx
from tests.web.test_queries import Statements

pytestmark = pytest.mark.django_db

PERIOD = "2026-03"
MARCH = dt.date(2026, 3, 1)
REPORT_HEADERS = ["项目ID", "项目代码", "项目名称", "报告期*", "当月完成投资（万元）*", "形象进度", "存在问题"]


@pytest.fixture
def reports(city):
    p1 = factories.ProjectFactory(name="甲项目", park=city.park_a, industry=city.bio_drug)
    p2 = factories.ProjectFactory(name="乙项目", park=city.park_a_sub, industry=city.bio_drug)
    p3 = factories.ProjectFactory(name="丙项目", park=city.park_b, industry=city.ei_ic)
    factories.ReportFactory(project=p1, period=dt.date(2026, 2, 1), amount=Decimal("100"))
    r1 = factories.ReportFactory(project=p1, period=MARCH, amount=Decimal("900"))  # a jump: 9× and +800
    r2 = factories.ReportFactory(project=p2, period=MARCH, amount=Decimal("50"))
    r3 = factories.ReportFactory(project=p3, period=MARCH, amount=Decimal("70"))
    return r1, r2, r3


def review_url(**extra):
    params = "&".join(f"{k}={v}" for k, v in {"period": PERIOD, **extra}.items())
    return f"/review/?{params}"


def test_review_page_is_for_the_commission_only(client, city, park_a_admin, viewer_user, reports):
    for user in (park_a_admin, viewer_user):
        client.force_login(user)
        assert client.get(review_url()).status_code == 403
        assert client.post(review_url(), {"action": "close"}).status_code == 403
    assert not PeriodClose.objects.exists()


def test_review_page_lists_filters_and_flags_jumps(client_commission, city, reports):
    r1, r2, r3 = reports
    response = client_commission.get(review_url())
    assert [r.pk for r in response.context["reports"]] == [r1.pk, r2.pk, r3.pk]
    assert response.context["summary"]["submitted"] == 3 and response.context["summary"]["jumps"] == 1
    assert [r.pk for r in client_commission.get(review_url(jumps=1)).context["reports"]] == [r1.pk]
    by_park = client_commission.get(review_url(park=city.park_a.pk)).context["reports"]
    assert [r.pk for r in by_park] == [r1.pk, r2.pk]  # park A with its sub-park
    by_industry = client_commission.get(review_url(industry=city.ei.pk)).context["reports"]
    assert [r.pk for r in by_industry] == [r3.pk]  # an industry with its descendants
    html = client_commission.get(review_url()).content.decode()
    assert "审核" in html and "金额异常 1 份" in html
    assert response.context["reports"][0].previous_amount == Decimal("100.00")


def test_approve_many_and_return_one(client_commission, commission_user, reports):
    r1, r2, r3 = reports
    response = client_commission.post(review_url(), {"action": "approve", "ids": [r1.pk, r2.pk]})
    assert response.status_code == 302
    assert dict(InvestmentReport.objects.filter(period=MARCH).values_list("pk", "status")) == {
        r1.pk: "approved",
        r2.pk: "approved",
        r3.pk: "submitted",
    }
    assert r1.history.first().history_change_reason == "审核通过"
    assert r1.history.first().reviewed_by_id == commission_user.pk
    # an empty reason: nothing changes, the page says why
    response = client_commission.post(review_url(), {"action": "return", "report": r3.pk, "reason": "  "}, follow=True)
    assert "请填写退回原因" in response.content.decode()
    r3.refresh_from_db()
    assert r3.status == "submitted"
    client_commission.post(review_url(), {"action": "return", "report": r3.pk, "reason": "金额与进度不符"})
    r3.refresh_from_db()
    assert (r3.status, r3.return_reason) == ("returned", "金额与进度不符")
    # approving it again now (returned): left alone, with a message
    response = client_commission.post(review_url(), {"action": "approve", "ids": [r3.pk]}, follow=True)
    assert "没有选中可审核的月报" in response.content.decode()


def test_close_and_reopen_from_the_page(client_commission, reports):
    response = client_commission.post(review_url(), {"action": "close"}, follow=True)
    assert PeriodClose.objects.get().closed
    assert "2026-03 已关账" in response.content.decode()
    this_month = timezone.localdate().replace(day=1)
    response = client_commission.post(f"/review/?period={this_month:%Y-%m}", {"action": "close"}, follow=True)
    assert "尚未结束，不能关账" in response.content.decode()
    assert PeriodClose.objects.count() == 1
    client_commission.post(review_url(), {"action": "reopen"})
    assert not PeriodClose.objects.get().closed


def _review_statements(client, city, n) -> int:
    Project.objects.all().delete()
    parks = [city.park_a, city.park_a_sub, city.park_b]
    for i in range(n):
        p = factories.ProjectFactory(park=parks[i % 3], industry=city.bio_drug)
        factories.ReportFactory(project=p, period=dt.date(2026, 2, 1), amount=Decimal("10"))
        factories.ReportFactory(project=p, period=MARCH, amount=Decimal("10") * (i % 5 + 1))
    client.get(review_url())
    statements = Statements()
    with connection.execute_wrapper(statements):
        response = client.get(review_url())
    assert response.status_code == 200 and len(response.context["reports"]) == min(n, 100)
    return len(statements)


def test_review_page_statements_do_not_grow_with_reports(client_commission, city):
    assert _review_statements(client_commission, city, 10) == _review_statements(client_commission, city, 200)


# --- The grid: draft, submit, the returned reason, the closed month ---------------------------


@pytest.fixture
def grid_project(city):
    return factories.ProjectFactory(name="甲项目", park=city.park_a, industry=city.bio_drug)


def grid_url(city):
    return f"/monthly/?park={city.park_a.pk}&period={PERIOD}"


def test_grid_saves_a_draft_then_submits(client_a, city, grid_project):
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    data.update({f"p{grid_project.pk}-amount": "12.50", "action": "draft"})
    assert client_a.post(grid_url(city), data).status_code == 302
    report = InvestmentReport.objects.get()
    assert report.status == "draft"
    html = client_a.get(grid_url(city)).content.decode()
    assert 'data-status="draft"' in html and "保存草稿" in html and "报送本页" in html
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    data["action"] = "submit"
    assert client_a.post(grid_url(city), data).status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.amount == Decimal("12.50")
    assert [h.history_change_reason for h in report.history.order_by("history_id")] == ["保存草稿", "报送"]


def test_returned_reason_in_grid_and_card_and_resubmit_clears_it(client, client_a, city, grid_project, commission_user):
    report = factories.ReportFactory(project=grid_project, period=MARCH, amount=Decimal("10"))
    from projects import services

    services.report_return(user=commission_user, report=report, reason="请补充形象进度")
    html = client_a.get(grid_url(city)).content.decode()
    assert "请补充形象进度" in html and 'data-status="returned"' in html
    card = client_a.get(f"/projects/{grid_project.pk}/").content.decode()
    assert "请补充形象进度" in card and "已退回" in card
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    data.update({f"p{grid_project.pk}-progress": "主体施工", "action": "submit"})
    client_a.post(grid_url(city), data)
    report.refresh_from_db()
    assert (report.status, report.return_reason, report.progress) == ("submitted", "", "主体施工")


def test_closed_month_grid_is_read_only_and_refuses_a_post(client_a, city, grid_project):
    factories.ReportFactory(project=grid_project, period=MARCH, amount=Decimal("10"))
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    PeriodClose.objects.create(period=MARCH, closed_at=timezone.now())
    response = client_a.get(grid_url(city))
    html = response.content.decode()
    assert "2026-03 已关账" in html and "不能再新增、修改或报送" in html
    assert f'name="p{grid_project.pk}-amount"' not in html and "报送本页" not in html
    data.update({f"p{grid_project.pk}-amount": "99"})
    response = client_a.post(grid_url(city), data, follow=True)
    assert "已关账" in response.content.decode()
    assert InvestmentReport.objects.get().amount == Decimal("10.00")


def test_commission_corrects_a_closed_month_in_the_grid_with_a_reason(client_commission, city, grid_project):
    report = factories.ReportFactory(project=grid_project, period=MARCH, amount=Decimal("10"))
    PeriodClose.objects.create(period=MARCH, closed_at=timezone.now())
    data = form_data(client_commission.get(grid_url(city)), "grid-form")
    assert "correction_reason" in data
    data.update({f"p{grid_project.pk}-amount": "11"})
    response = client_commission.post(grid_url(city), data, follow=True)
    assert "须填写更正原因" in response.content.decode()
    report.refresh_from_db()
    assert report.amount == Decimal("10.00")
    data["correction_reason"] = "统计口径调整"
    assert client_commission.post(grid_url(city), data).status_code == 302
    report.refresh_from_db()
    assert (report.amount, report.correction_reason) == (Decimal("11.00"), "统计口径调整")
    card = client_commission.get(f"/projects/{grid_project.pk}/").content.decode()
    assert "统计口径调整" in card


def test_closed_month_excel_import_is_refused(client_a, city, grid_project):
    PeriodClose.objects.create(period=MARCH, closed_at=timezone.now())
    content = xlsx([[grid_project.pk, None, grid_project.name, PERIOD, 5, "", ""]], REPORT_HEADERS)
    page = client_a.get(upload(client_a, content, kind="reports")["Location"])
    assert "2026-03 已关账" in page.content.decode()
    assert not InvestmentReport.objects.exists()


def test_dashboard_says_which_month_and_whether_closed(client_commission, city):
    html = client_commission.get("/").content.decode()
    assert "未关账" in html
    PeriodClose.objects.create(period=dt.date(2026, 1, 1), closed_at=timezone.now())
    html = client_commission.get("/").content.decode()
    assert "显示 2026-01 数据（已关账" in html


def test_a_jump_compares_with_the_month_before_only(client_commission, city):
    """金额异常 is month on month (环比): the project's counted report of the month before;
    a project that did not report (or only drafted) that month has nothing to compare with."""
    gap = factories.ProjectFactory(name="隔月项目", park=city.park_a, industry=city.bio_drug)
    factories.ReportFactory(project=gap, period=dt.date(2026, 1, 1), amount=Decimal("100"))
    factories.ReportFactory(project=gap, period=MARCH, amount=Decimal("900"))
    drafted = factories.ProjectFactory(name="草稿项目", park=city.park_a, industry=city.bio_drug)
    factories.ReportFactory(project=drafted, period=dt.date(2026, 2, 1), amount=Decimal("100"), status="draft")
    factories.ReportFactory(project=drafted, period=MARCH, amount=Decimal("900"))
    steady = factories.ProjectFactory(name="平稳项目", park=city.park_a, industry=city.bio_drug)
    factories.ReportFactory(project=steady, period=dt.date(2026, 2, 1), amount=Decimal("800"))
    factories.ReportFactory(project=steady, period=MARCH, amount=Decimal("900"))
    response = client_commission.get(review_url())
    rows = {r.project.name: (r.previous_amount, r.jump) for r in response.context["reports"]}
    assert rows == {"隔月项目": (None, False), "草稿项目": (None, False), "平稳项目": (Decimal("800.00"), False)}
    assert response.context["summary"]["jumps"] == 0
    assert response.context["page"].paginator.count == 3

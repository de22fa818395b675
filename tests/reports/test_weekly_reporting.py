"""The weekly report's section 八, who has not reported the month now due (月报填报情况):
the per-park figures and the missing and returned projects, in the data, the XLSX, the HTML,
each park's section and the mail, at a constant number of statements."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from projects.models import InvestmentReport, ReportStatus
from reports import rendering, services
from reports.selectors import weekly_report_data
from tests import factories

from .conftest import AS_OF, WEEK

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)  # the month now due on Monday 2026-06-08 (due 2026-06-05)


@pytest.fixture
def reporting_city(report_city):
    city = report_city.city
    # 康誉 (park A) was returned with a reason; 森朗 (sub-park) reported; 晶澳 (park B) reported.
    InvestmentReport.objects.filter(project=report_city.kangyu, period=MAY).update(
        status=ReportStatus.RETURNED, return_reason="金额与上月差异过大，请核实"
    )
    draft = factories.ProjectFactory(name="鹿泉草稿项目", park=city.park_b, industry=city.ei)
    factories.ReportFactory(project=draft, period=MAY, status=ReportStatus.DRAFT)
    silent = factories.ProjectFactory(name="鹿泉未报项目", park=city.park_b, industry=city.ei)
    factories.ProjectFactory(name="前期项目", park=city.park_b, industry=city.ei, stage="planning")
    factories.ProjectFactory(name="投产项目", park=city.park_b, industry=city.ei, stage="in_production")
    report_city.draft, report_city.silent = draft, silent
    return report_city


def test_section_lists_missing_and_returned_projects_by_park(reporting_city):
    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    reporting = data.reporting
    assert (reporting.period, reporting.due_date, reporting.closed) == (MAY, dt.date(2026, 6, 5), False)
    rows = [(r.project, r.park, r.status_label, r.reason) for r in reporting.rows]
    # In the parks' order, then by name (the database's collation orders the names).
    assert rows[0] == ("康誉医疗介入耗材产业园", "石家庄高新区", "已退回", "金额与上月差异过大，请核实")
    assert sorted(rows[1:]) == [
        ("鹿泉未报项目", "鹿泉经济开发区", "未报送", ""),
        ("鹿泉草稿项目", "鹿泉经济开发区", "草稿", ""),
    ]
    figures = {p.name: (p.expected, p.reported, p.approved, p.returned, p.missing_count) for p in reporting.parks}
    # The archived project, the planning one and the one in production are not expected.
    assert figures == {
        "石家庄高新区": (1, 0, 0, 1, 1),
        "国际生物医药园": (1, 1, 0, 0, 0),
        "鹿泉经济开发区": (3, 1, 0, 0, 2),
    }
    summary = data.summary()
    assert (summary["reports_missing"], summary["reports_returned"]) == (2, 1)


def test_park_section_keeps_its_own_parks(reporting_city):
    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    b = data.section(reporting_city.city.park_b.pk).reporting
    assert sorted(r.project for r in b.rows) == ["鹿泉未报项目", "鹿泉草稿项目"]
    assert {r.park for r in b.rows} == {"鹿泉经济开发区"}
    assert [p.name for p in b.parks] == ["鹿泉经济开发区"]
    a = data.section(reporting_city.city.park_a.pk).reporting  # with its sub-park
    assert [p.name for p in a.parks] == ["石家庄高新区", "国际生物医药园"]
    assert [r.project for r in a.rows] == ["康誉医疗介入耗材产业园"]


def test_xlsx_html_and_mail_carry_the_section(reporting_city):
    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    from django.utils import timezone

    content = rendering.render_xlsx(data, generated_at=timezone.now())
    wb = load_workbook(io.BytesIO(content))
    parks = [tuple(r) for r in wb["月报填报情况"].iter_rows(values_only=True)]
    assert parks[0] == ("序号", "所在园区", "应报项目", "已报送", "已审核", "已退回", "未报", "报送率（%）")
    assert parks[1:] == [
        (1, "石家庄高新区", 1, 0, 0, 1, 1, 0),
        (2, "国际生物医药园", 1, 1, 0, 0, 0, 100),
        (3, "鹿泉经济开发区", 3, 1, 0, 0, 2, 33),
    ]
    rows = [tuple(r) for r in wb["月报未报与退回"].iter_rows(values_only=True)]
    assert rows[1] == (1, "康誉医疗介入耗材产业园", "石家庄高新区", "已退回", "金额与上月差异过大，请核实")
    assert {r[1] for r in rows[2:]} == {"鹿泉未报项目", "鹿泉草稿项目"}
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(values_only=True) if r and r[0]}
    assert (summary["月报未报项目"], summary["月报退回项目"]) == (2, 1)

    html = rendering.render_html(data, generated_at=timezone.now())
    assert "九、月报填报情况（2026-05，截止 2026-06-05，未报 2 个、退回 1 个）" in html
    assert "金额与上月差异过大，请核实" in html and "鹿泉未报项目" in html

    report = type("R", (), {"week": WEEK, "as_of": AS_OF, "revision": 1})()
    body = services.mail_body(report, data.summary(), due_soon_days=data.due_soon_days)
    assert "上月月报未报 2 个、退回待改 1 个" in body


def test_a_hostile_reason_is_a_safe_cell(reporting_city):
    InvestmentReport.objects.filter(project=reporting_city.kangyu, period=MAY).update(
        return_reason='=HYPERLINK("http://x","点此")'
    )
    from django.utils import timezone

    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    wb = load_workbook(io.BytesIO(rendering.render_xlsx(data, generated_at=timezone.now())))
    reasons = [r[4] for r in wb["月报未报与退回"].iter_rows(min_row=2, values_only=True)]
    assert reasons[0] == '\'=HYPERLINK("http://x","点此")'


def test_everyone_reported_says_zero(report_city):
    data = weekly_report_data(week=WEEK, as_of=AS_OF)
    assert data.reporting.rows == []
    assert (data.summary()["reports_missing"], data.summary()["reports_returned"]) == (0, 0)
    report = type("R", (), {"week": WEEK, "as_of": AS_OF, "revision": 1})()
    assert "月报未报" not in services.mail_body(report, data.summary(), due_soon_days=7)


def test_section_costs_constant_statements(reporting_city):
    weekly_report_data(week=WEEK, as_of=AS_OF)
    with CaptureQueriesContext(connection) as small:
        weekly_report_data(week=WEEK, as_of=AS_OF)
    city = reporting_city.city
    for i in range(12):
        p = factories.ProjectFactory(name=f"追加未报{i}", park=city.park_b, industry=city.ei)
        if i % 3 == 0:
            factories.ReportFactory(project=p, period=MAY, status=ReportStatus.RETURNED, return_reason="请核实")
    with CaptureQueriesContext(connection) as large:
        data = weekly_report_data(week=WEEK, as_of=AS_OF)
    assert len(data.reporting.rows) == 3 + 12
    assert len(large.captured_queries) == len(small.captured_queries)


def test_unreported_is_the_join_form_of_the_rule(reporting_city):
    """projects.reporting.unreported (an anti-join, then the few missing projects' reports)
    lists exactly what the rule's join form (with_period_report + not_reported_q) lists."""
    from projects.models import Project
    from projects.reporting import expected_q, not_reported_q, unreported, with_period_report

    reference = list(
        with_period_report(Project.objects.active().filter(expected_q()), MAY)
        .filter(not_reported_q())
        .order_by("park__sort_order", "park__code", "name", "pk")
        .values_list("pk", "name", "park_id", "month_report__status", "month_report__return_reason")
    )
    assert len({row[3] for row in reference}) == 3  # none, a draft, a returned one
    assert unreported(period=MAY) == reference

"""The monthly cycle in a real browser: the park admin saves a draft and submits it; the
commission returns it with a reason; the park admin sees the reason, corrects and resubmits;
the commission approves and closes the month; the park admin's grid is then read-only with the
message shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.models import InvestmentReport, PeriodClose
from tests import factories
from tests.e2e.test_park_admin_flow import SHOTS, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def switch_user(page, base, username):
    page.context.clear_cookies()
    login(page, base, username)


def test_review_cycle(page, live_server, city, park_a_admin, commission_user):
    base = live_server.url
    today = timezone.localdate()
    period = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the last full month
    project = factories.ProjectFactory(name="康誉医疗介入耗材产业园", park=city.park_a, industry=city.bio_drug)
    grid = f"{base}/monthly/?park={city.park_a.pk}&period={period:%Y-%m}"
    row = page.locator(f"tr[data-project='{project.pk}']")
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 1. The park admin saves a draft, then submits it.
    login(page, base, "admin_a")
    page.goto(grid)
    row.locator("input[name$='-amount']").fill("800.00")
    page.click("#grid-form button[value='draft']")
    page.wait_for_selector("text=草稿已保存")
    assert row.locator("[data-status='draft']").is_visible()
    assert InvestmentReport.objects.get(project=project).status == "draft"
    page.click("#grid-form button[value='submit']")
    page.wait_for_selector("text=新报送 0 个项目，更正 1 个项目")
    assert row.locator("[data-status='submitted']").is_visible()

    # 2. The commission returns it with a reason on the review page.
    switch_user(page, base, "commission")
    page.click("nav.mainnav >> text=审核")
    page.goto(f"{base}/review/?period={period:%Y-%m}")
    review_row = page.locator(f"tr[data-report='{InvestmentReport.objects.get(project=project).pk}']")
    review_row.locator("input[name='reason']").fill("金额与形象进度不符，请核实")
    review_row.locator("button:has-text('退回')").click()
    page.wait_for_selector("text=已退回：康誉医疗介入耗材产业园")
    assert InvestmentReport.objects.get(project=project).status == "returned"

    # 3. The park admin sees the reason in the grid and on the card, corrects and resubmits.
    switch_user(page, base, "admin_a")
    page.goto(f"{base}/projects/{project.pk}/")
    assert "金额与形象进度不符，请核实" in page.locator("[data-testid='return-reason']").inner_text()
    page.goto(grid)
    assert "金额与形象进度不符，请核实" in row.locator("[data-testid='return-reason']").inner_text()
    page.screenshot(path=str(SHOTS / "grid-returned.png"), full_page=True)
    row.locator("input[name$='-amount']").fill("80.00")
    page.click("#grid-form button[value='submit']")
    page.wait_for_selector("text=更正 1 个项目")
    report = InvestmentReport.objects.get(project=project)
    assert (report.status, report.amount, report.return_reason) == ("submitted", Decimal("80.00"), "")
    assert row.locator("[data-testid='return-reason']").count() == 0

    # 4. The commission approves (checkbox) and closes the month.
    switch_user(page, base, "commission")
    page.goto(f"{base}/review/?period={period:%Y-%m}")
    page.check(f"input[name='ids'][value='{report.pk}']")
    page.click("[data-testid='approve-selected']")
    page.wait_for_selector("text=已审核通过 1 份月报")
    page.click("[data-testid='close-month']")
    page.wait_for_selector("[data-testid='review-closed']")
    page.screenshot(path=str(SHOTS / "review-closed.png"), full_page=True)
    assert InvestmentReport.objects.get(project=project).status == "approved"
    assert PeriodClose.objects.get(period=period).closed

    # 5. The park admin's grid for that month is read-only, with the message.
    switch_user(page, base, "admin_a")
    page.goto(grid)
    banner = page.locator("[data-testid='closed-banner']")
    assert f"{period:%Y-%m} 已关账" in banner.inner_text()
    assert row.locator("input[name$='-amount']").count() == 0
    assert page.locator("#grid-form button[value='submit']").count() == 0
    assert row.locator("[data-status='approved']").is_visible()
    page.screenshot(path=str(SHOTS / "grid-closed.png"), full_page=True)

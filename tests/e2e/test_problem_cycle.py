"""督办 in a real browser: the park admin turns a monthly report's 存在问题 into a problem (转为督办
on the card); the commission assigns it to 供电公司 with a deadline on /problems/; the park admin
handles it; the commission confirms it. The dashboard's 督办 counts follow each step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from escalation.models import Department, Problem
from tests import factories
from tests.e2e.test_park_admin_flow import SHOTS, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def switch_user(page, base, username):
    page.context.clear_cookies()
    login(page, base, username)


def counts(page, base) -> dict[str, str]:
    page.goto(f"{base}/")
    box = page.locator("[data-testid='problem-counts']")
    return {k: box.locator(f"[data-count='{k}']").inner_text().strip() for k in ("open", "assigned", "red", "yellow")}


def test_problem_cycle(page, live_server, city, park_a_admin, commission_user):
    base = live_server.url
    today = timezone.localdate()
    period = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    deadline = today + dt.timedelta(days=20)
    project = factories.ProjectFactory(name="康誉医疗介入耗材产业园", park=city.park_a, industry=city.bio_drug)
    factories.ReportFactory(project=project, period=period, status="approved", problems="10kV 专线未接入，影响设备调试")
    power = Department.objects.create(name="供电公司", email="gdj@example.gov.cn")
    Department.objects.create(name="住建局", email="zjj@example.gov.cn")
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 1. The park admin raises the report's 存在问题 from the card.
    login(page, base, "admin_a")
    assert counts(page, base) == {"open": "0", "assigned": "0", "red": "0", "yellow": "0"}
    page.goto(f"{base}/projects/{project.pk}/")
    form = page.locator("form.raise-form", has=page.locator("[data-testid='raise-problem']")).first
    assert form.locator("textarea[name='description']").input_value() == "10kV 专线未接入，影响设备调试"
    form.locator("select[name='category']").select_option("utilities")
    form.locator("[data-testid='raise-problem']").click()
    page.wait_for_selector("text=已转为督办问题，等待发改委交办。")
    problem = Problem.objects.get()
    assert (problem.project_id, problem.status, problem.category, problem.description) == (
        project.pk,
        "open",
        "utilities",
        "10kV 专线未接入，影响设备调试",
    )
    assert page.locator(f"#problems tr[data-problem='{problem.pk}']").is_visible()
    assert counts(page, base) == {"open": "1", "assigned": "0", "red": "0", "yellow": "0"}

    # 2. The commission assigns it to 供电公司 with a deadline.
    switch_user(page, base, "commission")
    page.goto(f"{base}/problems/")
    page.check(f"input[name='ids'][value='{problem.pk}']")
    page.select_option("select[name='department'][form='bulk-form']", label="供电公司")
    page.fill("input[name='deadline'][form='bulk-form']", deadline.isoformat())
    page.click("[data-testid='assign-selected']")
    page.wait_for_selector("text=已交办 1 件。")
    problem.refresh_from_db()
    assert (problem.status, problem.department_id, problem.deadline) == ("assigned", power.pk, deadline)
    assert problem.dispatch_no == f"{today.year}-0001"
    row = page.locator(f"tr[data-problem='{problem.pk}']")
    assert "供电公司" in row.inner_text() and problem.dispatch_no in row.inner_text()
    assert counts(page, base) == {"open": "0", "assigned": "1", "red": "0", "yellow": "0"}

    # 3. The park admin handles it on /problems/.
    switch_user(page, base, "admin_a")
    page.goto(f"{base}/problems/")
    row = page.locator(f"tr[data-problem='{problem.pk}']")
    row.locator("input[name='note']").fill("已协调供电公司完成专线接入")
    row.locator("button:has-text('办理')").click()
    page.wait_for_selector(f"text=已办理：{problem.dispatch_no}。")
    problem.refresh_from_db()
    assert (problem.status, problem.handling_note, problem.handled_on) == (
        "handled",
        "已协调供电公司完成专线接入",
        today,
    )
    assert counts(page, base) == {"open": "0", "assigned": "0", "red": "0", "yellow": "0"}

    # 4. The commission confirms it.
    switch_user(page, base, "commission")
    page.goto(f"{base}/problems/?status=handled")
    page.check(f"input[name='ids'][value='{problem.pk}']")
    page.click("[data-testid='confirm-selected']")
    page.wait_for_selector("text=已确认办结 1 件。")
    problem.refresh_from_db()
    assert problem.status == "confirmed"
    page.screenshot(path=str(SHOTS / "problems-confirmed.png"), full_page=True)
    assert counts(page, base) == {"open": "0", "assigned": "0", "red": "0", "yellow": "0"}

"""A park administrator's month, in a real browser: log in, create a project from a countdown
template, report the month in the grid for a project under construction, import a file with a bad row, find the project on the
wall chart with its countdown, and fail to reach another park's project."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.utils import timezone

from projects.models import InvestmentReport, Project
from scheduling.models import ScheduleTemplate, TemplateStep
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = settings.BASE_DIR / "var" / "screenshots"


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{base}/")


def bad_row_file(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目名称*", "建设单位*", "园区代码*", "产业代码*", "项目级别*", "列入年度*", "总投资（万元）*"])
    ws.append(["导入甲", "甲公司", "GXQ", "BIO", "市重点", 2026, 500])
    ws.append(["导入乙", "乙公司", "GXQ", "BIO", "市重点", 2026, "五百"])  # Excel row 3
    path = tmp_path / "台账.xlsx"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def populate(city, today):
    """A few park-A projects in every colour, with reports this year and last, so the
    screenshots show what a real month looks like."""
    from scheduling.services import flag_delays

    period = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    specs = [
        ("石药巨石生物抗体二期", city.bio_drug, -45, "topping_out"),
        ("康誉医疗介入耗材产业园", city.bio_drug, -12, "completion"),
        ("以岭小容量注射剂", city.bio, 9, "construction_start"),
        ("晶澳太阳能二期", city.ei_ic, 60, "production_start"),
    ]
    for i, (name, industry, days, kind) in enumerate(specs):
        p = factories.ProjectFactory(
            name=name, park=city.park_a, industry=industry, total_investment=Decimal(80000 + i * 15000)
        )
        factories.MilestoneFactory(
            project=p,
            kind="signing",
            planned_date=today - dt.timedelta(days=200),
            actual_date=today - dt.timedelta(days=190),
        )
        factories.MilestoneFactory(project=p, kind=kind, planned_date=today + dt.timedelta(days=days))
        factories.AnnualPlanFactory(project=p, year=today.year, planned_investment=Decimal(20000))
        factories.ReportFactory(project=p, period=period, amount=Decimal(3000 + 1000 * i))
        factories.ReportFactory(project=p, period=period.replace(year=period.year - 1), amount=Decimal(2500))
    flag_delays(as_of=today)


def test_park_admin_month(page, live_server, city, park_a_admin, tmp_path):
    base = live_server.url
    today = timezone.localdate()
    template = ScheduleTemplate.objects.create(name="标准生物医药项目", target_kind="production_start")
    TemplateStep.objects.create(template=template, kind="signing", offset=300)
    TemplateStep.objects.create(template=template, kind="construction_start", offset=200)
    other = factories.ProjectFactory(name="鹿泉的项目", park=city.park_b, industry=city.ei_ic)
    factories.MilestoneFactory(project=other, kind="construction_start", planned_date=today + dt.timedelta(days=3))
    populate(city, today)
    target = today + dt.timedelta(days=330)  # signing in 30 days, construction start in 130

    login(page, base, "admin_a")
    SHOTS.mkdir(parents=True, exist_ok=True)

    # 1. Create a project; the template fills three milestones from the target date.
    page.goto(f"{base}/projects/new/")
    page.fill("#id_name", "森朗生物CAR-T商业化生产基地")
    page.fill("#id_owner", "森朗生物科技有限公司")
    page.select_option("#id_park", str(city.park_a_sub.pk))
    page.select_option("#id_industry", str(city.bio_drug.pk))
    page.select_option("#id_level", "municipal")
    page.fill("#id_year", str(today.year))
    page.fill("#id_total_investment", "60000.00")
    page.select_option("#id_template", str(template.pk))
    page.fill("#id_template_target", target.isoformat())
    # The script fills the milestone rows from the template so they can be checked first.
    page.click("#tpl-preview")
    page.wait_for_selector("text=已填入 3 个节点，请核对后保存。")
    planned = page.locator("#ms-table tbody input[name$='-planned_date']")
    assert [planned.nth(i).input_value() for i in range(3)] == [
        (target - dt.timedelta(days=300)).isoformat(),
        (target - dt.timedelta(days=200)).isoformat(),
        target.isoformat(),
    ]
    assert page.locator("#id_template").input_value() == ""  # saving will not apply it twice
    page.click("#project-form button.primary")
    page.wait_for_selector(".msg-success")
    project = Project.objects.get(name="森朗生物CAR-T商业化生产基地")
    assert sorted(project.milestones.values_list("kind", flat=True)) == [
        "construction_start",
        "production_start",
        "signing",
    ]
    assert page.locator("table.grid tbody tr").filter(has_text="开工").first.is_visible()

    # 2. Report the month for the park in the grid. The new project is still in planning, so
    # the grid does not expect a report from it; a project under construction reports.
    period = today.replace(day=1)
    building = Project.objects.get(name="以岭小容量注射剂")
    page.goto(f"{base}/monthly/?park={city.park_a.pk}&period={period:%Y-%m}")
    assert page.locator(f"tr[data-project='{project.pk}']").count() == 0
    row = page.locator(f"tr[data-project='{building.pk}']")
    row.locator("input[name$='-amount']").fill("1234.50")
    row.locator("textarea[name$='-progress']").fill("完成GMP车间主体结构")
    page.click("#grid-form button.primary")
    page.wait_for_selector("text=新报送 1 个项目")
    report = InvestmentReport.objects.get(project=building, period=period)
    assert report.amount == Decimal("1234.50") and report.period == period

    # 3. Import a file with one bad row: the dry run names the row and nothing is stored.
    page.goto(f"{base}/imports/")
    page.select_option("#id_kind", "projects")
    page.set_input_files("#id_file", str(bad_row_file(tmp_path)))
    page.click("form[enctype] button.primary")
    page.wait_for_selector("table.rowerrors")
    errors = page.locator("table.rowerrors tbody tr")
    assert errors.count() == 1
    assert "第 3 行" in errors.first.inner_text() and "“五百”不是有效的金额" in errors.first.inner_text()
    assert page.locator("text=确认导入").count() == 0
    assert not Project.objects.filter(name__startswith="导入").exists()

    # 4. The dashboard and the wall chart show the project with its countdown.
    page.goto(f"{base}/")
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    page.goto(f"{base}/board/")
    board_row = page.locator(f".brow[data-project='{project.pk}']")
    assert "森朗生物CAR-T商业化生产基地" in board_row.inner_text()
    assert board_row.locator(".bcd").inner_text().strip() == "距签约还有 30 天"
    assert board_row.locator(".bmark").count() >= 1
    assert page.locator(".btoday").count() > 0
    assert "鹿泉的项目" not in page.content()
    page.screenshot(path=str(SHOTS / "board.png"), full_page=True)
    # The print view: A3 landscape pages without the navigation.
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    pdf = page.pdf(path=str(SHOTS / "board-a3.pdf"), prefer_css_page_size=True, print_background=True)
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (1191, 842)  # A3 landscape in points
    page.emulate_media(media="screen")

    # 5. Another park's project is not reachable.
    response = page.goto(f"{base}/projects/{other.pk}/")
    assert response.status == 404
    response = page.goto(f"{base}/projects/{other.pk}/edit/")
    assert response.status == 404

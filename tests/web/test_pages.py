"""The read pages: login, dashboard, list (filters, sort, export), project page, wall chart.
Scoping: another park's project is a 404, exactly like a missing one."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings

from tests import factories

pytestmark = pytest.mark.django_db

PAGES = ["/", "/projects/", "/board/", "/monthly/", "/imports/"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_login(client, city, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_login_form_uses_username_and_password(client, park_a_admin):
    page = client.get("/accounts/login/")
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = client.post("/accounts/login/", {"username": "admin_a", "password": factories.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").context["user"].username == "admin_a"


def test_wrong_password_shows_chinese_message(client, park_a_admin):
    response = client.post("/accounts/login/", {"username": "admin_a", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_locks_out_after_repeated_failures(client, park_a_admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "admin_a", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "admin_a", "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()


def test_logout_and_password_change(client_a):
    page = client_a.get("/accounts/password/")
    assert "修改密码" in page.content.decode()
    response = client_a.post(
        "/accounts/password/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": "Xq7-long-pass-2026",
            "new_password2": "Xq7-long-pass-2026",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert client_a.post("/accounts/logout/").status_code == 302
    assert client_a.get("/").status_code == 302


def test_dashboard_park_admin_sees_own_parks_with_countdowns(client_a, project_a, project_b):
    response = client_a.get("/")
    html = response.content.decode()
    assert response.context["project_total"] == 1
    assert project_a.name in html and project_b.name not in html
    assert "签约已逾期 40 天" in html
    assert "距开工还有 5 天" in html
    assert [m.project_id for m in response.context["overdue"]] == [project_a.pk]


def test_dashboard_commission_sees_city_and_filters_by_park(client_commission, project_a, project_b, city):
    assert client_commission.get("/").context["project_total"] == 2
    narrowed = client_commission.get("/", {"park": city.park_a.pk})
    assert narrowed.context["project_total"] == 1  # park A includes its sub-park's project
    assert narrowed.context["park"] == city.park_a


def test_dashboard_investment_this_year_against_plan(client_a, project_a, today):
    factories.ReportFactory(project=project_a, period=today.replace(day=1), amount=Decimal("3000.50"))
    response = client_a.get("/")
    assert response.context["done"] == Decimal("3000.50")
    assert response.context["plan"] == Decimal("12000.00")
    assert response.context["pct"] == Decimal("25.0")
    assert "0.30 亿元 / 1.20 亿元" in response.content.decode()  # the summary, common.money.format_amount


def test_dashboard_growth_chart_is_inline_svg(client_commission, project_a, today):
    period = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    factories.ReportFactory(project=project_a, period=period, amount=Decimal("150"))
    factories.ReportFactory(project=project_a, period=period.replace(year=period.year - 1), amount=Decimal("100"))
    html = client_commission.get("/").content.decode()
    assert "<svg" in html and "生物医药" in html
    assert "50.0%" in html


def test_another_parks_project_is_404(client_a, project_b):
    assert client_a.get(f"/projects/{project_b.pk}/").status_code == 404
    assert client_a.get(f"/projects/{project_b.pk}/edit/").status_code == 404
    assert client_a.get("/projects/999999/").status_code == 404


def test_project_page_card_timeline_reports_history(client_a, project_a, today):
    year = today.year
    factories.ReportFactory(project=project_a, period=dt.date(year, 1, 1), amount=Decimal("1200.00"))
    factories.ReportFactory(project=project_a, period=dt.date(year, 2, 1), amount=Decimal("1800.00"))
    response = client_a.get(f"/projects/{project_a.pk}/")
    html = response.content.decode()
    assert project_a.name in html and "60,000.00" in html and "6.00 亿元" in html
    assert 'class="timeline"' in html
    reports = {r.period.month: r for r in response.context["reports"]}
    assert reports[2].cumulative == Decimal("3000.00")
    assert reports[2].plan_pct == Decimal("25.0")  # 3000 / 12000
    assert "距开工还有 5 天" in html
    assert "修改记录" in html


def test_viewer_reads_but_cannot_edit(client_viewer, project_a):
    page = client_viewer.get(f"/projects/{project_a.pk}/")
    assert page.status_code == 200 and "/edit/" not in page.content.decode()
    assert client_viewer.get(f"/projects/{project_a.pk}/edit/").status_code == 403
    assert client_viewer.get("/projects/new/").status_code == 403
    assert "新建项目" not in client_viewer.get("/projects/").content.decode()


def test_list_filters_sort_and_badges(client_commission, city, today):
    red = factories.ProjectFactory(name="红色项目", park=city.park_a, industry=city.bio_drug, status="red")
    factories.ProjectFactory(name="绿色项目", park=city.park_b, industry=city.ei_ic, status="green")
    factories.MilestoneFactory(project=red, kind="construction_start", planned_date=today - dt.timedelta(days=3))
    html = client_commission.get("/projects/", {"status": "red"}).content.decode()
    assert "红色项目" in html and "绿色项目" not in html
    assert "开工已逾期 3 天" in html and "st-red" in html
    by_industry = client_commission.get("/projects/", {"industry": city.ei.pk})  # parent industry
    assert [p.name for p in by_industry.context["page"].object_list] == ["绿色项目"]
    search = client_commission.get("/projects/", {"q": "红色"})
    assert [p.name for p in search.context["page"].object_list] == ["红色项目"]
    ordered = client_commission.get("/projects/", {"sort": "-name"})
    names = [p.name for p in ordered.context["page"].object_list]
    assert names == sorted(names, reverse=True)


def test_list_is_paginated(client_commission, city):
    factories.ProjectFactory.create_batch(55, park=city.park_a, industry=city.bio)
    first = client_commission.get("/projects/")
    assert len(first.context["page"].object_list) == 50
    assert len(client_commission.get("/projects/", {"page": 2}).context["page"].object_list) == 5


def test_list_export_is_a_real_xlsx_with_the_filtered_rows(client_a, project_a, project_b):
    response = client_a.get("/projects/", {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("项目ID", "项目代码", "项目名称")
    assert [r[2] for r in rows[1:]] == [project_a.name]
    assert Decimal(str(rows[1][9])) == Decimal("60000")
    # the next node is the earliest still open: the overdue signing
    assert rows[1][11] == "签约" and rows[1][13] == -40


def test_board_shows_rows_countdowns_today_line_and_print_css(client_a, project_a, project_b):
    response = client_a.get("/board/")
    html = response.content.decode()
    assert project_a.name in html and project_b.name not in html
    assert "签约已逾期 40 天" in html  # the row's countdown: its earliest open node
    assert "<title>开工 计划" in html  # the later node is on the time axis too (its mark's tooltip)
    assert 'class="btoday"' in html
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert "size: A3 landscape" in css


def test_board_groups_by_industry_and_filters(client_commission, project_a, project_b, city):
    response = client_commission.get("/board/", {"group": "industry", "park": city.park_b.pk})
    groups = response.context["groups"]
    assert [g["obj"].name for g in groups] == ["集成电路"]
    assert [p.pk for p in groups[0]["rows"]] == [project_b.pk]


def test_pages_in_english_when_the_browser_asks(client_a, project_a):
    response = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.content.decode().count('<html lang="en"') == 1
    response = client_a.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="zh-hans"' in response.content.decode()


def test_language_switch_posts_to_setlang(client_a):
    html = client_a.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/projects/"})
    assert response.status_code == 302
    assert '<html lang="en"' in client_a.get("/projects/").content.decode()


def test_no_asset_from_another_host(client_a, project_a):
    for url in ["/", "/board/", f"/projects/{project_a.pk}/", "/accounts/password/"]:
        html = client_a.get(url).content.decode()
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/projects/?park=abc&industry=x&level=nope&status=purple&page=zz&sort=drop",
        "/board/?months=abc&start=2026-13&group=weird&page=-1",
        "/monthly/?period=garbage&park=abc",
        "/?park=999999",
        "/projects/?export=xlsx&park=abc",
    ],
)
def test_bad_query_parameters_never_break_a_page(client_commission, project_a, url):
    assert client_commission.get(url).status_code == 200

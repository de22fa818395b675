"""The monthly reporting grid: one park and month, GRID_PAGE_SIZE projects a page, each page saved
all at once or not at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projects.models import InvestmentReport
from tests import factories
from tests.web.helpers import form_data
from web.views.grid import GRID_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_projects(city):
    p1 = factories.ProjectFactory(name="甲项目", park=city.park_a, industry=city.bio)
    p2 = factories.ProjectFactory(name="乙项目", park=city.park_a_sub, industry=city.bio)
    other = factories.ProjectFactory(name="别的园区项目", park=city.park_b, industry=city.bio)
    return p1, p2, other


def grid_url(city, period="2026-03"):
    return f"/monthly/?park={city.park_a.pk}&period={period}"


def test_grid_lists_the_parks_projects_and_who_has_not_reported(client_a, city, two_projects):
    p1, p2, other = two_projects
    factories.ReportFactory(project=p1, period="2026-03-01", amount=Decimal("10"))
    response = client_a.get(grid_url(city))
    html = response.content.decode()
    assert [r["project"].name for r in response.context["rows"]] == ["甲项目", "乙项目"]
    assert other.name not in html
    assert [p.name for p in response.context["missing"]] == ["乙项目"]
    assert "尚未报送 1 个项目" in html
    assert "2026-04-05" in html  # the deadline: REPORT_DUE_DAY (5th) of the next month


def test_grid_saves_every_row_at_once(client_a, city, two_projects, park_a_admin):
    p1, p2, _other = two_projects
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    data.update({f"p{p1.pk}-amount": "1234.56", f"p{p1.pk}-progress": "主体施工", f"p{p2.pk}-amount": "0"})
    response = client_a.post(grid_url(city), data)
    assert response.status_code == 302
    reports = {r.project_id: r for r in InvestmentReport.objects.all()}
    assert reports[p1.pk].amount == Decimal("1234.56") and reports[p1.pk].progress == "主体施工"
    assert reports[p2.pk].amount == Decimal("0.00")
    assert str(reports[p1.pk].period) == "2026-03-01" and reports[p1.pk].submitted_by == park_a_admin
    assert reports[p1.pk].history.count() == 1


def test_grid_with_one_bad_row_saves_nothing_and_names_the_row(client_a, city, two_projects):
    p1, p2, _other = two_projects
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    data.update({f"p{p1.pk}-amount": "100", f"p{p2.pk}-amount": "12.345"})
    response = client_a.post(grid_url(city), data)
    assert response.status_code == 200
    assert not InvestmentReport.objects.exists()
    rows = {r["project"].pk: r for r in response.context["rows"]}
    assert rows[p2.pk]["form"].errors["amount"] == ["金额最多保留两位小数（万元），系统不会自动舍入。"]
    assert not rows[p1.pk]["form"].errors
    assert "本次未保存任何数据" in response.content.decode()


def test_grid_negative_and_missing_amount_messages(client_a, city, two_projects):
    p1, p2, _other = two_projects
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    data.update({f"p{p1.pk}-amount": "-1", f"p{p2.pk}-progress": "已开工"})
    response = client_a.post(grid_url(city), data)
    rows = {r["project"].pk: r for r in response.context["rows"]}
    assert rows[p1.pk]["form"].errors["amount"] == ["确保该值大于或等于0。"]
    assert "请同时填写当月完成投资" in rows[p2.pk]["form"].errors["amount"][0]
    assert not InvestmentReport.objects.exists()


def test_grid_corrects_an_existing_report(client_a, city, two_projects):
    p1, _p2, _other = two_projects
    report = factories.ReportFactory(project=p1, period="2026-03-01", amount=Decimal("10"))
    data = form_data(client_a.get(grid_url(city)), "grid-form")
    assert data[f"p{p1.pk}-amount"] == "10.00"
    data[f"p{p1.pk}-amount"] = "11.00"
    assert client_a.post(grid_url(city), data).status_code == 302
    report.refresh_from_db()
    assert report.amount == Decimal("11.00")
    assert InvestmentReport.objects.count() == 1
    assert report.history.first().history_type == "~"


def test_viewer_sees_the_grid_read_only(client_viewer, city, two_projects):
    response = client_viewer.get(grid_url(city))
    assert response.status_code == 200 and not response.context["writable"]
    assert "保存本页" not in response.content.decode()
    assert client_viewer.post(grid_url(city), {}).status_code == 403


def test_park_admin_cannot_open_another_parks_grid(client_a, city, two_projects):
    # The refused park is said on the page (tests/web/test_refused_filter.py), and its grid is
    # not shown: the user's own park opens instead; a POST for it is a 404.
    response = client_a.get(f"/monthly/?park={city.park_b.pk}&period=2026-03")
    assert response.status_code == 200
    assert response.context["park"] == city.park_a
    assert "别的园区项目" not in response.content.decode()
    assert client_a.post(f"/monthly/?park={city.park_b.pk}&period=2026-03", {"rows": ""}).status_code == 404


def test_grid_is_paginated_and_saves_only_the_displayed_page(client_a, city):
    n = GRID_PAGE_SIZE + 5
    projects = [factories.ProjectFactory(name=f"项目{i:04d}", park=city.park_a, industry=city.bio) for i in range(n)]
    factories.ProjectFactory(name="别的园区项目", park=city.park_b, industry=city.bio)

    first = client_a.get(grid_url(city))
    assert len(first.context["rows"]) == GRID_PAGE_SIZE
    assert [r["project"].pk for r in first.context["rows"]] == [p.pk for p in projects[:GRID_PAGE_SIZE]]
    html = first.content.decode()
    assert first.context["page"].paginator.num_pages == 2
    assert f"?park={city.park_a.pk}&period=2026-03&page=2" in html.replace("&amp;", "&")  # park, month kept
    assert "第 1 / 2 页" in html
    # The summary counts the whole park, not the page (and lists only the first names).
    assert first.context["missing_count"] == n
    assert f"尚未报送 {n} 个项目" in html
    assert len(first.context["missing"]) < n

    url2 = f"{grid_url(city)}&page=2"
    second = client_a.get(url2)
    page2 = [r["project"].pk for r in second.context["rows"]]
    assert page2 == [p.pk for p in projects[GRID_PAGE_SIZE:]]
    data = form_data(second, "grid-form")
    assert not any(key.startswith(f"p{projects[0].pk}-") for key in data)
    for key in data:
        if key.endswith("-amount"):
            data[key] = "7.50"
    response = client_a.post(url2, data)
    assert response.status_code == 302 and response["Location"].endswith("page=2")
    assert sorted(InvestmentReport.objects.values_list("project_id", flat=True)) == sorted(page2)
    assert set(InvestmentReport.objects.values_list("amount", flat=True)) == {Decimal("7.50")}
    assert client_a.get(grid_url(city)).context["missing_count"] == GRID_PAGE_SIZE


def test_grid_page_with_a_bad_row_saves_none_of_that_page(client_a, city):
    projects = [
        factories.ProjectFactory(name=f"项目{i:04d}", park=city.park_a, industry=city.bio)
        for i in range(GRID_PAGE_SIZE + 2)
    ]
    url2 = f"{grid_url(city)}&page=2"
    data = form_data(client_a.get(url2), "grid-form")
    data.update({f"p{projects[-2].pk}-amount": "1", f"p{projects[-1].pk}-amount": "1.001"})
    response = client_a.post(url2, data)
    assert response.status_code == 200 and not InvestmentReport.objects.exists()
    assert [r["project"].pk for r in response.context["rows"]] == [p.pk for p in projects[-2:]]
    assert response.context["rows"][1]["form"].errors["amount"]


def test_pages_cross_sub_parks_in_the_grid_order(client_a, city, monkeypatch):
    """The pages are one slice per park (UNION ALL on PostgreSQL): read page by page with a
    small page size, they give exactly the park-then-name order of the whole park, and the
    "not reported" list follows the same order."""
    monkeypatch.setattr("web.views.grid.GRID_PAGE_SIZE", 3)
    names = ["丙", "甲", "乙", "丁", "戊"]
    made = [factories.ProjectFactory(name=n, park=city.park_a, industry=city.bio) for n in names]
    made += [factories.ProjectFactory(name=f"子{n}", park=city.park_a_sub, industry=city.bio) for n in names[:3]]
    factories.ReportFactory(project=made[1], period="2026-03-01", amount=Decimal("10"))
    from projects.models import Project

    expected = list(
        Project.objects.filter(pk__in=[p.pk for p in made])
        .order_by("park__sort_order", "park__code", "name", "id")
        .values_list("name", flat=True)
    )
    seen = []
    for page in (1, 2, 3):
        response = client_a.get(grid_url(city) + f"&page={page}")
        rows = response.context["rows"]
        assert all(r["project"].park.name for r in rows)
        seen += [r["project"].name for r in rows]
    assert seen == expected and len(seen) == 8
    assert response.context["page"].number == 3 and response.context["project_count"] == 8
    assert [p.name for p in response.context["missing"]] == [n for n in expected if n != "甲"]
    assert response.context["missing_count"] == 7


@pytest.mark.parametrize("value", [None, "", "12.50", '<b>"x"</b> & 甲', "两行\n文字"])
def test_grid_widgets_render_as_django_does(value):
    """The grid's widgets write in Python exactly the HTML of Django's widget templates."""
    from django import forms

    from web.forms import GridTextarea, GridTextInput

    attrs = {"inputmode": "decimal", "size": 10, "aria-label": "甲 <金额>", "required": False, "disabled": True}
    assert GridTextInput(attrs).render("p1-amount", value) == forms.TextInput(attrs).render("p1-amount", value)
    assert GridTextarea({"rows": 2, "maxlength": "2000"}).render("p1-progress", value) == forms.Textarea(
        {"rows": 2, "maxlength": "2000"}
    ).render("p1-progress", value)

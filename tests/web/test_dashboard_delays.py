"""The dashboard's delayed list: one line per project (its worst node and "+N" more), dates on
one line; the park admin's growth beside the city's; constant statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from projects.rules import stats_default_period
from scheduling.selectors import industry_growth
from scheduling.services import compute_industry_growth
from tests import factories
from tests.web.test_map import cold_and_warm
from tests.web.test_queries import Statements

pytestmark = pytest.mark.django_db

KINDS = ("signing", "land", "construction_start", "topping_out", "completion")


def delayed_project(city, today, name, park, nodes, first_days):
    p = factories.ProjectFactory(name=name, park=park, industry=city.bio_drug)
    for k, kind in enumerate(KINDS[:nodes]):
        factories.MilestoneFactory(project=p, kind=kind, planned_date=today - dt.timedelta(days=first_days - 10 * k))
    return p


def test_one_line_per_project_with_its_worst_node_and_count(client_commission, city, today):
    five = delayed_project(city, today, "五个节点滞后的项目", city.park_a, 5, 120)
    one = delayed_project(city, today, "一个节点滞后的项目", city.park_b, 1, 30)
    page = client_commission.get("/")
    lines = page.context["overdue"]
    assert [m.project_id for m in lines] == [five.pk, one.pk]  # the longest delay first
    assert (lines[0].kind, lines[0].more, lines[0].days_overdue) == ("signing", 4, 120)
    assert (lines[1].kind, lines[1].more) == ("signing", 0)
    assert page.context["delayed_count"] == 2 and page.context["overdue_count"] == 6
    html = page.content.decode()
    assert html.count("五个节点滞后的项目") == 1
    assert '<span class="chip more"' in html and ">+4</span>" in html
    assert f'<td class="date">{(today - dt.timedelta(days=120)).isoformat()}</td>' in html


def test_only_the_first_projects_are_listed_with_a_link(client_commission, city, today, monkeypatch):
    monkeypatch.setattr("web.views.dashboard.DELAYED_PROJECTS_SHOWN", 2)
    for i in range(3):
        delayed_project(city, today, f"项目{i}", city.park_a, 2, 50 + i)
    page = client_commission.get("/")
    assert len(page.context["overdue"]) == 2 and page.context["delayed_count"] == 3
    assert "仅显示滞后最久的 2 个项目" in page.content.decode()


@pytest.mark.parametrize("client_name", ["client_commission", "client_a"])
def test_delayed_list_costs_constant_statements(request, city, today, client_name):
    client = request.getfixturevalue(client_name)
    counts = []
    for n in (3, 40):
        for i in range(n):
            delayed_project(city, today, f"批量{n}-{i}", city.park_a_sub if i % 2 else city.park_a, 4, 90 + i)
        counts.append(cold_and_warm(client, "/"))  # the figures computed, then from the cache
    assert counts[0] == counts[1]


def test_park_admin_sees_its_parks_growth_beside_the_citys(client_a, city, today, park_a_admin):
    period = stats_default_period(today)
    mine = factories.ProjectFactory(name="本园区项目", park=city.park_a, industry=city.bio_drug)
    other = factories.ProjectFactory(name="别的园区项目", park=city.park_b, industry=city.bio_drug)
    prior = period.replace(year=period.year - 1)
    for project, now, before in ((mine, "150.00", "100.00"), (other, "100.00", "100.00")):
        factories.ReportFactory(project=project, period=period, amount=Decimal(now))
        factories.ReportFactory(project=project, period=prior, amount=Decimal(before))
    page = client_a.get("/")
    growth = page.context["park_growth"]
    assert growth["name"] == city.park_a.name
    assert growth["growth"] == Decimal("50.0") and growth["city"] == Decimal("25.0")
    assert growth["diff"] == Decimal("25.0")
    assert f"{city.park_a.name}增速 50.0%，全市 25.0%，相差 +25.0 个百分点" in page.content.decode()


def test_commission_city_wide_has_no_park_growth(client_commission, city):
    assert client_commission.get("/").context["park_growth"] is None


def test_nodes_completed_on_a_later_day_count_as_overdue(client_commission, city, today):
    """Both arms of "open" are counted (no actual date; an actual date after today), each
    project once: the counts are read apart on the dashboard."""
    both = factories.ProjectFactory(name="两种节点的项目", park=city.park_a, industry=city.bio_drug)
    factories.MilestoneFactory(
        project=both,
        kind="signing",
        planned_date=today - dt.timedelta(days=20),
        actual_date=today + dt.timedelta(days=5),
    )
    factories.MilestoneFactory(project=both, kind="land", planned_date=today - dt.timedelta(days=10))
    later_only = factories.ProjectFactory(name="只有日后完成节点的项目", park=city.park_b, industry=city.bio_drug)
    factories.MilestoneFactory(
        project=later_only,
        kind="signing",
        planned_date=today - dt.timedelta(days=30),
        actual_date=today + dt.timedelta(days=1),
    )
    page = client_commission.get("/")
    assert page.context["delayed_count"] == 2 and page.context["overdue_count"] == 3
    lines = page.context["overdue"]
    assert [(m.project_id, m.kind, m.more) for m in lines] == [(later_only.pk, "signing", 0), (both.pk, "signing", 1)]
    screen = client_commission.get("/screen/")
    assert [m.project_id for m in screen.context["delays"]] == [later_only.pk, both.pk]


def test_due_soon_merges_both_arms_by_planned_date(client_commission, city, today):
    p = factories.ProjectFactory(name="临期项目", park=city.park_a, industry=city.bio_drug)
    later = factories.MilestoneFactory(
        project=p, kind="signing", planned_date=today + dt.timedelta(days=1), actual_date=today + dt.timedelta(days=9)
    )
    open_one = factories.MilestoneFactory(project=p, kind="land", planned_date=today + dt.timedelta(days=3))
    factories.MilestoneFactory(
        project=p, kind="construction_start", planned_date=today + dt.timedelta(days=2), actual_date=today
    )
    due = client_commission.get("/").context["due"]
    assert [(m.pk, m.days_left) for m in due] == [(later.pk, 1), (open_one.pk, 3)]


def growth_statements(client):
    """The page and the statements that read the growth (the snapshot or the live figures)."""
    counted = Statements()
    with connection.execute_wrapper(counted):
        page = client.get("/")
    return page, [sql for sql in counted.sql if "growth" in sql]


def test_the_growth_section_follows_reports_live_and_the_snapshot_once_stored(client_a, city, today, park_a_admin):
    """Without a snapshot the growth is computed from the reports on every write (a report
    shows at once); once the snapshot is stored the page shows it and a filed report does not
    read or draw the growth again (the snapshot is what the page shows until it is recomputed)."""
    period = stats_default_period(today)
    prior = period.replace(year=period.year - 1)
    mine = factories.ProjectFactory(name="本园区项目", park=city.park_a, industry=city.bio_drug)
    factories.ReportFactory(project=mine, period=prior, amount=Decimal("100.00"))
    factories.ReportFactory(project=mine, period=period, amount=Decimal("150.00"))
    page, _sql = growth_statements(client_a)
    assert page.context["park_growth"]["growth"] == Decimal("50.0")
    other = factories.ProjectFactory(name="别的园区项目", park=city.park_b, industry=city.bio_drug)
    factories.ReportFactory(project=other, period=prior, amount=Decimal("100.00"))
    factories.ReportFactory(project=other, period=period, amount=Decimal("100.00"))
    page, sql = growth_statements(client_a)  # live: read again after the write
    assert sql and page.context["park_growth"]["city"] == Decimal("25.0")
    assert f"{city.park_a.name}增速 50.0%，全市 25.0%，相差 +25.0 个百分点" in page.content.decode()

    third = factories.ProjectFactory(name="第三个项目", park=city.park_b, industry=city.bio_drug)
    compute_industry_growth(period=period)
    page, sql = growth_statements(client_a)
    assert sql and page.context["park_growth"]["city"] == Decimal("25.0")
    factories.ReportFactory(project=third, period=prior, amount=Decimal("100.00"))
    factories.ReportFactory(project=third, period=period, amount=Decimal("400.00"))
    page, sql = growth_statements(client_a)
    assert sql == []  # the snapshot's section from the cache: not read again
    assert industry_growth(period=period)["city"]["growth_pct"] == Decimal("25.0")  # what the snapshot says
    assert page.context["park_growth"]["city"] == Decimal("25.0")
    compute_industry_growth(period=period)  # recomputed (the nightly job): shown at once
    page, sql = growth_statements(client_a)
    assert sql and page.context["park_growth"]["city"] == Decimal("116.7")  # (650 − 300) / 300

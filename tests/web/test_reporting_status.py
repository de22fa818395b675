"""The 填报进度 page: one row per park with the figures of projects.reporting, the missing
projects one click away, the due date countdown, the closed badge, the scope, and a constant
number of statements."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from projects.models import PeriodClose, Project
from tests import factories
from tests.projects.test_reporting_status import NOV, cycle  # noqa: F401 - the hand-computed fixture
from tests.web.test_queries import count

pytestmark = pytest.mark.django_db


def at(monkeypatch, day: dt.date):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)


def row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-park="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def cell(row_html: str, cls: str) -> str:
    match = re.search(rf'<td class="num {cls}"[^>]*>(.*?)</td>', row_html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_page_shows_each_parks_figures(client, commission_user, cycle, monkeypatch):  # noqa: F811
    at(monkeypatch, dt.date(2026, 12, 2))
    client.force_login(commission_user)
    html = client.get("/monthly/status/").content.decode()
    assert "2026-11" in html and "2026-12-05" in html
    assert "距截止还有 3 天" in html
    gxq, sub, lq = row(html, "GXQ"), row(html, "GXQ-BIO"), row(html, "LQ")
    assert [cell(gxq, k) for k in ("expected", "reported", "approved", "returned", "missing")] == [
        "3",
        "1",
        "0",
        "0",
        "2",
    ]
    assert [cell(sub, k) for k in ("expected", "reported", "approved", "returned", "missing")] == [
        "2",
        "1",
        "1",
        "1",
        "1",
    ]
    assert [cell(lq, k) for k in ("expected", "reported", "missing")] == ["1", "0", "1"]
    # the missing projects, one click away: their names and the park's grid for the month
    assert cycle.p2.name in gxq and cycle.p4.name in gxq and cycle.p1.name not in gxq
    assert f"/monthly/?park={cycle.p2.park_id}&amp;period=2026-11" in gxq
    assert cycle.p6.name in sub and cycle.p10.name in lq
    assert cycle.p3.name not in html and cycle.p9.name not in html  # in production / at capacity
    assert 'style="width: 33%"' in gxq and 'style="width: 50%"' in sub
    assert "已关账" not in html


def test_page_overdue_and_closed(client, commission_user, cycle, monkeypatch):  # noqa: F811
    at(monkeypatch, dt.date(2026, 12, 9))
    client.force_login(commission_user)
    html = client.get("/monthly/status/").content.decode()
    assert "已逾期 4 天" in html
    PeriodClose.objects.create(period=NOV, closed=True)
    html = client.get("/monthly/status/?period=2026-11").content.decode()
    assert "closed-badge" in html and "已逾期" not in html


def test_page_in_english(client, commission_user, cycle, monkeypatch):  # noqa: F811
    at(monkeypatch, dt.date(2026, 12, 9))
    client.force_login(commission_user)
    html = client.get("/monthly/status/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reporting status" in html and "4 days overdue" in html


def test_park_admin_sees_its_park_and_sub_parks_only(client, park_a_admin, cycle, monkeypatch):  # noqa: F811
    at(monkeypatch, dt.date(2026, 12, 2))
    client.force_login(park_a_admin)
    html = client.get("/monthly/status/").content.decode()
    assert 'data-park="GXQ"' in html and 'data-park="GXQ-BIO"' in html
    assert 'data-park="LQ"' not in html and cycle.p10.name not in html


def test_bad_period_falls_back_with_a_message(client, commission_user, cycle, monkeypatch):  # noqa: F811
    at(monkeypatch, dt.date(2026, 12, 2))
    client.force_login(commission_user)
    for value in ("2027-05", "garbage", "2026-13"):
        res = client.get(f"/monthly/status/?period={value}")
        assert res.status_code == 200
        html = res.content.decode()
        assert "参数 period" in html and "已显示 2026-11" in html


def test_nav_link(client, viewer_user, city):
    client.force_login(viewer_user)
    html = client.get("/").content.decode()
    assert 'href="/monthly/status/"' in html and "填报进度" in html


def make(city, n: int):
    parks = [city.park_a, city.park_a_sub, city.park_b]
    stages = ["signed", "under_construction", "completed", "in_production"]
    for i in range(n):
        p = factories.ProjectFactory(park=parks[i % 3], industry=city.bio, stage=stages[i % 4])
        if i % 2:
            factories.ReportFactory(project=p, period=NOV, status=["submitted", "approved", "returned"][i % 3])


@pytest.mark.parametrize("persona", ["commission_user", "park_a_admin"])
def test_statements_constant_at_10_and_200_projects(client, city, persona, request, monkeypatch):
    at(monkeypatch, dt.date(2026, 12, 2))
    client.force_login(request.getfixturevalue(persona))
    counts = []
    for n in (10, 200):
        Project.objects.all().delete()
        make(city, n)
        counts.append(count(client, "get", "/monthly/status/"))
    assert counts[0] == counts[1], counts

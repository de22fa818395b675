"""The weekly reports list and report page look like the PDF: ruled tables, red and yellow rows
and counts; the navigation highlights 每周通报 only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from reports.services import weekly_report_generate
from scheduling.services import flag_delays
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_week(city):
    today = timezone.localdate()
    p = factories.ProjectFactory(name="滞后的项目", park=city.park_a, industry=city.bio_drug)
    factories.MilestoneFactory(project=p, kind="signing", planned_date=today - dt.timedelta(days=60))
    factories.MilestoneFactory(project=p, kind="land", planned_date=today - dt.timedelta(days=3))
    flag_delays(as_of=today)
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    weekly_report_generate(week=week, as_of=today, force=True)
    return week


def test_list_is_a_ruled_table_with_red_and_yellow_counts(client_commission, report_week):
    html = client_commission.get("/reports/").content.decode()
    assert '<table class="grid weekly-list">' in html
    assert '<span class="badge st-red">红色 1</span>' in html
    assert '<span class="badge st-yellow">黄色 1</span>' in html


def test_report_page_rows_coloured_and_navigation_right(client_commission, report_week):
    html = client_commission.get(f"/reports/{report_week}/").content.decode()
    assert '<div class="weekly-body tablebox">' in html
    assert '<tr class="sev-red">' in html and '<tr class="sev-yellow">' in html
    nav = html[html.index('<nav class="mainnav">') : html.index("</nav>")]
    assert nav.count('class="on"') == 1
    assert 'href="/reports/" class="on"' in nav


def test_the_stylesheet_styles_the_report_like_the_pdf():
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    assert "table.report-table tr.sev-red td { background: #f8cbad; }" in css
    assert "table.report-table tr.sev-yellow td { background: #fff2cc; }" in css
    assert "table.report-table td { border: 1px solid" in css

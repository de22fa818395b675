"""`load_demo` closes (关账) every month from its first report through the last full month, so
the dashboard's and the API's default period is closed; idempotent, and a month a user reopened
stays open on a later run."""

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from demo.planner import month_range
from demo.writer import demo_checksum
from parks.models import User
from projects.models import InvestmentReport, PeriodClose
from projects.rules import stats_default_period
from projects.services import period_reopen

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
DAY = dt.date(2026, 12, 2)


def closed_months():
    return list(PeriodClose.objects.filter(closed=True).order_by("period").values_list("period", flat=True))


def test_every_month_through_the_last_full_month_is_closed_and_the_dashboard_says_so(client):
    call_command("load_demo", today=DAY)
    first = InvestmentReport.objects.order_by("period").values_list("period", flat=True).first()
    assert first == dt.date(2024, 1, 1)
    assert closed_months() == list(month_range(first, dt.date(2026, 11, 1)))
    assert len(closed_months()) == 35
    commission = User.objects.get(username="commission")
    assert set(PeriodClose.objects.values_list("closed_by", flat=True)) == {commission.pk}
    assert PeriodClose.history.filter(history_type="+").count() == 35
    assert stats_default_period(DAY) == dt.date(2026, 11, 1)

    client.force_login(commission)
    page = client.get("/").content.decode()
    assert "显示 2026-11 数据（已关账，数据不再变动）" in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=commission)[0].key}")
    body = api.get("/api/v1/stats/industry-investment/").json()
    assert (body["period"], body["closed"]) == ("2026-11", True)

    # A second run on the same day closes nothing more and writes nothing.
    checksum, history = demo_checksum(), PeriodClose.history.count()
    call_command("load_demo", today=DAY)
    assert (demo_checksum(), PeriodClose.history.count()) == (checksum, history)


def test_a_later_run_closes_the_new_month_and_keeps_a_reopened_one_open():
    call_command("load_demo", today=DAY)
    commission = User.objects.get(username="commission")
    period_reopen(user=commission, period=dt.date(2026, 10, 1))
    call_command("load_demo", today=dt.date(2027, 1, 15))
    assert PeriodClose.objects.get(period=dt.date(2026, 12, 1)).closed
    assert not PeriodClose.objects.get(period=dt.date(2026, 10, 1)).closed
    assert stats_default_period(dt.date(2027, 1, 15)) == dt.date(2026, 12, 1)

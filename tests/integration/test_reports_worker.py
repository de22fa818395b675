"""The weekly report through a REAL Celery worker (thread, solo pool) consuming from Redis and
writing to PostgreSQL, with real commits (so the after-commit mail step runs for real): the
beat firing twice for the same week yields one report and one mail per subscriber."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core import mail
from openpyxl import load_workbook

from reports.models import DeliveryStatus, ReportDelivery, WeeklyReport
from reports.tasks import weekly_delay_report
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_beat_firing_twice_makes_one_report_and_one_mail_each(city, worker):
    factories.UserFactory(username="commission", role="commission")
    factories.UserFactory(username="admin_b", role="park_admin", park=city.park_b)
    project = factories.ProjectFactory(name="晶澳太阳能二期", park=city.park_b, industry=city.ei_ic, leader="赵局长")
    factories.MilestoneFactory(project=project, kind="construction_start", planned_date=dt.date(2026, 3, 1))

    first = weekly_delay_report.delay(week="2026-W24")
    second = weekly_delay_report.delay(week="2026-W24")
    assert worker.wait(first.id) == "SUCCESS"
    assert worker.wait(second.id) == "SUCCESS"
    assert worker.threads[first.id] != threading.current_thread().name

    report = WeeklyReport.objects.get()
    assert (report.week, report.as_of, report.revision) == ("2026-W24", dt.date(2026, 6, 8), 1)
    assert sorted(m.to[0] for m in mail.outbox) == ["admin_b@example.gov.cn", "commission@example.gov.cn"]
    assert ReportDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
    ws = load_workbook(io.BytesIO(report.xlsx.read()))["滞后明细"]
    assert [(r[1], r[7]) for r in ws.iter_rows(min_row=2, values_only=True)] == [("晶澳太阳能二期", 99)]

"""催报 through a REAL Celery worker (thread, solo pool) consuming from Redis and writing to
PostgreSQL with real commits (the after-commit send runs for real): the beat firing twice on a
step day mails each park's list once, and the commission's summary once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail

from reports.models import DeliveryStatus, ReportReminder
from reports.tasks import remind_missing_reports
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_task_on_a_worker_mails_each_list_once(city, worker):
    factories.UserFactory(username="commission", role="commission")
    factories.UserFactory(username="admin_b", role="park_admin", park=city.park_b)
    missing = factories.ProjectFactory(name="晶澳太阳能二期", park=city.park_b, industry=city.ei_ic)
    done = factories.ProjectFactory(name="陆源科技智能装备中心", park=city.park_b, industry=city.ei_ic)
    factories.ReportFactory(project=done, period=dt.date(2026, 11, 1), status="approved")

    first = remind_missing_reports.delay(as_of="2026-12-05")
    second = remind_missing_reports.delay(as_of="2026-12-05")
    assert worker.wait(first.id) == "SUCCESS"
    assert worker.wait(second.id) == "SUCCESS"
    assert worker.threads[first.id] != threading.current_thread().name
    assert list(ReportReminder.objects.values_list("step", flat=True)) == [0, 0]  # the park's and the summary

    assert sorted(m.to[0] for m in mail.outbox) == ["admin_b@example.gov.cn", "commission@example.gov.cn"]
    park_mail = next(m for m in mail.outbox if m.to == ["admin_b@example.gov.cn"])
    assert f"晶澳太阳能二期（ID {missing.pk}）— 未报送" in park_mail.body
    assert "陆源科技" not in park_mail.body and "今天截止" in park_mail.body
    assert ReportReminder.objects.filter(status=DeliveryStatus.SENT).count() == 2

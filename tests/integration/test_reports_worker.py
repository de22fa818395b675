"""The weekly report through a REAL Celery worker (thread, solo pool) consuming from Redis and
writing to PostgreSQL, with real commits (so the after-commit mail step runs for real): the
beat firing twice for the same week yields one report and one mail per subscriber."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connections
from openpyxl import load_workbook

from config.celery_app import app
from reports.models import DeliveryStatus, ReportDelivery, WeeklyReport
from reports.tasks import weekly_delay_report
from tests import factories
from tests.conftest import require_postgres, require_redis

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class Finished:
    def __init__(self):
        self.states: dict[str, str] = {}
        self.threads: dict[str, str] = {}
        self.lock = threading.Condition()

    def __call__(self, sender=None, task_id=None, state=None, **kwargs):
        connections.close_all()  # the worker thread's connections must not outlive the test
        with self.lock:
            self.states[task_id] = state
            self.threads[task_id] = threading.current_thread().name
            self.lock.notify_all()

    def wait(self, task_id: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        with self.lock:
            while task_id not in self.states:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the worker did not finish task {task_id} within {timeout} s")
                self.lock.wait(remaining)
            return self.states[task_id]


@pytest.fixture
def worker():
    require_postgres()
    broker = require_redis()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    finished = Finished()
    task_postrun.connect(finished, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60, loglevel="WARNING"):
            yield finished
    finally:
        task_postrun.disconnect(finished)
        for key, value in saved.items():
            app.conf[key] = value


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

"""A large Excel import through a REAL Celery worker (in a thread, solo pool) consuming from
Redis and writing to PostgreSQL: the page queues the job, the worker runs the dry run and then
the import, and the progress endpoint reports it."""

from __future__ import annotations

import io
import time

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from common.spreadsheets import XLSX_CONTENT_TYPE
from config.celery_app import app
from projects.models import Project
from tests.conftest import require_postgres, require_redis

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 600  # above the default IMPORT_ASYNC_ROWS (500): runs in the worker


@pytest.fixture
def worker():
    require_postgres()
    broker = require_redis()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)

    def close_connections(**kwargs):
        connections.close_all()  # the worker thread's connections, so the test database can be dropped

    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, loglevel="WARNING"):
            yield
    finally:
        task_postrun.disconnect(close_connections)
        for key, value in saved.items():
            app.conf[key] = value


def big_file() -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["项目名称", "建设单位", "园区代码", "产业代码", "项目级别", "列入年度", "总投资（万元）"])
    for i in range(ROWS):
        ws.append([f"批量导入{i:04d}", "单位", "GXQ", "BIO", "市重点", 2026, "100.50"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def wait_until(client, token, predicate, timeout=90):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        status = client.get(f"/imports/{token}/status.json").json()
        seen.append(status)
        if predicate(status):
            return status, seen
        time.sleep(0.2)
    raise AssertionError(f"job did not finish: {seen[-1]}")


def test_large_import_runs_in_the_worker(client, city, park_a_admin, worker):
    client.force_login(park_a_admin)
    response = client.post(
        "/imports/", {"kind": "projects", "file": SimpleUploadedFile("big.xlsx", big_file(), XLSX_CONTENT_TYPE)}
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    status, _seen = wait_until(client, token, lambda s: s["status"] in ("done", "failed"))
    assert status["status"] == "done" and status["errors"] == 0 and status["total"] == ROWS
    assert not Project.objects.exists()  # the dry run wrote nothing
    client.post(f"/imports/{token}/commit/")
    status, seen = wait_until(client, token, lambda s: s["phase"] == "commit" and s["status"] in ("done", "failed"))
    assert status["committed"] is True and status["processed"] == ROWS
    assert Project.objects.filter(name__startswith="批量导入").count() == ROWS
    assert {str(v) for v in Project.objects.values_list("total_investment", flat=True).distinct()} == {"100.50"}

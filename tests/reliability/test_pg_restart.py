"""A real PostgreSQL restart under a running web server and worker (issue #7: "PostgreSQL
restarted: web and worker recover without being restarted").

Not part of `make test`: restarting the cluster breaks every other connection to the server,
including other tests running at the same time. It carries the `pg_restart` marker, is
deselected unless PG_RESTART_CHECK=1, and runs as its own CI step after `make test` through
`scripts/pg_restart_check.sh` (which also makes sure PostgreSQL is left running).

What it proves, with gunicorn (2 workers × 4 threads) and a Celery worker under the production
settings (DEBUG off, persistent connections CONN_MAX_AGE=60 with CONN_HEALTH_CHECKS) on their own
test database and a private Redis broker:

1. before: an API write and read succeed, a `flag_delays` job queued through the broker runs;
   gunicorn holds persistent PostgreSQL connections (seen in pg_stat_activity); the worker
   opens a fresh one per job (Celery's Django fix-up closes them at task start and end);
2. `pg_ctlcluster <version> main restart` (fast shutdown: every connection is dropped), then
   wait for pg_isready;
3. after, WITHOUT restarting gunicorn or the worker: the very first requests (reads on both
   gunicorn workers, then a write) succeed with no retry, and a `flag_delays` job queued after
   the restart runs and its effect is in the database.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import time
from decimal import Decimal

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token

from projects.models import InvestmentReport
from scheduling.models import DelayRecord
from tests import factories
from tests.conftest import require_postgres
from tests.reliability.conftest import (
    WEB_APP_NAME,
    WORKER_APP_NAME,
    WebServer,
    Worker,
    app_env,
    backends,
    send_task,
    terminate_backends,
)

pytestmark = [
    pytest.mark.pg_restart,
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]

PG_HOST, PG_PORT = "127.0.0.1", "5432"
READY_TIMEOUT = 60  # seconds for the cluster to accept connections again after the restart


def pg_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".") if p.isdigit()])
    assert versions, "no PostgreSQL cluster under /etc/postgresql"
    return os.environ.get("PG_CLUSTER_VERSION", versions[0])


def pg_isready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", PG_HOST, "-p", PG_PORT], check=False).returncode == 0


def wait_pg_ready(timeout: float = READY_TIMEOUT) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if pg_isready():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"PostgreSQL did not accept connections within {timeout}s after the restart")


def pg_ctl(action: str) -> None:
    result = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", pg_version(), "main", action],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"pg_ctlcluster {action} failed: {result.stdout}{result.stderr}"


@pytest.fixture
def ensure_pg_running():
    """Whatever happens in the test, PostgreSQL is running afterwards."""
    yield
    if not pg_isready():
        pg_ctl("start")
        wait_pg_ready()


def wait_for(predicate, *, timeout: float, what: str, logs: Worker | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = logs.text()[-3000:] if logs else ""
    raise AssertionError(f"{what}: not within {timeout}s\n{tail}")


def open_record(milestone):
    # A fresh connection each time: the test's own connection died with the restart too.
    connections.close_all()
    return DelayRecord.objects.filter(milestone=milestone, closed_on__isnull=True).first()


def test_web_and_worker_recover_from_a_real_postgresql_restart(
    city, private_redis, tmp_path, ensure_pg_running, capsys
):
    require_postgres()
    admin = factories.UserFactory(username="pgrestart", role="commission")
    token = Token.objects.create(user=admin).key
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio, name="重启测试项目")
    milestone = factories.MilestoneFactory(project=project, kind="construction_start", planned_date=dt.date(2026, 6, 1))

    env = app_env(
        broker_url=private_redis.url,
        workdir=tmp_path,
        application_name=WEB_APP_NAME,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    web = WebServer({**env, "GUNICORN_WORKERS": "2"}, tmp_path)
    worker = Worker(
        "pgrestart",
        {**env, "DATABASE_URL": env["DATABASE_URL"].replace(WEB_APP_NAME, WORKER_APP_NAME)},
        tmp_path,
    )
    access_log = tmp_path / "access.log"
    try:
        web.start()
        worker.start()

        # --- Before: everything works, and both processes hold persistent connections. -------
        r = web.api(
            token,
            "POST",
            "/api/v1/investment-reports/",
            json={"project": project.pk, "period": "2026-04", "amount": "100.00"},
        )
        assert r.status_code == 201, r.text
        for _ in range(6):
            r = web.api(token, "GET", f"/api/v1/projects/{project.pk}/")
            assert r.status_code == 200 and r.json()["name"] == "重启测试项目", r.text
        send_task(private_redis.url, "scheduling.flag_delays", as_of="2026-06-10")
        before = wait_for(
            lambda: open_record(milestone), timeout=60, what="flag_delays before the restart", logs=worker
        )
        assert (before.days_overdue, before.severity) == (9, "yellow")
        assert backends(WEB_APP_NAME), "gunicorn keeps persistent connections (CONN_MAX_AGE)"
        # The worker holds none between jobs: Celery's Django fix-up closes the connections at
        # the start and end of every task, so each job opens a fresh one.
        connections.close_all()

        # --- The restart: fast shutdown drops every connection; then wait until it is ready. -
        started = time.monotonic()
        pg_ctl("restart")
        ready_after = wait_pg_ready()
        restart_seconds = time.monotonic() - started
        assert not backends(WEB_APP_NAME) and not backends(WORKER_APP_NAME), "the restart dropped every connection"

        # --- After, without restarting gunicorn or the worker: the first requests succeed. ---
        first = time.monotonic()
        failures = []
        for i in range(8):  # reads: both gunicorn workers (and several of their threads) reconnect
            r = web.api(token, "GET", f"/api/v1/projects/{project.pk}/")
            if r.status_code != 200:
                failures.append(f"read {i + 1}: {r.status_code} {r.text[:300]}")
        r = web.api(
            token,
            "POST",
            "/api/v1/investment-reports/",
            json={"project": project.pk, "period": "2026-05", "amount": "222.22"},
        )
        if r.status_code != 201:
            failures.append(f"write: {r.status_code} {r.text[:300]}")
        r = web.api(token, "GET", f"/api/v1/investment-reports/?project={project.pk}")
        if r.status_code != 200 or r.json()["count"] != 2:
            failures.append(f"read back: {r.status_code} {r.text[:300]}")
        first_requests_seconds = time.monotonic() - first
        assert not failures, (
            "the web server did not recover from the PostgreSQL restart by itself:\n"
            + "\n".join(failures)
            + "\n--- gunicorn log ---\n"
            + web.log.read_text(errors="replace")[-3000:]
        )

        # The worker: a job queued after the restart runs and its effect is stored.
        queued = time.monotonic()
        send_task(private_redis.url, "scheduling.flag_delays", as_of="2026-07-15")
        after = wait_for(
            lambda: (rec := open_record(milestone)) and rec.last_seen_on == dt.date(2026, 7, 15) and rec,
            timeout=60,
            what="the worker did not recover from the PostgreSQL restart (flag_delays after it)",
            logs=worker,
        )
        job_seconds = time.monotonic() - queued
        assert (after.pk, after.days_overdue, after.severity) == (before.pk, 44, "red")
        assert DelayRecord.objects.filter(milestone=milestone).count() == 1
        assert InvestmentReport.objects.get(project=project, period=dt.date(2026, 5, 1)).amount == Decimal("222.22")
        assert " 500 " not in access_log.read_text()
        with capsys.disabled():
            print(
                f"\npg_restart: restart+ready {restart_seconds:.1f} s (pg_isready after {ready_after:.1f} s); "
                f"first 10 requests after it {first_requests_seconds:.2f} s, all first-try; "
                f"flag_delays queued after it done in {job_seconds:.1f} s"
            )
    finally:
        worker.stop()
        web.stop()
        if pg_isready():
            terminate_backends(WEB_APP_NAME)
            terminate_backends(WORKER_APP_NAME)
        connections.close_all()

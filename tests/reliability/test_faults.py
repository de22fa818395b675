"""Faults with real processes: a Celery worker killed with SIGKILL in the middle of each job,
PostgreSQL connections dropped under a running worker.

Each test starts its own redis-server on a free port (the shared Redis is never stopped) and
real `celery -A config worker` processes on the test database. "In the middle" is made exact: the
test holds a SHARE lock on a table the job writes late in its transaction, waits until the
worker's connection is seen waiting on that lock in pg_stat_activity (the job has started and
done its first writes, uncommitted), then SIGKILLs the worker's whole process group. PostgreSQL
drops the dead client's connection (done explicitly with pg_terminate_backend, as the server
would on noticing the client gone), so the half-done transaction rolls back. A second worker then
receives the unacknowledged message (acks_late) once the broker's visibility timeout passes,
and the job runs to the end exactly once in effect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reports.models import ReportDelivery, WeeklyReport
from scheduling.models import DelayRecord, GrowthSnapshot, IndustryGrowth
from tests import factories
from tests.reliability.conftest import (
    WORKER_APP_NAME,
    TableGate,
    Worker,
    send_task,
    terminate_backends,
    wait_for_blocked_backend,
)

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AS_OF = "2026-06-30"
REDELIVERY_TIMEOUT = 120  # visibility timeout (5 s) + the broker's restore cycle + start-up


def delayed_city(city) -> dict:
    """Three projects: two with overdue milestones (one red, one yellow), one on time."""
    red = factories.ProjectFactory(park=city.park_a, industry=city.bio_drug, year=2026)
    yellow = factories.ProjectFactory(park=city.park_b, industry=city.ei_ic, year=2026)
    fine = factories.ProjectFactory(park=city.park_a_sub, industry=city.bio, year=2025)
    overdue = [
        factories.MilestoneFactory(project=red, kind="construction_start", planned_date=dt.date(2026, 4, 1)),
        factories.MilestoneFactory(project=red, kind="topping_out", planned_date=dt.date(2026, 6, 10)),
        factories.MilestoneFactory(project=yellow, kind="signing", planned_date=dt.date(2026, 6, 20)),
    ]
    factories.MilestoneFactory(project=fine, kind="completion", planned_date=dt.date(2026, 12, 1))
    for project, amount in ((red, "300.00"), (yellow, "120.50"), (fine, "80.00")):
        for year in (2025, 2026):
            for month in range(1, 6):
                factories.ReportFactory(project=project, period=dt.date(year, month, 1), amount=Decimal(amount))
    return {"red": red, "yellow": yellow, "fine": fine, "overdue": overdue}


def kill_mid_job(worker: Worker, table: str) -> None:
    """Wait until the job's write to `table` waits on the gate (a ROW EXCLUSIVE lock, the lock
    of UPDATE/INSERT/DELETE, not granted), then SIGKILL the worker."""
    row = wait_for_blocked_backend(WORKER_APP_NAME)
    assert (row["relation"], row["mode"]) == (table, "RowExclusiveLock"), row
    worker.kill()
    assert terminate_backends(WORKER_APP_NAME) >= 1


def test_flag_delays_killed_mid_job_completes_once_on_a_new_worker(city, workers, private_redis):
    data = delayed_city(city)
    # Statements 1-3 (close/update/open delay records) run; statement 4 (project colours) waits.
    first = workers("w1")
    gate = TableGate("projects_project")
    try:
        task_id = send_task(private_redis.url, "scheduling.flag_delays", as_of=AS_OF)
        first.wait_for_log(task_id, timeout=30)
        kill_mid_job(first, "projects_project")
        # The killed run's delay records were never committed.
        assert DelayRecord.objects.count() == 0
    finally:
        gate.release()

    second = workers("w2")
    second.wait_for_log(f"{task_id}] succeeded", timeout=REDELIVERY_TIMEOUT)
    records = list(DelayRecord.objects.order_by("milestone_id").values_list("milestone_id", "severity", "closed_on"))
    assert records == [
        (data["overdue"][0].pk, "red", None),
        (data["overdue"][1].pk, "yellow", None),
        (data["overdue"][2].pk, "yellow", None),
    ]
    for key, status in (("red", "red"), ("yellow", "yellow"), ("fine", "green")):
        data[key].refresh_from_db()
        assert data[key].status == status

    # Delivered again (beat, or a manual re-run): still one record per overdue milestone.
    again = send_task(private_redis.url, "scheduling.flag_delays", as_of=AS_OF)
    second.wait_for_log(f"{again}] succeeded", timeout=60)
    assert DelayRecord.objects.count() == 3


def test_compute_industry_growth_killed_mid_job_leaves_one_snapshot(city, workers, private_redis):
    delayed_city(city)
    # The snapshot row is written, then replacing its industry rows waits.
    first = workers("w1")
    gate = TableGate("scheduling_industrygrowth")
    try:
        task_id = send_task(private_redis.url, "scheduling.compute_industry_growth", period="2026-05")
        first.wait_for_log(task_id, timeout=30)
        kill_mid_job(first, "scheduling_industrygrowth")
        assert GrowthSnapshot.objects.count() == 0
    finally:
        gate.release()

    second = workers("w2")
    second.wait_for_log(f"{task_id}] succeeded", timeout=REDELIVERY_TIMEOUT)
    snapshot = GrowthSnapshot.objects.get()
    assert snapshot.period == dt.date(2026, 5, 1)
    # Every project reported the same amount in both years: growth 0.0 for the city.
    assert snapshot.ytd == snapshot.prior_ytd == Decimal("2502.50")
    assert snapshot.growth_pct == Decimal("0.0")
    industries = IndustryGrowth.objects.filter(snapshot=snapshot)
    assert industries.count() == industries.values("industry").distinct().count() >= 4

    again = send_task(private_redis.url, "scheduling.compute_industry_growth", period="2026-05")
    second.wait_for_log(f"{again}] succeeded", timeout=60)
    assert GrowthSnapshot.objects.count() == 1
    assert IndustryGrowth.objects.count() == industries.count()


def test_weekly_delay_report_killed_mid_job_one_report_one_mail_each(city, workers, private_redis, tmp_path):
    delayed_city(city)
    factories.UserFactory(username="fgw", role="commission", email="fgw@example.gov.cn")
    factories.UserFactory(username="gx", role="park_admin", park=city.park_a, email="gx@example.gov.cn")
    factories.UserFactory(username="lq", role="park_admin", park=city.park_b, email="lq@example.gov.cn")
    # The report and its sections are written (and its files saved); the mail rows wait.
    first = workers("w1")
    gate = TableGate("reports_reportdelivery")
    try:
        task_id = send_task(private_redis.url, "reports.tasks.weekly_delay_report", week="2026-W27")
        first.wait_for_log(task_id, timeout=30)
        kill_mid_job(first, "reports_reportdelivery")
        assert WeeklyReport.objects.count() == 0
    finally:
        gate.release()
    assert not list((tmp_path / "mail").glob("*")) if (tmp_path / "mail").exists() else True

    second = workers("w2")
    second.wait_for_log(f"{task_id}] succeeded", timeout=REDELIVERY_TIMEOUT)
    report = WeeklyReport.objects.get()
    assert report.week == "2026-W27"
    deliveries = list(ReportDelivery.objects.order_by("email").values_list("email", "status"))
    assert deliveries == [
        ("fgw@example.gov.cn", "sent"),
        ("gx@example.gov.cn", "sent"),
        ("lq@example.gov.cn", "sent"),
    ]
    mails = sorted((tmp_path / "mail").glob("*.log"))
    recipients = sorted(
        line.split(":", 1)[1].strip() for m in mails for line in m.read_text().splitlines() if line.startswith("To:")
    )
    assert recipients == ["fgw@example.gov.cn", "gx@example.gov.cn", "lq@example.gov.cn"]

    # Run again (beat firing twice, a manual re-run): no new report, no second mail.
    again = send_task(private_redis.url, "reports.tasks.weekly_delay_report", week="2026-W27")
    second.wait_for_log(f"{again}] succeeded", timeout=60)
    assert WeeklyReport.objects.count() == 1
    assert len(list((tmp_path / "mail").glob("*.log"))) == len(mails)


def test_job_survives_database_connections_dropped_mid_job(city, workers, private_redis):
    """A PostgreSQL restart or failover drops every connection while a job runs: the job fails
    with OperationalError, Celery retries it (autoretry with backoff), the retry reconnects and
    completes; the next job on the same worker succeeds too. (The shared PostgreSQL is not
    restarted: its connections to this worker are terminated, which is what a restart does to
    them.)"""
    data = delayed_city(city)
    worker = workers("w1")
    gate = TableGate("projects_project")
    try:
        task_id = send_task(private_redis.url, "scheduling.flag_delays", as_of=AS_OF)
        wait_for_blocked_backend(WORKER_APP_NAME)
        assert terminate_backends(WORKER_APP_NAME) >= 1
    finally:
        gate.release()
    text = worker.wait_for_log(f"{task_id}] succeeded", timeout=120)
    assert f"{task_id}] retry" in text  # the dropped connection failed the first attempt
    assert DelayRecord.objects.filter(closed_on__isnull=True).count() == 3
    data["red"].refresh_from_db()
    assert data["red"].status == "red"

    second = send_task(private_redis.url, "scheduling.compute_industry_growth", period="2026-05")
    worker.wait_for_log(f"{second}] succeeded", timeout=60)
    assert GrowthSnapshot.objects.filter(period=dt.date(2026, 5, 1)).count() == 1

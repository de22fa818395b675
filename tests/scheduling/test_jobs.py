"""The jobs' three doors do the same thing: the service, the Celery task and the management
command; bad input is a clear message; the beat schedule is in the database."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from scheduling.models import DelayRecord, GrowthSnapshot
from scheduling.tasks import JOB_OPTIONS, compute_industry_growth_task, flag_delays_task
from tests import factories

D = dt.date

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(city):
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    factories.ReportFactory(project=project, period=D(2026, 4, 1), amount=Decimal("120.50"))
    factories.ReportFactory(project=project, period=D(2025, 4, 1), amount=Decimal("100.00"))
    return factories.MilestoneFactory(project=project, kind="other", name="供电", planned_date=D(2026, 5, 1))


def test_flag_delays_task_and_command_do_the_same(overdue):
    summary = flag_delays_task.delay(as_of="2026-05-20").get()
    assert (summary["overdue"], summary["opened"], summary["yellow"]) == (1, 1, 1)
    record = DelayRecord.objects.get()
    assert (record.days_overdue, record.severity) == (19, "yellow")
    out = StringIO()
    call_command("flag_delays", as_of="2026-06-05", stdout=out)
    record.refresh_from_db()
    assert (record.days_overdue, record.severity, record.last_seen_on) == (35, "red", D(2026, 6, 5))
    assert "2026-06-05：逾期 1 个（红色 1，黄色 0）" in out.getvalue()


def test_without_a_date_the_jobs_use_today_in_shanghai(overdue, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D(2026, 5, 3))
    assert flag_delays_task.delay().get()["as_of"] == "2026-05-03"
    assert DelayRecord.objects.get().days_overdue == 2
    assert compute_industry_growth_task.delay().get()["period"] == "2026-04"


def test_growth_task_and_command_store_the_same_snapshot(overdue):
    result = compute_industry_growth_task.delay(period="2026-04").get()
    snapshot = GrowthSnapshot.objects.get()
    assert result == {"period": "2026-04", "computed_at": snapshot.computed_at.isoformat()}
    assert (snapshot.ytd, snapshot.prior_ytd, snapshot.growth_pct) == (
        Decimal("120.50"),
        Decimal("100.00"),
        Decimal("20.5"),
    )
    out = StringIO()
    call_command("compute_industry_growth", period="2026-04", stdout=out)
    assert GrowthSnapshot.objects.get().computed_at == snapshot.computed_at  # unchanged figures: nothing rewritten
    assert "2026-04：全市本年累计完成投资 120.50 万元，上年同期 100.00 万元，增速 20.5%。" in out.getvalue()


@pytest.mark.parametrize("bad", ["2026-13-01", "20260520", "明天", "0001-01-01", "9999-12-31"])
def test_a_bad_date_is_a_clear_message_and_changes_nothing(overdue, bad):
    with pytest.raises(CommandError, match="YYYY-MM-DD|2000-01-01 至 2100-12-31"):
        call_command("flag_delays", as_of=bad)
    with pytest.raises(ValueError, match="YYYY-MM-DD|2000-01-01 至 2100-12-31"):
        flag_delays_task.delay(as_of=bad).get()
    assert DelayRecord.objects.count() == 0


@pytest.mark.parametrize("bad", ["2026-00", "2026-5", "2026/05"])
def test_a_bad_period_is_a_clear_message(overdue, bad):
    with pytest.raises(CommandError, match="应为 YYYY-MM"):
        call_command("compute_industry_growth", period=bad)
    assert GrowthSnapshot.objects.count() == 0


def test_tasks_retry_database_and_broker_errors_with_backoff():
    from django.db import OperationalError
    from kombu.exceptions import OperationalError as BrokerError

    for task in (flag_delays_task, compute_industry_growth_task):
        assert OperationalError in task.autoretry_for and BrokerError in task.autoretry_for
        assert task.retry_backoff and task.max_retries == 5
        assert task.acks_late is True and task.reject_on_worker_lost is True
        assert (task.soft_time_limit, task.time_limit) == (JOB_OPTIONS["soft_time_limit"], JOB_OPTIONS["time_limit"])
    assert flag_delays_task.name == "scheduling.flag_delays"
    assert compute_industry_growth_task.name == "scheduling.compute_industry_growth"


def test_the_beat_schedule_is_created_in_the_database():
    rows = {
        task.task: (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone), task.enabled)
        for task in PeriodicTask.objects.select_related("crontab").filter(task__startswith="scheduling.")
    }
    assert rows == {
        "scheduling.flag_delays": ("1", "0", "Asia/Shanghai", True),
        "scheduling.compute_industry_growth": ("1", "30", "Asia/Shanghai", True),
    }


def test_a_database_hiccup_is_retried_and_the_job_then_runs(overdue, monkeypatch):
    from django.db import OperationalError

    from scheduling import services

    real = services.flag_delays
    calls = []

    def flaky(*, as_of):
        calls.append(as_of)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(as_of=as_of)

    monkeypatch.setattr(services, "flag_delays", flaky)
    # (eager mode: apply() re-runs the retry in place; a worker would wait for the backoff)
    summary = flag_delays_task.apply(kwargs={"as_of": "2026-05-20"}, throw=False).get()
    assert calls == [D(2026, 5, 20), D(2026, 5, 20)]
    assert summary["opened"] == 1 and DelayRecord.objects.count() == 1

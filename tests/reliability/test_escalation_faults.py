"""督办 mail, at most once: a real `celery -A config worker` SIGKILLed between claiming a mail
(pending → sending, committed) and sending it leaves the row `sending`; the task, redelivered to
a second worker (acks_late), does not send it again.

"Between" is made exact: the test holds an ACCESS EXCLUSIVE lock on the problems table, which the
sender reads only after its claim (to write the mail's subject and body); the worker is killed
while that read waits on the lock."""

from __future__ import annotations

import datetime as dt

import pytest

from escalation.models import Department, Problem, ProblemMail
from tests import factories
from tests.reliability.conftest import (
    WORKER_APP_NAME,
    pg_url,
    send_task,
    terminate_backends,
    wait_for_blocked_backend,
)

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REDELIVERY_TIMEOUT = 120  # visibility timeout (5 s) + the broker's restore cycle + start-up


def test_worker_killed_after_claiming_a_mail_never_sends_it_twice(city, workers, private_redis, tmp_path):
    import psycopg

    project = factories.ProjectFactory(name="森朗生物基地", park=city.park_a, industry=city.bio_drug)
    power = Department.objects.create(name="供电公司", email="power@example.gov.cn")
    problem = Problem.objects.create(
        project=project,
        category="utilities",
        description="专线未通电",
        raised_on=dt.date(2026, 11, 20),
        deadline=dt.date(2026, 12, 20),
        department=power,
        status="assigned",
        dispatch_year=2026,
        dispatch_seq=1,
        dispatch_no="2026-0001",
    )
    row = ProblemMail.objects.create(problem=problem, event="assigned", key=str(power.pk), recipient=power.email)
    table = Problem._meta.db_table

    first = workers("w1")
    gate = psycopg.connect(pg_url().replace("postgres://", "postgresql://", 1))
    try:
        gate.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        task_id = send_task(private_redis.url, "escalation.send_problem_mails")
        first.wait_for_log(task_id, timeout=30)
        blocked = wait_for_blocked_backend(WORKER_APP_NAME)
        assert (blocked["relation"], blocked["mode"]) == (table, "AccessShareLock"), blocked
        row.refresh_from_db()
        assert row.status == "sending"  # claimed, committed; the mail not written yet
        first.kill()
        assert terminate_backends(WORKER_APP_NAME) >= 1
    finally:
        gate.rollback()
        gate.close()

    # The unacknowledged task goes to a second worker: it finds nothing pending, sends nothing.
    second = workers("w2")
    second.wait_for_log(f"{task_id}] succeeded", timeout=REDELIVERY_TIMEOUT)
    again = send_task(private_redis.url, "escalation.send_problem_mails")
    second.wait_for_log(f"{again}] succeeded", timeout=60)

    row.refresh_from_db()
    assert (row.status, row.sent_at) == ("sending", None)
    assert not (tmp_path / "mail").exists() or list((tmp_path / "mail").glob("*")) == []

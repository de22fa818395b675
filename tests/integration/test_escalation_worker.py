"""督办 mails through a REAL Celery worker (thread, solo pool) consuming from Redis and writing to
PostgreSQL with real commits: a problem assigned to a department mails the department's contact
exactly once even when the sending task runs twice; flag_problems run twice on the same day
mails the overdue reminder once."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from escalation import services
from escalation.models import Department, Problem, ProblemMail
from escalation.tasks import flag_problems_task, send_problem_mails_task
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_assignment_mail_sent_once_when_the_task_runs_twice(city, worker):
    commission = factories.UserFactory(username="fgw", role="commission")
    project = factories.ProjectFactory(name="森朗生物基地", park=city.park_a, industry=city.bio_drug)
    power = Department.objects.create(name="供电公司", email="power@example.gov.cn")
    problem = Problem.objects.create(
        project=project, category="utilities", description="专线未通电", raised_on=dt.date(2026, 11, 20), status="open"
    )
    # The step's own after-commit send is held back: the worker's tasks are the ones to send.
    with mock.patch("escalation.mails.send_pending"):
        services.problem_assign(
            user=commission, problem=problem, department="供电公司", deadline="2026-12-20", today=dt.date(2026, 12, 2)
        )
    assert list(ProblemMail.objects.values_list("status", "recipient")) == [("pending", power.email)]
    assert mail.outbox == []

    first = send_problem_mails_task.delay()
    second = send_problem_mails_task.delay()
    assert worker.wait(first.id) == "SUCCESS"
    assert worker.wait(second.id) == "SUCCESS"
    assert worker.threads[first.id] != threading.current_thread().name

    assert [m.to for m in mail.outbox] == [["power@example.gov.cn"]]
    assert mail.outbox[0].subject == "【督办】2026-0001：森朗生物基地"
    assert "专线未通电" in mail.outbox[0].body and "办结时限：2026-12-20" in mail.outbox[0].body
    assert list(ProblemMail.objects.values_list("status", flat=True)) == ["sent"]


def test_flag_problems_twice_on_a_worker_one_overdue_reminder(city, worker):
    # Reminders are for today's run (a back-filled day mails nothing): as of today, 3 days late.
    today = timezone.localdate()
    project = factories.ProjectFactory(name="晶澳二期", park=city.park_b, industry=city.ei_ic)
    power = Department.objects.create(name="供电公司", email="power@example.gov.cn")
    problem = Problem.objects.create(
        project=project,
        category="utilities",
        description="专线未通电",
        raised_on=today - dt.timedelta(days=30),
        deadline=today - dt.timedelta(days=3),
        department=power,
        status="assigned",
        dispatch_year=2026,
        dispatch_seq=1,
        dispatch_no="2026-0001",
    )

    first = flag_problems_task.delay(as_of=today.isoformat())
    second = flag_problems_task.delay(as_of=today.isoformat())
    assert worker.wait(first.id) == "SUCCESS"
    assert worker.wait(second.id) == "SUCCESS"

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["power@example.gov.cn"], "【督办超期提醒】2026-0001：晶澳二期")
    ]
    assert mail.outbox[0].body.startswith("该督办问题已超过办结时限")
    assert list(ProblemMail.objects.filter(problem=problem).values_list("event", "status")) == [("overdue", "sent")]

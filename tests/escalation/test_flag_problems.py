"""flag_problems on hand-computed fixtures: episodes opened, updated, closed; statements constant;
the overdue reminder once per episode; the command and the beat entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from escalation.jobs import flag_problems
from escalation.models import Problem, ProblemMail, ProblemOverdue
from escalation.tasks import flag_problems_task
from scheduling.models import SchedulingSettings

D = dt.date


def make(project, deadline, handled_on=None, department=None, status="assigned"):
    return Problem.objects.create(
        project=project,
        category="land",
        description="未供地",
        raised_on=D(2026, 10, 1),
        deadline=deadline,
        handled_on=handled_on,
        department=department,
        status=status,
    )


def test_episodes(esc):
    late = make(esc.project_a, D(2026, 11, 10))  # overdue from 11-11
    handled_late = make(esc.project_a, D(2026, 11, 5), handled_on=D(2026, 11, 14), status="handled")
    on_time = make(esc.project_b, D(2026, 11, 20))
    make(esc.project_b, None, status="open")

    s = flag_problems(as_of=D(2026, 11, 12))
    assert (s["overdue"], s["red"], s["yellow"], s["opened"], s["closed"]) == (2, 0, 2, 2, 0)
    ep = ProblemOverdue.objects.get(problem=late)
    assert (ep.opened_on, ep.last_seen_on, ep.days_overdue, ep.severity) == (
        D(2026, 11, 11),
        D(2026, 11, 12),
        2,
        "yellow",
    )
    assert ProblemOverdue.objects.get(problem=handled_late).days_overdue == 7

    s = flag_problems(as_of=D(2026, 11, 15))
    # handled on 11-14: closed on its handling day; late now 5 days; handled_late was 8 → red before
    assert (s["overdue"], s["opened"], s["updated"], s["closed"]) == (1, 0, 1, 1)
    assert ProblemOverdue.objects.get(problem=handled_late).closed_on == D(2026, 11, 14)
    ep.refresh_from_db()
    assert (ep.days_overdue, ep.severity, ep.closed_on) == (5, "yellow", None)

    # a second run for the same day changes nothing
    again = flag_problems(as_of=D(2026, 11, 15))
    assert (again["overdue"], again["opened"], again["updated"], again["closed"]) == (1, 0, 0, 0)

    s = flag_problems(as_of=D(2026, 11, 18))
    ep.refresh_from_db()
    assert (ep.days_overdue, ep.severity) == (8, "red") and s["red"] == 1

    # reassigned with a later deadline: the episode closes on the run's day
    Problem.objects.filter(pk=late.pk).update(deadline=D(2026, 12, 31))
    s = flag_problems(as_of=D(2026, 11, 19))
    ep.refresh_from_db()
    assert ep.closed_on == D(2026, 11, 19) and s["overdue"] == 0
    assert not ProblemOverdue.objects.filter(problem=on_time).exists()
    # as of a date past the new deadline, a new episode opens
    flag_problems(as_of=D(2027, 1, 2))
    assert ProblemOverdue.objects.filter(problem=late).count() == 2
    assert ProblemOverdue.objects.filter(problem=on_time).get().opened_on == D(2026, 11, 21)


def test_statements_constant(esc):
    SchedulingSettings.load()

    def run(n):
        Problem.objects.bulk_create(
            [
                Problem(
                    project=esc.project_a,
                    category="land",
                    description="x",
                    raised_on=D(2026, 1, 1),
                    deadline=D(2026, 2, 1),
                )
                for _ in range(n)
            ]
        )
        with CaptureQueriesContext(connection) as ctx:
            flag_problems(as_of=D(2026, 3, 1))
        return len(ctx.captured_queries)

    assert run(10) == run(200)


def test_overdue_reminder_once(esc, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    p = make(esc.project_a, today - dt.timedelta(days=2), department=esc.power)
    make(esc.project_a, today - dt.timedelta(days=2), department=esc.land)  # no address: no mail
    with django_capture_on_commit_callbacks(execute=True):
        s = flag_problems(as_of=today)
    assert s["reminders"] == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["power@example.cn"]
    assert "超期" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        flag_problems(as_of=today)
        flag_problems(as_of=today + dt.timedelta(days=1))
    assert len(mail.outbox) == 1
    assert ProblemMail.objects.get(problem=p).status == "sent"
    # a run for a past date (a backfill) sends nothing
    ProblemOverdue.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        flag_problems(as_of=today - dt.timedelta(days=1))
    assert len(mail.outbox) == 1


def test_command_and_beat(esc, capsys):
    make(esc.project_a, D(2026, 11, 10))
    call_command("flag_problems", "--as-of", "2026-11-12")
    assert "超期督办问题 1 个" in capsys.readouterr().out
    with pytest.raises(Exception, match="YYYY-MM-DD|日期"):
        call_command("flag_problems", "--as-of", "2026-13-01")
    assert PeriodicTask.objects.filter(task="escalation.flag_problems", enabled=True).exists()
    assert flag_problems_task.run(as_of="2026-11-13")["overdue"] == 1
    assert ProblemOverdue.objects.get().days_overdue == 3

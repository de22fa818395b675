"""flag_problems on hand-computed fixtures: episodes opened and closed (days derived, nothing
rewritten while an episode stays open); statements constant; the overdue reminder once per
episode; the command and the beat entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from escalation import rules
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
    assert (ep.deadline, ep.opened_on, ep.closed_on) == (D(2026, 11, 10), D(2026, 11, 11), None)
    assert rules.episode_days(ep, D(2026, 11, 12)) == 2
    handled_ep = ProblemOverdue.objects.get(problem=handled_late)
    assert rules.episode_days(handled_ep, D(2026, 11, 12)) == 7

    s = flag_problems(as_of=D(2026, 11, 15))
    # handled on 11-14: closed on its handling day (last overdue 11-13: 8 days); late not rewritten
    assert (s["overdue"], s["opened"], s["closed"]) == (1, 0, 1)
    handled_ep.refresh_from_db()
    assert handled_ep.closed_on == D(2026, 11, 14)
    assert rules.episode_days(handled_ep, D(2026, 11, 30)) == 8
    ep.refresh_from_db()
    assert ep.closed_on is None and rules.episode_days(ep, D(2026, 11, 15)) == 5

    # a second run for the same day changes nothing
    again = flag_problems(as_of=D(2026, 11, 15))
    assert (again["overdue"], again["opened"], again["closed"], again["reminders"]) == (1, 0, 0, 0)

    s = flag_problems(as_of=D(2026, 11, 18))
    ep.refresh_from_db()
    assert rules.episode_days(ep, D(2026, 11, 18)) == 8 and s["red"] == 1 and s["opened"] == s["closed"] == 0
    # a run for a date before the episode opened leaves it alone
    assert flag_problems(as_of=D(2026, 11, 9))["closed"] == 0
    ep.refresh_from_db()
    assert ep.closed_on is None

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


def test_open_episodes_are_not_rewritten(esc):
    """A night writes only the episodes that open or close: the open ones keep their row as it
    was (no per-night update), and their derived days equal the overdue rule's."""
    late = [make(esc.project_a, D(2026, 11, 1) + dt.timedelta(days=i)) for i in range(5)]
    flag_problems(as_of=D(2026, 11, 10))
    before = {e.pk: (e.deadline, e.opened_on, e.closed_on) for e in ProblemOverdue.objects.all()}
    with CaptureQueriesContext(connection) as ctx:
        s = flag_problems(as_of=D(2026, 11, 11))
    assert (s["opened"], s["closed"], s["overdue"]) == (0, 0, 5)
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert len(writes) == 3  # close, open, mail: each a set statement that matched nothing here
    assert {e.pk: (e.deadline, e.opened_on, e.closed_on) for e in ProblemOverdue.objects.all()} == before
    for e in ProblemOverdue.objects.select_related("problem"):
        assert rules.episode_days(e, D(2026, 11, 11)) == rules.days_overdue(e.problem, D(2026, 11, 11))
    assert {e.problem_id for e in ProblemOverdue.objects.all()} == {p.pk for p in late}


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
    assert rules.episode_days(ProblemOverdue.objects.get(), D(2026, 11, 13)) == 3

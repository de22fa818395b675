"""An overdue problem colours its project like a delayed milestone: yellow for 1–7 days, red from
8, outranking 无节点; the colour follows a problem step after the commit and the nightly job."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from escalation import services
from escalation.models import Problem
from projects.models import Project
from scheduling.services import flag_delays, refresh_project_status
from tests import factories

D = dt.date


def status(project) -> str:
    return Project.objects.values_list("status", flat=True).get(pk=project.pk)


def test_overdue_problem_colours_the_project(esc):
    green = esc.project_a
    factories.MilestoneFactory(project=green, kind="construction_start", planned_date=D(2027, 6, 1))
    bare = esc.project_b  # no milestone: 无节点
    flag_delays(as_of=D(2026, 11, 12))
    assert (status(green), status(bare)) == ("green", "no_schedule")
    Problem.objects.create(
        project=green, category="land", description="x", raised_on=D(2026, 11, 1), deadline=D(2026, 11, 10)
    )
    Problem.objects.create(
        project=bare, category="land", description="x", raised_on=D(2026, 10, 1), deadline=D(2026, 11, 1)
    )
    flag_delays(as_of=D(2026, 11, 12))
    assert (status(green), status(bare)) == ("yellow", "red")  # 2 days; 11 days
    refresh_project_status(project_ids=[green.pk], as_of=D(2026, 11, 18))
    assert status(green) == "red"  # 8 days
    # handled on 11-12: as of 11-13 no longer overdue
    Problem.objects.filter(project=green).update(handled_on=D(2026, 11, 12), status="handled")
    flag_delays(as_of=D(2026, 11, 13))
    assert status(green) == "green"


def test_a_step_refreshes_after_commit(esc, commission_user, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    factories.MilestoneFactory(
        project=esc.project_a, kind="construction_start", planned_date=today + dt.timedelta(days=300)
    )
    flag_delays(as_of=today)
    p = Problem.objects.create(
        project=esc.project_a,
        category="land",
        description="x",
        raised_on=today - dt.timedelta(days=30),
        deadline=today - dt.timedelta(days=10),
        status="assigned",
        department=esc.power,
    )
    flag_delays(as_of=today)
    assert status(esc.project_a) == "red"
    with django_capture_on_commit_callbacks(execute=True):
        services.problem_handle(user=commission_user, problem=p, note="已办结")
    assert status(esc.project_a) == "green"

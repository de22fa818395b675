"""An overdue problem colours its project like a delayed milestone: yellow for 1–7 days, red from
8, outranking 无节点; the colour follows a problem step after the commit and the nightly job."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation import services
from escalation.models import Problem
from projects.models import Project
from scheduling.models import Milestone
from scheduling.rules import is_finished
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


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_the_nightly_statement_and_the_per_project_ones_agree(esc, seed):
    """Property: whatever the problems and milestones, the colours flag_delays stores (on
    PostgreSQL the one statement joining each project's rank, grouped once) are those of the
    per-project statement (the correlated rank of refresh_project_status), which then finds
    nothing to change; and the stored finished flag is the rule's (nodes, none open)."""
    rng = random.Random(seed)
    as_of = D(2026, 11, 20)
    projects = [esc.project_a, esc.project_b, *(factories.ProjectFactory() for _ in range(3))]
    for p in projects:
        for _ in range(rng.randint(0, 2)):
            planned = as_of + dt.timedelta(days=rng.randint(-40, 20))
            actual = rng.choice([None, planned, as_of + dt.timedelta(days=rng.randint(-5, 5))])
            factories.MilestoneFactory(project=p, kind="other", name="节点", planned_date=planned, actual_date=actual)
        for _ in range(rng.randint(0, 2)):
            deadline = as_of + dt.timedelta(days=rng.randint(-15, 5))
            handled = rng.choice([None, as_of + dt.timedelta(days=rng.randint(-10, 3))])
            Problem.objects.create(
                project=p, category="land", description="x", raised_on=deadline - dt.timedelta(days=10),
                deadline=deadline, handled_on=handled,
            )  # fmt: skip
    flag_delays(as_of=as_of)
    stored = dict(Project.objects.filter(pk__in=[p.pk for p in projects]).values_list("pk", "status"))
    assert refresh_project_status(project_ids=list(stored), as_of=as_of)["projects_status_changed"] == 0, seed
    for p in Project.objects.filter(pk__in=list(stored)):
        assert p.finished == is_finished(Milestone.objects.filter(project=p), as_of), seed
    Project.objects.filter(pk__in=list(stored)).update(status="green", finished=False)
    refresh_project_status(project_ids=list(stored), as_of=as_of)
    Project.objects.filter(pk__in=list(stored)).update(finished=True)
    assert dict(Project.objects.filter(pk__in=list(stored)).values_list("pk", "status")) == stored, seed
    flag_delays(as_of=as_of)  # the flag written wrong behind the job's back: the next run mends it
    for p in Project.objects.filter(pk__in=list(stored)):
        assert p.finished == is_finished(Milestone.objects.filter(project=p), as_of), seed

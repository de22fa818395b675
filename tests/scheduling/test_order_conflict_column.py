"""The stored order flag (Project.order_conflict, scheduling.rules.order_conflict_stored_q) is the
set of projects whose dated nodes break the nodes' order (order_warnings over all of them) after
every kind of milestone write — the services, a save, a kind changed, a delete — and the weekly
report's 顺序异常 section, which reads only those projects, follows an edit at once."""

from __future__ import annotations

import datetime as dt

import pytest

from projects.models import Project
from reports.selectors import weekly_report_data
from scheduling import rules, services
from scheduling.models import Milestone
from tests import factories

pytestmark = [pytest.mark.django_db]

AS_OF = dt.date(2026, 6, 8)
DAY = dt.timedelta(days=1)


def stored() -> set[int]:
    return set(Project.objects.filter(rules.order_conflict_stored_q()).values_list("pk", flat=True))


def rule() -> set[int]:
    nodes = list(Milestone.objects.filter(actual_date__isnull=False).order_by("project_id", "actual_date", "pk"))
    return {m.project_id for m in rules.set_order_warnings(nodes) if m.order_warning}


def warned() -> set[tuple[int, int]]:
    data = weekly_report_data(week="2026-W24", as_of=AS_OF)
    return {(r.project_id, r.milestone_id) for r in data.order_warnings}


def test_the_stored_flag_and_the_report_follow_every_write(city, commission_user):
    day = dt.date(2026, 3, 1)
    one = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    two = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    sign = factories.MilestoneFactory(project=one, kind="signing", planned_date=day, actual_date=day)
    start = factories.MilestoneFactory(project=one, kind="construction_start", planned_date=day + 30 * DAY)
    other = factories.MilestoneFactory(project=two, kind="signing", planned_date=day, actual_date=day)
    assert stored() == rule() == set() and warned() == set()

    # 开工 typed before 签约 through the service: flagged, and in the report at once.
    services.milestone_update(user=commission_user, milestone=start, data={"actual_date": day - 5 * DAY})
    assert stored() == rule() == {one.pk}
    assert warned() == {(one.pk, start.pk), (one.pk, sign.pk)}
    # Moved after 签约: no conflict any more.
    services.milestone_update(user=commission_user, milestone=start, data={"actual_date": day + DAY})
    assert stored() == rule() == set() and warned() == set()

    # A node created out of order, then its kind changed to one of the same rank by a plain save.
    land = services.milestone_create(
        user=commission_user,
        project=two,
        data={"kind": "construction_permit", "planned_date": day, "actual_date": day - 2 * DAY},
    )
    assert stored() == rule() == {two.pk}
    assert warned() == {(two.pk, land.pk), (two.pk, other.pk)}
    land.kind = "other"
    land.name = "专家论证"
    land.save()
    assert stored() == rule() == set() and warned() == set()

    # A conflict only after the Monday: flagged (no day), but no warning in that week's report.
    later = services.milestone_create(
        user=commission_user,
        project=two,
        data={"kind": "land", "planned_date": AS_OF + DAY, "actual_date": AS_OF + 3 * DAY},
    )
    services.milestone_update(user=commission_user, milestone=other, data={"actual_date": AS_OF + 5 * DAY})
    assert stored() == rule() == {two.pk} and warned() == set()

    # The node deleted: the project is no longer flagged.
    services.milestone_delete(user=commission_user, milestone=later)
    assert stored() == rule() == set()
    assert not Project.objects.get(pk=one.pk).order_conflict


def test_a_project_edit_keeps_the_stored_flag(city, commission_user):
    """A project loaded before a milestone write and saved after it does not put back the flag it
    had read (Project.KEPT_BY_STATEMENTS)."""
    day = dt.date(2026, 3, 1)
    project = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    factories.MilestoneFactory(project=project, kind="signing", planned_date=day, actual_date=day)
    loaded = Project.objects.get(pk=project.pk)
    factories.MilestoneFactory(project=project, kind="completion", planned_date=day, actual_date=day - DAY)
    loaded.name = "改名项目"
    loaded.save()
    assert stored() == rule() == {project.pk}

"""The stored finished flag (Project.finished, scheduling.rules.finished_stored_q) is the same
set as the rule finished_q of today after every kind of milestone write — the services, a save,
a delete, the last node deleted — and after the nightly flag_delays; the wall chart reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from projects.models import Project
from scheduling import rules, services
from scheduling.models import Milestone
from tests import factories

pytestmark = [pytest.mark.django_db]


def stored() -> set[int]:
    return set(Project.objects.filter(rules.finished_stored_q()).values_list("pk", flat=True))


def rule() -> set[int]:
    return set(Project.objects.filter(rules.finished_q(timezone.localdate())).values_list("pk", flat=True))


def test_the_stored_flag_follows_every_write(city, commission_user):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    one = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    two = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    none = factories.ProjectFactory(park=city.park_b, industry=city.ei)  # no nodes: never finished
    a = factories.MilestoneFactory(project=one, kind="signing", planned_date=today - 10 * day)
    b = factories.MilestoneFactory(project=one, kind="construction_start", planned_date=today + 5 * day)
    c = factories.MilestoneFactory(project=two, kind="signing", planned_date=today - 3 * day, actual_date=today - day)
    assert stored() == rule() == {two.pk}

    services.milestone_update(user=commission_user, milestone=a, data={"actual_date": today - 9 * day})
    assert stored() == rule() == {two.pk}
    services.milestone_update(user=commission_user, milestone=b, data={"actual_date": today})
    assert stored() == rule() == {one.pk, two.pk}

    # A node added to a finished project, then the only node of another deleted.
    services.milestone_create(
        user=commission_user, project=two, data={"kind": "construction_start", "planned_date": today + 30 * day}
    )
    assert stored() == rule() == {one.pk}
    for m in Milestone.objects.filter(project=two):
        services.milestone_delete(user=commission_user, milestone=m)
    assert stored() == rule() == {one.pk}
    assert not Project.objects.get(pk=two.pk).finished and not Project.objects.get(pk=none.pk).finished

    # An actual date cleared (reopened) by a plain save, and the nightly job on the day.
    b.refresh_from_db()
    b.actual_date = None
    b.save()
    assert stored() == rule() == set()
    Milestone.objects.filter(pk=b.pk).update(actual_date=today)  # a set-based write: the job catches up
    services.flag_delays(as_of=today)
    assert stored() == rule() == {one.pk}
    assert c.project_id == two.pk


def test_the_board_collapses_the_stored_finished_projects(client, city, commission_user):
    client.force_login(commission_user)
    client_commission = client
    today = timezone.localdate()
    done = factories.ProjectFactory(park=city.park_a, industry=city.bio, name="全部完成项目")
    open_ = factories.ProjectFactory(park=city.park_a, industry=city.bio, name="仍在推进项目")
    factories.MilestoneFactory(project=done, kind="signing", planned_date=today, actual_date=today)
    m = factories.MilestoneFactory(project=open_, kind="signing", planned_date=today)
    page = client_commission.get("/board/").content.decode()
    assert "仍在推进项目" in page and "全部完成项目" not in page
    services.milestone_update(user=commission_user, milestone=m, data={"actual_date": today})
    page = client_commission.get("/board/").content.decode()
    assert "仍在推进项目" not in page
    assert "全部完成项目" in client_commission.get("/board/?finished=1").content.decode()

"""A project without milestones is 无节点 (no_schedule), grey, not green: at creation (the model
default), after the daily job and the refresh, in the API and on every page; its first milestone
gives it the usual colour, deleting the last one takes it back."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from projects.models import Project, Status
from scheduling.services import flag_delays, milestone_create, milestone_delete
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_new_project_has_no_schedule(city, park_a_admin):
    project = factories.ProjectFactory(park=city.park_a)
    project.refresh_from_db()
    assert project.status == Status.NO_SCHEDULE == "no_schedule"
    assert project.get_status_display() == "无节点"


def test_the_daily_job_greys_a_project_without_milestones(city, today):
    factories.ProjectFactory(park=city.park_a, name="无节点项目", status="green")
    planned = factories.ProjectFactory(park=city.park_a, name="有节点项目", status="no_schedule")
    factories.MilestoneFactory(project=planned, planned_date=today + dt.timedelta(days=90))
    done = factories.ProjectFactory(park=city.park_a, name="已完成节点项目")
    factories.MilestoneFactory(project=done, planned_date=today - dt.timedelta(days=9), actual_date=today)
    summary = flag_delays(as_of=today)
    assert summary["projects_status_changed"] == 3
    assert dict(Project.objects.values_list("name", "status")) == {
        "无节点项目": "no_schedule",
        "有节点项目": "green",
        "已完成节点项目": "green",  # a schedule, all done: not "no schedule"
    }


def test_a_milestone_gives_the_usual_colour_and_removing_it_takes_it_back(
    city, park_a_admin, today, django_capture_on_commit_callbacks, client
):
    project = factories.ProjectFactory(park=city.park_a)
    with django_capture_on_commit_callbacks(execute=True):
        milestone = milestone_create(
            user=park_a_admin, project=project, data={"kind": "signing", "planned_date": today - dt.timedelta(days=3)}
        )
    project.refresh_from_db()
    assert project.status == "yellow"
    with django_capture_on_commit_callbacks(execute=True):
        milestone_delete(user=park_a_admin, milestone=milestone)
    project.refresh_from_db()
    assert project.status == "no_schedule"


def test_no_schedule_in_the_api_and_on_the_pages(client_a, city, today):
    bare = factories.ProjectFactory(park=city.park_a, name="待排节点项目")
    body = client_a.get(f"/api/v1/projects/{bare.pk}/").json()
    assert body["status"] == "no_schedule"
    listed = client_a.get("/api/v1/projects/?status=no_schedule").json()
    assert [p["id"] for p in listed["results"]] == [bare.pk]

    html = client_a.get("/projects/").content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*待排节点项目(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert '<span class="badge st-noschedule">无节点</span>' in row
    card = client_a.get(f"/projects/{bare.pk}/").content.decode()
    assert '<span class="badge st-noschedule">无节点</span>' in card
    board = client_a.get("/board/").content.decode()
    assert f'<tr class="brow st-noschedule" data-project="{bare.pk}">' in board
    dashboard = client_a.get("/").content.decode()
    tile = re.search(r'<a class="tile st-noschedule"[^>]*><div class="num">(\d+)</div><div>无节点</div></a>', dashboard)
    assert tile is not None and tile.group(1) == "1"

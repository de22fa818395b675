"""The projects' stored summary columns (next node; the colour's rank) stay exact: a milestone
saved through the service, the API or the ORM shows on the list and the card at once, the
stored next node equals the rule computed live (scheduling.rules.next_milestones), and the
nightly flag_delays moves it when a future actual date comes."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects.models import STATUS_ORDER, Project
from scheduling import rules, services
from scheduling.models import Milestone
from tests import factories
from web.views.base import with_next_milestone

pytestmark = pytest.mark.django_db

KINDS = ["signing", "land", "construction_permit", "construction_start", "completion", "production_start"]


def stored(project) -> tuple:
    p = Project.objects.get(pk=project.pk)
    return p.next_date, p.next_kind, p.next_name


def live(as_of) -> dict[int, tuple]:
    """The next node of every project computed by the rule (ORM form), not the stored one."""
    rows = with_next_milestone(Project.objects.all(), as_of=as_of).values_list(
        "pk", "next_date_live", "next_kind_live", "next_name_live"
    )
    return {pk: (d, k or "", n or "") for pk, d, k, n in rows}


def test_service_edit_shows_on_list_and_card_at_once(client_a, project_a, park_a_admin, today):
    start = project_a.milestones.get(kind="construction_start")
    signing = project_a.milestones.get(kind="signing")
    assert stored(project_a) == (signing.planned_date, "signing", "")
    # The signing is done: the next node is the construction start, on the list at once.
    services.milestone_update(user=park_a_admin, milestone=signing, data={"actual_date": today - dt.timedelta(days=1)})
    assert stored(project_a) == (start.planned_date, "construction_start", "")
    page = client_a.get("/projects/")
    row = next(p for p in page.context["page"].object_list if p.pk == project_a.pk)
    assert row.next_date == start.planned_date and "距开工还有 5 天" in page.content.decode()
    # Moved later by the clerk: the list and the card say so in the same request cycle.
    services.milestone_update(user=park_a_admin, milestone=start, data={"planned_date": today + dt.timedelta(days=9)})
    assert "距开工还有 9 天" in client_a.get("/projects/").content.decode()
    assert "距开工还有 9 天" in client_a.get(f"/projects/{project_a.pk}/").content.decode()
    sorted_page = client_a.get("/projects/", {"sort": "next"})
    assert row.pk in [p.pk for p in sorted_page.context["page"].object_list]
    # Deleting the last open node leaves no next node.
    services.milestone_delete(user=park_a_admin, milestone=start)
    assert stored(project_a) == (None, "", "")


def test_api_edit_and_orm_delete_keep_it(client_a, project_a, today):
    start = project_a.milestones.get(kind="construction_start")
    response = client_a.patch(
        f"/api/v1/milestones/{start.pk}/",
        {"planned_date": (today + dt.timedelta(days=3)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    project_a.milestones.filter(kind="signing").get().delete()  # the admin's path: plain ORM
    assert stored(project_a) == (today + dt.timedelta(days=3), "construction_start", "")


def test_sorted_by_next_node_and_status(client_commission, city, today):
    far = factories.ProjectFactory(name="远", park=city.park_b, status="green")
    near = factories.ProjectFactory(name="近", park=city.park_b, status="green")
    none = factories.ProjectFactory(name="无", park=city.park_b, status="no_schedule")
    red = factories.ProjectFactory(name="红", park=city.park_b, status="red")
    factories.MilestoneFactory(project=far, planned_date=today + dt.timedelta(days=50))
    factories.MilestoneFactory(project=near, planned_date=today + dt.timedelta(days=5))
    factories.MilestoneFactory(project=red, planned_date=today - dt.timedelta(days=40))
    by_next = client_commission.get("/projects/", {"sort": "next"}).context["page"].object_list
    names = [p.name for p in by_next]
    assert names.index("红") < names.index("近") < names.index("远")
    if connection.vendor == "postgresql":
        assert names[-1] == "无"  # NULLs last, as the index orders them
    by_status = [p.name for p in client_commission.get("/projects/").context["page"].object_list]
    assert by_status == ["红", "近", "远", "无"]
    assert [Project.objects.get(pk=p.pk).status_rank for p in (red, near, none)] == [
        STATUS_ORDER.index("red"),
        STATUS_ORDER.index("green"),
        STATUS_ORDER.index("no_schedule"),
    ]


def test_flag_delays_moves_it_when_a_future_actual_date_comes(city, today):
    p = factories.ProjectFactory(park=city.park_b)
    factories.MilestoneFactory(
        project=p, kind="signing", planned_date=today - dt.timedelta(days=5), actual_date=today + dt.timedelta(days=2)
    )
    factories.MilestoneFactory(project=p, kind="construction_start", planned_date=today + dt.timedelta(days=30))
    assert stored(p)[1] == "signing"  # completed on a later day: still open today
    services.flag_delays(as_of=today + dt.timedelta(days=3))
    assert stored(p)[1] == "construction_start"


def test_pager_count_is_the_visible_count(client, commission_user, park_a_admin, project_a, project_b):
    """Unfiltered, the pager's count is the kept per-park count (PostgreSQL); filtered, a COUNT."""
    client.force_login(commission_user)
    assert client.get("/projects/").context["page"].paginator.count == 2
    assert client.get("/projects/", {"q": "鹿泉"}).context["page"].paginator.count == 1
    project_b.archived_at = project_b.updated_at
    project_b.save()
    assert client.get("/projects/").context["page"].paginator.count == 1
    client.force_login(park_a_admin)
    assert client.get("/projects/").context["page"].paginator.count == 1


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=10**6))
def test_stored_equals_computed(city, today, seed):
    """Property: after any mix of milestone writes (saves, deletes, bulk inserts followed by the
    loaders' refresh), the stored next node equals the rule computed live, and the Python form."""
    rng = random.Random(seed)
    projects = [factories.ProjectFactory(park=city.park_b) for _ in range(4)]
    for p in projects:
        for i in range(rng.randint(0, 4)):
            planned = today + dt.timedelta(days=rng.randint(-60, 60))
            actual = rng.choice([None, planned, today + dt.timedelta(days=rng.randint(-30, 30))])
            factories.MilestoneFactory(
                project=p, kind=rng.choice(KINDS + ["other"]), name=f"节点{i}", planned_date=planned,
                actual_date=actual, sequence=rng.randint(0, 3),
            )  # fmt: skip
    victims = list(Milestone.objects.filter(project__in=projects).order_by("?")[: rng.randint(0, 3)])
    for m in victims:
        m.delete()
    Milestone.objects.bulk_create(
        [Milestone(project=projects[0], kind="other", name="批量", planned_date=today, baseline_date=today)]
    )
    services.refresh_next_milestones(project_ids=[projects[0].pk])
    computed = live(today)
    for p in projects:
        nxt = rules.next_milestone_of(Milestone.objects.filter(project=p), today)
        python = (nxt.planned_date, nxt.kind, nxt.name) if nxt else (None, "", "")
        assert stored(p) == computed[p.pk] == python
    # The full refresh (flag_delays, the loaders) changes nothing once every row is right.
    assert services.refresh_next_milestones() == 0
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(next_date=None, next_kind="", next_name="")
    services.refresh_next_milestones()
    assert {p.pk: stored(p) for p in projects} == {p.pk: computed[p.pk] for p in projects}


@pytest.mark.parametrize("data", [None, {"level": "municipal", "status": "red"}, {"stage": "<x>"}])
def test_filter_selects_render_as_django_does(city, data):
    """The list's filter selects write in Python exactly the HTML of Django's select templates."""
    from django import forms

    from parks.models import Park
    from web.forms import ProjectFilterForm

    form = ProjectFilterForm(data, parks=Park.objects.all())
    if data:
        form.is_valid()
    for name in ("park", "industry", "level", "stage", "status"):
        bound = form[name]
        fast = bound.as_widget()
        field = form.fields[name]
        django_select = forms.Select(attrs=dict(field.widget.attrs), choices=field.choices)
        assert fast == bound.as_widget(widget=django_select), name
        assert "<option" in fast

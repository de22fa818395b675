"""The active projects per park, stage and status colour (ParkStatusCount, kept by PostgreSQL
triggers, migration 0022) and the dashboard's stage × colour grid they answer
(projects.selectors.stage_status_counts): stored == counted after every kind of write (create,
bulk insert, save, stage and status change, move, archive, unarchive, set-based update, delete,
rollback, TRUNCATE); the selector is the count of the scope on both backends; the page shows a
write at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from parks.models import Park
from projects import services
from projects.models import ParkStatusCount, Project, Stage, Status
from projects.selectors import projects_visible_to, scope_park_ids, stage_status_counts
from tests import factories
from tests.conftest import require_postgres

pytestmark = [pytest.mark.django_db]


def stored() -> dict[tuple[int, str, str], int]:
    rows = ParkStatusCount.objects.values_list("park_id", "stage", "status").annotate(s=Sum("n")).order_by()
    return {(park, stage, status): n for park, stage, status, n in rows if n}


def counted() -> dict[tuple[int, str, str], int]:
    rows = Project.objects.active().values_list("park_id", "stage", "status").annotate(s=Count("id")).order_by()
    return {(park, stage, status): n for park, stage, status, n in rows}


@pytest.fixture
def postgres():
    require_postgres()
    assert connection.vendor == "postgresql", "the counts are kept by PostgreSQL triggers"


def test_every_kind_of_write_keeps_the_counts_exact(postgres, city, commission_user):
    a, sub, b = city.park_a, city.park_a_sub, city.park_b
    one = factories.ProjectFactory(park=a, industry=city.bio, stage=Stage.PLANNING)
    two = factories.ProjectFactory(park=sub, industry=city.bio, stage=Stage.SIGNED)
    assert stored() == counted() and sum(counted().values()) == 2

    def unsaved(name, archived_at=None):
        fields = {"owner": "x", "level": "municipal", "year": 2026, "total_investment": Decimal("1.00")}
        return Project(name=name, park=b, industry=city.ei, archived_at=archived_at, **fields)

    Project.objects.bulk_create([unsaved(f"批量{i}") for i in range(25)] + [unsaved("已归档", timezone.now())])
    assert stored() == counted() and sum(counted().values()) == 27

    one.stage = Stage.UNDER_CONSTRUCTION  # a stage change (save)
    one.save()
    assert stored() == counted()
    Project.objects.filter(pk=two.pk).update(status=Status.RED)  # the nightly jobs' status update
    assert stored() == counted() and counted()[(sub.pk, Stage.SIGNED, Status.RED)] == 1
    Project.objects.filter(park=b).update(status=Status.YELLOW, stage=Stage.SIGNED)  # set-based, archived too
    assert stored() == counted() and counted()[(b.pk, Stage.SIGNED, Status.YELLOW)] == 25
    Project.objects.filter(park=b).update(status=Status.YELLOW)  # no change: nothing added
    assert stored() == counted()

    moved = Project.objects.filter(park=b).first()
    moved.park = sub  # a move (save)
    moved.save()
    assert stored() == counted()
    services.project_archive(user=commission_user, project=one)
    assert stored() == counted() and not any(k[0] == a.pk for k in stored())
    one.archived_at = None  # unarchived
    one.save()
    assert stored() == counted() and (a.pk, Stage.UNDER_CONSTRUCTION, one.status) in stored()

    Project.objects.filter(park=b).update(archived_at=timezone.now())
    assert stored() == counted()
    Project.objects.filter(park=b).delete()  # archived ones: no change
    Project.objects.filter(park=sub).delete()
    assert stored() == counted() == {(a.pk, Stage.UNDER_CONSTRUCTION, one.status): 1}


def test_a_rolled_back_write_leaves_the_counts_as_they_were(postgres, city):
    p = factories.ProjectFactory(park=city.park_b, industry=city.ei)
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.ProjectFactory(park=city.park_a, industry=city.ei)
        Project.objects.filter(pk=p.pk).update(status=Status.RED, stage=Stage.COMPLETED)
        assert stored() == counted() != before
        raise RuntimeError
    assert stored() == counted() == before


@pytest.mark.django_db(transaction=True)
def test_compaction_keeps_every_sum_even_with_a_change_in_flight(postgres, city, commission_user):
    from tests.projects.test_park_counts import _connect

    projects = factories.ProjectFactory.create_batch(4, park=city.park_a, industry=city.bio)
    factories.ProjectFactory.create_batch(3, park=city.park_b, industry=city.ei)
    for project in projects[:2]:
        services.project_archive(user=commission_user, project=project)
    Project.objects.filter(park=city.park_b).update(status=Status.RED)
    assert ParkStatusCount.objects.count() > len(counted())
    in_flight = _connect()
    try:
        in_flight.execute("UPDATE projects_project SET park_id = %s WHERE id = %s", [city.park_b.pk, projects[3].pk])
        assert services.compact_park_counts() == 2  # the nightly job compacts both tables
        assert ParkStatusCount.objects.count() == len(counted()) == 2  # the uncommitted change not seen
        in_flight.commit()
    finally:
        in_flight.close()
    assert stored() == counted() and sum(counted().values()) == 5


def test_truncate_empties_the_counts(postgres, city):
    factories.ProjectFactory(park=city.park_b, industry=city.ei)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("TRUNCATE projects_project CASCADE")
    assert stored() == counted() == {}


def test_the_selector_is_the_count_of_the_scope(city, commission_user, viewer_user, park_a_admin, park_b_admin):
    """Both backends: the stored rows (PostgreSQL) or the GROUP BY (SQLite) give the count of
    projects_visible_to narrowed to a park, per (stage, status)."""
    factories.ProjectFactory.create_batch(3, park=city.park_a, industry=city.bio, stage=Stage.SIGNED)
    factories.ProjectFactory.create_batch(2, park=city.park_a_sub, industry=city.bio, status=Status.RED)
    factories.ProjectFactory.create_batch(4, park=city.park_b, industry=city.ei, stage=Stage.COMPLETED)
    factories.ProjectFactory(park=city.park_b, industry=city.ei, archived_at=timezone.now())
    Project.objects.filter(park=city.park_b).update(status=Status.YELLOW)
    for user in (commission_user, viewer_user, park_a_admin, park_b_admin):
        for park in (None, city.park_a, city.park_a_sub, city.park_b):
            scope = projects_visible_to(user)
            if park is not None:
                scope = scope.filter(park_id__in=Park.objects.descendant_ids([park.pk]))
            rows = scope.values_list("stage", "status").annotate(n=Count("id")).order_by()
            assert stage_status_counts(scope_park_ids(user, park)) == {(s, c): n for s, c, n in rows}, (user, park)
    assert stage_status_counts(set()) == {}


def test_the_dashboard_grid_shows_a_write_at_once(client, commission_user, city):
    client.force_login(commission_user)
    client_commission = client
    p = factories.ProjectFactory(park=city.park_a, industry=city.bio, stage=Stage.SIGNED)
    Project.objects.filter(pk=p.pk).update(status=Status.ON_TRACK)

    def grid(page):
        return {r["stage"]: r["cells"] for r in page.context["stage_rows"] if r["total"]}

    signed = dict(Stage.choices)[Stage.SIGNED]
    first = client_commission.get("/")
    assert first.context["project_total"] == 1 and sum(grid(first)[signed]) == 1
    Project.objects.filter(pk=p.pk).update(status=Status.RED, stage=Stage.COMPLETED)
    page = client_commission.get("/")
    completed = dict(Stage.choices)[Stage.COMPLETED]
    assert signed not in grid(page) and sum(grid(page)[completed]) == 1
    assert {t["code"]: t["n"] for t in page.context["status_totals"]}[Status.RED] == 1
    factories.ProjectFactory(park=city.park_b, industry=city.ei)
    assert client_commission.get("/").context["project_total"] == 2

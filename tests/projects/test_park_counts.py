"""Per-park counts of active projects (ParkProjectCount: rows of changes added by PostgreSQL
triggers, summed per park), and the unfiltered API list total they answer: exact after every kind
of write, rolled back with the transaction that made them, scoped like `projects_visible_to`;
writers never wait for each other; the nightly compaction keeps every sum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from projects import services
from projects.models import ParkProjectCount, Project, Stage
from projects.reporting import EXPECTED_STAGES, expected_q
from projects.selectors import projects_visible_to, visible_project_count
from tests import factories
from tests.api.conftest import token_client
from tests.conftest import require_postgres

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres()
    assert connection.vendor == "postgresql", "the counts are kept by PostgreSQL triggers"


def counts() -> dict[int, int]:
    rows = ParkProjectCount.objects.values("park_id").annotate(n=Sum("active")).order_by()
    return {r["park_id"]: r["n"] for r in rows if r["n"]}


def actual() -> dict[int, int]:
    rows = Project.objects.active().values("park_id").annotate(n=Count("id")).order_by()
    return {r["park_id"]: r["n"] for r in rows}


def expected_counts() -> dict[int, int]:
    rows = ParkProjectCount.objects.values("park_id").annotate(n=Sum("expected")).order_by()
    return {r["park_id"]: r["n"] for r in rows if r["n"]}


def expected_actual() -> dict[int, int]:
    rows = Project.objects.active().filter(expected_q()).values("park_id").annotate(n=Count("id")).order_by()
    return {r["park_id"]: r["n"] for r in rows}


def test_the_expected_counts_follow_the_stage(city, commission_user):
    """The projects expected to report (a building stage) per park: kept with every insert,
    stage change in and out of the building stages, move, archive and delete."""
    a, b = city.park_a, city.park_b
    building = factories.ProjectFactory(park=a, industry=city.bio, stage=Stage.UNDER_CONSTRUCTION)
    planning = factories.ProjectFactory(park=a, industry=city.bio, stage=Stage.PLANNING)
    factories.ProjectFactory(park=b, industry=city.ei, stage=Stage.SIGNED)
    assert expected_counts() == expected_actual() == {a.pk: 1, b.pk: 1}
    planning.stage = Stage.SIGNED  # into the building stages
    planning.save()
    assert expected_counts() == expected_actual() == {a.pk: 2, b.pk: 1}
    building.stage = Stage.IN_PRODUCTION  # out of them (投产)
    building.save()
    assert expected_counts() == expected_actual() == {a.pk: 1, b.pk: 1}
    building.stage = Stage.AT_CAPACITY  # from one not expected to another: no change
    building.save()
    assert expected_counts() == expected_actual() == {a.pk: 1, b.pk: 1}
    Project.objects.filter(park=a).update(park=b, stage=Stage.COMPLETED)  # set-based, both at once
    assert expected_counts() == expected_actual() == {b.pk: 3}
    services.project_archive(user=commission_user, project=planning)
    assert expected_counts() == expected_actual() == {b.pk: 2}
    Project.objects.filter(park=b, archived_at__isnull=True).delete()
    assert expected_counts() == expected_actual() == {}
    assert counts() == actual()


def test_the_sql_stage_function_is_the_python_rule():
    """projects_expected_stage (migration 0018) says what EXPECTED_STAGES says, for every stage."""
    with connection.cursor() as cursor:
        for stage in Stage.values:
            cursor.execute("SELECT projects_expected_stage(%s)", [stage])
            assert cursor.fetchone()[0] is (stage in EXPECTED_STAGES), stage


def test_every_kind_of_write_keeps_the_counts_exact(city, commission_user):
    a, sub, b = city.park_a, city.park_a_sub, city.park_b
    one = factories.ProjectFactory(park=a, industry=city.bio)
    factories.ProjectFactory(park=sub, industry=city.bio)
    assert counts() == actual() == {a.pk: 1, sub.pk: 1}

    # A bulk insert: one statement, one grouped upsert.
    def unsaved(name, archived_at=None):
        fields = {"owner": "x", "level": "municipal", "year": 2026, "total_investment": Decimal("1.00")}
        return Project(name=name, park=b, industry=city.ei, archived_at=archived_at, **fields)

    Project.objects.bulk_create([unsaved(f"批量{i}") for i in range(25)] + [unsaved("已归档", timezone.now())])
    assert counts() == actual() == {a.pk: 1, sub.pk: 1, b.pk: 25}

    # Archive (the service), move to another park (save), unarchive.
    services.project_archive(user=commission_user, project=one)
    assert counts() == actual() == {sub.pk: 1, b.pk: 25}
    moved = Project.objects.filter(park=b).first()
    moved.park = sub
    moved.save()
    assert counts() == actual() == {sub.pk: 2, b.pk: 24}
    one.archived_at = None
    one.save()
    assert counts() == actual() == {a.pk: 1, sub.pk: 2, b.pk: 24}

    # Set-based updates and deletes, archived rows included.
    Project.objects.filter(pk__in=list(Project.objects.filter(park=b).values_list("pk", flat=True)[:10])).update(park=a)
    assert counts() == actual() == {a.pk: 11, sub.pk: 2, b.pk: 14}
    Project.objects.filter(park=b).update(archived_at=timezone.now())
    assert counts() == actual() == {a.pk: 11, sub.pk: 2}
    Project.objects.filter(park=a, archived_at__isnull=True).exclude(pk=one.pk).delete()
    Project.objects.filter(park=b).delete()  # archived ones: no change
    assert counts() == actual() == {a.pk: 1, sub.pk: 2}

    # The nightly status update does not touch park or archive: counts unchanged.
    Project.objects.update(status="red")
    assert counts() == actual()


def test_a_rolled_back_write_leaves_the_counts_as_they_were(city):
    factories.ProjectFactory(park=city.park_b, industry=city.ei)
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.ProjectFactory(park=city.park_b, industry=city.ei)
        factories.ProjectFactory(park=city.park_a, industry=city.ei)
        assert counts() == {city.park_b.pk: 2, city.park_a.pk: 1}
        raise RuntimeError
    assert counts() == actual() == {city.park_b.pk: 1}


def test_truncate_empties_the_counts(city):
    factories.ProjectFactory(park=city.park_b, industry=city.ei)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("TRUNCATE projects_project CASCADE")
    assert counts() == actual() == {}


def test_visible_count_is_the_scoped_count(city, commission_user, viewer_user, park_a_admin, park_b_admin):
    factories.ProjectFactory.create_batch(3, park=city.park_a, industry=city.bio)
    factories.ProjectFactory.create_batch(2, park=city.park_a_sub, industry=city.bio)
    factories.ProjectFactory.create_batch(4, park=city.park_b, industry=city.ei)
    expected = {"commission": 9, "viewer": 9, "admin_a": 5, "admin_b": 4}
    users = {"commission": commission_user, "viewer": viewer_user, "admin_a": park_a_admin, "admin_b": park_b_admin}
    for name, user in users.items():
        assert visible_project_count(user) == projects_visible_to(user).count() == expected[name], name
        response = token_client(user).get("/api/v1/projects/?page_size=2&ordering=-id")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == expected[name], name
        assert len(body["results"]) == 2
        # A filter counts the filtered rows (COUNT), not the park totals.
        filtered = token_client(user).get("/api/v1/projects/?park=LQ").json()
        assert filtered["count"] == (0 if name == "admin_a" else 4), name
    assert visible_project_count(AnonymousUser()) == projects_visible_to(AnonymousUser()).count() == 0


def _connect():
    import psycopg

    s = connection.settings_dict
    conn = psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"] or None, host=s["HOST"], port=s["PORT"] or 5432
    )
    conn.execute("SET lock_timeout = '3s'")
    return conn


@pytest.mark.django_db(transaction=True)
def test_writers_in_the_same_parks_never_wait_for_each_other(city):
    """Two transactions archiving projects in parks A and B in opposite orders: with one count row
    per park the second statement would wait for the other transaction (and the fourth deadlock);
    with rows of changes none waits (lock_timeout would fail the test)."""
    a1, a2 = factories.ProjectFactory.create_batch(2, park=city.park_a, industry=city.bio)
    b1, b2 = factories.ProjectFactory.create_batch(2, park=city.park_b, industry=city.ei)
    archive = "UPDATE projects_project SET archived_at = now() WHERE id = %s"
    one, two = _connect(), _connect()
    try:
        one.execute(archive, [a1.pk])
        two.execute(archive, [b2.pk])
        one.execute(archive, [b1.pk])
        two.execute(archive, [a2.pk])
        one.execute(
            "INSERT INTO projects_project (name, owner, park_id, industry_id, level, year, stage, phase,"
            " total_investment, construction_content, leader, contact_person, contact_phone, is_special_bond,"
            " status, investment_status, version, created_at, updated_at)"
            " SELECT '并发新增', 'x', %s, %s, 'municipal', 2026, 'planning', '', 1, '', '', '', '', false,"
            " 'green', 'none', 1, now(), now()",
            [city.park_b.pk, city.ei.pk],
        )
        one.commit()
        two.commit()
    finally:
        one.close()
        two.close()
    assert counts() == actual() == {city.park_b.pk: 1}


@pytest.mark.django_db(transaction=True)
def test_compaction_keeps_every_sum_even_with_a_change_in_flight(city, commission_user):
    from projects.services import compact_park_counts
    from projects.tasks import compact_park_counts as compact_task

    projects = factories.ProjectFactory.create_batch(4, park=city.park_a, industry=city.bio)
    factories.ProjectFactory.create_batch(3, park=city.park_b, industry=city.ei)
    for project in projects[:2]:
        services.project_archive(user=commission_user, project=project)
    assert ParkProjectCount.objects.count() > 2
    in_flight = _connect()
    try:
        in_flight.execute("UPDATE projects_project SET park_id = %s WHERE id = %s", [city.park_b.pk, projects[3].pk])
        assert compact_park_counts() == 2  # one row per park, the uncommitted change not seen
        assert ParkProjectCount.objects.count() == 2
        in_flight.commit()
    finally:
        in_flight.close()
    assert counts() == actual() == {city.park_a.pk: 1, city.park_b.pk: 4}
    assert compact_task.delay().get(timeout=10) == 2  # the beat task runs the same compaction
    assert counts() == actual() and ParkProjectCount.objects.count() == 2
    assert expected_counts() == expected_actual()


@pytest.mark.django_db
def test_compaction_is_scheduled_nightly():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("crontab").get(task="projects.compact_park_counts")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("3", "10")

"""The migrations apply on PostgreSQL: every migration is recorded as applied and the
constraints and partial index they declare exist in the catalog."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.conftest import require_postgres


@pytest.mark.django_db
def test_migrations_apply_on_postgresql():
    require_postgres()
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    assert executor.migration_plan(targets) == []  # nothing left to apply
    for app in ("parks", "projects", "scheduling"):
        assert (app, "0001_initial") in executor.loader.applied_migrations
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'c'")
        checks = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 'milestone_open_planned'")
        index = cursor.fetchall()
    assert {
        "project_total_investment_non_negative",
        "report_amount_non_negative",
        "report_period_first_of_month",
        "annual_plan_non_negative",
        "milestone_other_has_name",
        "park_admin_has_park",
    } <= checks
    assert len(index) == 1 and "WHERE (actual_date IS NULL)" in index[0][1]


@pytest.mark.django_db
def test_the_data_migrations_remove_stored_control_characters(city):
    """The three data migrations (parks, projects, scheduling) run on rows stored before the
    text rule: control characters removed, a one-line field's line breaks become spaces, a
    multi-line field keeps them; clean rows are untouched."""
    import datetime as dt
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps

    from parks.models import Park
    from projects.models import InvestmentReport, Project
    from scheduling.models import Milestone
    from tests import factories

    bad = factories.ProjectFactory(park=city.park_a, industry=city.bio)
    clean = factories.ProjectFactory(park=city.park_a, industry=city.bio, name="干净\u00a0项目", leader="李主任")
    report = factories.ReportFactory(project=bad, period=dt.date(2026, 3, 1))
    milestone = factories.MilestoneFactory(project=bad, kind="other", name="节点")
    Project.objects.filter(pk=bad.pk).update(
        name="L\u001bX\u0007", leader="a\nb\tc", construction_content="一\n二\t三\u000c四\u007f"
    )
    InvestmentReport.objects.filter(pk=report.pk).update(progress="进度\r\n\u0001完成", problems="\u0085问题")
    Milestone.objects.filter(pk=milestone.pk).update(name="节\u001f点")
    Park.objects.filter(pk=city.park_b.pk).update(name="鹿泉\u0008园区")

    executor = MigrationExecutor(connection)
    migrations = [
        ("parks", "0005_clean_control_characters"),
        ("projects", "0009_clean_control_characters"),
        ("scheduling", "0007_clean_control_characters"),
    ]
    for app, name in migrations:
        assert (app, name) in executor.loader.applied_migrations
        import_module(f"{app}.migrations.{name}").clean_control_characters(apps, SimpleNamespace(connection=connection))

    bad.refresh_from_db()
    assert (bad.name, bad.leader, bad.construction_content) == ("LX", "a b c", "一\n二\t三四")
    report.refresh_from_db()
    assert (report.progress, report.problems) == ("进度\r\n完成", "问题")
    assert Milestone.objects.get(pk=milestone.pk).name == "节点"
    assert Park.objects.get(pk=city.park_b.pk).name == "鹿泉园区"
    clean.refresh_from_db()
    assert (clean.name, clean.leader) == ("干净\u00a0项目", "李主任")

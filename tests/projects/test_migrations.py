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

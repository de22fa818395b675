"""Reads on a real streaming replica, writes on the primary, read-your-own-writes, and a
stopped replica costing no page (issue #16, "Read replica"; common/db_router.py).

Marker `replica`: run by .ci/run's "read replica check" step against the cluster that
scripts/replica.sh starts (see conftest.py); deselected everywhere else."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest
from django.core.signals import request_started
from django.db import connections, reset_queries
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from common import db_router
from scheduling.models import SchedulingSettings
from tests import factories
from tests.replica.conftest import wait_caught_up

pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def project(city):
    SchedulingSettings.load()  # the thresholds row exists, as it does after the first request
    return factories.ProjectFactory(name="副本读取项目", park=city.park_a, industry=city.bio_drug, phase="一期")


class _Capture(CaptureQueriesContext):
    """CaptureQueriesContext that does not connect on entry (the replica may be down)."""

    def __enter__(self):
        self.force_debug_cursor = self.connection.force_debug_cursor
        self.connection.force_debug_cursor = True
        self.initial_queries = len(self.connection.queries_log)
        self.final_queries = None
        request_started.disconnect(reset_queries)
        return self


def _get(client, url, **kwargs):
    """GET, with the number of statements each connection ran. On the primary, one statement
    is expected even for a replica read: SchedulingSettings.load() (the thresholds) is a
    get_or_create, a read with a write intent, which Django sends to the primary; it is left
    out of the primary's count so that 0 means "every other read went to the replica"."""
    with _Capture(connections["default"]) as on_primary, _Capture(connections["replica"]) as on_replica:
        response = client.get(url, **kwargs)
    primary = [q["sql"] for q in on_primary.captured_queries if '"scheduling_schedulingsettings"' not in q["sql"]]
    _get.primary_sql = primary
    return response, len(primary), len(on_replica)


def test_list_page_reads_go_to_the_replica(replica, project, commission_user):
    client = _client(commission_user)
    wait_caught_up()  # the login's session row
    response, primary, on_replica = _get(client, "/projects/")
    assert response.status_code == 200
    assert "副本读取项目" in response.content.decode()
    assert db_router.last_read_alias == "replica"
    assert on_replica > 0
    assert primary == 0, _get.primary_sql
    # The connection the router used really is the streaming replica (port 5433, in recovery).
    with replica.connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        assert cursor.fetchone() == (True, int(replica.settings_dict["PORT"]))


def test_write_then_read_by_the_same_user_is_pinned_to_the_primary(replica, project, park_a_admin, commission_user):
    writer = _client(park_a_admin)
    reader = _client(commission_user)
    wait_caught_up()
    changed = writer.patch(f"{API}projects/{project.pk}/", {"phase": "二期"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.cookies[db_router.PIN_COOKIE]["max-age"] == 5
    # The writer's next read, immediately: the primary, and the new value.
    response, primary, on_replica = _get(writer, f"{API}projects/{project.pk}/")
    assert response.status_code == 200
    assert response.json()["phase"] == "二期"
    assert on_replica == 0 and primary > 0
    # Another user, once the replica has replayed the write: the replica, and the new value too.
    wait_caught_up()
    response, primary, on_replica = _get(reader, f"{API}projects/{project.pk}/")
    assert response.status_code == 200
    assert response.json()["phase"] == "二期"
    assert on_replica > 0 and primary == 0, _get.primary_sql


def test_pin_expires_and_a_hostile_pin_cookie_pins_nothing(replica, project, commission_user, settings):
    client = _client(commission_user)
    wait_caught_up()
    client.cookies[db_router.PIN_COOKIE] = "1"  # long past
    assert _get(client, "/projects/")[2] > 0
    for hostile in ("nan", "inf", "' OR 1=1 --", "9" * 400, "99999999999"):
        client.cookies[db_router.PIN_COOKIE] = hostile
        response, _, on_replica = _get(client, "/projects/")
        assert response.status_code == 200
        assert (on_replica == 0) == (hostile == "99999999999"), hostile  # a far future pin: primary


def test_reads_inside_a_transaction_go_to_the_primary(replica, project):
    from django.db import transaction

    from projects.models import Project

    token = db_router._replica_reads.set(db_router._RequestReads())
    try:
        assert Project.objects.db == "replica"
        with transaction.atomic():
            assert Project.objects.db == "default"
        assert Project.objects.db == "replica"
    finally:
        db_router._replica_reads.reset(token)
    # Outside a request (jobs, commands): the primary.
    assert Project.objects.db == "default"


def _replica_sh(*args):
    subprocess.run(["bash", str(ROOT / "scripts" / "replica.sh"), *args], check=True, cwd=ROOT, timeout=120)


def test_replica_stopped_pages_keep_working(replica, project, commission_user, caplog):
    client = _client(commission_user)
    wait_caught_up()
    assert _get(client, "/projects/")[2] > 0  # on the replica while it is up
    _replica_sh("stop")
    try:
        with caplog.at_level(logging.WARNING, logger="common.db_router"):
            for url in ("/projects/", "/", "/board/", f"{API}projects/"):
                response, primary, on_replica = _get(client, url)
                assert response.status_code == 200, url
                assert on_replica == 0 and primary > 0, url
        assert "副本读取项目" in client.get("/projects/").content.decode()
        skipped = [r.getMessage() for r in caplog.records if "read replica skipped" in r.getMessage()]
        assert skipped and "down" in skipped[0], caplog.text
        assert db_router.last_read_alias == "default"
    finally:
        _replica_sh("start")
    # Back: after the retry interval the replica is used again.
    connections["replica"].close()
    db_router.reset_health()
    wait_caught_up()
    assert _get(client, "/projects/")[2] > 0


def test_lagging_replica_is_skipped(replica, project, commission_user, settings, caplog):
    client = _client(commission_user)
    wait_caught_up()
    settings.REPLICA_MAX_LAG_SECONDS = -1  # any lag, even 0, is past the limit
    db_router.reset_health()
    with caplog.at_level(logging.WARNING, logger="common.db_router"):
        response, primary, on_replica = _get(client, "/projects/")
    assert response.status_code == 200
    assert on_replica == 0 and primary > 0
    assert "lagging" in caplog.text


def test_replica_lost_in_the_middle_of_a_request_is_served_from_the_primary(replica, project, commission_user, caplog):
    """The replica's connection is cut between two reads of one page (as when the replica is
    stopped under load): the page is served again from the primary, 200, not a 500."""
    import psycopg

    client = _client(commission_user)
    # Django logs the first attempt's error (and the test client would re-raise it); what the
    # client receives is the response.
    client.raise_request_exception = False
    wait_caught_up()
    assert _get(client, "/projects/")[2] > 0  # the list reads on the replica
    seen = []

    def cut_after_first(execute, sql, params, many, context):
        seen.append(sql)
        if len(seen) == 2:
            pid = connections["replica"].connection.info.backend_pid
            with psycopg.connect(
                host="127.0.0.1",
                port=connections["replica"].settings_dict["PORT"],
                user="postgres",
                dbname="postgres",
                autocommit=True,
            ) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    with (
        caplog.at_level(logging.WARNING, logger="common.db_router"),
        connections["replica"].execute_wrapper(cut_after_first),
    ):
        response = client.get("/projects/")
    assert response.status_code == 200
    assert "副本读取项目" in response.content.decode()
    assert len(seen) >= 2  # the cut happened on the replica, inside this request
    assert "served again from the primary" in caplog.text
    assert db_router.last_read_alias == "default"


def test_weekly_report_data_is_read_on_the_replica_and_stored_on_the_primary(replica, project, settings, tmp_path):
    """The weekly job reads its data (read-only) on the replica and writes the report on the
    primary; the report holds the project the replica had replayed."""
    import datetime as dt

    from reports.models import WeeklyReport
    from reports.selectors import week_of
    from reports.services import weekly_report_generate

    settings.MEDIA_ROOT = str(tmp_path)
    today = dt.date(2026, 12, 7)
    week = week_of(today)
    wait_caught_up()
    with _Capture(connections["default"]) as on_primary, _Capture(connections["replica"]) as on_replica:
        report, created = weekly_report_generate(week=week, as_of=today, force=True)
    assert created
    assert len(on_replica) > 0  # the data's reads
    writes = [q["sql"] for q in on_primary.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert any('"reports_weeklyreport"' in sql for sql in writes)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE")) for q in on_replica.captured_queries)
    assert WeeklyReport.objects.using("default").filter(pk=report.pk).exists()


def test_a_page_cache_miss_while_the_replica_is_behind_is_computed_on_the_primary(
    replica, project, commission_user, city, settings
):
    """The dashboard's figures are stored under the data version read before they are computed
    (common.dataversion.cached). With the replica's replay paused after a write (a replica a
    moment behind, within the lag limit), the miss is computed on the primary: the figures show
    the write, while the same request's other reads and a list page still read the replica,
    which does not have it yet."""
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    client = _client(commission_user)
    wait_caught_up()
    assert client.get("/").context["project_total"] == 1
    with connections["replica"].connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        factories.ProjectFactory(name="副本未到的项目", park=city.park_a, industry=city.bio_drug, phase="一期")
        db_router.reset_health()
        response, _primary, on_replica = _get(client, "/")
        assert response.status_code == 200 and on_replica > 0  # the session and the user, on the replica
        assert response.context["project_total"] == 2  # the figures, on the primary
        assert client.get("/").context["project_total"] == 2  # and stored: the next request's hit
        listing = client.get("/projects/?q=副本未到")
        assert listing.status_code == 200 and "副本未到的项目" not in listing.content.decode()  # the replica is behind
    finally:
        with connections["replica"].connection.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    wait_caught_up()
    assert "副本未到的项目" in client.get("/projects/?q=副本未到").content.decode()

"""The read-replica check (issue #16): a real PostgreSQL streaming replica that
scripts/replica.sh starts on this machine (port 5433). The `replica` tests run only under
REPLICA_CHECK=1 (and then nothing else does), the way .ci/run's "read replica check" step runs
them; with DATABASE_URL and DATABASE_REPLICA_URL pointing at the primary and the replica:

    bash scripts/replica.sh
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/keyproj_replica \\
    DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/keyproj_replica \\
    REPLICA_CHECK=1 CI=true .venv/bin/pytest -m replica tests/replica -p no:cacheprovider

Under CI=true a missing replica fails, never skips."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.db import connections

from common import db_router
from tests.conftest import CI

REPLICA_CHECK = os.environ.get("REPLICA_CHECK", "") == "1"


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        (keep if (item.get_closest_marker("replica") is not None) == REPLICA_CHECK else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    if REPLICA_CHECK and keep and "replica" not in settings.DATABASES:
        # The tests name the `replica` alias; without DATABASE_REPLICA_URL it does not exist.
        reason = (
            "REPLICA_CHECK=1 needs DATABASE_REPLICA_URL=postgres://… (bash scripts/replica.sh starts one on port 5433)"
        )
        if CI:
            pytest.exit(reason, returncode=3)
        for item in keep:
            item.add_marker(pytest.mark.skip(reason=reason))


def _missing(reason: str):
    if CI:
        pytest.fail(f"the replica check needs a streaming replica: {reason} (run: bash scripts/replica.sh)")
    pytest.skip(f"needs a streaming replica: {reason} (bash scripts/replica.sh)")


def replica_lsn_reached(lsn: str) -> bool:
    with connections["replica"].connection.cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
        return bool(cursor.fetchone()[0])


def wait_caught_up(timeout: float = 15.0) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    connections["replica"].ensure_connection()
    deadline = time.monotonic() + timeout
    while not replica_lsn_reached(lsn):
        if time.monotonic() > deadline:
            pytest.fail(f"the replica did not replay up to {lsn} in {timeout:g} s")
        time.sleep(0.05)


@pytest.fixture
def replica(transactional_db):
    """The replica is configured, up, in recovery, and has replayed the test's setup so far."""
    if "replica" not in settings.DATABASES:
        _missing("DATABASE_REPLICA_URL is not set")
    conn = connections["replica"]
    deadline = time.monotonic() + 30
    while True:
        try:
            conn.ensure_connection()
            break
        except Exception as exc:  # the test database reaches the replica through the WAL
            conn.close()
            if time.monotonic() > deadline:
                _missing(
                    f"cannot connect to {settings.DATABASES['replica']['HOST']}:{settings.DATABASES['replica']['PORT']} ({exc})"
                )
            time.sleep(0.2)
    with conn.connection.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')")
        in_recovery, port = cursor.fetchone()
    if not in_recovery:
        pytest.fail(f"DATABASE_REPLICA_URL points at a server that is not in recovery (port {port}): not a replica")
    wait_caught_up()
    db_router.reset_health()
    yield conn
    db_router.reset_health()

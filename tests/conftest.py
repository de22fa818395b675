"""Shared fixtures: the personas (commission_user, park_a_admin, park_b_admin, a viewer,
anonymous) and a small two-park city.

Under CI=true the suite must run against PostgreSQL and Redis: a missing service is a failure,
never a skip."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings

from tests import factories

CI = os.environ.get("CI", "").lower() == "true"

# `browser` and `page`: one Playwright for the whole session, shared by tests/e2e and tests/api.
pytest_plugins = ["tests.browser"]


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=3):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    if not CI:
        return
    db = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    problems = []
    if not db.startswith(("postgres://", "postgresql://")):
        problems.append("CI=true needs DATABASE_URL=postgres://…")
    elif not _reachable(db, 5432):
        problems.append(f"PostgreSQL is not reachable at {db}")
    if not broker.startswith("redis://"):
        problems.append("CI=true needs CELERY_BROKER_URL=redis://…")
    elif not _reachable(broker, 6379):
        problems.append(f"Redis is not reachable at {broker}")
    if problems:
        pytest.exit("; ".join(problems), returncode=3)


def require_postgres():
    """For tests that only mean something on PostgreSQL: skip on a newcomer's SQLite run, fail
    under CI (where the session start already guaranteed PostgreSQL)."""
    if not settings.IS_POSTGRES:
        if CI:
            pytest.fail("this test needs PostgreSQL")
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


def require_redis() -> str:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://") or not _reachable(broker, 6379):
        if CI:
            pytest.fail("this test needs Redis")
        pytest.skip("needs Redis (set CELERY_BROKER_URL=redis://…)")
    return broker


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Chinese): a request in English leaves English
    active in the thread (LocaleMiddleware activates, nothing deactivates), which would leak into
    the next test's code outside a request."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def city(db):
    """Two parks (A with a sub-park), industries in a two-level tree."""
    return factories.make_city()


@pytest.fixture
def park_a(city):
    return city.park_a


@pytest.fixture
def park_a_sub(city):
    return city.park_a_sub


@pytest.fixture
def park_b(city):
    return city.park_b


@pytest.fixture
def commission_user(city):
    return factories.UserFactory(username="commission", role="commission")


@pytest.fixture
def viewer_user(city):
    return factories.UserFactory(username="viewer", role="viewer")


@pytest.fixture
def park_a_admin(city):
    return factories.UserFactory(username="admin_a", role="park_admin", park=city.park_a)


@pytest.fixture
def park_b_admin(city):
    return factories.UserFactory(username="admin_b", role="park_admin", park=city.park_b)


@pytest.fixture
def anonymous(client):
    return client

"""Sessions read through the shared Redis cache (parks/sessions.py, picked by the settings when the
page cache is Redis): a signed-in page does not read the session table, a logout ends the session
for every process at once, and a Redis outage costs no page."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from parks.models import Role, User
from tests.conftest import require_redis

pytestmark = pytest.mark.django_db


def _sessions_on(url: str, **options) -> dict:
    return {
        "CACHES": {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
            "sessions": {
                "BACKEND": "common.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"t-session-{uuid.uuid4().hex[:8]}",
                "OPTIONS": options,
            },
        },
        "SESSION_ENGINE": "parks.sessions",
        "SESSION_CACHE_ALIAS": "sessions",
    }


def _session_reads(queries) -> int:
    return sum('FROM "django_session"' in q["sql"] for q in queries)


def test_the_settings_pick_the_cached_store_on_redis(settings):
    if not settings.PAGES_CACHE_URL.startswith("redis://"):
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
        assert "sessions" not in settings.CACHES
    else:
        assert settings.SESSION_ENGINE == "parks.sessions" and settings.SESSION_CACHE_ALIAS == "sessions"
        assert settings.CACHES["sessions"]["LOCATION"] == settings.PAGES_CACHE_URL


def test_a_page_reads_the_session_from_redis_and_a_logout_ends_it_everywhere():
    broker = require_redis()
    user = User.objects.create_user("clerk_s", password="x-Secret-123", role=Role.COMMISSION)
    with override_settings(**_sessions_on(broker)):
        office = Client()
        office.force_login(user)
        assert office.get("/").status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert office.get("/").status_code == 200
        assert _session_reads(queries.captured_queries) == 0
        # The same cookie in another browser (another process would read the same Redis).
        other = Client()
        other.cookies["sessionid"] = office.cookies["sessionid"].value
        assert other.get("/").status_code == 200
        assert office.post("/accounts/logout/").status_code in (200, 302)
        response = other.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_pages_keep_working_while_redis_is_away(caplog):
    require_redis()
    user = User.objects.create_user("clerk_t", password="x-Secret-123", role=Role.COMMISSION)
    office = Client()
    office.force_login(user)  # stored in the database (and a cache nobody reads below)
    away = _sessions_on("redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    with override_settings(**away), caplog.at_level("WARNING", logger="parks.sessions"):
        with CaptureQueriesContext(connection) as queries:
            assert office.get("/").status_code == 200
        assert _session_reads(queries.captured_queries) == 1
        assert "session cache unavailable" in caplog.text


def test_a_logout_whose_cache_delete_fails_leaves_the_session_whole(monkeypatch):
    """Never a session gone from the database but alive in the cache: the cached copy goes first,
    so a Redis failure there fails the logout and the session stays valid everywhere."""
    broker = require_redis()
    user = User.objects.create_user("clerk_u", password="x-Secret-123", role=Role.COMMISSION)
    with override_settings(**_sessions_on(broker)):
        from django.contrib.sessions.models import Session
        from django.core.cache import caches

        office = Client(raise_request_exception=True)
        office.force_login(user)
        assert office.get("/").status_code == 200  # cached now
        cache = caches["sessions"]

        def down(*args, **kwargs):
            raise ConnectionError("redis away")

        monkeypatch.setattr(cache, "delete", down)
        with pytest.raises(ConnectionError):
            office.post("/accounts/logout/")
        monkeypatch.undo()
        key = office.cookies["sessionid"].value
        assert Session.objects.filter(session_key=key).exists()
        assert office.get("/").status_code == 200  # still signed in: nothing half-done
        assert office.post("/accounts/logout/").status_code in (200, 302)
        assert not Session.objects.filter(session_key=key).exists()
        other = Client()
        other.cookies["sessionid"] = key
        assert other.get("/").status_code == 302

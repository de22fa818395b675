"""API throttle counters shared across processes, in Redis, failing open (common/api/throttling.py).

- Two gunicorn processes on one Redis and a 5/min user rate: requests alternating between them,
  exactly 5 are served and the rest get 429: one counter, not one per process.
- Redis stopped: every request is served (unthrottled), quickly, with one warning in the log;
  Redis back: the same processes throttle again, without a restart.
- Redis hanging (accepts, never answers): a request waits at most one socket timeout, and the
  next ones do not wait at all for a few seconds.
- Without Redis (LocMem, `make run`): DRF's own per-process algorithm, same limits.

Real Redis throughout: a private redis-server for the gunicorn tests, the shared one (the
broker's server, CELERY_BROKER_URL) for the in-process ones."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid

import pytest
import requests
from django.core.cache import caches
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api import throttling
from tests import factories
from tests.conftest import require_postgres, require_redis
from tests.reliability.conftest import WEB_APP_NAME, WebServer, app_env, terminate_backends

RATE = "5/min"


@pytest.fixture(autouse=True)
def _fresh_throttle_state(monkeypatch):
    """Each test starts with no remembered Redis failure."""
    monkeypatch.setattr(throttling, "_skip_until", 0.0)
    monkeypatch.setattr(throttling, "_last_warning", -throttling.WARN_EVERY)
    monkeypatch.setattr(throttling, "_script", None)


# --- Two gunicorn servers, one counter ------------------------------------------------------------


@pytest.fixture
def two_servers(private_redis, tmp_path):
    """Two gunicorn servers (separate processes, as two hosts behind a proxy would be, or two
    workers of one server) on one database, counting in one Redis."""
    require_postgres()
    env = app_env(
        broker_url=private_redis.url,
        workdir=tmp_path,
        application_name=WEB_APP_NAME,
        THROTTLE_CACHE_URL=private_redis.url.replace("/0", "/1"),
        API_THROTTLE_USER=RATE,
    )
    servers = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            servers.append(WebServer({**env, "GUNICORN_WORKERS": "1"}, tmp_path / name).start())
        yield servers
    finally:
        for server in servers:
            server.stop()
        terminate_backends(WEB_APP_NAME)


def get(server: WebServer, token: str) -> tuple[int, float, str | None]:
    started = time.monotonic()
    r = server.api(token, "GET", "/api/v1/parks/", timeout=30)
    return r.status_code, time.monotonic() - started, r.headers.get("Retry-After")


def alternate(servers, token: str, n: int) -> list[tuple[int, float, str | None]]:
    return [get(servers[i % len(servers)], token) for i in range(n)]


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_gunicorn_processes_share_one_counter_and_fail_open_without_redis(city, two_servers, private_redis):
    user = factories.UserFactory(username="throttled", role="commission")
    token = Token.objects.create(user=user).key
    for server in two_servers:  # load Django in both without spending the quota (a 401 is not counted)
        assert requests.get(f"{server.url}/api/v1/parks/", timeout=30).status_code == 401

    # Alternating between the two processes: 5 in all are served, not 5 by each.
    results = alternate(two_servers, token, 12)
    assert [code for code, _, _ in results] == [200] * 5 + [429] * 7, results
    assert all(0 < int(retry) <= 60 for code, _, retry in results if code == 429)

    # Redis stopped: served, unthrottled, quickly; one warning per process, no traceback.
    private_redis.stop()
    down = alternate(two_servers, token, 12)
    assert [code for code, _, _ in down] == [200] * 12, down
    assert max(elapsed for _, elapsed, _ in down) < 2.0, down
    for server in two_servers:
        log = server.log.read_text()
        assert log.count("API throttling is off") == 1, log[-3000:]
        assert "Traceback" not in log, log[-3000:]

    # Redis back (empty: no persistence): the same processes count again after RETRY_AFTER.
    private_redis.start()
    deadline = time.monotonic() + throttling.RETRY_AFTER + 20
    codes: list[int] = []
    while time.monotonic() < deadline and 429 not in codes:
        codes += [code for code, _, _ in alternate(two_servers, token, 4)]
        time.sleep(0.5)
    assert 429 in codes, codes
    for server in two_servers:
        assert " 500 " not in (server.log.parent / "access.log").read_text()


# --- In process, on the shared Redis --------------------------------------------------------------


class User:
    is_authenticated = True

    def __init__(self):
        self.pk = f"t{uuid.uuid4().hex}"


class FiveAMinute(throttling.SharedUserRateThrottle):
    def get_rate(self):
        return RATE


def ask(user) -> tuple[bool, float | None]:
    request = Request(APIRequestFactory().get("/api/v1/parks/"))
    request.user = user
    throttle = FiveAMinute()
    allowed = throttle.allow_request(request, None)
    return allowed, None if allowed else throttle.wait()


def redis_cache(url: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "throttle-test",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
        },
    }


def test_sliding_window_in_redis_limits_and_tells_the_wait():
    broker = require_redis()
    with override_settings(CACHES=redis_cache(broker)):
        user, other = User(), User()
        results = [ask(user) for _ in range(7)]
        assert [allowed for allowed, _ in results] == [True] * 5 + [False, False]
        assert 55 < results[-1][1] <= 60
        assert ask(other) == (True, None)  # counters are per user
        key = caches["throttle"].make_key(f"throttle_user_{user.pk}")
        client = caches["throttle"]._cache.get_client(write=True)
        assert client.zcard(key) == 5  # refused requests are not counted, as in DRF
        assert 0 < client.ttl(key) <= 60
        client.delete(key, caches["throttle"].make_key(f"throttle_user_{other.pk}"))


def test_per_request_cost_is_one_round_trip(monkeypatch):
    import redis.connection

    broker = require_redis()
    sent: list[int] = []
    original = redis.connection.Connection.send_packed_command

    def counting(self, command, *args, **kwargs):
        sent.append(1)
        return original(self, command, *args, **kwargs)

    with override_settings(CACHES=redis_cache(broker)):
        user = User()
        ask(user)  # connects and loads the script
        with monkeypatch.context() as patched:
            patched.setattr(redis.connection.Connection, "send_packed_command", counting)
            for _ in range(10):
                ask(user)
        assert len(sent) == 10  # one EVALSHA per request, nothing else
        caches["throttle"].delete(f"throttle_user_{user.pk}")


@pytest.fixture
def hanging_server():
    """A TCP server that accepts and never answers (a Redis that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def test_hanging_redis_costs_one_timeout_then_nothing(hanging_server, caplog):
    with override_settings(CACHES=redis_cache(hanging_server)), caplog.at_level(logging.WARNING):
        user = User()
        started = time.monotonic()
        assert ask(user) == (True, None)
        first = time.monotonic() - started
        started = time.monotonic()
        assert all(ask(user) == (True, None) for _ in range(50))
        rest = time.monotonic() - started
    assert first < 1.0, first
    assert rest < 0.5, rest  # RETRY_AFTER: Redis is not asked again for a few seconds
    warnings = [r for r in caplog.records if "API throttling is off" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]


def test_refused_connection_fails_open_immediately(caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{port}/0")), caplog.at_level(logging.WARNING):
        started = time.monotonic()
        assert ask(User()) == (True, None)
        assert time.monotonic() - started < 0.5
    assert any("API throttling is off" in r.getMessage() for r in caplog.records)


def test_without_redis_the_locmem_fallback_limits_per_process():
    locmem = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(CACHES={"default": locmem, "throttle": {**locmem, "LOCATION": "t"}}):
        user = User()
        assert [ask(user)[0] for _ in range(6)] == [True] * 5 + [False]


@pytest.mark.parametrize(
    ("num_proxies", "xff", "expected"),
    [
        (0, None, "198.51.100.7"),
        (0, "6.6.6.6", "198.51.100.7"),  # no proxy: a client-sent header is ignored
        (1, None, "198.51.100.7"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the entry our proxy added, not the spoofed one
        (1, "203.0.113.9", "203.0.113.9"),
    ],
)
def test_anon_rate_counts_per_real_client_address(settings, num_proxies, xff, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    headers = {"REMOTE_ADDR": "198.51.100.7"} | ({"HTTP_X_FORWARDED_FOR": xff} if xff else {})
    request = Request(APIRequestFactory().get("/api/v1/parks/", **headers))
    assert throttling.SharedAnonRateThrottle().get_ident(request) == expected


def test_settings_identify_clients_by_address_not_by_header():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "api.throttling.SharedAnonRateThrottle",
        "api.throttling.SharedUserRateThrottle",
    ]

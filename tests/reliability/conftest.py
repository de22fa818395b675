"""Helpers for the reliability tests: URLs of the test database, a fresh scratch database,
row counts per table, and a private Redis server for the fault tests (never the shared one)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import CI, require_postgres

ROOT = Path(__file__).resolve().parents[2]


def pg_url(name: str | None = None) -> str:
    """postgres:// URL of the test database (or another database on the same server)."""
    db = settings.DATABASES["default"]
    password = db.get("PASSWORD") or ""
    auth = f"{db['USER']}:{password}" if password else db["USER"]
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name or db['NAME']}"


def pg_connect(name: str | None = None):
    import psycopg

    return psycopg.connect(pg_url(name).replace("postgres://", "postgresql://", 1), autocommit=True)


def table_counts(name: str | None = None) -> dict[str, int]:
    """Row count of every table in the public schema (one query per table: a test helper over a
    few dozen tables, not application code)."""
    with pg_connect(name) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.fixture
def scratch_database():
    """A fresh, empty database on the same server, dropped afterwards."""
    require_postgres()
    name = f"{settings.DATABASES['default']['NAME']}_scratch_{uuid.uuid4().hex[:8]}"
    with pg_connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with pg_connect("postgres") as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free port (no persistence), so fault tests can stop and
    start "the broker" without touching the Redis everyone else's tests use."""

    def __init__(self, port: int, workdir: Path):
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            if CI:
                pytest.fail("redis-server is not installed")
            pytest.skip("redis-server is not installed")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"private redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(int(os.environ.get("FAULT_REDIS_PORT", "0")) or free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- Real Celery workers and servers as subprocesses ---------------------------------------------

WORKER_APP_NAME = "h6fault-worker"
WEB_APP_NAME = "h6fault-web"


def app_env(*, broker_url: str, workdir: Path, application_name: str, **extra: str) -> dict[str, str]:
    """Environment for a worker or web subprocess on the test database and the given broker.
    `application_name` tags its PostgreSQL connections so the test can find (and kill) them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.reliability.worker_settings",
        DATABASE_URL=f"{pg_url()}?application_name={application_name}",
        CELERY_BROKER_URL=broker_url,
        APP_VAR_DIR=str(workdir),
        MEDIA_ROOT=str(workdir / "media"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Worker:
    """`celery -A config worker` in its own process group (so SIGKILL takes the pool children
    too, like a machine losing the process), logging to a file the test reads."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path):
        self.name = name
        self.env = env
        self.log = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        import sys

        celery = Path(sys.executable).parent / "celery"
        self.proc = subprocess.Popen(
            [str(celery), "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{self.name}@%h"],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_for_log("ready.", timeout=60)
        return self

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def wait_for_log(self, needle: str, *, timeout: float, count: int = 1) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if text.count(needle) >= count:
                return text
            if self.proc and self.proc.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{text[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"worker {self.name}: no {needle!r} within {timeout}s:\n{self.text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): nothing is acknowledged,
        nothing cleaned up."""
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def backends(application_name: str) -> list[dict]:
    with pg_connect("postgres") as conn:
        rows = conn.execute(
            "SELECT pid, state, wait_event_type, wait_event, query FROM pg_stat_activity "
            "WHERE datname = %s AND application_name = %s",
            [settings.DATABASES["default"]["NAME"], application_name],
        ).fetchall()
    return [dict(zip(("pid", "state", "wait_event_type", "wait_event", "query"), r, strict=True)) for r in rows]


def terminate_backends(application_name: str) -> int:
    """Drop every PostgreSQL connection of the tagged processes (what a database restart or
    failover does to them)."""
    with pg_connect("postgres") as conn:
        return len(
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                [settings.DATABASES["default"]["NAME"], application_name],
            ).fetchall()
        )


def wait_for_blocked_backend(application_name: str, *, timeout: float = 60) -> dict:
    """Wait until a connection of the tagged processes waits on a lock: the job is in progress,
    inside its transaction, at the statement the test's lock holds back. Returns the backend
    with `relation` and `mode`: the table and the lock it is waiting for (from pg_locks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for row in backends(application_name):
            if row["wait_event_type"] == "Lock":
                # Relation names resolve only inside the database the lock is in: ask the test database.
                with pg_connect() as conn:
                    waiting = conn.execute(
                        "SELECT l.relation::regclass::text, l.mode FROM pg_locks l "
                        "WHERE l.pid = %s AND NOT l.granted AND l.relation IS NOT NULL",
                        [row["pid"]],
                    ).fetchone()
                if waiting is None:
                    continue
                return {**row, "relation": waiting[0], "mode": waiting[1]}
        time.sleep(0.1)
    raise AssertionError(f"no blocked backend of {application_name} within {timeout}s: {backends(application_name)}")


class TableGate:
    """Holds `LOCK TABLE … IN SHARE MODE` in its own transaction: readers pass, the first write
    to the table waits. A job stops right there, mid-transaction, until `release()`."""

    def __init__(self, *tables: str):
        import psycopg

        self.conn = psycopg.connect(pg_url().replace("postgres://", "postgresql://", 1))
        for table in tables:
            self.conn.execute(f'LOCK TABLE "{table}" IN SHARE MODE')

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


def send_task(broker_url: str, name: str, **kwargs) -> str:
    """Queue a task by name on the given broker, as beat does (a producer of our own: the test
    settings run tasks eagerly)."""
    from celery import Celery
    from kombu import Connection

    producer = Celery("fault-producer", set_as_current=False)
    # An explicit connection: a broker URL given to Celery() loses to CELERY_BROKER_URL in the
    # environment, which points at the shared Redis.
    with Connection(broker_url) as conn:
        return producer.send_task(name, kwargs=kwargs, connection=conn).id


@pytest.fixture
def worker_env(private_redis, tmp_path):
    require_postgres()
    return app_env(broker_url=private_redis.url, workdir=tmp_path, application_name=WORKER_APP_NAME)


@pytest.fixture
def workers(worker_env, tmp_path):
    """Start real workers by name; all of them are killed (and their connections dropped) at the end."""
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(name, worker_env, tmp_path).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
    terminate_backends(WORKER_APP_NAME)


class WebServer:
    """gunicorn (the production server) on 127.0.0.1 with the fault-test settings: the test
    database, persistent connections (CONN_MAX_AGE) and the given broker."""

    def __init__(self, env: dict[str, str], workdir: Path, extra_args: list[str] | None = None):
        self.port = free_port()
        self.extra_args = list(extra_args or [])
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            "GUNICORN_ACCESSLOG": str(workdir / "access.log"),
        }
        self.log = workdir / "gunicorn.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        import sys

        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-c", "gunicorn.conf.py", *self.extra_args],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log, "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(self.log.read_text(errors="replace")[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start: {self.log.read_text(errors='replace')[-3000:]}")

    def api(self, token: str, method: str, path: str, **kwargs):
        """One API request with a token, on a new connection (no keep-alive session: gunicorn
        hands each to whichever worker accepts it first, so a series reaches every worker)."""
        import requests

        kwargs.setdefault("timeout", 60)
        return requests.request(method, f"{self.url}{path}", headers={"Authorization": f"Token {token}"}, **kwargs)

    def stop(self) -> None:
        import signal

        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


# --- The PostgreSQL restart check (scripts/pg_restart_check.sh), never inside `make test` ---------

PG_RESTART = os.environ.get("PG_RESTART_CHECK", "") == "1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "pg_restart: restarts the PostgreSQL cluster; only with PG_RESTART_CHECK=1 (scripts/pg_restart_check.sh)",
    )


def pytest_collection_modifyitems(config, items):
    """`pg_restart` tests run only under PG_RESTART_CHECK=1 (and then nothing else does): a
    cluster restart would break every other test sharing the server."""
    keep, drop = [], []
    for item in items:
        (keep if (item.get_closest_marker("pg_restart") is not None) == PG_RESTART else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep

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

"""Shared bench setup: the database, the synthetic data set, timing helpers."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse


@dataclass
class Context:
    projects: int
    database_url: str


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare() -> Context:
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    from projects.models import Project

    call_command("migrate", verbosity=0)
    wanted = int(os.environ.get("BENCH_PROJECTS", "100000"))
    have = Project.objects.count()
    if have < wanted:
        call_command("load_demo", projects=wanted)
    # A production database is vacuumed and analysed by autovacuum; a freshly loaded one is
    # not, and its plans (and index-only counts) would measure the load, not the code.
    vacuum()
    # The pages read the nightly growth snapshot; make sure the bench database has one, as a
    # production database would after its first night.
    from scheduling.models import GrowthSnapshot
    from scheduling.selectors import default_period

    if not GrowthSnapshot.objects.filter(period=default_period(date.today())).exists():
        call_command("compute_industry_growth", verbosity=0)
    return Context(projects=Project.objects.count(), database_url=url)


def timed(fn, *, repeat: int = 1) -> float:
    """Median wall time of `fn()` in seconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def vacuum() -> None:
    """VACUUM (ANALYZE) of the whole bench database (PostgreSQL), as autovacuum keeps a
    production one: after the load, and before the modules that follow others rewriting many
    rows (on a server with autovacuum off, this machine's, the dead rows and the lost
    all-visible pages would weigh on every later timing). A few seconds on a clean city."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")

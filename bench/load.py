"""Load figure: gunicorn under the production settings (DEBUG off, PostgreSQL, whitenoise)
on 127.0.0.1, driven by locust headless on loopback: 50 users for 60 s mixing project lists,
project pages, the dashboard, the API list and report submissions (bench/locustfile.py).

Prints `load_rps: N req/s (p50 X ms, p95 Y ms, errors E)`.

Only loopback traffic; the run is bounded (locust -t, plus a hard timeout on every process).
LOAD_USERS, LOAD_SECONDS, LOAD_WORKERS, LOAD_THREADS override the defaults."""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import vacuum

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
PERIODS = [f"{year}-{month:02d}" for year in range(2001, 2013) for month in range(1, 13)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_accounts(secret_key: str, workdir: Path, users: int = USERS) -> Path:
    """50 accounts (every fifth one the commission, the others park administrators of parks that
    have projects), each with an API token and a session made ahead of time, and a private set
    of (project, period) pairs for report submissions. Reports left by an earlier run are
    removed first so the pairs are free again (bench database only)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django.test.utils import override_settings
    from rest_framework.authtoken.models import Token

    from parks.models import Park, Role, User
    from projects.models import InvestmentReport, Project

    parks = list(
        Park.objects.annotate(n=Count("projects")).filter(n__gte=20).order_by("-n").values_list("id", flat=True)[:20]
    )
    if not parks:
        raise SystemExit("load: the bench database has no park with 20+ projects (run load_demo --projects N)")
    password = make_password(secrets.token_urlsafe(16))
    count = users
    users = []
    for i in range(count):
        commission = i % 5 == 0
        user, _ = User.objects.update_or_create(
            username=f"load{i:02d}",
            defaults={
                "role": Role.COMMISSION if commission else Role.PARK_ADMIN,
                "park_id": None if commission else parks[i % len(parks)],
                "password": password,
                "is_active": True,
            },
        )
        users.append(user)
    InvestmentReport.objects.filter(submitted_by__username__startswith="load", period__year__lt=2013).delete()

    accounts = []
    with override_settings(SECRET_KEY=secret_key):
        for i, user in enumerate(users):
            scope = Project.objects.active()
            if user.park_id is not None:  # a park admin; the commission has none
                scope = scope.filter(park_id=user.park_id)
            ids = list(scope.order_by("id").values_list("id", flat=True)[: 4 * count + 4])
            # Four projects per user for submissions, at a different offset for every user, so
            # users of the same park (or the commission) never submit for the same project.
            report_projects = ids[4 * i : 4 * i + 4]
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            token, _ = Token.objects.get_or_create(user=user)
            accounts.append(
                {
                    "username": user.username,
                    "session": session.session_key,
                    "token": token.key,
                    "projects": ids[:40],
                    "report_projects": report_projects,
                }
            )
    # A (project, period) pair must belong to one user only.
    seen: set[int] = set()
    for account in accounts:
        account["report_projects"] = [p for p in account["report_projects"] if p not in seen]
        seen.update(account["report_projects"])
    path = workdir / "load-config.json"
    path.write_text(json.dumps({"users": accounts, "periods": PERIODS}), encoding="utf-8")
    return path


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 (loopback URL built here)
            return
        except urllib.error.HTTPError:
            return  # answering at all is enough (e.g. 302 to the login page)
        except OSError as exc:
            last = exc
            time.sleep(0.5)
    raise SystemExit(f"load: gunicorn did not answer on {url}: {last}")


def locust(port: int, config: Path, prefix: Path, *, seconds: int, users: int, user_class: str, extra_env=None) -> None:
    """One headless locust run of bench/locustfile.py's `user_class` against 127.0.0.1:port;
    the statistics land in `prefix`_stats.csv (see aggregate())."""
    subprocess.run(
        [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            user_class,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(users // 5, 1)),
            "--run-time",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "5",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "LOAD_CONFIG": str(config), **(extra_env or {})},
        stdout=open(f"{prefix}.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        timeout=seconds + 180,
        check=False,
    )


def collectstatic(env: dict) -> None:
    """The static files the production settings serve (whitenoise's manifest)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )


def aggregate(prefix) -> dict:
    """The "Aggregated" row of a locust run's CSV statistics."""
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))  # noqa: SIM115
    return next(r for r in rows if r["Name"] == "Aggregated")


def run(ctx) -> None:
    workdir = ROOT / "var" / "bench-load"
    workdir.mkdir(parents=True, exist_ok=True)
    secret_key = secrets.token_urlsafe(64)
    port = _free_port()
    env = {
        **os.environ,
        # The production settings with one more URL, the bare view of the ceiling run.
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": secret_key,
        "DATABASE_URL": ctx.database_url,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "APP_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": os.environ.get("LOAD_WORKERS", "3"),
        "GUNICORN_THREADS": os.environ.get("LOAD_THREADS", "4"),
        "GUNICORN_ACCESSLOG": str(workdir / "access.log"),
        "GUNICORN_MAX_REQUESTS": "0",
    }
    env.pop("DJANGO_DEBUG", None)
    bin_dir = Path(sys.executable).parent
    collectstatic(env)
    config = _prepare_accounts(secret_key, workdir)
    # The modules before this one rewrite every project row (flag_delays' resets) and remove the
    # reports of an earlier run: with autovacuum off the projects table went into the run with
    # two dead rows per live one (197,637 for 100,000).
    vacuum()

    gunicorn = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "config.wsgi", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=open(workdir / "gunicorn.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/accounts/login/", 60)
        prefix = workdir / "locust"
        locust(port, config, prefix, seconds=SECONDS, users=USERS, user_class="Office")
        # The ceiling: the same users, sessions and think times, every request the bare
        # .values() view (bench.api) through the same middleware, gunicorn and database.
        bare_prefix = workdir / "locust_bare"
        locust(port, config, bare_prefix, seconds=SECONDS, users=USERS, user_class="Bare")
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(gunicorn.pid, signal.SIGKILL)

    total = aggregate(prefix)
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))  # noqa: SIM115
    for row in rows:
        if row["Name"] != "Aggregated":
            print(
                f"# load {row['Type']} {row['Name']}: {row['Request Count']} req, {row['Failure Count']} errors, "
                f"p50 {row['50%']} ms, p95 {row['95%']} ms",
                file=sys.stderr,
            )
    failures = workdir / "locust_failures.csv"
    if failures.exists():
        for row in list(csv.DictReader(open(failures, encoding="utf-8")))[:5]:  # noqa: SIM115
            print(
                f"# load failure {row['Method']} {row['Name']}: {row['Error'][:200]} x{row['Occurrences']}",
                file=sys.stderr,
            )
    rps = float(total["Requests/s"])
    print(
        f"load_rps: {rps:.1f} req/s (p50 {total['50%']} ms, p95 {total['95%']} ms, "
        f"errors {total['Failure Count']}, {USERS} users, {SECONDS} s, {total['Request Count']} requests; "
        f"gunicorn {env['GUNICORN_WORKERS']} workers x {env['GUNICORN_THREADS']} threads)"
    )
    bare = aggregate(bare_prefix)
    bare_rps = float(bare["Requests/s"])
    print(
        f"load_ceiling_ratio: {rps / bare_rps if bare_rps else 0:.2f} (load_rps {rps:.1f} / the same users on the bare "
        f".values() view {bare_rps:.1f} req/s, p50 {bare['50%']} ms, p95 {bare['95%']} ms, errors {bare['Failure Count']})"
    )

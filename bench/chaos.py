"""Scale-out and faults (issue #16, `make bench BENCH_ARGS=chaos`; not part of a plain `make bench`).

The topology of a city that outgrew one process: two gunicorn processes sharing one port
(SO_REUSEPORT, as two web machines behind a balancer), two Celery workers, one PostgreSQL
primary and its streaming replica (scripts/replica.sh; reads of pages go there), one Redis
shared by all (broker, API throttle counters). The Redis is the run's own (`redis-server` on a
free port, append-only file on), so restarting it disturbs nobody else on the machine.

1. `load_scaled_rps`: the load mix of bench/load.py (50 users) against that topology, no faults.
2. `chaos`: the same mix again while, at a quarter, a half and three quarters of the run, one
   Celery worker is killed with SIGKILL (its whole process group: the machine is gone), Redis is
   restarted (a clean `SHUTDOWN`, the append-only file kept, started again) and the replica is
   stopped. Meanwhile the bench queues CHAOS_JOBS Excel imports of monthly reports (the worker's
   `projects.import_file` task, the path a clerk's large upload takes), spread over the run.
   Afterwards (the killed worker's unacknowledged job comes back after CELERY_VISIBILITY_TIMEOUT,
   short here): every report the API acknowledged with 201 is stored exactly once, every queued
   job is done and its rows stored exactly once, and the lines
   `chaos: acknowledged N, stored N, lost 0, duplicated 0, 5xx K` and
   `chaos_jobs: queued J, completed J, lost 0, duplicated 0` are printed. The run fails (exit 1)
   when anything is lost or duplicated; 5xx answers are counted, not failed (README: during the
   Redis restart a request may wait for the broker and time out; nothing it acknowledged is lost).

CHAOS_SECONDS (60), CHAOS_USERS (50), CHAOS_JOBS (6), CHAOS_REPLICA (1; 0 runs without one),
CHAOS_WEB (2 gunicorn processes), CHAOS_WORKERS (2) override the defaults. .ci/run runs a short
version on a small city."""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from bench import load

ROOT = load.ROOT
SECONDS = int(os.environ.get("CHAOS_SECONDS", "60"))
USERS = int(os.environ.get("CHAOS_USERS", "50"))
JOBS = int(os.environ.get("CHAOS_JOBS", "6"))
WITH_REPLICA = os.environ.get("CHAOS_REPLICA", "1") != "0"
WEB = int(os.environ.get("CHAOS_WEB", "2"))
WORKERS = int(os.environ.get("CHAOS_WORKERS", "2"))
VISIBILITY = 15  # seconds before a dead worker's job is handed to the other one
JOB_PERIOD_YEAR = 2013  # the imports' periods (the load's submissions use 2001–2012)


def _say(message: str) -> None:
    print(f"# chaos: {message}", file=sys.stderr, flush=True)


class Redis:
    """A redis-server of the run's own, append-only, on a free port."""

    def __init__(self, workdir: Path) -> None:
        self.port = load._free_port()
        self.dir = workdir / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*"):
            if old.is_file():
                old.unlink()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=open(self.dir / "redis.log", "a"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(100):
            if (
                subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.1)
        raise SystemExit(f"chaos: redis-server did not start on port {self.port}")

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown"], capture_output=True, timeout=30)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def restart(self) -> None:
        self.stop()
        self.start()


class Replica:
    """scripts/replica.sh: up for the run; stopped as a fault; afterwards left as it was found
    (destroyed when the run made it)."""

    def __init__(self) -> None:
        self.made = (
            subprocess.run(["bash", "scripts/replica.sh", "status"], cwd=ROOT, capture_output=True).returncode != 0
        )
        self.port = int(os.environ.get("REPLICA_PORT", "5433"))

    def up(self) -> None:
        subprocess.run(["bash", "scripts/replica.sh"], cwd=ROOT, check=True, timeout=1800)

    def stop(self) -> None:
        subprocess.run(["bash", "scripts/replica.sh", "stop"], cwd=ROOT, check=True, timeout=120)

    def close(self) -> None:
        action = "destroy" if self.made else "start"
        subprocess.run(["bash", "scripts/replica.sh", action], cwd=ROOT, check=False, timeout=300)


def _spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=open(log, "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _environment(ctx, workdir: Path, redis: Redis, replica: Replica | None, secret_key: str, port: int) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_SECRET_KEY": secret_key,
        "DATABASE_URL": ctx.database_url,
        "CELERY_BROKER_URL": redis.url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "APP_VAR_DIR": str(workdir),
        "MEDIA_ROOT": str(workdir / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_REUSE_PORT": "true",
        "GUNICORN_WORKERS": os.environ.get("LOAD_WORKERS", "2"),
        "GUNICORN_THREADS": os.environ.get("LOAD_THREADS", "4"),
        "GUNICORN_ACCESSLOG": str(workdir / "access.log"),
        "GUNICORN_MAX_REQUESTS": "0",
        "REPLICA_RETRY_SECONDS": "3",
    }
    env.pop("DJANGO_DEBUG", None)
    env.pop("THROTTLE_CACHE_URL", None)
    if replica is not None:
        name = ctx.database_url.rsplit("/", 1)[1]
        env["DATABASE_REPLICA_URL"] = f"postgres://postgres@127.0.0.1:{replica.port}/{name}"
    return env


def _import_file(pairs: list[tuple[int, str]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["项目ID", "报告期", "当月完成投资（万元）", "形象进度"])
    for project, period in pairs:
        ws.append([project, period, "12.34", "压测导入（故障演练）"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _queue_jobs(
    env: dict, owner, pairs_by_job: list[list[tuple[int, str]]], at: list[float], started: float, log: list
):
    """Create each import job and hand it to the broker at its moment of the run; a publish
    that fails (Redis restarting) is retried, as the web's upload does not: a job counts as
    queued once the broker has it."""
    from django.test.utils import override_settings
    from kombu import Connection

    from projects import tasks

    media = env["MEDIA_ROOT"]
    for pairs, moment in zip(pairs_by_job, at, strict=True):
        time.sleep(max(0.0, started + moment - time.monotonic()))
        with override_settings(MEDIA_ROOT=media):
            token = tasks.job_create(
                user=owner, kind="reports", upload=io.BytesIO(_import_file(pairs)), filename="chaos.xlsx"
            )
        for attempt in range(60):
            try:
                with Connection(env["CELERY_BROKER_URL"], connect_timeout=2) as conn:
                    tasks.import_file.apply_async(args=[token, True], connection=conn, retry=False)
                log.append((token, pairs))
                break
            except Exception as exc:  # noqa: BLE001 (Redis restarting: try again)
                if attempt == 59:
                    _say(f"job {token[:8]} could not be queued: {exc}")
                time.sleep(0.5)


def run(ctx) -> None:
    from parks.models import Role, User
    from projects import tasks
    from projects.models import InvestmentReport, Project

    workdir = ROOT / "var" / "bench-chaos"
    workdir.mkdir(parents=True, exist_ok=True)
    secret_key = secrets.token_urlsafe(64)
    port = load._free_port()
    redis = Redis(workdir)
    replica = Replica() if WITH_REPLICA else None

    owner, _ = User.objects.update_or_create(
        username="chaos-importer", defaults={"role": Role.COMMISSION, "park": None, "is_active": True}
    )
    InvestmentReport.objects.filter(period__year=JOB_PERIOD_YEAR, submitted_by=owner).delete()
    ids = list(Project.objects.active().order_by("-id").values_list("id", flat=True)[: JOBS * 3])
    pairs_by_job = [
        [(pid, f"{JOB_PERIOD_YEAR}-{j % 12 + 1:02d}") for pid in ids[3 * j : 3 * j + 3]] for j in range(JOBS)
    ]

    with ExitStack() as stack:
        redis.start()
        stack.callback(redis.stop)
        if replica is not None:
            replica.up()
            stack.callback(replica.close)
        env = _environment(ctx, workdir, redis, replica, secret_key, port)
        load.collectstatic(env)
        # Accounts and sessions are made on the primary the workers and web processes use.
        os.environ["LOAD_USERS"] = str(USERS)
        config = load._prepare_accounts(secret_key, workdir, users=USERS)
        webs = [
            _spawn(
                [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-c", "gunicorn.conf.py"],
                env,
                workdir / f"gunicorn{i}.log",
            )
            for i in range(WEB)
        ]
        for proc in webs:
            stack.callback(_stop, proc)
        workers = [
            _spawn(
                [
                    str(Path(sys.executable).parent / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "-c",
                    "1",
                    "-n",
                    f"chaos{i}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "WARNING",
                ],
                env,
                workdir / f"worker{i}.log",
            )
            for i in range(WORKERS)
        ]
        for proc in workers:
            stack.callback(_stop, proc)
        load._wait_http(f"http://127.0.0.1:{port}/accounts/login/", 60)

        # 1. The scaled-out topology, no faults.
        prefix = workdir / "scaled"
        load.locust(port, config, prefix, seconds=SECONDS, users=USERS, user_class="Office")
        total = load.aggregate(prefix)
        print(
            f"load_scaled_rps: {float(total['Requests/s']):.1f} req/s (p50 {total['50%']} ms, p95 {total['95%']} ms, "
            f"errors {total['Failure Count']}, {USERS} users, {SECONDS} s; {WEB} gunicorn processes x "
            f"{env['GUNICORN_WORKERS']} workers x {env['GUNICORN_THREADS']} threads, {WORKERS} Celery workers, "
            f"{'a streaming replica' if replica else 'no replica'}, one Redis)"
        )

        # 2. The same with faults, and jobs queued along the way.
        config = load._prepare_accounts(secret_key, workdir, users=USERS)
        ack = workdir / "acknowledged.txt"
        ack.write_text("", encoding="utf-8")
        queued: list = []
        started = time.monotonic()
        moments = [SECONDS * (j + 0.5) / (JOBS + 1) for j in range(JOBS)]
        jobs = threading.Thread(target=_queue_jobs, args=(env, owner, pairs_by_job, moments, started, queued))

        def faults() -> None:
            time.sleep(SECONDS / 4)
            _say(f"kill -9 worker 0 (pid {workers[0].pid}) at {time.monotonic() - started:.0f} s")
            _stop(workers[0], signal.SIGKILL)
            time.sleep(max(0.0, started + SECONDS / 2 - time.monotonic()))
            _say(f"restart Redis at {time.monotonic() - started:.0f} s")
            redis.restart()
            if replica is not None:
                time.sleep(max(0.0, started + 3 * SECONDS / 4 - time.monotonic()))
                _say(f"stop the replica at {time.monotonic() - started:.0f} s")
                replica.stop()

        fault = threading.Thread(target=faults)
        jobs.start()
        fault.start()
        prefix = workdir / "chaos"
        load.locust(
            port,
            config,
            prefix,
            seconds=SECONDS,
            users=USERS,
            user_class="Office",
            extra_env={"LOAD_ACK_FILE": str(ack)},
        )
        fault.join()
        jobs.join()

        # The killed worker's job returns after the visibility timeout; wait for every job.
        deadline = time.monotonic() + VISIBILITY * 4 + 60
        with_media = {"MEDIA_ROOT": env["MEDIA_ROOT"]}
        from django.test.utils import override_settings

        def states() -> list[dict]:
            with override_settings(**with_media):
                return [tasks.job_read(token) for token, _ in queued]

        while time.monotonic() < deadline and any(s.get("status") != "done" for s in states()):
            time.sleep(1)
        final = states()

    lines = ack.read_text(encoding="utf-8").splitlines()
    acknowledged = [tuple(line.split()[1:3]) for line in lines if line.startswith("ack ")]
    server_errors = sum(1 for line in lines if line.startswith("5xx "))
    once, lost, duplicated = _tally(acknowledged)
    print(
        f"chaos: acknowledged {len(acknowledged)}, stored {once}, "
        f"lost {lost}, duplicated {duplicated}, 5xx {server_errors} ({USERS} users, {SECONDS} s: a worker killed "
        f"with SIGKILL, Redis restarted{', the replica stopped' if replica else ''})"
    )
    job_pairs = [(str(pid), period) for _, pairs in queued for pid, period in pairs]
    done = [s for s in final if s.get("status") == "done" and (s.get("result") or {}).get("committed")]
    _, job_lost, job_dup = _tally(job_pairs)
    print(
        f"chaos_jobs: queued {len(queued)} of {JOBS}, completed {len(done)}, lost {job_lost}, duplicated {job_dup} "
        f"(Excel imports of {len(job_pairs)} monthly reports through the workers; states "
        f"{json.dumps(sorted({s.get('status', '?') for s in final}))})"
    )
    if lost or duplicated or job_lost or job_dup or len(queued) != JOBS or len(done) != len(queued):
        failures = workdir / "chaos_failures.csv"
        if failures.exists():
            _say(failures.read_text(encoding="utf-8")[:2000])
        raise SystemExit("chaos: something acknowledged was lost or stored twice (see the lines above)")


def _tally(pairs) -> tuple[int, int, int]:
    """Of these (project id, 'YYYY-MM') pairs: how many are stored exactly once, not at all, twice or more."""
    stored = _stored_counts(pairs)
    counts = [stored.get(pair, 0) for pair in pairs]
    return counts.count(1), counts.count(0), sum(1 for n in counts if n > 1)


def _stored_counts(pairs) -> dict:
    """How many reports are stored for each (project id, 'YYYY-MM') pair: one statement."""
    from django.db import connection

    if not pairs:
        return {}
    projects = sorted({int(p) for p, _ in pairs})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT project_id, period, COUNT(*) FROM projects_investmentreport WHERE project_id = ANY(%s) "
            "GROUP BY project_id, period",
            [projects],
        )
        rows = cursor.fetchall()
    return {(str(p), f"{period:%Y-%m}"): n for p, period, n in rows}

"""Scheduling benchmarks: flag_delays and compute_industry_growth against the raw SQL that
computes the same figures in one statement, measured in the same run; the number of statements
and the peak memory of flag_delays at two sizes (the bench data set and a 10k one).

Lines printed (`name: value unit (detail)`):
- flag_delays: R x (job S s / SQL S s …; colours-only SQL S s: R x; …) — a normal daily run
  (yesterday's records brought up to date, new ones opened, completed ones closed, project
  colours, investment status and the stored next node) against one SELECT finding every
  overdue/due-soon milestone with its days and severity, each project's worst colour and
  investment grade, its next node and whether it has no milestone (raw_flag_delays_sql); the
  detail gives the ratio to the same SELECT without the next node and 无节点 as well.
- industry_growth: R x (job S s / SQL S s) — compute_industry_growth (figures, roll-ups,
  breakdowns, snapshot written) against one GROUP BY of the year-to-date sums per industry
  (of the reports that count, as the job).
- flag_delays_queries: N (10k: N, 100k: N) — SQL statements of one run at each size.
- flag_delays_peak_mb: M MB (10k: M MB) — Python peak memory (tracemalloc) of one run.

The small data set lives in its own database (`<bench db>_10k`, BENCH_SMALL_PROJECTS, default
10000), loaded once with `load_demo --projects N`; its figures come from a child process."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from bench.common import ensure_database, timed

ROOT = Path(__file__).resolve().parent.parent


def _as_of() -> dt.date:
    from demo.data import DEMO_TODAY

    return DEMO_TODAY


def reset_delays() -> None:
    """Start from no delay records and default colours, so every bench run times the same work."""
    from django.db import connection

    from projects.models import Project
    from scheduling.models import DelayRecord

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {DelayRecord._meta.db_table}")  # noqa: S608 (a model's table name)
    Project.objects.exclude(status="green", investment_status="none").update(status="green", investment_status="none")


def vacuum() -> None:
    """VACUUM (ANALYZE) of the tables the jobs rewrite (the projects' colours, the delay
    records), as autovacuum would between nightly runs: the bench's resets rewrite every
    project row, and on a server with autovacuum off (this machine's) the dead rows and the
    lost all-visible pages would weigh on every later timing, job and reference alike."""
    from django.db import connection

    from projects.models import Project
    from scheduling.models import DelayRecord

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {Project._meta.db_table}, {DelayRecord._meta.db_table}")  # noqa: S608


def raw_flag_delays_sql(*, next_node: bool = True) -> str:
    """One statement computing what the job decides: every milestone overdue or due soon with
    its days and severity, each project's worst colour, and each project's year-to-date
    investment (the reports that count) against its plan (the 投资滞后 grade); with `next_node`
    (the reference of the bench line) also what the job has stored since the next-node columns
    came: each project's next node (scheduling.rules.sql_next_milestones, the minimal SQL of it)
    and whether it has no milestone at all (无节点). Without it, the colours-only statement of
    before, shown in the line's detail."""
    from projects.models import AnnualPlan, InvestmentReport, Project
    from projects.rules import sql_counted
    from scheduling import rules
    from scheduling.models import Milestone

    m, p = Milestone._meta.db_table, Project._meta.db_table
    ap, r = AnnualPlan._meta.db_table, InvestmentReport._meta.db_table
    counted = f"AND {sql_counted(r)} " if next_node else ""
    extra_cols, extra_join = "", ""
    if next_node:
        extra_cols = (
            f", count(n.planned_date), max(n.planned_date), count(*) FILTER (WHERE {rules.sql_no_schedule('w.id', m)})"
        )
        extra_join = f" LEFT JOIN ({rules.sql_next_milestones(m)}) n ON n.project_id = w.id"
    return (
        f"WITH ytd AS (SELECT project_id, SUM(amount) AS ytd FROM {r} "  # noqa: S608
        f"WHERE period >= %(year_start)s AND period <= %(period)s {counted}GROUP BY project_id), "
        "worst AS (SELECT p.id, MAX(CASE WHEN m.planned_date <= %(red_cut)s THEN 3 WHEN m.planned_date < %(d)s THEN 2 "
        "WHEN m.id IS NOT NULL THEN 1 ELSE 0 END) AS worst, "
        "COUNT(m.id) FILTER (WHERE m.planned_date < %(d)s) AS overdue, "
        "SUM(%(d)s::date - m.planned_date) FILTER (WHERE m.planned_date < %(d)s) AS days "
        f"FROM {p} p LEFT JOIN {m} m ON m.project_id = p.id "
        "AND (m.actual_date IS NULL OR m.actual_date > %(d)s) AND m.planned_date <= %(soon_cut)s "
        "WHERE p.archived_at IS NULL GROUP BY p.id) "
        "SELECT count(*), sum(w.worst), sum(w.overdue), sum(w.days), "
        "count(*) FILTER (WHERE COALESCE(y.ytd, 0) * 1200 < ap.planned_investment * %(months)s * %(yellow_pct)s)"
        f"{extra_cols} FROM worst w LEFT JOIN {ap} ap ON ap.project_id = w.id AND ap.year = %(year)s "
        f"LEFT JOIN ytd y ON y.project_id = w.id{extra_join}"
    )


def raw_growth_sql() -> str:
    """The year-to-date sums and those of the same months a year earlier per industry, of the
    reports that count (projects.rules.sql_counted, as the job: a draft or a returned report is
    not investment). The job also counts the projects and sums their totals per group."""
    from projects.models import InvestmentReport, Project
    from projects.rules import sql_counted

    r, p = InvestmentReport._meta.db_table, Project._meta.db_table
    return (
        "SELECT p.industry_id, "  # noqa: S608
        "SUM(r.amount) FILTER (WHERE r.period >= %(cur_start)s), "
        "SUM(r.amount) FILTER (WHERE r.period <= %(prior_end)s) "
        f"FROM {r} r JOIN {p} p ON p.id = r.project_id "
        "WHERE ((r.period >= %(cur_start)s AND r.period <= %(period)s) "
        f"OR (r.period >= %(prior_start)s AND r.period <= %(prior_end)s)) AND {sql_counted('r')} "
        "GROUP BY p.industry_id"
    )


def probe() -> dict:
    """In this process's database: one daily flag_delays run, counting statements and peak memory."""
    import tracemalloc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from projects.models import Project
    from scheduling.services import flag_delays

    as_of = _as_of()
    reset_delays()
    flag_delays(as_of=as_of - dt.timedelta(days=1))
    tracemalloc.start()
    with CaptureQueriesContext(connection) as ctx:
        summary = flag_delays(as_of=as_of)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "projects": Project.objects.count(),
        "queries": len(ctx.captured_queries),
        "peak_mb": peak / 2**20,
        "summary": summary,
    }


def _child(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=6 * 3600
    )


def _small_database(ctx) -> str:
    parsed = urlparse(ctx.database_url)
    url = parsed._replace(path=parsed.path + "_10k").geturl()
    ensure_database(url)
    wanted = int(os.environ.get("BENCH_SMALL_PROJECTS", "10000"))
    _child(url, "manage.py", "migrate", "--noinput", "-v", "0")
    _child(url, "manage.py", "load_demo", "--projects", str(wanted))
    return url


def _probe_in(url: str) -> dict:
    out = _child(url, "-m", "bench.scheduling", "--probe").stdout
    return json.loads(out.strip().splitlines()[-1])


def _label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def run(ctx) -> None:
    from django.db import connection, transaction

    from scheduling.models import GrowthSnapshot, SchedulingSettings
    from scheduling.selectors import default_period
    from scheduling.services import compute_industry_growth, flag_delays, flag_delays_params, job_session_settings

    as_of = _as_of()
    settings = SchedulingSettings.load()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics after the load, as autovacuum would give

    # --- flag_delays: a normal daily run after yesterday's -------------------------------------
    runs = []
    for _ in range(3):  # median of three daily runs, each after the same yesterday
        reset_delays()
        flag_delays(as_of=as_of - dt.timedelta(days=1))
        vacuum()
        runs.append(timed(lambda: flag_delays(as_of=as_of)))
    job = sorted(runs)[1]
    params = flag_delays_params(as_of=as_of, settings=settings)

    def raw(next_node=True):
        with transaction.atomic(), connection.cursor() as cursor:
            job_session_settings()  # the same session settings as the job
            cursor.execute(raw_flag_delays_sql(next_node=next_node), params)
            cursor.fetchall()

    vacuum()
    sql = timed(raw, repeat=3)
    colours = timed(lambda: raw(next_node=False), repeat=3)
    print(
        f"flag_delays: {job / sql:.2f} x (job {job:.2f} s / SQL {sql:.2f} s with the next node and 无节点; "
        f"colours-only SQL {colours:.2f} s: {job / colours:.2f} x; {ctx.projects} projects, as of {as_of})"
    )

    # --- industry growth ----------------------------------------------------------------------
    period = default_period(as_of)
    growth_params = {
        "cur_start": dt.date(period.year, 1, 1),
        "period": period,
        "prior_start": dt.date(period.year - 1, 1, 1),
        "prior_end": dt.date(period.year - 1, period.month, 1),
    }
    vacuum()
    times = []
    for _ in range(3):
        GrowthSnapshot.objects.filter(period=period).delete()
        times.append(timed(lambda: compute_industry_growth(period=period)))
    job = sorted(times)[1]

    def raw_growth():
        with transaction.atomic(), connection.cursor() as cursor:
            job_session_settings()
            cursor.execute(raw_growth_sql(), growth_params)
            cursor.fetchall()

    sql = timed(raw_growth, repeat=3)
    print(f"industry_growth: {job / sql:.2f} x (job {job:.2f} s / SQL {sql:.2f} s; period {period:%Y-%m})")

    # --- statements and memory at two sizes ---------------------------------------------------
    big = _probe_in(ctx.database_url)
    small = _probe_in(_small_database(ctx))
    s, b = _label(small["projects"]), _label(big["projects"])
    print(f"flag_delays_queries: {big['queries']} ({s}: {small['queries']}, {b}: {big['queries']})")
    print(
        f"flag_delays_peak_mb: {big['peak_mb']:.2f} MB ({s}: {small['peak_mb']:.2f} MB, {b}: {big['peak_mb']:.2f} MB)"
    )


if __name__ == "__main__" and "--probe" in sys.argv:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    print(json.dumps(probe(), default=str))

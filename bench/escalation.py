"""督办 benchmarks: `flag_problems` at the bench city against one raw SQL statement doing the same
classification (overdue problems of live projects, days overdue, red / yellow), and the
commission's `/problems/` page (server time and statements, median of 3 after a warm-up).

The sample: when the bench database has no problems, two per project are written once with one
INSERT … SELECT (assigned to a bench department without an address, deadlines spread over
60 days around today, so about half are overdue) and reused by later runs. The job's own
writes are rolled back, so the bench can run again: a daily run after yesterday's is timed."""

from __future__ import annotations

import datetime as dt


class _Rollback(Exception):
    pass


def _sample() -> int:
    from django.db import connection
    from django.utils import timezone

    from escalation.models import Department, Problem
    from projects.models import Project

    if Problem.objects.exists():
        return Problem.objects.count()
    dept, _ = Department.objects.get_or_create(name="bench-供电公司", defaults={"email": ""})
    today = timezone.localdate()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Problem._meta.db_table} (project_id, category, description, status, department_id, "  # noqa: S608
            "deadline, raised_on, assigned_on, handling_note, reopen_reason, created_at, updated_at) "
            "SELECT pr.id, 'utilities', 'bench problem', 'assigned', %(dept)s, "
            "CAST(%(today)s AS date) + CAST((pr.id * 7 + n * 13) %% 60 - 30 AS integer), CAST(%(today)s AS date) - 90, "
            "CAST(%(today)s AS date) - 60, '', '', %(now)s, %(now)s "
            f"FROM {Project._meta.db_table} pr CROSS JOIN generate_series(0, 1) AS n",
            {"dept": dept.pk, "today": today, "now": now},
        )
        cursor.execute(f"ANALYZE {Problem._meta.db_table}")
    return Problem.objects.count()


def raw_classification_sql() -> str:
    from escalation import rules
    from escalation.models import Problem
    from projects.models import Project

    return (
        f"SELECT p.id, {rules.sql_days_overdue('p')}, {rules.sql_severity('p')} "  # noqa: S608
        f"FROM {Problem._meta.db_table} p JOIN {Project._meta.db_table} pr ON pr.id = p.project_id "
        f"WHERE pr.archived_at IS NULL AND {rules.sql_overdue('p')}"
    )


def _flag(ctx, problems: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.common import timed
    from escalation import rules
    from escalation.jobs import flag_problems
    from scheduling.models import SchedulingSettings
    from scheduling.services import job_session_settings

    as_of = timezone.localdate()
    runs, statements, summary = [], [], {}

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    for _run in range(3):  # median of three daily runs, each after the same yesterday, rolled back
        try:
            with transaction.atomic():
                flag_problems(as_of=as_of - dt.timedelta(days=1))
                statements.clear()
                with connection.execute_wrapper(count):
                    runs.append(timed(lambda: summary.update(flag_problems(as_of=as_of))))
                raise _Rollback
        except _Rollback:
            pass
    job = sorted(runs)[1]
    params = rules.sql_params(as_of, SchedulingSettings.load())

    def raw():
        with transaction.atomic(), connection.cursor() as cursor:
            job_session_settings()
            cursor.execute(raw_classification_sql(), params)
            cursor.fetchall()

    sql = timed(raw, repeat=3)
    print(
        f"flag_problems: {job:.2f} s, {job / sql:.2f} x one SQL statement (SQL {sql:.2f} s; {problems} problems, "
        f"{ctx.projects} projects, {summary['overdue']} overdue, as of {as_of}; {len(statements)} SQL statements)"
    )


def _page(ctx, problems: int) -> None:
    from bench.web import _client, _measure
    from parks.models import Role, User

    commission, _ = User.objects.get_or_create(username="bench-web-commission", defaults={"role": Role.COMMISSION})
    seconds, statements = _measure(_client(commission), "/problems/")
    print(
        f"problems_page: {seconds * 1000:.1f} ms (commission, /problems/, {problems} problems, "
        f"{statements} SQL statements)"
    )


def run(ctx) -> None:
    problems = _sample()
    _flag(ctx, problems)
    _page(ctx, problems)

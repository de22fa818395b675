"""督办 benchmarks: `flag_problems` at the bench city against one raw SQL statement doing the same
work (`raw_flag_sql`: one data-modifying CTE that closes the ended episodes, opens the new ones,
queues the reminders and counts red / yellow; its counts are asserted equal to the job's), each
timed as a daily run after yesterday's on the same state and rolled back; and the commission's
`/problems/` page (server time and statements, median of 3 after a warm-up).

The sample: when the bench database has no problems, two per project are written once with one
INSERT … SELECT (assigned to a bench department without an address, deadlines spread over
60 days around today, so about half are overdue) and reused by later runs. Yesterday's night
is run and kept (its episodes are the state a real night starts from); today's run — the job,
then the reference — is timed on that state and rolled back, so the bench can run again."""

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


def raw_flag_sql() -> str:
    """The reference: one data-modifying statement doing what flag_problems writes and counts —
    close the episodes that ended (on the handling day, else on D), open the new ones, queue the
    reminders of the open episodes without one (the survivors and the new), and count the
    overdue problems red / yellow. Same rules fragments, same parameters; one snapshot, so the
    "new" and "closed" sets are passed along through RETURNING."""
    from escalation import rules
    from escalation.jobs import _tables
    from scheduling.rules import sql_next_day

    t = _tables()
    po, p, pr, pm, d = t["po"], t["p"], t["pr"], t["pm"], t["d"]
    return (
        f"WITH closed AS (UPDATE {po} e SET closed_on = COALESCE((SELECT h.handled_on FROM {p} h "  # noqa: S608
        "WHERE h.id = e.problem_id AND h.handled_on <= %(d)s), %(d)s) "
        "WHERE e.closed_on IS NULL AND e.opened_on <= %(d)s AND NOT EXISTS ("
        f"SELECT 1 FROM {p} x JOIN {pr} xr ON xr.id = x.project_id WHERE x.id = e.problem_id "
        f"AND x.deadline = e.deadline AND {rules.sql_overdue('x')} AND xr.archived_at IS NULL) RETURNING e.id), "
        f"opened AS (INSERT INTO {po} (problem_id, deadline, opened_on, closed_on) "
        f"SELECT p.id, p.deadline, {sql_next_day('p.deadline')}, NULL FROM {p} p JOIN {pr} pr ON pr.id = p.project_id "
        f"WHERE pr.archived_at IS NULL AND {rules.sql_overdue('p')} "
        f"AND NOT EXISTS (SELECT 1 FROM {po} r WHERE r.problem_id = p.id AND ((r.closed_on IS NULL "
        "AND r.id NOT IN (SELECT id FROM closed)) "
        "OR (r.deadline = p.deadline AND r.opened_on <= %(d)s AND r.closed_on > %(d)s))) "
        "ON CONFLICT DO NOTHING RETURNING id, problem_id), "
        f"due AS (SELECT e.id, e.problem_id FROM {po} e WHERE e.closed_on IS NULL AND e.opened_on <= %(d)s "
        "AND e.id NOT IN (SELECT id FROM closed) UNION ALL SELECT id, problem_id FROM opened), "
        f"mailed AS (INSERT INTO {pm} (problem_id, event, key, recipient, status, error, created_at, sent_at) "
        "SELECT due.problem_id, 'overdue', CAST(due.id AS VARCHAR(32)), dp.email, 'pending', '', %(now)s, NULL "
        f"FROM due JOIN {p} p ON p.id = due.problem_id JOIN {d} dp ON dp.id = p.department_id "
        "WHERE dp.email <> '' AND %(d)s >= %(today)s "
        f"AND NOT EXISTS (SELECT 1 FROM {pm} m WHERE m.problem_id = due.problem_id AND m.event = 'overdue' "
        "AND m.key = CAST(due.id AS VARCHAR(32))) ON CONFLICT DO NOTHING RETURNING 1) "
        "SELECT (SELECT COUNT(*) FROM closed), (SELECT COUNT(*) FROM opened), (SELECT COUNT(*) FROM mailed), "
        "COUNT(*) FILTER (WHERE p.deadline <= %(red_cut)s), COUNT(*) FILTER (WHERE p.deadline > %(red_cut)s) "
        f"FROM {p} p JOIN {pr} pr ON pr.id = p.project_id WHERE pr.archived_at IS NULL AND {rules.sql_overdue('p')}"
    )


def _flag(ctx, problems: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.common import timed
    from escalation import rules
    from escalation.jobs import flag_problems
    from escalation.models import ProblemMail, ProblemOverdue
    from scheduling.models import SchedulingSettings
    from scheduling.services import job_session_settings

    as_of = timezone.localdate()
    params = {**rules.sql_params(as_of, SchedulingSettings.load()), "now": timezone.now(), "today": as_of}
    runs, refs, statements, summary, ref = [], [], [], {}, []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    def reference():
        with connection.cursor() as cursor:
            job_session_settings()
            cursor.execute(raw_flag_sql(), params)
            ref[:] = cursor.fetchone()

    # Yesterday's night is kept (committed, then ANALYZEd, like a real table the night after);
    # a second run for the same day changes nothing, so later bench runs reuse it.
    flag_problems(as_of=as_of - dt.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ProblemOverdue._meta.db_table}")
        cursor.execute(f"ANALYZE {ProblemMail._meta.db_table}")
    for _run in range(3):  # median of three: today's run on the same state, each rolled back
        for target in ("job", "sql"):
            try:
                with transaction.atomic():
                    if target == "job":
                        statements.clear()
                        with connection.execute_wrapper(count):
                            runs.append(timed(lambda: summary.update(flag_problems(as_of=as_of))))
                    else:
                        refs.append(timed(reference))
                    raise _Rollback
            except _Rollback:
                pass
    job, sql = sorted(runs)[1], sorted(refs)[1]
    same = [summary[k] for k in ("closed", "opened", "reminders", "red", "yellow")]
    assert [int(v) for v in ref] == same, (ref, same)  # the reference did the same work
    print(
        f"flag_problems: {job:.2f} s, {job / sql:.2f} x one raw SQL statement doing the same (SQL {sql:.2f} s; "
        f"{problems} problems, {ctx.projects} projects, {summary['overdue']} overdue, opened {summary['opened']}, "
        f"closed {summary['closed']}, reminders {summary['reminders']}, as of {as_of}; "
        f"{len(statements)} SQL statements)"
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


def _remove_sample() -> None:
    """Take the sample's problems (and the episodes and mails the job made of them) out of the
    bench city again: two per project would otherwise stay on every project card and in every
    later module's figures (the load run's cards among them), a city no one has."""
    from django.db import connection

    from escalation.models import Problem, ProblemMail, ProblemOverdue

    sample = f"SELECT id FROM {Problem._meta.db_table} WHERE description = 'bench problem'"  # noqa: S608
    with connection.cursor() as cursor:
        for model in (ProblemMail, ProblemOverdue):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE problem_id IN ({sample})")  # noqa: S608
        cursor.execute(f"DELETE FROM {Problem._meta.db_table} WHERE description = 'bench problem'")  # noqa: S608
        cursor.execute(f"VACUUM (ANALYZE) {Problem._meta.db_table}, {ProblemOverdue._meta.db_table}")  # noqa: S608


def run(ctx) -> None:
    problems = _sample()
    _flag(ctx, problems)
    _page(ctx, problems)
    _remove_sample()

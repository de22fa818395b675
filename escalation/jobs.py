"""The nightly job `flag_problems(as_of=D)` (`manage.py flag_problems [--as-of D]` and the Celery
task `escalation.flag_problems` on the beat schedule do exactly this):

1. Close the open overdue episodes whose problem is no longer overdue on the same deadline
   (handled by D: closed on the handling day; reassigned with a later deadline, confirmed,
   project archived: closed on D). An episode that opens after D is left alone.
2. Open an episode for each problem overdue as of D without one (opened_on = deadline + 1, so a
   missed night or a run for a past date gives the same record; ON CONFLICT DO NOTHING on the
   partial unique index settles a concurrent run). Nothing else is written: an episode stores
   its start and end, and its days overdue and severity are derived when read
   (rules.episode_days), so a night touches only the episodes that open or close.
3. Queue the overdue reminder of each open episode (as of D) whose department has an address
   and that has none yet (INSERT … SELECT … WHERE NOT EXISTS, ON CONFLICT DO NOTHING on the
   unique (problem, event, key)): once per episode, whatever the retries; only when D is today
   or later; sent after the commit (escalation.mails).
4. Count the overdue problems (red, yellow) for the summary.

Four statements (plus the lock and the session settings) whatever the number of problems
(set-based SQL built from escalation.rules), one transaction, an advisory lock on PostgreSQL; a second run for the same day changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from projects.models import Project
from scheduling.models import SchedulingSettings
from scheduling.rules import sql_next_day
from scheduling.services import advisory_lock, job_session_settings

from . import rules
from .mails import send_pending
from .models import Department, Problem, ProblemMail, ProblemOverdue

FLAG_PROBLEMS_LOCK = 0x5C4ED013


def _tables() -> dict[str, str]:
    return {
        "p": Problem._meta.db_table,
        "po": ProblemOverdue._meta.db_table,
        "pr": Project._meta.db_table,
        "d": Department._meta.db_table,
        "pm": ProblemMail._meta.db_table,
    }


def flag_problems_sql() -> dict[str, str]:
    """Only table names from the models are formatted in (hence the S608 noqa); every value is a
    bound parameter (escalation.rules.sql_params plus now and today)."""
    t = _tables()
    po = t["po"]
    still_overdue = (
        f"SELECT 1 FROM {t['p']} p JOIN {t['pr']} pr ON pr.id = p.project_id "  # noqa: S608
        f"WHERE p.id = {po}.problem_id AND p.deadline = {po}.deadline AND {rules.sql_overdue('p')} "
        "AND pr.archived_at IS NULL"
    )
    handled = (
        f"SELECT p.handled_on FROM {t['p']} p WHERE p.id = {po}.problem_id "  # noqa: S608
        "AND p.handled_on IS NOT NULL AND p.handled_on <= %(d)s"
    )
    return {
        "close": (
            f"UPDATE {po} SET closed_on = COALESCE(({handled}), %(d)s) "  # noqa: S608
            f"WHERE closed_on IS NULL AND opened_on <= %(d)s AND NOT EXISTS ({still_overdue})"
        ),
        "open": (
            f"INSERT INTO {po} (problem_id, deadline, opened_on, closed_on) "  # noqa: S608
            f"SELECT p.id, p.deadline, {sql_next_day('p.deadline')}, NULL "
            f"FROM {t['p']} p JOIN {t['pr']} pr ON pr.id = p.project_id "
            f"WHERE pr.archived_at IS NULL AND {rules.sql_overdue('p')} "
            f"AND NOT EXISTS (SELECT 1 FROM {po} r WHERE r.problem_id = p.id AND (r.closed_on IS NULL "
            "OR (r.deadline = p.deadline AND r.opened_on <= %(d)s AND r.closed_on > %(d)s))) "
            "ON CONFLICT DO NOTHING"
        ),
        "mail": (
            f"INSERT INTO {t['pm']} (problem_id, event, key, recipient, status, error, created_at, sent_at) "  # noqa: S608
            "SELECT po.problem_id, 'overdue', CAST(po.id AS VARCHAR(32)), d.email, 'pending', '', %(now)s, NULL "
            f"FROM {po} po JOIN {t['p']} p ON p.id = po.problem_id JOIN {t['d']} d ON d.id = p.department_id "
            "WHERE po.closed_on IS NULL AND po.opened_on <= %(d)s AND d.email <> '' AND %(d)s >= %(today)s "
            f"AND NOT EXISTS (SELECT 1 FROM {t['pm']} m WHERE m.problem_id = po.problem_id AND m.event = 'overdue' "
            "AND m.key = CAST(po.id AS VARCHAR(32))) "
            "ON CONFLICT DO NOTHING"
        ),
    }


def flag_problems(*, as_of: dt.date) -> dict[str, Any]:
    settings = SchedulingSettings.load()
    params = {**rules.sql_params(as_of, settings), "now": timezone.now(), "today": timezone.localdate()}
    statements = flag_problems_sql()
    counts: dict[str, int] = {}
    with transaction.atomic():
        advisory_lock(FLAG_PROBLEMS_LOCK)
        job_session_settings()
        with connection.cursor() as cursor:
            for name in ("close", "open", "mail"):
                cursor.execute(statements[name], params)
                counts[name] = max(cursor.rowcount, 0)
        totals = Problem.objects.filter(rules.overdue_q(as_of), project__archived_at__isnull=True).aggregate(
            red=Count("id", filter=rules.red_q(as_of, settings)),
            yellow=Count("id", filter=rules.yellow_q(as_of, settings)),
        )
        if counts["mail"]:
            transaction.on_commit(send_pending)
    return {
        "as_of": as_of.isoformat(),
        "overdue": totals["red"] + totals["yellow"],
        "red": totals["red"],
        "yellow": totals["yellow"],
        "opened": counts["open"],
        "closed": counts["close"],
        "reminders": counts["mail"],
    }

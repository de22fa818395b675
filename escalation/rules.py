"""The overdue rule of problems (CONTRACT v2, Problem escalation), defined once in three forms
(Python for rows in memory, ORM Q/expressions for lists and pages, SQL for the nightly job):

- Handled by D: `handled_on` is on or before D.
- Overdue as of D: it has a deadline, `deadline < D`, and it was not handled by D (`handled_on`
  null or later than D). A confirmed problem was handled, so it is overdue only as of the days
  between its deadline and its handling. `days_overdue = D − deadline`.
- Severity: yellow for 1 … problem_red_after_days − 1 days, red from problem_red_after_days
  (SchedulingSettings, default 8) on.
- Countdown: deadline − D (negative when overdue); none without a deadline or once handled by D.

The day arithmetic and the "completed on or before" test are scheduling's (`completed_by`,
`DaysBetween`, `sql_days`), so problems and milestones count days the same way."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, DateField, F, Q, Value, When

from scheduling.rules import RED, YELLOW, DaysBetween, completed_by, sql_days

# --- Python -----------------------------------------------------------------------------------


def red_cut(as_of: dt.date, settings) -> dt.date:
    """An overdue problem is red when its deadline is on or before this day."""
    return as_of - dt.timedelta(days=settings.problem_red_after_days)


def is_handled(problem, as_of: dt.date) -> bool:
    return completed_by(problem.handled_on, as_of)


def is_overdue(problem, as_of: dt.date) -> bool:
    return problem.deadline is not None and problem.deadline < as_of and not is_handled(problem, as_of)


def days_overdue(problem, as_of: dt.date) -> int | None:
    return (as_of - problem.deadline).days if is_overdue(problem, as_of) else None


def severity_of(days: int, settings) -> str:
    """The severity of a problem overdue by `days` (≥ 1) days."""
    return RED if days >= settings.problem_red_after_days else YELLOW


def severity(problem, as_of: dt.date, settings) -> str | None:
    days = days_overdue(problem, as_of)
    return None if days is None else severity_of(days, settings)


def episode_days(episode, as_of: dt.date) -> int | None:
    """Days overdue of an overdue episode (escalation.models.ProblemOverdue) as of `as_of`,
    derived from its deadline: as_of − deadline while it is open (the same figure as
    `days_overdue` of its problem), (closed_on − 1) − deadline once closed (its last overdue
    day; a problem handled on H is not overdue as of H); None before it opened."""
    last = as_of if episode.closed_on is None else min(as_of, episode.closed_on - dt.timedelta(days=1))
    return (last - episode.deadline).days if last >= episode.opened_on else None


def days_left(problem, as_of: dt.date) -> int | None:
    """deadline − as_of (negative when overdue); None without a deadline or once handled."""
    if problem.deadline is None or is_handled(problem, as_of):
        return None
    return (problem.deadline - as_of).days


# --- ORM --------------------------------------------------------------------------------------


def unhandled_on(as_of: dt.date) -> Q:
    return Q(handled_on__isnull=True) | Q(handled_on__gt=as_of)


def overdue_q(as_of: dt.date) -> Q:
    return Q(deadline__isnull=False, deadline__lt=as_of) & unhandled_on(as_of)


def red_q(as_of: dt.date, settings) -> Q:
    return overdue_q(as_of) & Q(deadline__lte=red_cut(as_of, settings))


def yellow_q(as_of: dt.date, settings) -> Q:
    return overdue_q(as_of) & Q(deadline__gt=red_cut(as_of, settings))


def days_overdue_expr(as_of: dt.date) -> DaysBetween:
    """as_of − deadline (meaningful on rows filtered by `overdue_q`)."""
    return DaysBetween(Value(as_of, output_field=DateField()), F("deadline"))


def severity_expr(as_of: dt.date, settings) -> Case:
    """red / yellow for overdue rows, null otherwise."""
    return Case(
        When(red_q(as_of, settings), then=Value(RED)),
        When(overdue_q(as_of), then=Value(YELLOW)),
        default=Value(None),
        output_field=CharField(),
    )


# --- SQL (named parameters of `sql_params`) -----------------------------------------------------


def sql_params(as_of: dt.date, settings) -> dict:
    return {"d": as_of, "red_cut": red_cut(as_of, settings)}


def sql_overdue(alias: str = "p") -> str:
    return (
        f"({alias}.deadline IS NOT NULL AND {alias}.deadline < %(d)s"
        f" AND ({alias}.handled_on IS NULL OR {alias}.handled_on > %(d)s))"
    )


def sql_days_overdue(alias: str = "p") -> str:
    return sql_days("%(d)s", f"{alias}.deadline")


def sql_severity(alias: str = "p") -> str:
    return f"CASE WHEN {alias}.deadline <= %(red_cut)s THEN '{RED}' ELSE '{YELLOW}' END"


def countdown_text(days: int | None) -> str:
    """The card's countdown: 距办结时限还有 N 天 / 今天到期 / 已超期 N 天; empty without one."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    if days is None:
        return ""
    if days > 0:
        return ngettext("距办结时限还有 %(n)d 天", "距办结时限还有 %(n)d 天", days) % {"n": days}
    if days == 0:
        return _("今天到期")
    return ngettext("已超期 %(n)d 天", "已超期 %(n)d 天", -days) % {"n": -days}


def countdown_level(problem, as_of: dt.date, settings) -> str | None:
    """red / yellow when overdue, due_soon within due_soon_days of the deadline, green beyond;
    None without a countdown (no deadline, handled)."""
    days = days_left(problem, as_of)
    if days is None:
        return None
    if days < 0:
        return severity_of(-days, settings)
    return "due_soon" if days <= settings.due_soon_days else "green"


def sql_project_ranks(project_id: str | None = None) -> str:
    """Each project's rank from its problems (registered in scheduling.rules.PROJECT_RANK_SOURCES
    by EscalationConfig.ready): rows (project_id, rank) of the projects having an overdue problem,
    rank 3 when one is overdue red, else 2 — so an overdue problem colours its project the way a
    delayed milestone does (no row: rank 0). `project_id` (an SQL expression, e.g. a correlated
    column) narrows it to that project; without it, one grouped read of the problems for the
    nightly job's join."""
    from .models import Problem

    table = Problem._meta.db_table
    only = f" AND pb.project_id = {project_id}" if project_id else ""
    return (
        "SELECT pb.project_id, MAX(CASE WHEN pb.deadline <= %(problem_red_cut)s THEN 3 ELSE 2 END) AS rank "  # noqa: S608
        f"FROM {table} pb WHERE {sql_overdue('pb')}{only} GROUP BY pb.project_id"
    )

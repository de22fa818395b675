"""The scheduling rules, each defined once, in the three forms the code needs.

- Open on D: not completed on or before D (actual_date is null or later than D).
- Overdue as of D: open on D and planned_date < D. days_overdue = D − planned_date (calendar
  days). Severity yellow for 1 … red_after_days − 1 days, red from red_after_days on.
- Due soon as of D: open on D and D ≤ planned_date ≤ D + due_soon_days.
- A milestone's colour (and a project's, from its worst open milestone): red / yellow when
  overdue, due_soon when due soon, green otherwise; a completed milestone has none.
- No schedule (无节点): a project without any milestone (whatever its stage) is no_schedule,
  not green: nothing says it is on time.
- Investment lag (投资滞后) as of D, for the last full month M before D: year-to-date completed
  (Jan..M) against the annual plan pro rata (plan × M/12): below invest_red_pct % red, below
  invest_yellow_pct % yellow, else green; no plan (or a zero plan) is "none". Compared without
  division: ytd × 1200 < plan × M × pct.
- Order of facts (顺序异常): actual dates are facts and are accepted in any order (开工 before the
  施工许可证 is issued happens under 承诺制 / 容缺受理); a node whose actual date breaks the
  nodes' order (MILESTONE_RANK) carries a warning naming the node it conflicts with. Planned
  dates keep the order rule as an error (scheduling.models.milestone_order_errors).
- Spending ahead of building (投资与形象进度不匹配): spend % = cumulative completed investment
  (the monthly reports of periods up to D) / total_investment × 100; schedule % = the project's
  standard nodes (every kind but “other”, each weighted equally) completed on D / its standard
  nodes × 100. The gap spend % − schedule % is undefined without a total investment or a
  standard node; the project is spending ahead when the gap exceeds spend_ahead_pp points.
  Compared without division: cum × 100 × n − done × 100 × total > pp × total × n.

Each rule is written here as an ORM form (Q objects and expressions for selectors, filters, the
API and the pages), a SQL fragment for the jobs' raw statements (named parameters from
`sql_params`, valid on PostgreSQL and SQLite) and a Python predicate for rows already in memory.
Thresholds come from a `SchedulingSettings` the caller loads once (never per row)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.expressions import ExpressionWrapper, Func
from django.db.models.lookups import LessThan
from django.utils.translation import gettext as _

from common.sql import DriverValues
from projects.models import InvestmentReport
from projects.rules import sql_counted, sql_stored_sum

from .models import MILESTONE_RANK, Milestone, MilestoneKind, Severity, order_conflicts

RED = Severity.RED.value
YELLOW = Severity.YELLOW.value
DUE_SOON = "due_soon"
GREEN = "green"
NO_SCHEDULE = "no_schedule"
NO_PLAN = "none"
# The investment statuses the weekly report lists as lagging.
LAGGING = (RED, YELLOW)


# --- Cut-off dates -----------------------------------------------------------------------------


def red_cut(as_of: dt.date, settings) -> dt.date:
    """An overdue milestone is red when planned on or before this day (red_after_days days)."""
    return as_of - dt.timedelta(days=settings.red_after_days)


def soon_cut(as_of: dt.date, settings) -> dt.date:
    """The last planned day that is still due soon (due_soon_days days ahead)."""
    return as_of + dt.timedelta(days=settings.due_soon_days)


def default_period(today: dt.date) -> dt.date:
    """The last full month before `today` (as the first of that month): reports for a month are
    filed during the next one, and the investment lag is graded on it."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


# --- Python predicates (objects with planned_date / actual_date) ---------------------------------


def completed_by(actual: dt.date | None, as_of: dt.date) -> bool:
    """An actual date `actual` means completed on or before `as_of`."""
    return actual is not None and actual <= as_of


def is_done(milestone, as_of: dt.date) -> bool:
    """Completed on or before `as_of`."""
    return completed_by(milestone.actual_date, as_of)


def is_open(milestone, as_of: dt.date) -> bool:
    return not is_done(milestone, as_of)


def is_overdue(milestone, as_of: dt.date) -> bool:
    return is_open(milestone, as_of) and milestone.planned_date < as_of


def is_due_soon(milestone, as_of: dt.date, settings) -> bool:
    return is_open(milestone, as_of) and as_of <= milestone.planned_date <= soon_cut(as_of, settings)


def days_overdue(planned: dt.date, as_of: dt.date) -> int:
    return (as_of - planned).days


def days_left(milestone, as_of: dt.date) -> int | None:
    """planned − as_of in calendar days (negative when overdue); None once completed."""
    return None if is_done(milestone, as_of) else (milestone.planned_date - as_of).days


def severity_of(days: int, settings) -> str:
    """The severity of a milestone overdue by `days` (≥ 1) days."""
    return RED if days >= settings.red_after_days else YELLOW


def countdown_level(days: int | None, settings) -> str | None:
    """The colour of an open milestone from its countdown (planned − as_of): red or yellow when
    overdue, due_soon within due_soon_days, green beyond; None when there is no countdown
    (completed)."""
    if days is None:
        return None
    if days < 0:
        return severity_of(-days, settings)
    return DUE_SOON if days <= settings.due_soon_days else GREEN


def milestone_level(milestone, as_of: dt.date, settings) -> str | None:
    return countdown_level(days_left(milestone, as_of), settings)


def order_warnings(items) -> dict[int, str]:
    """{index: message} for each item (with `kind`, `actual_date`) whose actual date breaks the
    nodes' order; the others have none. A warning, never an error: facts are kept as they are."""
    labels = dict(MilestoneKind.choices)
    warnings = {}
    for i, (other, early) in order_conflicts(items, "actual_date").items():
        a = items[i]
        if early:
            text = _("“%(a)s”的实际日期（%(da)s）早于“%(b)s”（%(db)s），与节点顺序不符。")
        else:
            text = _("“%(a)s”的实际日期（%(da)s）晚于“%(b)s”（%(db)s），与节点顺序不符。")
        warnings[i] = text % {
            "a": labels[a.kind],
            "da": a.actual_date.isoformat(),
            "b": labels[other.kind],
            "db": other.actual_date.isoformat(),
        }
    return warnings


def set_order_warnings(milestones) -> list:
    """Set `.order_warning` (message or None) on each milestone of an already fetched list that
    holds whole projects (each project's milestones compared among themselves); no query."""
    items = list(milestones)
    by_project: dict[int, list] = {}
    for m in items:
        by_project.setdefault(m.project_id, []).append(m)
    for group in by_project.values():
        found = order_warnings(group)
        for i, m in enumerate(group):
            m.order_warning = found.get(i)
    return items


STANDARD_KINDS = tuple(MILESTONE_RANK)
# The same kinds as an SQL list of literals (the set statements' `kind IN (…)`).
SQL_STANDARD_KINDS = ", ".join(f"'{kind}'" for kind in STANDARD_KINDS)


def is_standard(kind: str) -> bool:
    """A node that counts in the schedule's progress (every kind but “other”, weighted equally)."""
    return kind in MILESTONE_RANK


def spend_ahead_gap(cumulative: Decimal, total: Decimal | None, done: int, nodes: int) -> Decimal | None:
    """spend % − schedule % in percentage points, one decimal (half up); None when either share
    is undefined (no total investment, no standard node)."""
    if not total or not nodes:
        return None
    gap = Decimal(cumulative) * 100 / Decimal(total) - Decimal(done) * 100 / Decimal(nodes)
    return gap.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_spend_ahead(cumulative: Decimal, total: Decimal | None, done: int, nodes: int, settings) -> bool:
    """Exactly the ORM form's comparison (no rounding): gap > spend_ahead_pp."""
    if not total or not nodes:
        return False
    pp = Decimal(settings.spend_ahead_pp)
    return Decimal(cumulative) * 100 * nodes - Decimal(done) * 100 * Decimal(total) > pp * Decimal(total) * nodes


# --- ORM forms -----------------------------------------------------------------------------------


class DaysBetween(Func):
    """Whole calendar days from `earlier` to `later` (later − earlier) as an integer, on
    PostgreSQL (date − date is an integer there) and SQLite (julianday difference). A Func
    rather than `F() - F()`, which Django would turn into an interval."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(expr) for expr in self.get_source_expressions())
        return f"(({later[0]})::date - ({earlier[0]})::date)", (*later[1], *earlier[1])

    def as_sqlite(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(expr) for expr in self.get_source_expressions())
        return (
            f"CAST(julianday({later[0]}) - julianday({earlier[0]}) AS INTEGER)",
            (*later[1], *earlier[1]),
        )


def _day(value: dt.date) -> Value:
    return Value(value, output_field=DateField())


def open_on(as_of: dt.date) -> Q:
    """Not completed on or before `as_of` (a milestone completed after D was still open on D)."""
    return Q(actual_date__isnull=True) | Q(actual_date__gt=as_of)


# The next node (下一节点) of a project on D: its first milestone still open on D, in this order.
NEXT_ORDER = ("planned_date", "sequence", "id")


def next_milestones(as_of: dt.date, project=None):
    """ORM: the milestones open on `as_of` in the next-node order; `project` (a project or an
    OuterRef) narrows to one project, whose first row is its next node."""
    qs = Milestone.objects.filter(open_on(as_of))
    if project is not None:
        qs = qs.filter(project=project)
    return qs.order_by(*NEXT_ORDER)


def next_milestone_of(milestones, as_of: dt.date):
    """Python form: the next node among one project's fetched milestones, or None."""
    open_ones = [m for m in milestones if is_open(m, as_of)]
    return min(open_ones, key=lambda m: tuple(getattr(m, f) for f in NEXT_ORDER), default=None)


def finished_q(as_of: dt.date) -> Q:
    """On projects: finished (已完成) on `as_of`, i.e. it has nodes and none is still open. A
    project without nodes is not finished: it is no_schedule, nothing says it is done."""
    # The two arms of `open_on` as two uncorrelated NOT IN lists, each read by an index-only scan
    # of a partial index (milestone_open_project: the nodes without an actual date;
    # milestone_actual_project: the actual dates) and hashed once: the one NOT EXISTS with the OR
    # read all the milestones (1,000,000 at the bench's 100k projects) to keep 16%.
    nodes = Milestone.objects.filter(project=OuterRef("pk"))
    no_actual = Milestone.objects.filter(actual_date__isnull=True).values("project_id")
    done_later = Milestone.objects.filter(actual_date__gt=as_of).values("project_id")
    return Q(Exists(nodes)) & ~Q(pk__in=no_actual) & ~Q(pk__in=done_later)


def finished_stored_q() -> Q:
    """On projects: finished_q of today from the stored column `Project.finished`, written with
    the next node in the transaction of every milestone save or delete and by the nightly
    flag_delays (sql_finished): the wall chart's statements test a column instead of hashing
    every open milestone. The same projects as finished_q(today) (tests/scheduling/
    test_finished_column.py); a node whose actual date was typed in the future counts as open
    until the refresh after that day."""
    return Q(finished=True)


def sql_finished(project: str, next_date: str, milestone_table: str) -> str:
    """SQL: finished, from the project's next node on the day (NULL: no node open) and whether
    it has any node (finished_q: nodes, none open)."""
    has_nodes = f"EXISTS (SELECT 1 FROM {milestone_table} fm WHERE fm.project_id = {project}.id)"  # noqa: S608 (a table name from the model)
    return sql_finished_of(next_date, has_nodes)


def sql_finished_of(next_date: str, has_nodes: str) -> str:
    """sql_finished from two SQL expressions: the next node's date and whether there is a node."""
    return f"({next_date} IS NULL AND {has_nodes})"


def is_finished(milestones, as_of: dt.date) -> bool:
    """Python form of `finished_q` on one project's fetched milestones."""
    items = list(milestones)
    return bool(items) and not any(is_open(m, as_of) for m in items)


def overdue_q(as_of: dt.date) -> Q:
    return open_on(as_of) & Q(planned_date__lt=as_of)


def red_q(as_of: dt.date, settings) -> Q:
    return overdue_q(as_of) & Q(planned_date__lte=red_cut(as_of, settings))


def yellow_q(as_of: dt.date, settings) -> Q:
    return overdue_q(as_of) & Q(planned_date__gt=red_cut(as_of, settings))


def due_soon_q(as_of: dt.date, settings) -> Q:
    return open_on(as_of) & Q(planned_date__gte=as_of, planned_date__lte=soon_cut(as_of, settings))


def flagged_q(as_of: dt.date, settings) -> Q:
    """Overdue or due soon (open and planned no later than the due-soon window's end)."""
    return open_on(as_of) & Q(planned_date__lte=soon_cut(as_of, settings))


def days_overdue_expr(as_of: dt.date) -> DaysBetween:
    return DaysBetween(_day(as_of), F("planned_date"))


def days_left_expr(as_of: dt.date) -> DaysBetween:
    return DaysBetween(F("planned_date"), _day(as_of))


def severity_expr(as_of: dt.date, settings) -> Case:
    """The severity of an overdue milestone (meaningful on rows filtered by `overdue_q`)."""
    return Case(
        When(planned_date__lte=red_cut(as_of, settings), then=Value(RED)),
        default=Value(YELLOW),
        output_field=CharField(),
    )


_MONEY = DecimalField(max_digits=30, decimal_places=4)


def investment_status_expr(ytd, plan, *, months: int, settings) -> Case:
    """The investment status of each row from two money expressions (year-to-date and plan)."""
    scaled_ytd = ExpressionWrapper(ytd * Value(1200), output_field=_MONEY)

    def below(pct) -> LessThan:
        return LessThan(scaled_ytd, ExpressionWrapper(plan * Value(months * Decimal(pct)), output_field=_MONEY))

    return Case(
        When(Q(LessThan(Value(0), plan)) & below(settings.invest_red_pct), then=Value(RED)),
        When(Q(LessThan(Value(0), plan)) & below(settings.invest_yellow_pct), then=Value(YELLOW)),
        When(Q(LessThan(Value(0), plan)), then=Value(GREEN)),
        default=Value(NO_PLAN),
        output_field=CharField(),
    )


def investment_status(ytd: Decimal, plan: Decimal | None, *, months: int, settings) -> str:
    """Python form of the investment status (plans are never negative)."""
    if not plan:
        return NO_PLAN
    if ytd * 1200 < plan * months * Decimal(settings.invest_red_pct):
        return RED
    if ytd * 1200 < plan * months * Decimal(settings.invest_yellow_pct):
        return YELLOW
    return GREEN


def spend_ahead_of(project, settings) -> tuple[Decimal | None, bool]:
    """(gap, spending ahead) of a project annotated by `spend_ahead_annotations`."""
    args = (project.spend_cumulative, project.total_investment, project.spend_done, project.spend_nodes)
    return spend_ahead_gap(*args), is_spend_ahead(*args, settings)


class ProjectSql(DriverValues, Func):
    """A per-project SQL expression written as SQL of the project row's key (`sql(key, vendor)`
    gives the SQL and its parameters): the query resolves and compiles one column instead of a
    subquery's whole queryset (about 2 ms of ORM work per list page for the three spend-ahead
    inputs), and the key is relabelled like any column when the queryset is nested. The values
    are what the driver reads on PostgreSQL (numeric → Decimal, bigint → int): no per-row
    converter there; SQLite's go through the output field's."""

    def __init__(self, sql, *, output_field):
        super().__init__(F("pk"), output_field=output_field)
        self.sql = sql

    def as_sql(self, compiler, connection, **extra_context):
        key, key_params = compiler.compile(self.get_source_expressions()[0])
        sql, params = self.sql(key, connection.vendor)
        return f"({sql})", (*key_params, *params)


def _sql_reports_until(key: str, vendor: str) -> str:
    """SQL: the counted reports' sum of project `key` up to the date parameter: the stored
    running sum (one index probe, projects.rules.sql_stored_sum) on PostgreSQL, the sum over
    the reports on SQLite (which keeps no running sums)."""
    table = InvestmentReport._meta.db_table
    if vendor == "postgresql":
        return sql_stored_sum(table, key, "%s", zero="0.00")
    return (
        f"COALESCE((SELECT SUM(r.amount) FROM {table} r WHERE r.project_id = {key} "  # noqa: S608 (a table name from the model)
        f"AND {sql_counted('r')} AND r.period <= %s), 0.00)"
    )


def _sql_standard_nodes(key: str, *, completed: bool) -> str:
    """SQL: the standard nodes of project `key` (completed on the date parameter: actual date on
    or before it, when `completed`)."""
    done = " AND m.actual_date <= %s" if completed else ""
    return (
        f"SELECT COUNT(*) FROM {Milestone._meta.db_table} m "  # noqa: S608 (a table name from the model)
        f"WHERE m.project_id = {key} AND m.kind IN ({SQL_STANDARD_KINDS}){done}"
    )


def spend_ahead_annotations(as_of: dt.date) -> dict:
    """The inputs of the spend-ahead rule for each project of a queryset, as correlated
    subqueries (one statement whatever the number of projects): spend_cumulative (the counted
    reports of periods up to `as_of`), spend_nodes (standard nodes), spend_done (of those,
    completed on `as_of`)."""
    return {
        "spend_cumulative": ProjectSql(
            lambda key, vendor: (_sql_reports_until(key, vendor), [as_of]), output_field=_MONEY
        ),
        "spend_nodes": ProjectSql(
            lambda key, vendor: (_sql_standard_nodes(key, completed=False), []), output_field=IntegerField()
        ),
        "spend_done": ProjectSql(
            lambda key, vendor: (_sql_standard_nodes(key, completed=True), [as_of]), output_field=IntegerField()
        ),
    }


def spend_ahead_q(settings) -> Q:
    """On a queryset annotated with `spend_ahead_annotations`: spending more than spend_ahead_pp
    points ahead of the schedule (the same comparison as `is_spend_ahead`)."""
    total, n = F("total_investment"), F("spend_nodes")
    spent = ExpressionWrapper(F("spend_cumulative") * Value(100) * n, output_field=_MONEY)
    built = ExpressionWrapper(F("spend_done") * Value(100) * total, output_field=_MONEY)
    allowed = ExpressionWrapper(Value(Decimal(settings.spend_ahead_pp)) * total * n, output_field=_MONEY)
    ahead = ExpressionWrapper(spent - built, output_field=_MONEY)
    return Q(total_investment__gt=0, spend_nodes__gt=0) & Q(LessThan(allowed, ahead))


# --- SQL fragments (named parameters of `sql_params`) ------------------------------------------


def sql_params(as_of: dt.date, settings) -> dict:
    """The parameters every fragment below uses: d, red_cut, soon_cut, and for the investment
    rule year, year_start, period, months, yellow_pct, red_pct; spend_pp for the spend-ahead rule; problem_red_cut for the ranks
    registered in PROJECT_RANK_SOURCES."""
    period = default_period(as_of)
    return {
        "d": as_of,
        "red_cut": red_cut(as_of, settings),
        "soon_cut": soon_cut(as_of, settings),
        "year": period.year,
        "year_start": dt.date(period.year, 1, 1),
        "period": period,
        "months": period.month,
        "yellow_pct": Decimal(settings.invest_yellow_pct),
        "red_pct": Decimal(settings.invest_red_pct),
        "spend_pp": Decimal(settings.spend_ahead_pp),
        # An overdue problem (escalation) is red when its deadline is on or before this day.
        "problem_red_cut": as_of - dt.timedelta(days=settings.problem_red_after_days),
    }


# Other reasons a project is red or yellow, registered by the apps above this one (escalation:
# an overdue problem) so the project's colour stays one statement here: each a function giving
# the rows (project_id, rank) of the projects it ranks (3 red, 2 yellow; no row: 0), narrowed to
# one project by its optional argument (an SQL expression of the project id); named parameters of
# `sql_params` only.
PROJECT_RANK_SOURCES: list = []


def register_project_rank(source) -> None:
    if source not in PROJECT_RANK_SOURCES:
        PROJECT_RANK_SOURCES.append(source)


def sql_extra_rank(project_id: str) -> str | None:
    """The highest rank the registered sources give project `project_id` (a correlated scalar
    per project, for the statements limited to a few projects), or None without any."""
    parts = [
        f"COALESCE((SELECT xr.rank FROM ({source(project_id)}) xr), 0)"  # noqa: S608 (the sources' SQL)
        for source in PROJECT_RANK_SOURCES
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sql_greatest(*parts)


def sql_extra_ranks() -> str | None:
    """The same ranks as rows (project_id, rank) of every project having one (each source read
    once, for a join of all the projects), or None without any source."""
    if not PROJECT_RANK_SOURCES:
        return None
    union = " UNION ALL ".join(f"({source()})" for source in PROJECT_RANK_SOURCES)
    return f"SELECT xs.project_id, MAX(xs.rank) AS rank FROM ({union}) xs GROUP BY xs.project_id"  # noqa: S608


def sql_greatest(*parts: str) -> str:
    return f"{'GREATEST' if connection.vendor == 'postgresql' else 'MAX'}({', '.join(parts)})"


def _col(alias: str, column: str) -> str:
    return f"{alias}.{column}" if alias else column


def sql_days(later: str, earlier: str) -> str:
    """Whole days from `earlier` to `later` (SQL expressions of dates)."""
    if connection.vendor == "postgresql":
        return f"({later}::date - {earlier}::date)"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def sql_next_day(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} + 1)"
    return f"date({column}, '+1 day')"


def sql_open(alias: str = "m") -> str:
    actual = _col(alias, "actual_date")
    return f"({actual} IS NULL OR {actual} > %(d)s)"


def sql_next_milestones(milestone_table: str, only: str = "") -> str:
    """SQL form of `next_milestones`: (project_id, planned_date, kind, name) of each project's
    next node on %(d)s, one row per project that has an open node; `only` an extra condition on
    the milestones (alias m)."""
    ranked = sql_open_ranked(milestone_table, only)
    return f"SELECT project_id, planned_date, kind, name FROM ({ranked}) ranked WHERE rn = 1"  # noqa: S608


def sql_open_ranked(milestone_table: str, only: str = "", *, with_id: bool = False) -> str:
    """The milestones open on %(d)s (project_id, planned_date, actual_date, kind, name; `with_id`
    also id) with `rn`, their place in the next-node order within their project (1: the next
    node); `only` an extra condition (alias m). flag_delays reads it once for the colours, the
    next node and the delay records (with the ids)."""
    order = ", ".join(f"m.{column}" for column in NEXT_ORDER)
    where = sql_open("m") + (f" AND {only}" if only else "")
    return (
        f"SELECT {'m.id, ' if with_id else ''}m.project_id, m.planned_date, m.actual_date, m.kind, m.name, "  # noqa: S608 (a table name from the model)
        f"ROW_NUMBER() OVER (PARTITION BY m.project_id ORDER BY {order}) AS rn "
        f"FROM {milestone_table} m WHERE {where}"
    )


def sql_overdue(alias: str = "m") -> str:
    return f"({_col(alias, 'planned_date')} < %(d)s AND {sql_open(alias)})"


def sql_red(alias: str = "m") -> str:
    return f"({sql_overdue(alias)} AND {_col(alias, 'planned_date')} <= %(red_cut)s)"


def sql_yellow(alias: str = "m") -> str:
    return f"({sql_overdue(alias)} AND {_col(alias, 'planned_date')} > %(red_cut)s)"


def sql_due_soon(alias: str = "m") -> str:
    planned = _col(alias, "planned_date")
    return f"({sql_open(alias)} AND {planned} >= %(d)s AND {planned} <= %(soon_cut)s)"


def sql_flagged(alias: str = "m") -> str:
    """Overdue or due soon."""
    return f"({sql_open(alias)} AND {_col(alias, 'planned_date')} <= %(soon_cut)s)"


def sql_days_overdue(planned: str = "m.planned_date") -> str:
    return sql_days("%(d)s", planned)


def sql_severity(planned: str = "m.planned_date") -> str:
    """The severity of an overdue milestone (or delay record) planned on `planned`."""
    return f"CASE WHEN {planned} <= %(red_cut)s THEN '{RED}' ELSE '{YELLOW}' END"


def sql_status_rank(alias: str = "m") -> str:
    """3 red, 2 yellow, 1 due soon, NULL otherwise (also for a LEFT JOIN's missing row): the
    MAX over a project's milestones gives its colour through `sql_status_of_rank`."""
    return f"CASE WHEN {sql_red(alias)} THEN 3 WHEN {sql_overdue(alias)} THEN 2 WHEN {sql_due_soon(alias)} THEN 1 END"


def sql_status_of_rank(rank: str) -> str:
    return (
        f"CASE COALESCE({rank}, 0) WHEN 3 THEN '{RED}' WHEN 2 THEN '{YELLOW}' WHEN 1 THEN '{DUE_SOON}' "
        f"ELSE '{GREEN}' END"
    )


def sql_no_schedule(project_id: str, milestone_table: str) -> str:
    """The project `project_id` (an SQL expression) has no milestone at all: no schedule."""
    return f"NOT EXISTS (SELECT 1 FROM {milestone_table} ns WHERE ns.project_id = {project_id})"  # noqa: S608 (a table name from the model)


def sql_project_status(rank: str, no_schedule: str) -> str:
    """A project's colour: no_schedule when `no_schedule` (sql_no_schedule) holds, else the
    colour of its worst milestone's `rank` (sql_status_of_rank)."""
    return f"CASE WHEN {no_schedule} THEN '{NO_SCHEDULE}' ELSE {sql_status_of_rank(rank)} END"


def sql_investment_status(ytd: str, plan: str) -> str:
    """The investment status from a year-to-date and a plan SQL expression (either may be NULL)."""
    return (
        f"CASE WHEN {plan} IS NULL OR {plan} = 0 THEN '{NO_PLAN}' "
        f"WHEN COALESCE({ytd}, 0) * 1200 < {plan} * %(months)s * %(red_pct)s THEN '{RED}' "
        f"WHEN COALESCE({ytd}, 0) * 1200 < {plan} * %(months)s * %(yellow_pct)s THEN '{YELLOW}' "
        f"ELSE '{GREEN}' END"
    )


def sql_spend_ahead(cumulative: str, total: str, done: str, nodes: str) -> str:
    """SQL form of `spend_ahead_q` / `is_spend_ahead` from four SQL expressions (the reports'
    sum up to D, the total investment, the standard nodes completed on D, the standard nodes);
    parameter spend_pp (sql_params)."""
    return (
        f"({total} > 0 AND {nodes} > 0 AND "
        f"%(spend_pp)s * {total} * {nodes} < {cumulative} * 100 * {nodes} - {done} * 100 * {total})"
    )


def sql_standard_counts(milestone_table: str, only: str = "") -> str:
    """(project_id, nodes, dated) of each project having a standard node (is_standard): its
    standard nodes and, of those, the ones with an actual date whatever the day; `only` an extra
    condition on the milestones (alias m). Stored as Project.standard_nodes / standard_dated by
    the statement of the next node: the spend-ahead rule's nodes, and its nodes done on D once
    the ones dated after D are taken off (sql_standard_dated_after)."""
    where = f"m.kind IN ({SQL_STANDARD_KINDS})" + (f" AND {only}" if only else "")
    return (
        "SELECT m.project_id, COUNT(*) AS nodes, COUNT(m.actual_date) AS dated "  # noqa: S608
        f"FROM {milestone_table} m WHERE {where} GROUP BY m.project_id"
    )


def sql_standard_dated_after(milestone_table: str) -> str:
    """(project_id, late) of each project having standard nodes with an actual date after %(d)s
    (few: the days since D, and dates typed ahead): Project.standard_dated less `late` is the
    number of its standard nodes completed on D (spend_ahead_annotations' spend_done)."""
    return (
        "SELECT m.project_id, COUNT(*) AS late FROM "  # noqa: S608
        f"{milestone_table} m WHERE m.actual_date > %(d)s AND m.kind IN ({SQL_STANDARD_KINDS}) GROUP BY m.project_id"
    )


def sql_order_rank(alias: str = "m") -> str:
    """A node's place in MILESTONE_RANK (NULL for an “other” node)."""
    whens = " ".join(f"WHEN '{kind}' THEN {rank}" for kind, rank in MILESTONE_RANK.items())
    return f"CASE {_col(alias, 'kind')} {whens} END"


def sql_order_conflict_projects(milestone_table: str, only: str = "") -> str:
    """The projects having nodes with actual dates (whatever the day) that break the nodes'
    order: an actual date earlier than that of a node of a lower rank (the `early` case of
    order_conflicts; every `late` pair is the early pair of the other node, so these are exactly
    the projects for which order_warnings over all their dated nodes finds anything); `only` an
    extra condition on the milestones (alias m). No day: a conflict among the nodes completed
    on or before a day D is one among all of them, so these projects hold every project with a
    warning on any D (the weekly report checks their nodes of D by order_warnings). Stored as
    Project.order_conflict by the statement of the next node (order_conflict_stored_q)."""
    where = f"m.actual_date IS NOT NULL AND m.kind IN ({SQL_STANDARD_KINDS})" + (f" AND {only}" if only else "")
    return (
        "SELECT DISTINCT c.project_id FROM ("  # noqa: S608
        f"SELECT m.project_id, m.actual_date, MAX(m.actual_date) OVER (PARTITION BY m.project_id "
        f"ORDER BY {sql_order_rank('m')} RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before "
        f"FROM {milestone_table} m WHERE {where}) c WHERE c.actual_date < c.before"
    )


def order_conflict_stored_q(prefix: str = "") -> Q:
    """The projects (`prefix` the path to the project, e.g. "project__") whose stored
    Project.order_conflict says sql_order_conflict_projects holds them, written in the
    transaction of every milestone write (scheduling.services.refresh_next_milestones): the
    only projects that can have an order warning (order_warnings) on any day."""
    return Q(**{f"{prefix}order_conflict": True})

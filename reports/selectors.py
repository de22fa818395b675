"""Reads for the weekly delay report: everything it shows, in a constant number of queries.

1. overdue milestones as of the Monday (scheduling.selectors.overdue_milestones), with project,
   park, industry and the latest progress note and problems (Subquery on InvestmentReport);
2. the milestone ids overdue a week earlier, with enough to say why they left the list;
3. milestones due in the next `due_soon_days` days (due_soon_milestones) with their countdown;
4. projects whose year-to-date investment lags the annual plan pro rata (one annotated query);
5. the park and industry trees (one query each) to roll sub-parks and sub-industries up;
6. the completed nodes whose actual dates break the nodes' order (顺序异常, one query of the
   projects flagged by Project.order_conflict);
7. the projects spending ahead of their schedule (投资与形象进度不匹配, one annotated query);
8. who has not reported the month now due (projects.reporting: the per-park figures in three
   statements and the missing and returned projects in one).
8. the week's 督办事项 (escalation.selectors.week_problems, one query).
Everything after that (summaries, per-park sections) is arithmetic on those rows in memory."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from types import SimpleNamespace

from django.db import connection
from django.db.models import DecimalField, OuterRef, Subquery
from django.utils.translation import gettext as _

from common.dates import DateError, check_date
from escalation.selectors import WeekProblems, week_problems
from parks.models import Industry, Park, descendants
from projects.models import AnnualPlan, InvestmentReport, Project, ReportStatus
from projects.reporting import ParkStatus, reporting_status_all, unreported
from projects.rules import (
    counted_q,
    period_now_due,
    report_due_date,
    sql_counted,
    sql_recent_stored_sum,
)
from scheduling import rules
from scheduling.models import Milestone, SchedulingSettings, milestone_label
from scheduling.selectors import due_soon_milestones, overdue_milestones

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def _tables() -> dict[str, str]:
    return {
        "p": Project._meta.db_table,
        "m": Milestone._meta.db_table,
        "r": InvestmentReport._meta.db_table,
        "ap": AnnualPlan._meta.db_table,
        "park": Park._meta.db_table,
        "industry": Industry._meta.db_table,
    }


class WeekError(ValueError):
    pass


def parse_week(value: str) -> tuple[str, dt.date]:
    """'2026-W03' → ('2026-W03', Monday of that ISO week). Raises WeekError with a message for
    people when the value is not an existing ISO week."""
    match = WEEK_RE.match((value or "").strip())
    if not match:
        raise WeekError(_("周次格式应为 YYYY-Www（ISO 周），例如 2026-W03；收到的是“%(value)s”。") % {"value": value})
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise WeekError(_("%(year)s 年没有第 %(week)s 周。") % {"year": year, "week": week})
    try:  # the week's Monday (its as_of) inside the one date range (common.dates)
        check_date(monday, field="week")
    except DateError as exc:
        raise WeekError(_("周次 %(week)s：%(message)s") % {"week": value, "message": exc.message}) from None
    return f"{year:04d}-W{week:02d}", monday


def week_of(day: dt.date) -> str:
    iso = day.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


@dataclass(slots=True)
class DelayRow:
    milestone_id: int
    project_id: int
    project: str
    park_id: int
    park: str
    industry_id: int
    industry: str
    milestone: str
    baseline_date: dt.date
    planned_date: dt.date
    days_overdue: int
    severity: str
    leader: str
    progress: str
    problems: str
    progress_period: dt.date | None

    @property
    def severity_label(self) -> str:
        return _("红色") if self.severity == "red" else _("黄色")


@dataclass(slots=True)
class DueRow:
    milestone_id: int
    project_id: int
    project: str
    park_id: int
    park: str
    industry: str
    milestone: str
    planned_date: dt.date
    days_left: int
    leader: str


@dataclass(slots=True)
class ResolvedRow:
    milestone_id: int
    project: str
    park_id: int
    park: str
    milestone: str
    planned_date: dt.date
    days_overdue_last_week: int
    reason: str


@dataclass(slots=True)
class LagRow:
    project_id: int
    project: str
    park_id: int
    park: str
    industry: str
    plan: Decimal
    expected: Decimal
    ytd: Decimal
    pct: Decimal
    severity: str

    @property
    def severity_label(self) -> str:
        return _("投资严重滞后") if self.severity == "red" else _("投资偏慢")


@dataclass(slots=True)
class OrderRow:
    """A completed node whose actual date breaks the nodes' order (顺序异常)."""

    milestone_id: int
    project_id: int
    project: str
    park_id: int
    park: str
    milestone: str
    actual_date: dt.date
    warning: str


@dataclass(slots=True)
class SpendRow:
    """A project spending more than spend_ahead_pp points ahead of its schedule."""

    project_id: int
    project: str
    park_id: int
    park: str
    industry: str
    total: Decimal
    cumulative: Decimal
    spend_pct: Decimal
    schedule_pct: Decimal
    gap: Decimal


@dataclass(slots=True)
class MissingRow:
    """A project expected to report the month now due without a report that counts: none yet,
    a draft, or one the commission returned (with its reason)."""

    project_id: int
    project: str
    park_id: int
    park: str
    status: str | None  # the report's status, None when there is no report
    reason: str

    @property
    def status_label(self) -> str:
        return str(ReportStatus(self.status).label) if self.status else _("未报送")


@dataclass
class Reporting:
    """Section 八: who has reported the month now due (月报填报情况)."""

    period: dt.date
    due_date: dt.date
    closed: bool
    parks: list[ParkStatus]  # parks expecting at least one report
    rows: list[MissingRow]

    def narrowed(self, ids: set[int]) -> Reporting:
        return Reporting(
            period=self.period,
            due_date=self.due_date,
            closed=self.closed,
            parks=[p for p in self.parks if p.park_id in ids],
            rows=[r for r in self.rows if r.park_id in ids],
        )


@dataclass
class ReportData:
    week: str
    as_of: dt.date
    delays: list[DelayRow]
    newly: list[DelayRow]
    resolved: list[ResolvedRow]
    due_soon: list[DueRow]
    lagging: list[LagRow]
    lag_month: dt.date
    parks: dict[int, dict] = field(default_factory=dict)  # id → {name, code, parent_id, sort_order}
    industries: dict[int, dict] = field(default_factory=dict)
    scope_park_id: int | None = None  # None: the whole city
    order_warnings: list[OrderRow] = field(default_factory=list)  # 顺序异常 (section 六)
    spend_ahead: list[SpendRow] = field(default_factory=list)  # 投资与形象进度不匹配 (section 七)
    spend_ahead_pp: Decimal | None = None  # the threshold the section used
    reporting: Reporting | None = None  # 月报填报情况 (section 九)
    problems: WeekProblems = field(default_factory=WeekProblems)  # 督办事项 (section 八)
    # The commission's thresholds the report was computed with (SchedulingSettings).
    red_after_days: int = field(kw_only=True)
    due_soon_days: int = field(kw_only=True)

    # --- scoping -------------------------------------------------------------------------
    def descendants(self, park_id: int) -> set[int]:
        return descendants(((pk, info["parent_id"]) for pk, info in self.parks.items()), [park_id])

    def section(self, park_id: int) -> ReportData:
        """The part of the report about one park and its sub-parks (no query)."""
        ids = self.descendants(park_id)
        return ReportData(
            week=self.week,
            as_of=self.as_of,
            delays=[r for r in self.delays if r.park_id in ids],
            newly=[r for r in self.newly if r.park_id in ids],
            resolved=[r for r in self.resolved if r.park_id in ids],
            due_soon=[r for r in self.due_soon if r.park_id in ids],
            lagging=[r for r in self.lagging if r.park_id in ids],
            lag_month=self.lag_month,
            parks=self.parks,
            industries=self.industries,
            scope_park_id=park_id,
            order_warnings=[r for r in self.order_warnings if r.park_id in ids],
            spend_ahead=[r for r in self.spend_ahead if r.park_id in ids],
            spend_ahead_pp=self.spend_ahead_pp,
            reporting=self.reporting.narrowed(ids) if self.reporting else None,
            problems=self.problems.only(ids),
            red_after_days=self.red_after_days,
            due_soon_days=self.due_soon_days,
        )

    @property
    def scope_name(self) -> str:
        if self.scope_park_id is None:
            return _("全市")
        return self.parks[self.scope_park_id]["name"]

    # --- summaries -----------------------------------------------------------------------
    def _root(self, tree: dict[int, dict], pk: int) -> int:
        seen = set()
        while tree[pk]["parent_id"] is not None and pk not in seen:
            seen.add(pk)
            pk = tree[pk]["parent_id"]
        return pk

    def park_groups(self) -> list[tuple[int, list[DelayRow]]]:
        """Detail rows grouped per park section: the top-level parks for the city report, the
        scope park's children for a section; in the parks' own order."""
        if self.scope_park_id is None:
            key = {pk: self._root(self.parks, pk) for pk in self.parks}
        else:
            key = {pk: pk for pk in self.parks}
        groups: dict[int, list[DelayRow]] = {}
        for row in self.delays:
            groups.setdefault(key[row.park_id], []).append(row)
        order = sorted(groups, key=lambda pk: (self.parks[pk]["sort_order"], self.parks[pk]["code"]))
        return [(pk, groups[pk]) for pk in order]

    def summary(self) -> dict:
        def count(rows):
            projects_red = {r.project_id for r in rows if r.severity == "red"}
            projects = {r.project_id for r in rows}
            return {
                "milestones": len(rows),
                "milestones_red": sum(1 for r in rows if r.severity == "red"),
                "milestones_yellow": sum(1 for r in rows if r.severity == "yellow"),
                "projects": len(projects),
                "projects_red": len(projects_red),
                "projects_yellow": len(projects - projects_red),
            }

        by_park: dict[int, list[DelayRow]] = {}
        top = (lambda pk: self._root(self.parks, pk)) if self.scope_park_id is None else (lambda pk: pk)
        for row in self.delays:
            by_park.setdefault(top(row.park_id), []).append(row)
        by_industry: dict[int, list[DelayRow]] = {}
        for row in self.delays:
            by_industry.setdefault(self._root(self.industries, row.industry_id), []).append(row)
        return {
            "week": self.week,
            "as_of": self.as_of.isoformat(),
            "scope": self.scope_name,
            **count(self.delays),
            "newly_delayed": len(self.newly),
            "resolved": len(self.resolved),
            "due_soon": len(self.due_soon),
            "due_soon_days": self.due_soon_days,
            "investment_lagging": len(self.lagging),
            "order_warnings": len(self.order_warnings),
            "spend_ahead": len(self.spend_ahead),
            "reports_missing": sum(1 for r in self.reporting.rows if r.status != ReportStatus.RETURNED)
            if self.reporting
            else 0,
            "reports_returned": sum(1 for r in self.reporting.rows if r.status == ReportStatus.RETURNED)
            if self.reporting
            else 0,
            "problems_new": len(self.problems.new),
            "problems_overdue": len(self.problems.overdue),
            "problems_handled": len(self.problems.handled),
            "problems_confirmed": len(self.problems.confirmed),
            "by_park": [
                {"code": self.parks[pk]["code"], "name": self.parks[pk]["name"], **count(rows)}
                for pk, rows in sorted(
                    by_park.items(), key=lambda kv: (self.parks[kv[0]]["sort_order"], self.parks[kv[0]]["code"])
                )
            ],
            "by_industry": [
                {"code": self.industries[pk]["code"], "name": self.industries[pk]["name"], **count(rows)}
                for pk, rows in sorted(
                    by_industry.items(),
                    key=lambda kv: (self.industries[kv[0]]["sort_order"], self.industries[kv[0]]["code"]),
                )
            ],
        }

    def longest(self, n: int = 10) -> list[DelayRow]:
        return sorted(self.delays, key=lambda r: (-r.days_overdue, r.project, r.milestone_id))[:n]


def _active_milestones():
    return Milestone.objects.filter(project__archived_at__isnull=True)


def _labels():
    """milestone_label, computed once per (kind, name) of a report's rows (its kind's label is a
    translation looked up on every call: 0.5 s over the bench's 37,000 rows)."""
    known: dict[tuple, str] = {}

    def label(kind: str | None, name: str | None) -> str:
        key = (kind, name)
        if key not in known:
            known[key] = milestone_label(kind, name)
        return known[key]

    return label


def _money(value) -> Decimal:
    """A money column of a raw statement as the ORM reads it (DecimalField, 2 places): Decimal on
    PostgreSQL; on SQLite, whose sums are floats, through the same 15-digit context and
    quantization as Django's converter."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = _FLOAT_CONTEXT.create_decimal_from_float(value)
    return Decimal(value).quantize(_CENTS)


_FLOAT_CONTEXT = Context(prec=15)
_SUM_FIELD = DecimalField(max_digits=30, decimal_places=4)
_CENTS = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """The project columns a project row of the report shows."""

    pk: int
    name: str
    park_id: int
    park_name: str
    industry_name: str


def _investment_lagging(*, as_of: dt.date, settings: SchedulingSettings) -> tuple[dt.date, list[tuple]]:
    """investment_lagging's statement: (the month M, rows (project id, name, park id, park
    name, industry name, plan, year to date)) as plain tuples."""
    # One pass, set-based: the year's counted reports summed once per project (one aggregate
    # over the covering index), joined to the year's plans, graded by rules.sql_investment_status
    # and read as plain rows. The earlier form summed the year's reports twice (once to find the
    # 40,000 flagged projects of the bench city, again through a join per flagged project:
    # 400,000 report probes and a sort of them) and built three model instances per row.
    # On PostgreSQL the year to date is the running sum the database keeps on each report
    # (projects.rules.sql_stored_sum): the reports of the month and the two before it read by
    # index-only scans (projects.rules.sql_recent_reports), a probe backwards only for a project
    # without a report in those months; elsewhere one aggregate.
    t = _tables()
    if connection.vendor == "postgresql":
        reports, ytd = sql_recent_stored_sum(t["r"], "ap.project_id", "%(period)s", year_start="%(year_start)s")
    else:
        ytd = "COALESCE(r.ytd, 0)"
        reports = (
            f"LEFT JOIN (SELECT rc.project_id, SUM(rc.amount) AS ytd FROM {t['r']} rc "  # noqa: S608
            f"WHERE rc.period >= %(year_start)s AND rc.period <= %(period)s AND {sql_counted('rc')} "
            f"GROUP BY rc.project_id) r ON r.project_id = ap.project_id "
        )
    status = rules.sql_investment_status(ytd, "ap.planned_investment")
    sql = (
        f"SELECT p.id, p.name, p.park_id, pk.name, ind.name, ap.planned_investment, {ytd} "  # noqa: S608
        f"FROM {t['ap']} ap JOIN {t['p']} p ON p.id = ap.project_id AND p.archived_at IS NULL "
        f"JOIN {t['park']} pk ON pk.id = p.park_id JOIN {t['industry']} ind ON ind.id = p.industry_id "
        f"{reports}"
        f"WHERE ap.year = %(year)s AND {status} IN ('{rules.RED}', '{rules.YELLOW}') "
        f"ORDER BY pk.sort_order, pk.code, p.name, p.id"
    )
    params = rules.sql_params(as_of, settings)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return params["period"], [
            (pk, name, park_id, park, industry, _money(plan), _money(ytd))
            for pk, name, park_id, park, industry, plan, ytd in cursor.fetchall()
        ]


def investment_lagging(
    *, as_of: dt.date, settings: SchedulingSettings
) -> tuple[dt.date, list[tuple[ProjectRef, Decimal, Decimal]]]:
    """Active projects whose investment status (scheduling.rules) as of `as_of` is red or yellow:
    completed investment Jan..M (M = the last full month before `as_of`) below
    `invest_yellow_pct` % of the annual plan pro rata (plan × M/12), each with its plan and
    year-to-date sum, in the report's order (park, project name, id). One statement
    (_investment_lagging, whose plain tuples the weekly report reads directly).

    This is the rule scheduling.services.flag_delays stores in Project.investment_status,
    evaluated here as of the report's Monday so that a report of a past week does not depend
    on when flag_delays last ran."""
    period, rows = _investment_lagging(as_of=as_of, settings=settings)
    return period, [
        (ProjectRef(pk, name, park_id, park, industry), plan, ytd)
        for pk, name, park_id, park, industry, plan, ytd in rows
    ]


def _trees() -> tuple[dict[int, dict], dict[int, dict]]:
    """The park and industry trees (one query each), to roll sub-parks and sub-industries up."""
    parks = {p["id"]: p for p in Park.objects.order_by().values("id", "code", "name", "parent_id", "sort_order")}
    industries = {
        i["id"]: i for i in Industry.objects.order_by().values("id", "code", "name", "parent_id", "sort_order")
    }
    return parks, industries


def _latest_reports(as_of: dt.date, milestones, project_ids) -> dict[int, tuple[str, str, dt.date]]:
    """{project id: (progress, problems, period)} of the latest counted report on or before
    `as_of` of each project having one of `milestones` (a milestone queryset; `project_ids`:
    those projects, already read), in one statement: the report's columns read once per
    project, not once per overdue milestone. A join to the reports by (project, latest period)
    would let the planner hash the whole report table (3,600,000 rows at the bench's 100,000
    projects) for 15,000 projects.

    On PostgreSQL the ids already read are passed as one array, and each project's report is
    one index probe backwards (a LATERAL join) giving the three columns at once: the form that
    filtered the projects again by the overdue milestones and ran a subquery per column took
    0.75 s for the bench city's 16,471 projects (a second scan of the overdue nodes, three
    probes each), this one 0.15 s. Elsewhere (SQLite: no arrays) the ORM form."""
    if connection.vendor == "postgresql":
        t = _tables()
        sql = (
            "SELECT ids.id, l.progress, l.problems, l.period FROM unnest(%(ids)s::bigint[]) AS ids(id) "  # noqa: S608
            f"JOIN LATERAL (SELECT r.progress, r.problems, r.period FROM {t['r']} r "
            f"WHERE r.project_id = ids.id AND r.period <= %(d)s AND {sql_counted('r')} "
            "ORDER BY r.period DESC LIMIT 1) l ON true"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, {"ids": sorted(project_ids), "d": as_of})
            return {project_id: (progress, problems, period) for project_id, progress, problems, period in cursor}

    def latest(column: str) -> Subquery:
        return Subquery(
            InvestmentReport.objects.filter(counted_q(), project_id=OuterRef("pk"), period__lte=as_of)
            .order_by("-period")
            .values(column)[:1]
        )

    reports = (
        Project.objects.filter(pk__in=milestones.order_by().values("project_id"))
        .annotate(
            latest_progress=latest("progress"), latest_problems=latest("problems"), latest_period=latest("period")
        )
        .order_by()
        .values_list("pk", "latest_progress", "latest_problems", "latest_period")
    )
    return {project_id: (progress, problems, period) for project_id, progress, problems, period in reports}


def _delay_rows(*, as_of: dt.date, thresholds: SchedulingSettings) -> list[DelayRow]:
    """The overdue milestones of the Monday with their project's latest progress note (two
    statements: the rows, and the latest reports of their projects, _latest_reports)."""
    label = _labels()
    overdue = overdue_milestones(as_of=as_of, queryset=_active_milestones(), settings=thresholds)
    current = overdue.order_by(
        "project__park__sort_order", "project__park__code", "-days_overdue", "project__name", "pk"
    ).values_list(
        "pk",
        "project_id",
        "project__name",
        "project__park_id",
        "project__park__name",
        "project__industry_id",
        "project__industry__name",
        "kind",
        "name",
        "baseline_date",
        "planned_date",
        "days_overdue",
        "severity",
        "project__leader",
    )
    rows = list(current)
    latest = _latest_reports(as_of, overdue, {r[1] for r in rows})
    none = ("", "", None)
    delays = []
    for r in rows:
        progress, problems, period = latest.get(r[1], none)
        delays.append(
            DelayRow(
                milestone_id=r[0],
                project_id=r[1],
                project=r[2],
                park_id=r[3],
                park=r[4],
                industry_id=r[5],
                industry=r[6],
                milestone=label(r[7], r[8]),
                baseline_date=r[9],
                planned_date=r[10],
                days_overdue=int(r[11]),
                severity=r[12],
                leader=r[13],
                progress=progress or "",
                problems=problems or "",
                progress_period=period,
            )
        )
    return delays


def _week_on_week(
    delays: list[DelayRow], *, as_of: dt.date, thresholds: SchedulingSettings
) -> tuple[list[DelayRow], list[ResolvedRow]]:
    """Newly delayed and resolved milestones: this week's list against last week's (one query)."""
    label = _labels()
    current_ids = {r.milestone_id for r in delays}

    last_week = as_of - dt.timedelta(days=7)
    previous = overdue_milestones(as_of=last_week, queryset=Milestone.objects.all(), settings=thresholds).values_list(
        "pk",
        "project__name",
        "project__park_id",
        "project__park__name",
        "kind",
        "name",
        "planned_date",
        "actual_date",
        "days_overdue",
        "project__archived_at",
    )
    previous_ids = set()
    resolved = []
    for pk, project, park_id, park, kind, name, planned, actual, days, archived in previous.order_by(
        "project__park__sort_order", "project__park__code", "project__name", "pk"
    ):
        previous_ids.add(pk)
        if pk in current_ids:
            continue
        if archived is not None:
            continue  # an archived project leaves the report without being "resolved"
        if rules.completed_by(actual, as_of):
            reason = _("已完成（%(date)s）") % {"date": actual.isoformat()}
        else:
            reason = _("已调整计划至 %(date)s") % {"date": planned.isoformat()}
        resolved.append(
            ResolvedRow(
                milestone_id=pk,
                project=project,
                park_id=park_id,
                park=park,
                milestone=label(kind, name),
                planned_date=planned,
                days_overdue_last_week=int(days),
                reason=reason,
            )
        )
    newly = [r for r in delays if r.milestone_id not in previous_ids]
    return newly, resolved


def _due_rows(*, as_of: dt.date, thresholds: SchedulingSettings) -> list[DueRow]:
    """The milestones due soon with their countdown, in one query."""
    label = _labels()
    due = (
        due_soon_milestones(as_of=as_of, queryset=_active_milestones(), settings=thresholds)
        .order_by("planned_date", "project__name", "pk")
        .values_list(
            "pk",
            "project_id",
            "project__name",
            "project__park_id",
            "project__park__name",
            "project__industry__name",
            "kind",
            "name",
            "planned_date",
            "days_left",
            "project__leader",
        )
    )
    due_soon = [
        DueRow(
            milestone_id=r[0],
            project_id=r[1],
            project=r[2],
            park_id=r[3],
            park=r[4],
            industry=r[5],
            milestone=label(r[6], r[7]),
            planned_date=r[8],
            days_left=int(r[9]),
            leader=r[10],
        )
        for r in due
    ]
    return due_soon


def _lag_rows(*, as_of: dt.date, thresholds: SchedulingSettings) -> tuple[dt.date, list[LagRow]]:
    """The projects whose investment lags, with expected figure, progress and severity (one
    query). Read from _investment_lagging's plain tuples (no ProjectRef per row, the constants
    hoisted): 70,000 rows in the bench city, whose loop took 0.5 s."""
    month, lag = _investment_lagging(as_of=as_of, settings=thresholds)
    months, twelve, zero, hundred = month.month, Decimal(12), Decimal(0), 100
    cents, tenths = Decimal("0.01"), Decimal("0.1")
    status = rules.investment_status
    return month, [
        LagRow(
            project_id,
            project,
            park_id,
            park,
            industry,
            plan,
            (expected := plan * months / twelve).quantize(cents, rounding=ROUND_HALF_UP),
            ytd,
            ((ytd * hundred / expected) if expected else zero).quantize(tenths, rounding=ROUND_HALF_UP),
            status(ytd, plan, months=months, settings=thresholds),
        )
        for project_id, project, park_id, park, industry, plan, ytd in lag
    ]


def _order_rows(*, as_of: dt.date) -> list[OrderRow]:
    """The completed nodes (actual date on or before the Monday) of active projects whose
    actual dates break the nodes' order (scheduling.rules.order_warnings), in one query: the
    nodes of the projects whose stored flag says their dated nodes break it on some day
    (rules.order_conflict_stored_q, the few projects a partial index lists; a window over the
    city's 840,000 completed nodes took 1.2 s), checked as of the Monday in Python by the one
    order rule."""
    label = _labels()
    nodes = [
        SimpleNamespace(pk=r[0], project_id=r[1], kind=r[2], actual_date=r[3], row=r)
        for r in _active_milestones()
        .filter(rules.order_conflict_stored_q("project__"), actual_date__lte=as_of)
        .order_by(
            "project__park__sort_order", "project__park__code", "project__name", "project_id", "actual_date", "pk"
        )
        .values_list(
            "pk",
            "project_id",
            "kind",
            "actual_date",
            "project__name",
            "project__park_id",
            "project__park__name",
            "name",
        )
    ]
    rows = []
    for m in rules.set_order_warnings(nodes):
        if m.order_warning:
            pk, project_id, kind, actual, project, park_id, park, name = m.row
            rows.append(OrderRow(pk, project_id, project, park_id, park, label(kind, name), actual, m.order_warning))
    return rows


def _pct(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _spend_rows(*, as_of: dt.date, thresholds: SchedulingSettings) -> list[SpendRow]:
    """The active projects spending ahead of their schedule as of the Monday, with the rule's
    figures, in one statement."""
    # Set-based: rules.sql_spend_ahead over the rule's inputs, selected with the rows; the
    # ORM form's subqueries (with_spend_ahead), repeated at each reference of the filter, took
    # 11.2 s over the city's 100,000 projects, and reading the flagged projects' figures by a
    # second statement (spend_ahead_annotations) cost a second pass over the projects (0.48 s
    # in all, 0.3 s now at the bench city).
    # On PostgreSQL the cumulative spend is the running sum the database keeps on each report
    # (projects.rules.sql_stored_sum): the project's report of the Monday's month, else of one of
    # the two months before (month slices by index-only scans: projects.rules.sql_recent_reports),
    # else a probe backwards; elsewhere one aggregate of the reports up to the Monday.
    # The nodes' figures are the project's stored counts of standard nodes (all, dated whatever
    # the day: rules.sql_standard_counts) less its nodes dated after the Monday
    # (rules.sql_standard_dated_after, a range of the dated nodes' index); an aggregate of every
    # milestone of the city took 0.5 s.
    t = _tables()
    params = {**rules.sql_params(as_of, thresholds), "month": as_of.replace(day=1)}
    if connection.vendor == "postgresql":
        reports, cumulative = sql_recent_stored_sum(t["r"], "p.id", "%(d)s", month="%(month)s", zero="0.00")
    else:
        cumulative = "COALESCE(r.cum, 0)"
        reports = (
            f"LEFT JOIN (SELECT rc.project_id, SUM(rc.amount) AS cum FROM {t['r']} rc "  # noqa: S608
            f"WHERE rc.period <= %(d)s AND {sql_counted('rc')} GROUP BY rc.project_id) r ON r.project_id = p.id "
        )
    done = "(p.standard_dated - COALESCE(lt.late, 0))"
    sql = (
        f"SELECT p.id, p.name, p.park_id, pk.name, ind.name, p.total_investment, {cumulative}, "  # noqa: S608
        f"p.standard_nodes, {done} "
        f"FROM {t['p']} p JOIN {t['park']} pk ON pk.id = p.park_id JOIN {t['industry']} ind ON ind.id = p.industry_id "
        f"LEFT JOIN ({rules.sql_standard_dated_after(t['m'])}) lt ON lt.project_id = p.id "
        f"{reports}"
        f"WHERE p.archived_at IS NULL AND "
        f"{rules.sql_spend_ahead(cumulative, 'p.total_investment', done, 'p.standard_nodes')} "
        f"ORDER BY pk.sort_order, pk.code, p.name, p.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    spend = []
    for pk, name, park_id, park, industry, total, cumulative, nodes, done in rows:
        total, cumulative = _money(total), _money(cumulative)
        spend.append(
            SpendRow(
                project_id=pk,
                project=name,
                park_id=park_id,
                park=park,
                industry=industry,
                total=total,
                cumulative=cumulative,
                spend_pct=_pct(cumulative * 100 / total),
                schedule_pct=_pct(Decimal(done * 100) / nodes),
                gap=rules.spend_ahead_gap(cumulative, total, done, nodes),
            )
        )
    return spend


def _reporting(*, as_of: dt.date, parks: dict[int, dict]) -> Reporting:
    """Who has not reported the month now due on the Monday (projects.rules.period_now_due)."""
    period = period_now_due(as_of)
    status = reporting_status_all(period=period)
    rows = [
        MissingRow(pk, name, park_id, parks[park_id]["name"], state, reason or "")
        for pk, name, park_id, state, reason in unreported(period=period)
    ]
    return Reporting(
        period=period,
        due_date=report_due_date(period),
        closed=status.closed,
        parks=[p for p in status.parks if p.expected],
        rows=rows,
    )


def weekly_report_data(*, week: str, as_of: dt.date) -> ReportData:
    """Everything the report of `week` shows, as of `as_of` (its Monday)."""
    thresholds = SchedulingSettings.load()
    parks, industries = _trees()
    delays = _delay_rows(as_of=as_of, thresholds=thresholds)
    newly, resolved = _week_on_week(delays, as_of=as_of, thresholds=thresholds)
    due_soon = _due_rows(as_of=as_of, thresholds=thresholds)
    month, lagging = _lag_rows(as_of=as_of, thresholds=thresholds)
    return ReportData(
        week=week,
        as_of=as_of,
        delays=delays,
        newly=newly,
        resolved=resolved,
        due_soon=due_soon,
        lagging=lagging,
        lag_month=month,
        parks=parks,
        industries=industries,
        order_warnings=_order_rows(as_of=as_of),
        spend_ahead=_spend_rows(as_of=as_of, thresholds=thresholds),
        spend_ahead_pp=thresholds.spend_ahead_pp,
        reporting=_reporting(as_of=as_of, parks=parks),
        problems=week_problems(as_of=as_of, settings=thresholds),
        red_after_days=thresholds.red_after_days,
        due_soon_days=thresholds.due_soon_days,
    )

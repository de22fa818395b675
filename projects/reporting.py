"""Who has reported (填报进度, CONTRACT v2 `reporting-status/`): per park, for one month, the
projects expected to report and which of them have.

- `expected`: the park's active projects in a building stage (EXPECTED_STAGES: signed, under
  construction, completed); planning projects have nothing to report yet, and in-production or
  at-capacity ones (投产/达效) have left the key-project building cycle.
- `reported`: expected projects with a report that counts (projects.rules.counted_q:
  submitted or approved); `approved`, `returned`: those whose report has that status;
- `missing`: the ids of expected projects not reported (no report, a draft or a returned one),
  ascending.

A project counts in its own park, never in the parent's. The scope is the projects' scope
(projects_visible_to): a park admin gets rows for its park and its sub-parks.

Cost: a constant number of statements whatever the number of parks or projects: the parks
(one), the figures (on PostgreSQL two statements over the stored per-park rows, ParkProjectCount
and ReviewCount, kept by triggers with every write; elsewhere one GROUP BY over a LEFT JOIN of
the month's report, unique per project and period), the missing ids (one), the first missing
names of the parks that miss any (one), and whether the month is closed (one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext as _

from common.periods import PeriodError, parse_period
from parks import access
from parks.models import Park

from .models import InvestmentReport, ParkProjectCount, Project, ReportStatus, ReviewCount, Stage
from .rules import COUNTED_STATUSES, counted_q, period_is_closed, period_now_due, report_due_date
from .selectors import projects_visible_to

EXPECTED_STAGES: tuple[str, ...] = (Stage.SIGNED.value, Stage.UNDER_CONSTRUCTION.value, Stage.COMPLETED.value)


def expected_q(prefix: str = "") -> Q:
    """ORM: the projects expected to file a monthly report (active ones are chosen by the
    caller's queryset, e.g. projects_visible_to)."""
    return Q(**{f"{prefix}stage__in": EXPECTED_STAGES})


def status_period(value: str | None, *, today: dt.date) -> dt.date:
    """?period=YYYY-MM for the reporting status: missing or empty → the month now due
    (projects.rules.period_now_due); a month after the current one is in the future and has
    nothing to report yet. Raises PeriodError with the message (zh, or en when active)."""
    if value is None or not str(value).strip():
        return period_now_due(today)
    period = parse_period(value)
    if period > today.replace(day=1):
        raise PeriodError(
            _("报告期 %(period)s 尚未到来，最晚可查看本月 %(current)s。")
            % {"period": f"{period:%Y-%m}", "current": f"{today:%Y-%m}"},
            "future",
        )
    return period


@dataclass
class ParkStatus:
    park_id: int
    code: str
    name: str
    parent_id: int | None
    expected: int = 0
    reported: int = 0
    approved: int = 0
    returned: int = 0
    missing: list[int] = field(default_factory=list)
    # (id, name, report status or None) of the first missing projects by name (when asked for)
    missing_projects: list[tuple[int, str, str | None]] = field(default_factory=list)
    missing_count: int = 0

    @property
    def percent(self) -> int:
        """Reported share, whole percent rounded down (100 only when everyone reported)."""
        return 100 if not self.expected else self.reported * 100 // self.expected

    @property
    def complete(self) -> bool:
        return self.reported >= self.expected


@dataclass
class ReportingStatus:
    period: dt.date
    due_date: dt.date
    closed: bool
    parks: list[ParkStatus]

    def totals(self) -> dict[str, int]:
        keys = ("expected", "reported", "approved", "returned", "missing_count")
        return {k: sum(getattr(p, k) for p in self.parks) for k in keys}


def with_period_report(qs: QuerySet[Project], period: dt.date) -> QuerySet[Project]:
    """Join each project to its report of `period` (at most one: unique per project and period)
    as `month_report`, a LEFT JOIN."""
    return qs.annotate(month_report=FilteredRelation("reports", condition=Q(reports__period=period)))


def not_reported_q() -> Q:
    """On a queryset from with_period_report: no report that counts (none, draft, returned)."""
    return Q(month_report__isnull=True) | ~counted_q("month_report__")


def not_reported_in_q(period: dt.date) -> Q:
    """On projects: not_reported_q for `period` without the join: no report of `period` that
    counts, as one anti-join on the month's counted reports (an index-only scan of their
    covering index) instead of joining every report of the month to read its status."""
    counted = InvestmentReport.objects.filter(counted_q(), period=period).values("project_id")
    return ~Q(pk__in=counted)


def reporting_status(
    *, user, period: dt.date, missing_ids: bool = True, missing_names: int = 0, park_ids=None
) -> ReportingStatus:
    """The figures of `period` for every park the user sees (in park order). `missing_ids`:
    fill `missing` with every missing id (the API); `missing_names`: fill `missing_projects`
    with up to that many per park (pages, mails). `park_ids` narrows to those parks."""
    visible = access.parks_visible_to(user)
    parks = Park.objects.all() if visible is None else Park.objects.filter(pk__in=visible)
    return _status(
        parks if park_ids is None else parks.filter(pk__in=park_ids),
        projects_visible_to(user),
        period,
        missing_ids=missing_ids,
        missing_names=missing_names,
    )


def reporting_status_all(*, period: dt.date, missing_names: int = 0) -> ReportingStatus:
    """Every park's figures, for the jobs (reminders, the weekly report): no user scope."""
    return _status(Park.objects.all(), Project.objects.active(), period, missing_ids=False, missing_names=missing_names)


def unreported(*, period: dt.date) -> list[tuple[int, str, int, str | None, str]]:
    """Every active project of the city expected to report `period` without a report that
    counts, for the weekly report: (id, name, park id, its report's status or None, the return
    reason), by park order and name, in one statement."""
    # The missing projects found by the anti-join (not_reported_in_q), then their report of the
    # month, if any (a draft or a returned one), by a LEFT JOIN (with_period_report) whose
    # status and reason are read together. Two subqueries per row (status, reason) took 0.41 s
    # for the 54,920 missing projects of the bench city early in a month, the join 0.23 s
    # (0.19 / 0.17 s when every project has reported).
    return list(
        with_period_report(Project.objects.active(), period)
        .filter(expected_q())
        .filter(not_reported_in_q(period))
        .order_by("park__sort_order", "park__code", "name", "pk")
        .values_list("pk", "name", "park_id", "month_report__status", "month_report__return_reason")
    )


def _first_missing(missing: QuerySet[Project], park_ids: list[int], n: int):
    """(park id, id, name, report status) of the first `n` missing projects of each park by name,
    in one statement. PostgreSQL: a UNION ALL of one branch per park reading the park's
    projects in order from the partial index (park, name, id) until it has `n` (a few hundred
    rows read instead of ranking every missing project of the city); elsewhere ROW_NUMBER per
    park."""
    if not park_ids:
        return []
    fields = ("park_id", "pk", "name", "month_report__status")
    if connection.features.supports_slicing_ordering_in_compound:
        branches = [
            missing.filter(park_id=park_id).order_by("name", "pk").values_list(*fields)[:n] for park_id in park_ids
        ]
        rows = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
        return sorted(rows, key=lambda r: (park_ids.index(r[0]), r[2], r[1]))
    ranked = missing.annotate(
        rank=Window(RowNumber(), partition_by=[F("park_id")], order_by=[F("name").asc(), F("pk").asc()])
    ).filter(rank__lte=n)
    return list(ranked.order_by("park_id", "name", "pk").values_list(*fields))


def _stored_figures(park_ids: list[int], period: dt.date) -> list[dict]:
    """PostgreSQL: the figures per park from the rows the database keeps with every write (two
    statements over a few rows per park instead of a join of the month's reports with every
    expected project): `expected` from ParkProjectCount, the reports of expected projects per
    status from ReviewCount."""
    expected = dict(
        ParkProjectCount.objects.filter(park_id__in=park_ids)
        .values("park_id")
        .annotate(n=Sum("expected"))
        .order_by()
        .values_list("park_id", "n")
    )
    by_status = (
        ReviewCount.objects.filter(period=period, expected=True, park_id__in=park_ids)
        .values("park_id")
        .annotate(
            reported=Coalesce(Sum("n", filter=Q(status__in=COUNTED_STATUSES)), 0),
            approved=Coalesce(Sum("n", filter=Q(status=ReportStatus.APPROVED)), 0),
            returned=Coalesce(Sum("n", filter=Q(status=ReportStatus.RETURNED)), 0),
        )
        .order_by()
    )
    figures = {
        pk: {"park_id": pk, "expected": n, "reported": 0, "approved": 0, "returned": 0} for pk, n in expected.items()
    }
    for row in by_status:
        figures.setdefault(row["park_id"], {"park_id": row["park_id"], "expected": 0}).update(
            {k: row[k] for k in ("reported", "approved", "returned")}
        )
    return [f for f in figures.values() if f["expected"]]


def _counted_figures(projects: QuerySet[Project]) -> QuerySet:
    """Elsewhere (SQLite): one GROUP BY over the expected projects and their month's report."""
    return (
        projects.values("park_id")
        .annotate(
            expected=Count("pk"),
            reported=Count("pk", filter=counted_q("month_report__")),
            approved=Count("pk", filter=Q(month_report__status=ReportStatus.APPROVED)),
            returned=Count("pk", filter=Q(month_report__status=ReportStatus.RETURNED)),
        )
        .order_by()
    )


def _status(parks_qs, projects_qs, period: dt.date, *, missing_ids: bool, missing_names: int) -> ReportingStatus:
    """`projects_qs`: every active project of the parks (a user's scope or the city), so that
    the stored per-park figures are the same as counting them."""
    rows = {
        pk: ParkStatus(park_id=pk, code=code, name=name, parent_id=parent_id)
        for pk, code, name, parent_id in parks_qs.order_by("sort_order", "code").values_list(
            "pk", "code", "name", "parent_id"
        )
    }
    projects = with_period_report(projects_qs.filter(expected_q(), park_id__in=list(rows)), period)
    stored = connection.vendor == "postgresql"
    figures = _stored_figures(list(rows), period) if stored else _counted_figures(projects)
    for f in figures:
        row = rows[f["park_id"]]
        row.expected, row.reported = f["expected"], f["reported"]
        row.approved, row.returned = f["approved"], f["returned"]
        row.missing_count = row.expected - row.reported
    missing = projects.filter(not_reported_q())
    if missing_ids:
        for park_id, pk in missing.order_by("park_id", "pk").values_list("park_id", "pk"):
            rows[park_id].missing.append(pk)
    if missing_names:
        wanted = [pk for pk, row in rows.items() if row.missing_count]
        for park_id, pk, name, state in _first_missing(missing, wanted, missing_names):
            rows[park_id].missing_projects.append((pk, name, state))
    return ReportingStatus(
        period=period, due_date=report_due_date(period), closed=period_is_closed(period), parks=list(rows.values())
    )

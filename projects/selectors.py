"""Which projects a user may see and change. Which *parks* is decided once, in `parks.access`;
these turn that decision into project querysets.

Every view, API endpoint, export and report starts from `projects_visible_to(user)`; an
object outside it answers 404, exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Coalesce

from common.sql import PlainSQL
from parks import access
from parks.models import Park

from .models import (
    AnnualPlan,
    InvestmentReport,
    ParkPlanTotal,
    ParkProjectCount,
    ParkStatusCount,
    Project,
    ReportStatus,
    ReviewCount,
    jump_ratio,
)
from .rules import COUNTED_STATUSES, counted_q

# Re-exported for callers that import them from here (parks_administered_by: the older name).
parks_visible_to = access.parks_visible_to
parks_administered_by = access.parks_writable_by

__all__ = [
    "can_write_park",
    "parks_administered_by",
    "parks_visible_to",
    "projects_visible_to",
    "projects_writable_by",
    "visible_project_count",
]


def projects_visible_to(user, *, include_archived: bool = False) -> QuerySet[Project]:
    qs = Project.objects.all() if include_archived else Project.objects.active()
    park_ids = access.parks_visible_to(user)
    if park_ids is None:
        return qs
    return qs.filter(park_id__in=park_ids) if park_ids else qs.none()


def visible_project_count(user) -> int:
    """`projects_visible_to(user).count()`, answered from the rows of per-park changes the
    database keeps (`ParkProjectCount`) on PostgreSQL: a few rows instead of every project."""
    if connection.vendor != "postgresql":
        return projects_visible_to(user).count()
    park_ids = access.parks_visible_to(user)
    counts = ParkProjectCount.objects.all()
    if park_ids is not None:
        if not park_ids:
            return 0
        counts = counts.filter(park_id__in=park_ids)
    return counts.aggregate(total=Sum("active"))["total"] or 0


def visible_project_count_column(user):
    """`visible_project_count(user)` as an uncorrelated scalar subquery over the same rows, for
    a list to read its total in the statement of its page (api.values); None on SQLite, which
    keeps no per-park counts."""
    if connection.vendor != "postgresql":
        return None
    park_ids = access.parks_visible_to(user)
    table = ParkProjectCount._meta.db_table
    if park_ids is None:
        return PlainSQL(f"SELECT COALESCE(SUM(active), 0) FROM {table}", (), output_field=IntegerField())  # noqa: S608
    if not park_ids:
        return None
    marks = ", ".join(["%s"] * len(park_ids))
    sql = f"SELECT COALESCE(SUM(active), 0) FROM {table} WHERE park_id IN ({marks})"  # noqa: S608 (a table name from the model)
    return PlainSQL(sql, tuple(sorted(park_ids)), output_field=IntegerField())


def projects_writable_by(user) -> QuerySet[Project]:
    park_ids = access.parks_writable_by(user)
    if park_ids is None:
        return Project.objects.all()
    return Project.objects.filter(park_id__in=park_ids) if park_ids else Project.objects.none()


def can_write_park(user, park_id: int | None) -> bool:
    return access.can_write_park(user, park_id)


_UNREAD = object()


def scope_park_ids(user, park=None, *, visible=_UNREAD) -> set[int] | None:
    """The parks whose projects `projects_visible_to(user)` narrowed to `park` and its sub-parks
    holds (the dashboard's ?park=, already checked by the page): None for every park.
    `visible`: access.parks_visible_to(user) when the caller has already read it."""
    if visible is _UNREAD:
        visible = access.parks_visible_to(user)
    if park is None:
        return None if visible is None else set(visible)
    below = Park.objects.descendant_ids([park.pk])
    return below if visible is None else below & set(visible)


def stage_status_counts(park_ids: set[int] | None) -> dict[tuple[str, str], int]:
    """The active projects of the parks `park_ids` (None: every park; see scope_park_ids)
    counted per (stage, status colour). On PostgreSQL from the stored ParkStatusCount rows (a
    few per park, kept by the database with every write) instead of every project; elsewhere
    one GROUP BY over the projects. One statement either way."""
    if park_ids is not None and not park_ids:
        rows = []
    elif connection.vendor == "postgresql":
        stored = ParkStatusCount.objects.all()
        if park_ids is not None:
            stored = stored.filter(park_id__in=park_ids)
        rows = stored.values_list("stage", "status").annotate(total=Sum("n")).order_by()
    else:
        projects = Project.objects.active()
        if park_ids is not None:
            projects = projects.filter(park_id__in=park_ids)
        rows = projects.values_list("stage", "status").annotate(total=Count("id")).order_by()
    return {(stage, status): n for stage, status, n in rows if n}


def year_investment(*, user, year: int, park=None) -> tuple[Decimal, Decimal]:
    """(completed_investment, planned_investment) of one scope and year. On PostgreSQL both
    sums in one statement over the same stored rows (the dashboard's investment tile, read again
    after every filed report); elsewhere the two aggregates."""
    park_ids = scope_park_ids(user, park)
    if connection.vendor != "postgresql":
        return (
            completed_investment(user=user, year=year, park=park, park_ids=park_ids),
            planned_investment(user=user, year=year, park=park, park_ids=park_ids),
        )
    if park_ids is not None and not park_ids:  # no park in scope (the ORM's empty IN compiles to no SQL)
        return Decimal(0), Decimal(0)
    done_sql, done_params = _stored_done_rows(year, park_ids).values("amount").query.sql_with_params()
    plan_sql, plan_params = _stored_plan_rows(year, park_ids).values("amount").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT SUM(amount) FROM ({done_sql}) done), (SELECT SUM(amount) FROM ({plan_sql}) plan)",  # noqa: S608 (the ORM's SQL)
            (*done_params, *plan_params),
        )
        done, plan = cursor.fetchone()
    return done or Decimal(0), plan or Decimal(0)


def _stored_done_rows(year: int, park_ids):
    rows = ReviewCount.objects.filter(period__year=year, status__in=COUNTED_STATUSES)
    return rows if park_ids is None else rows.filter(park_id__in=park_ids)


def _stored_plan_rows(year: int, park_ids):
    rows = ParkPlanTotal.objects.filter(year=year)
    return rows if park_ids is None else rows.filter(park_id__in=park_ids)


def completed_investment(*, user, year: int, park=None, park_ids=_UNREAD) -> Decimal:
    """本年累计完成投资: the sum of the counted reports (submitted, approved) of `year` of the
    active projects in the scope of scope_park_ids. On PostgreSQL from the stored ReviewCount
    rows (a few rows per park and month, kept by the database with every write) instead of the
    year's reports; elsewhere one aggregate over them. One statement either way."""
    if park_ids is _UNREAD:
        park_ids = scope_park_ids(user, park)
    if connection.vendor == "postgresql":
        return _stored_done_rows(year, park_ids).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    reports = InvestmentReport.objects.filter(counted_q(), project__archived_at__isnull=True, period__year=year)
    if park_ids is not None:
        reports = reports.filter(project__park_id__in=park_ids)
    return reports.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def planned_investment(*, user, year: int, park=None, park_ids=_UNREAD) -> Decimal:
    """年度计划投资: the sum of the annual plans of `year` of the active projects in the scope of
    scope_park_ids. On PostgreSQL from the stored ParkPlanTotal rows (one per park and year,
    kept by the database with every write) instead of every project's plan; elsewhere one
    aggregate over the plans. One statement either way."""
    if park_ids is _UNREAD:
        park_ids = scope_park_ids(user, park)
    if connection.vendor == "postgresql":
        return _stored_plan_rows(year, park_ids).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    plans = AnnualPlan.objects.filter(project__archived_at__isnull=True, year=year)
    if park_ids is not None:
        plans = plans.filter(project__park_id__in=park_ids)
    return plans.aggregate(s=Sum("planned_investment"))["s"] or Decimal(0)


# --- The review page (月报审核): one period's reports of the city -------------------------------


def review_jump_thresholds() -> tuple[Decimal, Decimal]:
    """(factor, minimum difference in 万元) of the "amount jumps" filter, from settings."""
    factor = Decimal(str(getattr(settings, "REVIEW_JUMP_FACTOR", "3")))
    minimum = Decimal(str(getattr(settings, "REVIEW_JUMP_MIN", "500")))
    return max(factor, Decimal("1")), max(minimum, Decimal("0"))


def reports_for_review(*, user, period, status: str | None = "submitted", park_ids=None, industry_ids=None):
    """The reports of `period` the user may see (the commission: the city), each annotated with
    `previous_amount` (the project's counted report of the month before, 环比) and `jump` (this
    month against that one, by `review_jump_thresholds`): one statement whatever the number of
    reports (a LEFT JOIN on the previous month's report, unique per project and period, so a
    hash join at 100,000 reports rather than a probe per row). `status` None: every status."""
    factor, minimum = review_jump_thresholds()
    before = (period.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    # projects_visible_to(user) as conditions on the report's own project (active, in a visible
    # park) rather than `project__in` a subquery: the join can then use the partial index of
    # active projects by (park, name, id) that serves the page's order (ReviewRows).
    qs = InvestmentReport.objects.filter(project__archived_at__isnull=True, period=period)
    visible = access.parks_visible_to(user)
    if visible is not None:
        qs = qs.filter(project__park_id__in=visible) if visible else qs.none()
    if status:
        qs = qs.filter(status=status)
    if park_ids is not None:
        qs = qs.filter(project__park_id__in=park_ids)
    if industry_ids is not None:
        qs = qs.filter(project__industry_id__in=industry_ids)
    pre = Q()
    if connection.vendor == "postgresql":
        # Kept by the database in the transaction of every write (InvestmentReport.prior_amount).
        # The pre-filter on the indexed ratio (report_jump_ratio) keeps a superset of the
        # jumps (the factor less one part in 10^9, against the rounding of a division); the
        # exact conditions below decide.
        qs = qs.annotate(previous_amount=F("prior_amount"), jump_ratio=jump_ratio())
        pre = Q(jump_ratio__gte=factor * (1 - Decimal("1e-9")))
    else:
        qs = qs.annotate(
            previous_report=FilteredRelation(
                "project__reports",
                condition=Q(project__reports__period=before) & counted_q("project__reports__"),
            ),
            previous_amount=F("previous_report__amount"),
        )
    qs = qs.annotate(jump_diff=Abs(F("amount") - F("previous_amount")))
    jump = (
        pre
        & Q(previous_amount__isnull=False)
        & (Q(amount__gte=F("previous_amount") * factor) | Q(amount__lte=F("previous_amount") / factor))
        & Q(jump_diff__gte=minimum)  # |this − before| ≥ minimum
    )
    return qs.annotate(jump=ExpressionWrapper(jump, output_field=BooleanField()))


def review_jump_q() -> Q:
    return Q(jump=True)


def review_summary(*, user, period, park_ids=None, industry_ids=None) -> dict[str, int]:
    """The review page's summary for `period` under the same filters as reports_for_review:
    `total`, the count of each status, and `jumps` (submitted reports flagged as amount
    jumps). On PostgreSQL without an industry filter the counts are the stored ReviewCount rows
    of the month (a few rows per park, kept by the database with every write); otherwise one
    aggregate over the month. The jumps are counted from the month's reports (the flagged ones
    are found on the covering index, then checked for an active project)."""
    every = reports_for_review(user=user, period=period, status=None, park_ids=park_ids, industry_ids=industry_ids)
    jumps = every.filter(status=ReportStatus.SUBMITTED, jump=True)
    if connection.vendor != "postgresql" or industry_ids is not None:
        return every.aggregate(
            total=Count("pk"),
            **{s: Count("pk", filter=Q(status=s)) for s in ReportStatus.values},
            jumps=Count("pk", filter=Q(status=ReportStatus.SUBMITTED, jump=True)),
        )
    rows = ReviewCount.objects.filter(period=period)
    visible = access.parks_visible_to(user)
    if visible is not None:
        rows = rows.filter(park_id__in=visible)
    if park_ids is not None:
        rows = rows.filter(park_id__in=park_ids)
    # Two statements: the stored counts per status, and the jumps.
    figures = rows.aggregate(**{s: Coalesce(Sum("n", filter=Q(status=s)), 0) for s in ReportStatus.values})
    figures["jumps"] = jumps.count()
    figures["total"] = sum(figures[s] for s in ReportStatus.values)
    return figures


class ReviewRows:
    """The rows of a review queryset (from reports_for_review) in the page's order — park (in
    `park_order`, the parks' own order: sort_order, code), then project name, then project id
    (one report per project and period) — sliceable and countable for a Paginator.

    A slice [a:b] is one statement: a UNION ALL of one branch per park, each reading its first
    b rows in order from the partial index (park, name, id) of active projects and probing the
    month's report, so the first pages cost a few hundred index probes instead of sorting the
    city's projects; then one statement fetching those rows with `select_related`. `count`,
    when known (the page's summary counted it already), spares the COUNT. `walk=False`: one
    sorted statement instead, for a filter that keeps few rows (the amount jumps), where
    walking every park's projects in order would probe most of the month to fill a page, and
    on a database without LIMIT in a UNION's branches (SQLite)."""

    def __init__(self, qs: QuerySet, park_order: list[int], *, count: int | None = None, related=(), walk=True):
        self.qs, self.park_order, self._count, self.related = qs, list(park_order), count, tuple(related)
        self.walk = walk  # False: one sorted statement (a selective filter, e.g. the jumps)

    def count(self) -> int:
        if self._count is None:
            self._count = self.qs.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("ReviewRows takes a slice")
        bottom, top = index.start or 0, index.stop if index.stop is not None else self.count()
        if top <= bottom or not self.park_order:
            return []
        if not self.walk or not connection.features.supports_slicing_ordering_in_compound:
            return list(
                self.qs.filter(project__park_id__in=self.park_order)
                .select_related(*self.related)
                .order_by("project__park__sort_order", "project__park__code", "project__name", "project_id")[bottom:top]
            )
        branches = [
            self.qs.filter(project__park_id=park_id)
            .annotate(park_pos=Value(pos), sort_name=F("project__name"))
            .order_by("sort_name", "project_id")
            .values_list("pk", "park_pos", "sort_name", "project_id")[:top]
            for pos, park_id in enumerate(self.park_order)
        ]
        ordered = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
        if len(branches) > 1:
            ordered = ordered.order_by("park_pos", "sort_name", "project_id")
        ids = [row[0] for row in ordered[bottom:top]]
        if not ids:
            return []
        rows = self.qs.select_related(*self.related).in_bulk(ids)
        return [rows[pk] for pk in ids]

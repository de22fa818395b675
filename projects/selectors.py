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
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
)

from parks import access

from .models import InvestmentReport, ParkProjectCount, Project
from .rules import counted_q

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


def projects_writable_by(user) -> QuerySet[Project]:
    park_ids = access.parks_writable_by(user)
    if park_ids is None:
        return Project.objects.all()
    return Project.objects.filter(park_id__in=park_ids) if park_ids else Project.objects.none()


def can_write_park(user, park_id: int | None) -> bool:
    return access.can_write_park(user, park_id)


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
    qs = InvestmentReport.objects.filter(project__in=projects_visible_to(user), period=period)
    if status:
        qs = qs.filter(status=status)
    if park_ids is not None:
        qs = qs.filter(project__park_id__in=park_ids)
    if industry_ids is not None:
        qs = qs.filter(project__industry_id__in=industry_ids)
    qs = qs.annotate(
        previous_report=FilteredRelation(
            "project__reports",
            condition=Q(project__reports__period=before) & counted_q("project__reports__"),
        ),
        previous_amount=F("previous_report__amount"),
    )
    jump = (
        Q(previous_amount__isnull=False)
        & (Q(amount__gte=F("previous_amount") * factor) | Q(amount__lte=F("previous_amount") / factor))
        & (Q(amount__gte=F("previous_amount") + minimum) | Q(amount__lte=F("previous_amount") - minimum))
    )
    return qs.annotate(jump=ExpressionWrapper(jump, output_field=BooleanField()))


def review_jump_q() -> Q:
    return Q(jump=True)

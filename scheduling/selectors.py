"""Reads about milestones: overdue and due-soon as the contract defines them.

Overdue as of D: planned_date < D and not completed on or before D (actual_date is null or
later than D). days_overdue = D − planned_date. Severity yellow for 1..red_after_days−1 days,
red from red_after_days (default 31) on. Due soon as of D: not completed on or before D and
D ≤ planned_date ≤ D + due_soon_days (default 14)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, DateField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import ExpressionWrapper, F
from django.db.models.functions import Cast

from .models import Milestone, SchedulingSettings


def open_on(as_of: dt.date) -> Q:
    """Not completed on or before `as_of` (a milestone completed after D was still open on D)."""
    return Q(actual_date__isnull=True) | Q(actual_date__gt=as_of)


def _days_between(later, earlier):
    """Whole days from `earlier` to `later` as an integer expression on PostgreSQL and SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return ExpressionWrapper(later - earlier, output_field=IntegerField())
    from django.db.models import Func

    class JulianDay(Func):
        function = "julianday"
        output_field = IntegerField()

    return Cast(JulianDay(later) - JulianDay(earlier), IntegerField())


def overdue_milestones(
    *, as_of: dt.date, queryset: QuerySet[Milestone] | None = None, settings: SchedulingSettings | None = None
) -> QuerySet[Milestone]:
    """Milestones overdue as of `as_of`, annotated with `days_overdue` and `severity`."""
    thresholds = settings or SchedulingSettings.load()
    qs = Milestone.objects.all() if queryset is None else queryset
    days = _days_between(Value(as_of, output_field=DateField()), F("planned_date"))
    return (
        qs.filter(open_on(as_of), planned_date__lt=as_of)
        .annotate(days_overdue=days)
        .annotate(
            severity=Case(
                When(planned_date__lte=as_of - dt.timedelta(days=thresholds.red_after_days), then=Value("red")),
                default=Value("yellow"),
                output_field=CharField(),
            )
        )
    )


def due_soon_milestones(
    *, as_of: dt.date, queryset: QuerySet[Milestone] | None = None, settings: SchedulingSettings | None = None
) -> QuerySet[Milestone]:
    """Milestones due within the coming `due_soon_days` days (today included), annotated with
    `days_left` (calendar days, 0 = due today)."""
    thresholds = settings or SchedulingSettings.load()
    qs = Milestone.objects.all() if queryset is None else queryset
    return qs.filter(
        open_on(as_of),
        planned_date__gte=as_of,
        planned_date__lte=as_of + dt.timedelta(days=thresholds.due_soon_days),
    ).annotate(days_left=_days_between(F("planned_date"), Value(as_of, output_field=DateField())))

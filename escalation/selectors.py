"""Read-side figures of problems (督办) for the pages and the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q

from . import rules
from .models import Problem, ProblemCategory, ProblemStatus


def problem_counts(*, projects, as_of: dt.date, settings) -> dict:
    """One aggregate over the problems of `projects` (a project queryset, already scoped):
    open, assigned, handled, overdue red / yellow as of `as_of`, and the longest overdue in days
    (None when nothing is overdue)."""
    row = Problem.objects.filter(project__in=projects).aggregate(
        open=Count("pk", filter=Q(status=ProblemStatus.OPEN)),
        assigned=Count("pk", filter=Q(status=ProblemStatus.ASSIGNED)),
        handled=Count("pk", filter=Q(status=ProblemStatus.HANDLED)),
        red=Count("pk", filter=rules.red_q(as_of, settings)),
        yellow=Count("pk", filter=rules.yellow_q(as_of, settings)),
        oldest=Min("deadline", filter=rules.overdue_q(as_of)),
    )
    row["overdue"] = row["red"] + row["yellow"]
    row["longest"] = (as_of - row.pop("oldest")).days if row.get("oldest") else None
    return row


@dataclass(slots=True)
class ProblemRow:
    """One problem as the weekly report lists it."""

    problem_id: int
    dispatch_no: str
    project_id: int
    project: str
    park_id: int
    park: str
    category: str
    description: str
    department: str
    deadline: dt.date | None
    status: str
    days_overdue: int | None
    severity: str
    raised_on: dt.date
    handled_on: dt.date | None
    confirmed_on: dt.date | None


@dataclass
class WeekProblems:
    """The 督办事项 of a week ending the day before `as_of` (a Monday): new this week, overdue as
    of `as_of` (with days), handled and confirmed this week."""

    new: list[ProblemRow] = field(default_factory=list)
    overdue: list[ProblemRow] = field(default_factory=list)
    handled: list[ProblemRow] = field(default_factory=list)
    confirmed: list[ProblemRow] = field(default_factory=list)

    def only(self, park_ids: set[int]) -> WeekProblems:
        return WeekProblems(
            *(
                [r for r in rows if r.park_id in park_ids]
                for rows in (self.new, self.overdue, self.handled, self.confirmed)
            )
        )


def week_problems(*, as_of: dt.date, settings) -> WeekProblems:
    """One query: the active projects' problems raised, handled or confirmed in [as_of − 7,
    as_of), or overdue as of `as_of`."""
    start = as_of - dt.timedelta(days=7)
    week = {"gte": start, "lt": as_of}
    qs = (
        Problem.objects.filter(project__archived_at__isnull=True)
        .filter(
            Q(raised_on__gte=start, raised_on__lt=as_of)
            | Q(handled_on__gte=start, handled_on__lt=as_of)
            | Q(confirmed_on__gte=start, confirmed_on__lt=as_of)
            | rules.overdue_q(as_of)
        )
        .select_related("project__park", "department")
        .order_by("project__park__sort_order", "project__park__code", "deadline", "pk")
    )
    out = WeekProblems()
    labels = dict(ProblemCategory.choices)
    statuses = dict(ProblemStatus.choices)
    for p in qs:
        days = rules.days_overdue(p, as_of)
        row = ProblemRow(
            problem_id=p.pk,
            dispatch_no=p.dispatch_no or "",
            project_id=p.project_id,
            project=p.project.name,
            park_id=p.project.park_id,
            park=p.project.park.name,
            category=str(labels.get(p.category, p.category)),
            description=p.description,
            department=p.department.name if p.department else "",
            deadline=p.deadline,
            status=str(statuses.get(p.status, p.status)),
            days_overdue=days,
            severity=rules.severity_of(days, settings) if days else "",
            raised_on=p.raised_on,
            handled_on=p.handled_on,
            confirmed_on=p.confirmed_on,
        )

        def within(day, row=row):
            return day is not None and week["gte"] <= day < week["lt"]

        if within(p.raised_on):
            out.new.append(row)
        if days:
            out.overdue.append(row)
        if within(p.handled_on):
            out.handled.append(row)
        if within(p.confirmed_on):
            out.confirmed.append(row)
    out.overdue.sort(key=lambda r: (-(r.days_overdue or 0), r.project, r.problem_id))
    return out

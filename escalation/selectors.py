"""Read-side figures of problems (督办) for the pages and the report."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q

from . import rules
from .models import Problem, ProblemStatus


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

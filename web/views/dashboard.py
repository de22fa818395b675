"""The dashboard (总览)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.shortcuts import render

from escalation.selectors import problem_counts
from parks.models import Park
from projects.models import AnnualPlan, InvestmentReport, Stage, Status
from projects.rules import counted_q, period_is_closed, stats_default_period
from projects.selectors import projects_visible_to
from scheduling.models import Milestone, SchedulingSettings
from scheduling.selectors import due_soon_milestones, industry_growth, overdue_milestones
from web.charts import growth_chart
from web.templatetags.board import countdown_text
from web.views.base import STATUS_ORDER, scoped_by_park, today


def _stage_status_grid(qs) -> tuple[list[dict], list[dict]]:
    """Projects counted per stage × status colour: the rows and the totals per colour."""
    stage_labels = dict(Stage.choices)
    status_labels = dict(Status.choices)
    grid = Counter()
    for row in qs.order_by().values("stage", "status").annotate(n=Count("id")):
        grid[(row["stage"], row["status"])] = row["n"]
    stage_rows = [
        {
            "stage": stage_labels[s],
            "cells": [grid[(s, c)] for c in STATUS_ORDER],
            "total": sum(grid[(s, c)] for c in STATUS_ORDER),
        }
        for s in Stage.values
    ]
    status_totals = [
        {"code": c, "label": status_labels[c], "n": sum(grid[(s, c)] for s in Stage.values)} for c in STATUS_ORDER
    ]
    return stage_rows, status_totals


def _investment_progress(qs, year: int) -> dict:
    """This year's completed investment against the annual plans."""
    done = InvestmentReport.objects.filter(counted_q(), project__in=qs, period__year=year).aggregate(s=Sum("amount"))[
        "s"
    ]
    plan = AnnualPlan.objects.filter(project__in=qs, year=year).aggregate(s=Sum("planned_investment"))["s"]
    done, plan = done or Decimal(0), plan or Decimal(0)
    pct = (done / plan * 100).quantize(Decimal("0.1")) if plan else None
    return {"year": year, "done": done, "plan": plan, "pct": pct, "bar_pct": min(float(pct or 0), 100)}


def _milestone_lists(qs, as_of, thresholds) -> dict:
    """The first 30 overdue and due-soon milestones, with their countdown texts."""
    milestones = Milestone.objects.filter(project__in=qs).select_related("project", "project__park")
    overdue = overdue_milestones(as_of=as_of, queryset=milestones, settings=thresholds)
    overdue_count = overdue.count()
    overdue = list(overdue.order_by("planned_date", "id")[:30])
    due = list(due_soon_milestones(as_of=as_of, queryset=milestones, settings=thresholds).order_by("planned_date")[:30])
    for m in overdue:
        m.cd = countdown_text(-m.days_overdue, m.display_name)
    for m in due:
        m.cd = countdown_text(m.days_left, m.display_name)
    return {"overdue": overdue, "overdue_count": overdue_count, "due": due, "due_soon_days": thresholds.due_soon_days}


@login_required
def dashboard(request):
    as_of = today()
    qs, park = scoped_by_park(request, projects_visible_to(request.user))
    stage_rows, status_totals = _stage_status_grid(qs)
    stats_period = stats_default_period(as_of)  # the latest closed month, else the last full one
    return render(
        request,
        "projects/dashboard.html",
        {
            "as_of": as_of,
            "park": park,
            "parks": Park.objects.all() if not request.user.is_park_admin else None,
            "stage_rows": stage_rows,
            "status_totals": status_totals,
            "status_order": STATUS_ORDER,
            "status_labels": dict(Status.choices),
            "project_total": sum(r["total"] for r in stage_rows),
            **_investment_progress(qs, as_of.year),
            **_milestone_lists(qs, as_of, SchedulingSettings.load()),
            "problems": problem_counts(projects=qs, as_of=as_of, settings=SchedulingSettings.load()),
            "chart": growth_chart(industry_growth(period=stats_period)),
            "stats_period": stats_period,
            "stats_closed": period_is_closed(stats_period),
        },
    )

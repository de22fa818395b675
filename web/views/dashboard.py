"""The dashboard (总览)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Min
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from common import dataversion
from escalation.selectors import problem_counts
from parks import access
from parks.models import Park
from projects.models import AnnualPlan, InvestmentReport, ParkPlanTotal, ReviewCount, Stage, Status
from projects.rules import period_is_closed, stats_default_period
from projects.selectors import completed_investment, planned_investment, projects_visible_to
from scheduling.models import Milestone, SchedulingSettings
from scheduling.selectors import diff_pp, due_soon_milestones, industry_growth, overdue_milestones
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


def _investment_progress(user, park, year: int) -> dict:
    """This year's completed investment against the annual plans, of the user's scope narrowed
    to `park` (the stored per-park sums: projects.selectors)."""
    done = completed_investment(user=user, year=year, park=park)
    plan = planned_investment(user=user, year=year, park=park)
    pct = (done / plan * 100).quantize(Decimal("0.1")) if plan else None
    return {"year": year, "done": done, "plan": plan, "pct": pct, "bar_pct": min(float(pct or 0), 100)}


# The tables the report figures (the year's investment, the growth) are computed from; the
# dashboard's other figures (stages, delays, 督办) depend on every table but these, so a filed
# monthly report does not recompute them.
REPORT_TABLES = (
    InvestmentReport._meta.db_table,
    InvestmentReport.history.model._meta.db_table,
    AnnualPlan._meta.db_table,
    AnnualPlan.history.model._meta.db_table,
    ReviewCount._meta.db_table,
    ParkPlanTotal._meta.db_table,
)


DELAYED_PROJECTS_SHOWN = 30


def _delayed_projects(overdue, shown: int) -> tuple[list, int, int]:
    """One line per delayed project: its worst node (the longest overdue; then by sequence, id)
    and how many of its nodes are overdue. Three queries whatever the numbers: the counts, the
    first `shown` projects by their worst delay, their overdue nodes."""
    per_project = overdue.order_by().values("project_id").annotate(n=Count("id"), first=Min("planned_date"))
    totals = overdue.order_by().aggregate(projects=Count("project_id", distinct=True), nodes=Count("id"))
    top = list(per_project.order_by("first", "project_id")[:shown])
    ids = [row["project_id"] for row in top]
    worst = {}
    for m in overdue.filter(project_id__in=ids).order_by("project_id", "planned_date", "sequence", "id"):
        worst.setdefault(m.project_id, m)
    lines = []
    for row in top:
        m = worst[row["project_id"]]
        m.more = row["n"] - 1  # the other overdue nodes of the project: "+N"
        m.cd = countdown_text(-m.days_overdue, m.display_name)
        lines.append(m)
    return lines, totals["projects"], totals["nodes"]


def _milestone_lists(qs, as_of, thresholds) -> dict:
    """The delayed projects (one line each, the first 30 by their worst delay) and the first 30
    due-soon milestones, with their countdown texts."""
    milestones = Milestone.objects.filter(project__in=qs).select_related("project", "project__park")
    overdue = overdue_milestones(as_of=as_of, queryset=milestones, settings=thresholds)
    delayed, delayed_count, overdue_count = _delayed_projects(overdue, DELAYED_PROJECTS_SHOWN)
    due = list(due_soon_milestones(as_of=as_of, queryset=milestones, settings=thresholds).order_by("planned_date")[:30])
    for m in due:
        m.cd = countdown_text(m.days_left, m.display_name)
    return {
        "overdue": delayed,
        "delayed_count": delayed_count,
        "overdue_count": overdue_count,
        "due": due,
        "due_soon_days": thresholds.due_soon_days,
    }


def _park_growth(figures: dict | None, park) -> dict | None:
    """The growth of `park` (with its sub-parks) beside the city's, from the figures the chart
    already has (the park breakdown): no query of its own."""
    if not figures or park is None:
        return None
    row = next((r for r in (figures.get("breakdowns") or {}).get("park", []) if r.get("park") == park.code), None)
    city = (figures.get("city") or {}).get("growth_pct")
    growth = row.get("growth_pct") if row else None
    growth = None if growth is None else Decimal(growth)
    city = None if city is None else Decimal(city)
    return {"name": park.name, "growth": growth, "city": city, "diff": diff_pp(growth, city)}


def _project_figures(qs, as_of) -> dict:
    """The figures computed from the projects, milestones and 督办 (not from the reports)."""
    stage_rows, status_totals = _stage_status_grid(qs)
    thresholds = SchedulingSettings.load()
    return {
        "stage_rows": stage_rows,
        "status_totals": status_totals,
        "project_total": sum(r["total"] for r in stage_rows),
        **_milestone_lists(qs, as_of, thresholds),
        "problems": problem_counts(projects=qs, as_of=as_of, settings=thresholds),
    }


def _report_figures(park, as_of, user) -> dict:
    """The figures computed from the reports: the year's investment (stored sums) and the growth."""
    stats_period = stats_default_period(as_of)  # the latest closed month, else the last full one
    figures = industry_growth(period=stats_period)
    return {
        **_investment_progress(user, park, as_of.year),
        "chart": growth_chart(figures),
        "park_growth": _park_growth(figures, park or (user.park if user.is_park_admin else None)),
        "stats_period": stats_period,
        "stats_closed": period_is_closed(stats_period),
    }


def _figures(qs, park, as_of, user, key: str) -> dict:
    """Everything the dashboard computes from the data; the project figures cached per scope
    apart from the report figures (a filed report recomputes only these)."""
    projects = dataversion.cached(
        f"{key}:projects", lambda: _project_figures(qs, as_of), tables=dataversion.tables_except(*REPORT_TABLES)
    )
    return {**projects, **_report_figures(park, as_of, user)}


@login_required
def dashboard(request):
    """The figures come from the page cache while nothing was written (common.dataversion),
    per scope: the parks the user sees, the park selected, the day and the language."""
    as_of = today()
    qs, park = scoped_by_park(request, projects_visible_to(request.user))
    visible = access.parks_visible_to(request.user)
    scope = "all" if visible is None else ",".join(map(str, sorted(visible)))
    own = request.user.park_id if request.user.is_park_admin else ""
    key = f"dashboard:{get_language()}:{as_of}:{request.user.role}:{scope}:{park.pk if park else ''}:{own}"
    context = {
        "as_of": as_of,
        "park": park,
        "parks": Park.objects.all() if not request.user.is_park_admin else None,
        "status_order": STATUS_ORDER,
        "status_labels": dict(Status.choices),
    }

    def compute() -> dict:
        figures = {**context, **_figures(qs, park, as_of, request.user, key)}
        figures["parks"] = list(figures["parks"]) if figures["parks"] is not None else None
        return {**figures, "body": render_to_string("projects/_dashboard_body.html", figures, request=request)}

    return render(request, "projects/dashboard.html", dataversion.cached(key, compute))

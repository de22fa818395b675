"""The dashboard (总览)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.db import connections
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext

from common import dataversion
from escalation.selectors import problem_counts
from parks import access
from parks.models import Park
from projects.models import AnnualPlan, InvestmentReport, ParkPlanTotal, ReviewCount, Stage, Status
from projects.rules import stats_default_period_closed
from projects.selectors import projects_visible_to, scope_park_ids, stage_status_counts, year_investment
from scheduling.models import Milestone, SchedulingSettings
from scheduling.selectors import diff_pp, due_soon_milestones, industry_growth, overdue_milestones
from web.charts import growth_chart
from web.rows import around_pk, ymd
from web.templatetags.board import countdown_text
from web.views.base import STATUS_ORDER, scoped_by_park, today


def _stage_status_grid(park_ids) -> tuple[list[dict], list[dict]]:
    """Projects counted per stage × status colour: the rows and the totals per colour (the
    stored per-park counts on PostgreSQL: projects.selectors.stage_status_counts)."""
    # Plain strings in the active language (the cache key names it): a lazy translation proxy
    # costs about a millisecond to unpickle from the page cache, each.
    stage_labels = {k: str(v) for k, v in Stage.choices}
    status_labels = {k: str(v) for k, v in Status.choices}
    grid = Counter(stage_status_counts(park_ids))
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
    done, plan = year_investment(user=user, year=year, park=park)
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


def project_tables() -> tuple[str, ...]:
    """The tables the dashboard's and the screen's project figures depend on: all but REPORT_TABLES."""
    return dataversion.tables_except(*REPORT_TABLES)


DELAYED_PROJECTS_SHOWN = 30


def delayed_candidates(qs, as_of):
    """The projects of `qs` that may have an overdue node: those whose stored next node
    (Project.next_date, scheduling.services.refresh_next_milestones, written with every
    milestone edit and by the nightly flag_delays) is planned before `as_of`. A node overdue on
    `as_of` was open on the day the next node was stored (open on a later day implies open on an
    earlier one), so every delayed project is among them, and its next node is its worst
    overdue node; read on the index project_active_next (no scan of the milestones)."""
    return qs.filter(next_date__lt=as_of)


# A project's worst overdue node: the longest overdue, then by sequence and id.
WORST_ORDER = ("planned_date", "sequence", "id")


def _delayed_projects(overdue, candidates, as_of, shown: int) -> tuple[list, int, int]:
    """One line per delayed project: its worst node (the longest overdue; then by sequence, id)
    and how many of its nodes are overdue. Two queries whatever the numbers: the counts over
    the candidates' overdue nodes, the worst overdue node (and their number) of the first
    `shown` candidates by their stored next node (a delayed project's next node is its worst
    one, so this is the order of the longest delay; a candidate without an overdue node, whose
    stored next node is stale, drops out)."""
    # The two arms of scheduling.rules.overdue_q apart (open: no actual date, or completed after
    # the day), each read on its own index (the first on the covering index
    # milestone_open_planned_project, index-only; the second, rare, on milestone_actual_project),
    # counted together in one statement: the arms are disjoint, so the nodes are the rows and
    # the projects the distinct project ids of both.
    overdue_nodes = Milestone.objects.filter(project__in=candidates, planned_date__lt=as_of).order_by()
    arms = (
        overdue_nodes.filter(actual_date__isnull=True)
        .values("project_id")
        .union(overdue_nodes.filter(actual_date__gt=as_of).values("project_id"), all=True)
    )
    sql, params = arms.query.sql_with_params()
    with connections[arms.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT project_id), COUNT(*) FROM ({sql}) arms", params)  # noqa: S608 (the ORM's SQL)
        delayed_count, overdue_count = cursor.fetchone()
    first = candidates.order_by("next_date", "id").values("id")[:shown]
    per_project = {"partition_by": F("project_id")}
    worst = overdue.filter(project_id__in=first).annotate(
        place=Window(RowNumber(), order_by=[F(f).asc() for f in WORST_ORDER], **per_project),
        overdue_nodes=Window(Count("*"), **per_project),
    )
    lines = sorted(worst.filter(place=1), key=lambda m: (m.planned_date, m.project_id))
    for m in lines:
        m.more = m.overdue_nodes - 1  # the other overdue nodes of the project: "+N"
        m.cd = countdown_text(-m.days_overdue, m.display_name)
    return lines, delayed_count, overdue_count


DUE_SOON_SHOWN = 30


def _due_soon(milestones, as_of, thresholds, shown: int) -> list:
    """The first `shown` milestones due soon, by planned date. The two arms of "open" (no actual
    date; completed after `as_of`) are read apart, each in planned-date order with LIMIT (the
    first on the partial index milestone_open_planned, in its order (planned date, id) up to the
    limit; the second on milestone_actual_project), and merged here: the one query with the OR
    sorted every due-soon node of the city."""
    due = due_soon_milestones(as_of=as_of, queryset=milestones, settings=thresholds)
    no_actual = list(due.filter(actual_date__isnull=True).order_by("planned_date", "id")[:shown])
    done_later = list(due.filter(actual_date__gt=as_of).order_by("planned_date", "id")[:shown])
    return sorted(no_actual + done_later, key=lambda m: (m.planned_date, m.id))[:shown]


MILESTONE_LINE_FIELDS = (
    "project_id",
    "kind",
    "name",
    "planned_date",
    "actual_date",
    "sequence",
    "project__name",
    "project__park_id",
    "project__park__name",
)


def _milestone_lists(qs, as_of, thresholds) -> dict:
    """The delayed projects (one line each, the first 30 by their worst delay) and the first 30
    due-soon milestones, with their countdown texts."""
    # Only the columns the lines show (and order by): the rows are pickled into the page cache too.
    milestones = (
        Milestone.objects.filter(project__in=qs).select_related("project", "project__park").only(*MILESTONE_LINE_FIELDS)
    )
    overdue = overdue_milestones(as_of=as_of, queryset=milestones, settings=thresholds)
    delayed, delayed_count, overdue_count = _delayed_projects(
        overdue, delayed_candidates(qs, as_of), as_of, DELAYED_PROJECTS_SHOWN
    )
    due = _due_soon(milestones, as_of, thresholds, DUE_SOON_SHOWN)
    for m in due:
        m.cd = countdown_text(m.days_left, m.display_name)
    return {
        "overdue": delayed,
        "overdue_rows": delayed_rows_html(delayed),
        "due_rows": due_rows_html(due),
        "delayed_count": delayed_count,
        "overdue_count": overdue_count,
        "due": due,
        "due_soon_days": thresholds.due_soon_days,
    }


def delayed_rows_html(lines) -> SafeString:
    """The delayed projects' table rows (the body's loop over `overdue`), built in Python:
    exactly the HTML of the template loop they replaced (tests/web/test_dashboard_rows.py
    compares both, hostile text included, in both languages); every value escaped as
    autoescape did."""
    esc = conditional_escape
    head, tail = around_pk("web:detail")
    out = []
    for m in lines:
        more = ""
        if m.more:
            title = ngettext("另有 %(n)s 个滞后节点", "另有 %(n)s 个滞后节点", m.more) % {"n": m.more}
            more = f' <span class="chip more" title="{title}">+{m.more}</span>'
        out.append(
            f'\n      <tr><td class="pname"><a href="{head}{int(m.project_id)}{tail}">{esc(m.project.name)}</a></td>'
            f"<td>{esc(m.project.park.name)}</td><td>{esc(m.display_name)}{more}</td>"
            f'<td class="date">{ymd(m.planned_date)}</td>'
            f'<td class="nowrap"><span class="cd cd-{esc(m.severity)}">{esc(m.cd)}</span></td></tr>\n    '
        )
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


def due_rows_html(milestones) -> SafeString:
    """The due-soon milestones' table rows (the body's loop over `due`), built in Python: the
    template loop's HTML exactly (tests/web/test_dashboard_rows.py)."""
    esc = conditional_escape
    head, tail = around_pk("web:detail")
    out = [
        f'\n      <tr><td><a href="{head}{int(m.project_id)}{tail}">{esc(m.project.name)}</a></td>'
        f'<td>{esc(m.display_name)}</td><td class="date">{ymd(m.planned_date)}</td>'
        f'<td class="nowrap"><span class="cd cd-soon">{esc(m.cd)}</span></td></tr>\n    '
        for m in milestones
    ]
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped


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


# The parts of the dashboard's body drawn from the project figures alone, rendered once with
# them and cached as HTML: a filed report (which recomputes only the report figures) renders
# the rest of the body around them, not the delay and due-soon lists again.
PROJECT_FRAGMENTS = {"counts": "projects/_dashboard_counts.html", "lists": "projects/_dashboard_lists.html"}


def _project_figures(qs, park_ids, as_of) -> dict:
    """The figures computed from the projects, milestones and 督办 (not from the reports), and
    the body's fragments drawn from them alone (PROJECT_FRAGMENTS); `qs` the projects in scope,
    `park_ids` the same scope as parks (scope_park_ids)."""
    stage_rows, status_totals = _stage_status_grid(park_ids)
    thresholds = SchedulingSettings.load()
    figures = {
        "stage_rows": stage_rows,
        "status_totals": status_totals,
        "project_total": sum(r["total"] for r in stage_rows),
        **_milestone_lists(qs, as_of, thresholds),
        "problems": problem_counts(projects=qs, as_of=as_of, settings=thresholds),
    }
    context = {**figures, "status_order": STATUS_ORDER, "status_labels": {k: str(v) for k, v in Status.choices}}
    figures["fragments"] = {name: render_to_string(template, context) for name, template in PROJECT_FRAGMENTS.items()}
    figures["overdue"] = [_node_line(m) for m in figures["overdue"]]
    figures["due"] = [_node_line(m) for m in figures["due"]]
    return figures


def _growth_section(park, as_of, user, key: str) -> dict:
    """The growth by industry (the chart, the park's growth beside the city's, the month shown)
    and its section of the body rendered as HTML. Served from the nightly snapshot (an on-demand
    run's too), which a filed report does not change: cached on the project tables (the snapshot
    and the closed months among them), so the page after a report does not read and draw it
    again. Without a snapshot the figures are live, computed from the reports: then on every
    write."""

    def compute() -> dict:
        # The latest closed month, else the last full one, and whether it is closed.
        stats_period, stats_closed = stats_default_period_closed(as_of)
        figures = industry_growth(period=stats_period)
        section = {
            "chart": growth_chart(figures),
            "park_growth": _park_growth(figures, park or (user.park if user.is_park_admin else None)),
            "stats_period": stats_period,
            "stats_closed": stats_closed,
        }
        html = render_to_string("projects/_dashboard_growth.html", section)
        return {**section, "growth_html": html, "live": figures.get("source") != "snapshot"}

    entry = dataversion.cached(f"{key}:growth", compute, tables=project_tables())
    if entry["live"]:
        entry = dataversion.cached(f"{key}:growth:live", compute)
    return {name: value for name, value in entry.items() if name != "live"}


def _report_figures(park, as_of, user, key: str) -> dict:
    """The figures computed from the reports: the year's investment (stored sums) and the growth."""
    return {**_investment_progress(user, park, as_of.year), **_growth_section(park, as_of, user, key)}


NODE_LINE_FIELDS = ("pk", "project_id", "kind", "name", "display_name", "planned_date", "actual_date", "cd")


def _node_line(m) -> SimpleNamespace:
    """A delayed or due-soon line as plain values for the page cache (the page reads it as HTML
    already rendered; pickling the milestone models with their project and park was most of
    the cost of storing the page again after every filed report)."""
    line = SimpleNamespace(**{name: getattr(m, name) for name in NODE_LINE_FIELDS})
    for name in ("more", "days_overdue", "days_left", "severity"):
        if hasattr(m, name):
            setattr(line, name, getattr(m, name))
    line.project_name, line.park_name = m.project.name, m.project.park.name
    return line


def _figures(qs, park, as_of, user, key: str, visible) -> dict:
    """Everything the dashboard computes from the data; the project figures cached per scope
    apart from the report figures (a filed report recomputes only these)."""

    def project_figures() -> dict:
        return _project_figures(qs, scope_park_ids(user, park, visible=visible), as_of)

    projects = dataversion.cached(f"{key}:projects", project_figures, tables=project_tables())
    return {**projects, **_report_figures(park, as_of, user, key)}


@login_required
def dashboard(request):
    """The figures come from the page cache while nothing was written (common.dataversion),
    per scope: the parks the user sees, the park selected, the day and the language."""
    as_of = today()
    visible = access.parks_visible_to(request.user)
    qs, park = scoped_by_park(request, projects_visible_to(request.user))
    scope = "all" if visible is None else ",".join(map(str, sorted(visible)))
    own = request.user.park_id if request.user.is_park_admin else ""
    key = f"dashboard:{get_language()}:{as_of}:{request.user.role}:{scope}:{park.pk if park else ''}:{own}"
    context = {
        "as_of": as_of,
        "park": park,
        "parks": Park.objects.all() if not request.user.is_park_admin else None,
    }

    def compute() -> dict:
        figures = {**context, **_figures(qs, park, as_of, request.user, key, visible)}
        figures["parks"] = list(figures["parks"]) if figures["parks"] is not None else None
        return {**figures, "body": render_to_string("projects/_dashboard_body.html", figures, request=request)}

    return render(request, "projects/dashboard.html", dataversion.cached(key, compute))

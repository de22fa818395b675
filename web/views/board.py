"""The wall chart (挂图): a Gantt chart of the selected projects, grouped by park or industry.

Statements per request, whatever the number of projects: the groups' totals (one aggregate),
the groups' names (one), the page's rows (one; its count comes from the totals) and their
milestones (one prefetch).
Finished projects (scheduling.rules.finished_q) are collapsed: counted in their group's totals,
drawn only with ?finished=1. ?print=1 draws the whole selection (up to BOARD_PRINT_MAX rows)
for printing on A3 landscape pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.shortcuts import render
from django.utils.translation import gettext as _

from parks.models import Industry, Park
from projects.models import Project
from scheduling import rules
from scheduling.models import Milestone, SchedulingSettings
from web import gantt
from web.forms import parse_period_param
from web.templatetags.board import countdown_text, kind_label
from web.views.base import today
from web.views.projects import filtered_projects

PAGE_SIZE = 200


def _window(request, as_of: dt.date) -> tuple[gantt.Window, int]:
    try:
        months = min(max(int(request.GET.get("months", 15)), 3), 36)
    except ValueError:
        months = 15
    start = parse_period_param(
        request.GET.get("start"), gantt.month_add(as_of.replace(day=1), -3), request=request, name="start"
    )
    return gantt.Window(start, gantt.month_add(start, months)), months


def _finished_ids(as_of: dt.date):
    """The finished projects' ids as an uncorrelated subquery: PostgreSQL computes it once (its
    EXISTS / NOT EXISTS become a semi- and an anti-join over the milestones) and probes a hash,
    where the correlated form would run two subplans for each of 100,000 projects."""
    return Project.objects.filter(rules.finished_q(as_of)).order_by().values("pk")


class CountedPaginator(Paginator):
    """A paginator told its count (the groups' totals already hold it): no COUNT(*) statement."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def _group_totals(qs, key: str, as_of: dt.date) -> list[dict]:
    """Per group of the whole selection: projects, finished ones, total investment (万元), in
    the groups' order; two statements (the aggregate, the groups' names)."""
    rows = (
        Project.objects.filter(pk__in=qs.order_by().values("pk"))
        .order_by()
        .values(key)
        .annotate(
            n=Count("id"),
            done=Count("id", filter=Q(pk__in=_finished_ids(as_of))),
            total=Sum("total_investment"),
        )
    )
    by_id = {r[key]: r for r in rows}
    model = Park if key == "park_id" else Industry
    out = []
    for obj in model.objects.filter(pk__in=list(by_id)).order_by("sort_order", "code"):
        r = by_id[obj.pk]
        out.append({"obj": obj, "n": r["n"], "done": r["done"], "total": r["total"] or Decimal(0), "rows": []})
    return out


@login_required
def board(request):
    as_of = today()
    thresholds = SchedulingSettings.load()
    qs, form, _sort = filtered_projects(request, as_of)
    group = "industry" if request.GET.get("group") == "industry" else "park"
    key = f"{group}_id"
    show_finished = request.GET.get("finished") == "1"
    printing = request.GET.get("print") == "1"
    window, months = _window(request, as_of)

    groups = _group_totals(qs, key, as_of)
    order = ["park__sort_order", "park__code"] if group == "park" else ["industry__sort_order", "industry__code"]
    rows = qs.select_related("park", "industry").order_by(*order, key, "status_rank", "name", "id")
    if not show_finished:
        rows = rows.exclude(pk__in=_finished_ids(as_of))
    rows = rows.prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date", "sequence", "id"))
    )
    limit = settings.BOARD_PRINT_MAX if printing else PAGE_SIZE
    count = sum(g["n"] - (0 if show_finished else g["done"]) for g in groups)
    page = CountedPaginator(rows, limit, count=count).get_page(1 if printing else request.GET.get("page"))
    if printing and page.paginator.num_pages > 1:
        messages.warning(
            request,
            _("选中 %(n)d 个项目，打印视图最多 %(max)d 个：请缩小筛选范围后再打印其余项目。")
            % {"n": page.paginator.count, "max": limit},
        )
    by_key = {g["obj"].pk: g for g in groups}
    axis = gantt.axis(window, as_of)
    backdrop = gantt.row_backdrop(axis)
    for p in page.object_list:
        milestones = rules.set_order_warnings(p.milestones.all())
        p.order_warnings = [m.order_warning for m in milestones if m.order_warning]
        p.gantt = gantt.project_row(milestones, as_of=as_of, window=window, settings=thresholds)
        p.svg = gantt.row_svg(p.gantt, p.name, backdrop)
        p.finished = rules.is_finished(milestones, as_of)
        if p.next_date:
            p.cd_days = (p.next_date - as_of).days
            p.cd = countdown_text(p.cd_days, kind_label(p.next_kind, p.next_name))
        by_key[getattr(p, key)]["rows"].append(p)
    last = not page.has_next()
    shown = [g for g in groups if g["rows"] or (last and g["n"] == g["done"] and not show_finished)]
    params = request.GET.copy()
    for name in ("page", "print"):
        params.pop(name, None)
    toggle = params.copy()
    if show_finished:
        toggle.pop("finished", None)
    else:
        toggle["finished"] = "1"
    return render(
        request,
        "projects/board.html",
        {
            "groups": shown,
            "page": page,
            "form": form,
            "group": group,
            "axis": axis,
            "geo": gantt.GEOMETRY,
            "printing": printing,
            "as_of": as_of,
            "thresholds": thresholds,
            "start": window.start,
            "end": window.end,
            "months": months,
            "show_finished": show_finished,
            "finished_total": sum(g["done"] for g in groups),
            "toggle_query": toggle.urlencode(),
            "query": params.urlencode(),
        },
    )

"""The wall chart (挂图)."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render

from scheduling import rules
from scheduling.models import Milestone, SchedulingSettings
from web.charts import _month_add, board_marks
from web.forms import (
    parse_period_param,
)
from web.templatetags.board import countdown_text, kind_label
from web.views.base import today
from web.views.projects import filtered_projects


def _month_ticks(start: dt.date, end: dt.date, x) -> list[dict]:
    """One tick a month; quarters (and the first month) labelled YYYY-MM, the others by number."""
    ticks = []
    month = start
    while month < end:
        label = f"{month:%Y-%m}" if month.month in (1, 4, 7, 10) or month == start else f"{month.month}"
        ticks.append({"x": x(month), "label": label})
        month = _month_add(month, 1)
    return ticks


@login_required
def board(request):
    as_of = today()
    thresholds = SchedulingSettings.load()
    qs, form, _sort = filtered_projects(request, as_of)
    group = request.GET.get("group", "park")
    try:
        months = min(max(int(request.GET.get("months", 15)), 3), 36)
    except ValueError:
        months = 15
    start = parse_period_param(
        request.GET.get("start"), _month_add(as_of.replace(day=1), -3), request=request, name="start"
    )
    end = _month_add(start, months)
    span = (end - start).days

    def x(d: dt.date | None):
        if d is None:
            return None
        return round(min(max((d - start).days / span * 100, 0), 100), 2)

    order = ["park__sort_order", "park__code"] if group == "park" else ["industry__sort_order", "industry__code"]
    qs = qs.select_related("park", "industry").order_by(*order, "status_rank", "name", "id")
    qs = qs.prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date", "sequence", "id"))
    )
    page = Paginator(qs, 80).get_page(request.GET.get("page"))
    groups: OrderedDict = OrderedDict()
    for p in page.object_list:
        key = p.park if group == "park" else p.industry
        milestones = rules.set_order_warnings(p.milestones.all())
        p.order_warnings = [m.order_warning for m in milestones if m.order_warning]
        p.marks, p.before, p.after = board_marks(
            milestones, as_of=as_of, start=start, end=end, x=x, settings=thresholds
        )
        if p.next_date:
            p.cd = countdown_text((p.next_date - as_of).days, kind_label(p.next_kind, p.next_name))
            p.cd_days = (p.next_date - as_of).days
        groups.setdefault(key, []).append(p)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "projects/board.html",
        {
            "groups": groups,
            "page": page,
            "form": form,
            "group": group,
            "ticks": _month_ticks(start, end, x),
            "today_x": x(as_of),
            "as_of": as_of,
            "thresholds": thresholds,
            "start": start,
            "end": end,
            "months": months,
            "query": params.urlencode(),
        },
    )

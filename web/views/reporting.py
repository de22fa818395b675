"""填报进度 (who has reported): for one month, one row per park the user sees, with the projects
expected to report, reported, approved, returned and missing (projects.reporting), a progress
bar, the due date with its countdown, whether the month is closed, and the missing projects one
click away (the first MISSING_SHOWN names, and the monthly grid of that park and month)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common.periods import PeriodError
from projects.reporting import reporting_status, status_period
from projects.rules import period_now_due
from web.views.base import today

MISSING_SHOWN = 20  # names listed per park; the count is the park's whole


@login_required
@require_GET
def reporting_status_page(request):
    as_of = today()
    try:
        period = status_period(request.GET.get("period"), today=as_of)
    except PeriodError as exc:
        period = period_now_due(as_of)
        messages.warning(
            request,
            _("参数 %(name)s：%(message)s 已显示 %(default)s。")
            % {"name": "period", "message": exc.message, "default": f"{period:%Y-%m}"},
        )
    status = reporting_status(user=request.user, period=period, missing_ids=False, missing_names=MISSING_SHOWN)
    grid = reverse("web:grid")
    rows = [
        {
            "park": row,
            "grid_url": f"{grid}?{urlencode({'park': row.park_id, 'period': f'{period:%Y-%m}'})}",
            "more": row.missing_count - len(row.missing_projects),
        }
        for row in status.parks
    ]
    totals = status.totals()
    expected, reported = totals["expected"], totals["reported"]
    days = (status.due_date - as_of).days
    prev_month = (period.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "projects/reporting_status.html",
        {
            "status": status,
            "rows": rows,
            "totals": totals,
            "total_pct": 100 if not expected else reported * 100 // expected,
            "period_str": f"{period:%Y-%m}",
            "prev_month": f"{prev_month:%Y-%m}",
            "next_month": f"{(period.replace(day=28) + dt.timedelta(days=4)).replace(day=1):%Y-%m}"
            if period < as_of.replace(day=1)
            else None,
            "days_left": days,
            "days_overdue": -days,
            "as_of": as_of,
        },
    )

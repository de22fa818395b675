"""The weekly report's 督办事项: new this week, overdue with days, handled and confirmed this
week; a park's section holds its own; XLSX sheets and the HTML section."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from escalation.models import Problem
from reports.rendering import render_html, render_xlsx
from reports.selectors import weekly_report_data

D = dt.date
MONDAY = D(2026, 11, 30)  # the week 2026-11-23 … 11-29


def make(project, **kw):
    kw.setdefault("raised_on", D(2026, 11, 1))
    return Problem.objects.create(project=project, category="land", description="未供地", **kw)


def test_week_problems(esc):
    new = make(esc.project_a, raised_on=D(2026, 11, 25))
    late = make(esc.project_b, deadline=D(2026, 11, 20), status="assigned", department=esc.power)
    handled = make(esc.project_a, deadline=D(2026, 11, 26), handled_on=D(2026, 11, 27), status="handled")
    confirmed = make(
        esc.project_a,
        handled_on=D(2026, 11, 20),
        confirmed_on=D(2026, 11, 23),
        status="confirmed",
        deadline=D(2026, 11, 30),
    )
    make(esc.project_a, raised_on=D(2026, 11, 30))  # Monday itself: next week's
    data = weekly_report_data(week="2026-W49", as_of=MONDAY)
    p = data.problems
    assert [r.problem_id for r in p.new] == [new.pk]
    assert [(r.problem_id, r.days_overdue, r.severity) for r in p.overdue] == [(late.pk, 10, "red")]
    assert [r.problem_id for r in p.handled] == [handled.pk]
    assert [r.problem_id for r in p.confirmed] == [confirmed.pk]
    summary = data.summary()
    assert (summary["problems_new"], summary["problems_overdue"]) == (1, 1)

    section = data.section(esc.project_a.park.parent_id or esc.project_a.park_id)
    assert section.problems.overdue == [] and len(section.problems.new) == 1

    html = render_html(data, generated_at=timezone.now())
    assert "八、督办事项" in html and "供电公司" in html
    wb = load_workbook(io.BytesIO(render_xlsx(data, generated_at=timezone.now())))
    sheet = wb["超期督办"]
    assert [c.value for c in sheet[2]][-1] == 10

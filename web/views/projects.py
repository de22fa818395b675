"""The project list (项目清单), its XLSX export and the project card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation

from parks.access import can_write_anything, visible_parks
from parks.models import Industry
from projects.models import Level, Stage, Status
from projects.rules import counts as report_counts
from projects.selectors import can_write_park, projects_visible_to, visible_project_count
from scheduling import rules
from scheduling.models import SchedulingSettings
from scheduling.selectors import with_spend_ahead
from web.charts import timeline
from web.exports import projects_stream
from web.forms import (
    ProjectFilterForm,
)
from web.history import history_entries
from web.templatetags.board import countdown_text, kind_label
from web.views.base import XLSX, scoped_by_park, today
from web.views.problems import card_context as problem_card

EXPORT_CHUNK = 1000  # rows fetched per round trip of the export's server-side cursor

SORTS = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "investment": ["total_investment", "id"],
    "-investment": ["-total_investment", "-id"],
    "next": ["next_date", "id"],
    "-next": ["-next_date", "-id"],
    "year": ["year", "id"],
    "-year": ["-year", "-id"],
    "status": ["status_rank", "next_date", "id"],
    "-status": ["-status_rank", "id"],
    "park": ["park__sort_order", "park__code", "name"],
}


def filtered_projects(request, as_of: dt.date, *, with_unfiltered: bool = False):
    """(queryset, form, sort) of the list's selection; with `with_unfiltered`, a fourth item
    says whether no filter narrows the user's visible projects (the pager may then take the
    count the database keeps, projects.selectors.visible_project_count)."""
    qs, park = scoped_by_park(request, projects_visible_to(request.user))
    qs = with_spend_ahead(qs, as_of=as_of, settings=SchedulingSettings.load())
    parks = visible_parks(request.user)
    data = request.GET.copy()
    if park is None:  # a refused ?park= (said on the page) must not drop the other filters
        data.pop("park", None)
    form = ProjectFilterForm(data or None, parks=parks)
    unfiltered = park is None
    if form.is_valid():
        d = form.cleaned_data
        if d["industry"]:
            qs = qs.filter(industry_id__in=Industry.objects.descendant_ids([d["industry"].pk]))
        for key in ("level", "stage", "status"):
            if d[key]:
                qs = qs.filter(**{key: d[key]})
        if d["spend_ahead"]:
            qs = qs.filter(spend_ahead=True)
        if d["q"]:
            q = d["q"].strip()
            qs = qs.filter(Q(name__icontains=q) | Q(owner__icontains=q) | Q(code__icontains=q))
        unfiltered = unfiltered and not any(
            d[key] for key in ("industry", "level", "stage", "status", "spend_ahead", "q")
        )
    # The next node and the colour's rank are the project's stored summary columns (kept by
    # scheduling.services.refresh_next_milestones and flag_delays): the sorts below are served
    # by the partial indexes on (status_rank, next_date, id) and (next_date, id) with LIMIT.
    sort = request.GET.get("sort", "status")
    qs = qs.order_by(*SORTS.get(sort, SORTS["status"]))
    if with_unfiltered:
        return qs, form, sort, unfiltered
    return qs, form, sort


@login_required
def project_list(request):
    as_of = today()
    qs, form, sort, unfiltered = filtered_projects(request, as_of, with_unfiltered=True)
    if request.GET.get("export") == "xlsx":
        return project_export(qs, as_of)
    paginator = Paginator(qs.select_related("park", "industry"), 50)
    if unfiltered:
        # Every visible project: counted from the per-park rows the database keeps, not COUNT(*).
        paginator.count = visible_project_count(request.user)
    page = paginator.get_page(request.GET.get("page"))
    # The labels from one dict each: get_FOO_display rebuilds its choices per call (a third of
    # the page's time at 50 rows).
    labels = {"level": dict(Level.choices), "stage": dict(Stage.choices), "status": dict(Status.choices)}
    for p in page.object_list:
        p.level_label = labels["level"].get(p.level, p.level)
        p.stage_label = labels["stage"].get(p.stage, p.stage)
        p.status_label = labels["status"].get(p.status, p.status)
        if p.next_date:
            label = kind_label(p.next_kind, p.next_name)
            p.next_label = label
            p.cd = countdown_text((p.next_date - as_of).days, label)
            p.cd_days = (p.next_date - as_of).days
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("sort", None)
    params.pop("export", None)
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "form": form,
            "sort": sort,
            "as_of": as_of,
            "thresholds": SchedulingSettings.load(),
            "query": params.urlencode(),
            "can_write": can_write_anything(request.user),
        },
    )


def project_export(qs, as_of: dt.date) -> StreamingHttpResponse:
    """The filtered list as XLSX, streamed: the rows are read from one server-side cursor in
    chunks (one statement, flat memory) and written as they come."""
    level_labels = {k: str(v) for k, v in Level.choices}
    stage_labels = {k: str(v) for k, v in Stage.choices}
    status_labels = {k: str(v) for k, v in Status.choices}
    next_labels: dict[tuple, str] = {}
    language = translation.get_language()

    def rows():
        for r in qs.values(
            "id", "code", "name", "owner", "park__name", "industry__name", "level", "year", "stage",
            "total_investment", "status", "next_date", "next_kind", "next_name",
        ).iterator(chunk_size=EXPORT_CHUNK):  # fmt: skip
            key = (r["next_kind"], r["next_name"])
            if r["next_date"] and key not in next_labels:
                next_labels[key] = kind_label(*key)
            r["park_name"] = r["park__name"]
            r["industry_name"] = r["industry__name"]
            r["level_label"] = level_labels.get(r["level"], r["level"])
            r["stage_label"] = stage_labels.get(r["stage"], r["stage"])
            r["status_label"] = status_labels.get(r["status"], r["status"])
            r["next_label"] = next_labels[key] if r["next_date"] else ""
            yield r

    def content():
        with translation.override(language):
            yield from projects_stream(rows(), today=as_of)

    response = StreamingHttpResponse(content(), content_type=XLSX)
    name = f"projects-{as_of:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def project_detail(request, pk: int):
    project = get_object_or_404(projects_visible_to(request.user).select_related("park", "industry"), pk=pk)
    as_of = today()
    thresholds = SchedulingSettings.load()
    milestones = rules.set_order_warnings(project.milestones.order_by("planned_date", "sequence", "id"))
    for m in milestones:
        if rules.is_open(m, as_of):
            m.cd = countdown_text((m.planned_date - as_of).days, m.display_name)
            m.days = (m.planned_date - as_of).days
        m.slip = (m.planned_date - m.baseline_date).days if m.baseline_date else 0
    plans = {p.year: p.planned_investment for p in project.annual_plans.all()}
    reports = list(project.reports.select_related("submitted_by", "reviewed_by").order_by("period"))
    cumulative: dict[int, Decimal] = {}
    for r in reports:
        # Only submitted and approved reports count (projects.rules); a draft or a returned one
        # is listed with its status but adds nothing to the year to date.
        r.counts = report_counts(r.status)
        y = r.period.year
        cumulative[y] = cumulative.get(y, Decimal(0)) + (r.amount if r.counts else Decimal(0))
        r.cumulative = cumulative[y]
        plan = plans.get(y)
        r.plan = plan
        r.plan_pct = (r.cumulative / plan * 100).quantize(Decimal("0.1")) if plan else None
    total_done = sum((r.amount for r in reports if r.counts), Decimal(0))
    standard = [m for m in milestones if rules.is_standard(m.kind)]
    spent = sum((r.amount for r in reports if r.counts and r.period <= as_of), Decimal(0))  # as the ORM form
    spend = (spent, project.total_investment, sum(rules.is_done(m, as_of) for m in standard), len(standard))
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "milestones": milestones,
            "timeline": timeline(milestones, as_of, thresholds),
            "reports": list(reversed(reports)),
            "plans": sorted(plans.items()),
            "total_done": total_done,
            "spend_ahead_pp": rules.spend_ahead_gap(*spend),
            "spend_ahead": rules.is_spend_ahead(*spend, thresholds),
            "history": history_entries(project),
            "as_of": as_of,
            "thresholds": thresholds,
            "can_edit": can_write_park(request.user, project.park_id),
            **problem_card(project, request.user, as_of),
        },
    )

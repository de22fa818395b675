"""The web pages. Short views: reads start from `projects_visible_to(user)`, writes go through
projects.services / scheduling.services (or projects.imports for the set-based bulk writes).

Every page costs a constant number of SQL statements whatever the number of projects: lists
use annotations (the next open milestone is a subquery), related rows come with
select_related/prefetch_related, and sums are aggregates."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, OrderedDict
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value, When
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.exceptions import VersionConflict
from parks.models import Industry, Park, Role
from scheduling.models import Milestone, SchedulingSettings
from scheduling.selectors import due_soon_milestones, open_on, overdue_milestones

from . import imports, services, tasks
from .forms import (
    AnnualPlanFormSet,
    GridRowForm,
    ImportUploadForm,
    MilestoneFormSet,
    ProjectFilterForm,
    ProjectForm,
    parks_for,
    parse_period_param,
)
from .imports import ImportRefused, ReportEntry
from .models import AnnualPlan, InvestmentReport, Level, Project, Stage, Status
from .selectors import can_write_park, parks_administered_by, projects_visible_to
from .templatetags.board import countdown_text, kind_label

XLSX = imports.XLSX_CONTENT_TYPE
STATUS_ORDER = ["red", "yellow", "due_soon", "green"]

logger = logging.getLogger(__name__)


def today() -> dt.date:
    return timezone.localdate()


def can_write(user) -> bool:
    ids = parks_administered_by(user)
    return ids is None or bool(ids)


def with_next_milestone(qs, *, as_of: dt.date):
    """Annotate the earliest milestone still open on `as_of` (overdue ones included)."""
    nxt = (
        Milestone.objects.filter(project=OuterRef("pk"))
        .filter(open_on(as_of))
        .order_by("planned_date", "sequence", "id")
    )
    return qs.annotate(
        next_date=Subquery(nxt.values("planned_date")[:1]),
        next_kind=Subquery(nxt.values("kind")[:1]),
        next_name=Subquery(nxt.values("name")[:1]),
    )


def scoped_by_park(request, qs):
    """A park admin always sees its own parks; the commission and viewers may narrow the city
    to one park (and its sub-parks) with ?park=<id>. Returns (queryset, selected park)."""
    user = request.user
    if user.role == Role.PARK_ADMIN and not user.is_superuser:
        return qs, None
    park = None
    park_id = request.GET.get("park")
    if park_id and park_id.isdigit():
        park = Park.objects.filter(pk=park_id).first()
        if park:
            qs = qs.filter(park_id__in=Park.objects.descendant_ids([park.pk]))
    return qs, park


# --- Dashboard --------------------------------------------------------------------------------


def growth_chart(figures: dict | None) -> dict | None:
    """Horizontal bars of the top-level industries' YTD growth against the city's (inline SVG)."""
    if not figures:
        return None
    rows = [i for i in figures.get("industries", []) if i.get("depth", 0) == 0]
    city = figures.get("city", {}).get("growth_pct")
    values = [Decimal(r["growth_pct"]) for r in rows if r.get("growth_pct") is not None]
    if city is not None:
        values.append(Decimal(city))
    lo = min([Decimal(0), *values])
    hi = max([Decimal(10), *values])
    label_w, width, row_h = 130, 640, 28
    span = hi - lo or Decimal(1)

    def x(v) -> float:
        return float(label_w + (Decimal(v) - lo) / span * (width - label_w - 170))

    zero = x(0)
    bars = []
    for i, r in enumerate(rows):
        g = r.get("growth_pct")
        y = 10 + i * row_h
        if g is None:
            bars.append({"name": r["name"], "y": y, "ty": y + 16, "none": True, "x": zero, "w": 0, "value": None})
            continue
        xv = x(g)
        bars.append(
            {
                "name": r["name"],
                "y": y,
                "ty": y + 16,
                "x": min(zero, xv),
                "w": max(abs(xv - zero), 1),
                "value": g,
                "diff": r.get("diff_pp"),
                "tx": max(zero, xv) + 4,
                "up": city is not None and Decimal(g) >= Decimal(city),
            }
        )
    height = 20 + len(rows) * row_h
    return {
        "bars": bars,
        "width": width + 40,
        "height": height,
        "zero": zero,
        "city": city,
        "city_x": x(city) if city is not None else None,
        "period": figures.get("period"),
        "city_ytd": figures.get("city", {}).get("ytd"),
        "bottom": height - 4,
    }


@login_required
def dashboard(request):
    as_of = today()
    qs, park = scoped_by_park(request, projects_visible_to(request.user))
    thresholds = SchedulingSettings.load()
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
    year = as_of.year
    done = InvestmentReport.objects.filter(project__in=qs, period__year=year).aggregate(s=Sum("amount"))["s"]
    plan = AnnualPlan.objects.filter(project__in=qs, year=year).aggregate(s=Sum("planned_investment"))["s"]
    done, plan = done or Decimal(0), plan or Decimal(0)
    pct = (done / plan * 100).quantize(Decimal("0.1")) if plan else None
    milestones = Milestone.objects.filter(project__in=qs).select_related("project", "project__park")
    overdue = overdue_milestones(as_of=as_of, queryset=milestones, settings=thresholds)
    overdue_count = overdue.count()
    overdue = list(overdue.order_by("planned_date", "id")[:30])
    due = list(due_soon_milestones(as_of=as_of, queryset=milestones, settings=thresholds).order_by("planned_date")[:30])
    for m in overdue:
        m.cd = countdown_text(-m.days_overdue, m.display_name)
    for m in due:
        m.cd = countdown_text(m.days_left, m.display_name)
    figures = None
    try:
        from scheduling.selectors import default_period, industry_growth

        figures = industry_growth(period=default_period(as_of))
    except ImportError:  # the growth statistics are not installed yet
        figures = None
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
            "status_labels": status_labels,
            "project_total": sum(r["total"] for r in stage_rows),
            "year": year,
            "done": done,
            "plan": plan,
            "pct": pct,
            "bar_pct": min(float(pct or 0), 100),
            "overdue": overdue,
            "overdue_count": overdue_count,
            "due": due,
            "due_soon_days": thresholds.due_soon_days,
            "chart": growth_chart(figures),
        },
    )


# --- Project list -----------------------------------------------------------------------------

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


def filtered_projects(request, as_of: dt.date):
    qs, _park = scoped_by_park(request, projects_visible_to(request.user))
    parks = parks_for(request.user) if request.user.is_park_admin else Park.objects.all()
    form = ProjectFilterForm(request.GET or None, parks=parks)
    if form.is_valid():
        d = form.cleaned_data
        if d["park"] and request.user.is_park_admin:
            qs = qs.filter(park_id__in=Park.objects.descendant_ids([d["park"].pk]))
        if d["industry"]:
            qs = qs.filter(industry_id__in=Industry.objects.descendant_ids([d["industry"].pk]))
        for key in ("level", "stage", "status"):
            if d[key]:
                qs = qs.filter(**{key: d[key]})
        if d["q"]:
            q = d["q"].strip()
            qs = qs.filter(Q(name__icontains=q) | Q(owner__icontains=q) | Q(code__icontains=q))
    qs = with_next_milestone(qs, as_of=as_of).annotate(
        status_rank=Case(
            *[When(status=c, then=Value(i)) for i, c in enumerate(STATUS_ORDER)],
            default=Value(9),
            output_field=IntegerField(),
        )
    )
    sort = request.GET.get("sort", "status")
    qs = qs.order_by(*SORTS.get(sort, SORTS["status"]))
    return qs, form, sort


@login_required
def project_list(request):
    as_of = today()
    qs, form, sort = filtered_projects(request, as_of)
    if request.GET.get("export") == "xlsx":
        return project_export(qs, as_of)
    page = Paginator(qs.select_related("park", "industry"), 50).get_page(request.GET.get("page"))
    for p in page.object_list:
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
            "query": params.urlencode(),
            "can_write": can_write(request.user),
        },
    )


def project_export(qs, as_of: dt.date) -> HttpResponse:
    level_labels, stage_labels, status_labels = dict(Level.choices), dict(Stage.choices), dict(Status.choices)
    rows = []
    for r in qs.values(
        "id", "code", "name", "owner", "park__name", "industry__name", "level", "year", "stage",
        "total_investment", "status", "next_date", "next_kind", "next_name",
    ):  # fmt: skip
        rows.append(
            {
                **r,
                "park_name": r["park__name"],
                "industry_name": r["industry__name"],
                "level_label": str(level_labels.get(r["level"], r["level"])),
                "stage_label": str(stage_labels.get(r["stage"], r["stage"])),
                "status_label": str(status_labels.get(r["status"], r["status"])),
                "next_label": kind_label(r["next_kind"], r["next_name"]) if r["next_date"] else "",
            }
        )
    content = imports.projects_workbook(rows, today=as_of)
    response = HttpResponse(content, content_type=XLSX)
    name = f"projects-{as_of:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- One project ------------------------------------------------------------------------------


def timeline(milestones, as_of: dt.date) -> dict | None:
    """Coordinates for the small SVG timeline of a project: baseline ◇, plan ●, actual ✓."""
    dates = [as_of]
    for m in milestones:
        dates += [d for d in (m.baseline_date, m.planned_date, m.actual_date) if d]
    if not milestones:
        return None
    start = min(dates) - dt.timedelta(days=15)
    end = max(dates) + dt.timedelta(days=15)
    span = (end - start).days or 1
    left, width, row_h = 130, 720, 24

    def x(d):
        return round(left + (d - start).days / span * (width - left - 10), 1)

    rows = []
    for i, m in enumerate(milestones):
        y = 30 + i * row_h
        days = None if (m.actual_date and m.actual_date <= as_of) else (m.planned_date - as_of).days
        rows.append(
            {
                "label": m.display_name,
                "y": y,
                "ty": y + 4,
                "bx": x(m.baseline_date) if m.baseline_date else None,
                "bxm": x(m.baseline_date) - 5 if m.baseline_date else None,
                "ym": y - 5,
                "px": x(m.planned_date),
                "ax": x(m.actual_date) if m.actual_date else None,
                "slip": m.baseline_date and m.planned_date != m.baseline_date,
                "css": "done" if days is None else ("late" if days < 0 else ("soon" if days <= 14 else "ok")),
            }
        )
    ticks = []
    month = dt.date(start.year, start.month, 1)
    step = max(1, span // 300 + 1)
    i = 0
    while month <= end:
        if month >= start and i % step == 0:
            ticks.append({"x": x(month), "label": f"{month:%Y-%m}"})
        i += 1
        month = dt.date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    height = 40 + len(rows) * row_h
    return {"rows": rows, "ticks": ticks, "today_x": x(as_of), "height": height, "width": width, "left": left}


def history_entries(project) -> list[dict]:
    """Field-level changes of the project and its milestones, newest first (two queries)."""
    entries = []
    records = list(project.history.select_related("history_user").order_by("-history_date", "-history_id")[:40])
    for newer, older in zip(records, records[1:] + [None], strict=False):
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                field = Project._meta.get_field(change.field)
                changes.append({"field": field.verbose_name, "old": change.old, "new": change.new})
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "type": newer.history_type,
                "what": _("项目"),
                "changes": changes,
            }
        )
    ms = list(
        Milestone.history.filter(project_id=project.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:40]
    )
    for h in ms:
        entries.append(
            {
                "when": h.history_date,
                "who": h.history_user,
                "type": h.history_type,
                "what": _("节点：%(name)s") % {"name": kind_label(h.kind, h.name)},
                "changes": [
                    {"field": _("计划日期"), "old": None, "new": h.planned_date},
                    {"field": _("实际完成日期"), "old": None, "new": h.actual_date or "—"},
                ],
            }
        )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:60]


@login_required
def project_detail(request, pk: int):
    project = get_object_or_404(projects_visible_to(request.user).select_related("park", "industry"), pk=pk)
    as_of = today()
    milestones = list(project.milestones.order_by("planned_date", "sequence", "id"))
    for m in milestones:
        if not (m.actual_date and m.actual_date <= as_of):
            m.cd = countdown_text((m.planned_date - as_of).days, m.display_name)
            m.days = (m.planned_date - as_of).days
        m.slip = (m.planned_date - m.baseline_date).days if m.baseline_date else 0
    plans = {p.year: p.planned_investment for p in project.annual_plans.all()}
    reports = list(project.reports.select_related("submitted_by").order_by("period"))
    cumulative: dict[int, Decimal] = {}
    for r in reports:
        y = r.period.year
        cumulative[y] = cumulative.get(y, Decimal(0)) + r.amount
        r.cumulative = cumulative[y]
        plan = plans.get(y)
        r.plan = plan
        r.plan_pct = (r.cumulative / plan * 100).quantize(Decimal("0.1")) if plan else None
    total_done = sum((r.amount for r in reports), Decimal(0))
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "milestones": milestones,
            "timeline": timeline(milestones, as_of),
            "reports": list(reversed(reports)),
            "plans": sorted(plans.items()),
            "total_done": total_done,
            "history": history_entries(project),
            "as_of": as_of,
            "can_edit": can_write_park(request.user, project.park_id),
        },
    )


# --- Create / edit ----------------------------------------------------------------------------


def _save_milestones(user, project, formset) -> None:
    """Apply the milestone formset through scheduling.services. Deletions first; then the dates
    that move later in descending order and the ones that move earlier in ascending order, so
    that each single write keeps the order rule satisfied on the way to a consistent end."""
    from scheduling import services as ms

    later, earlier, new = [], [], []
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        instance = form.instance
        if formset._should_delete_form(form):
            if instance.pk:
                ms.milestone_delete(user=user, milestone=instance)
            continue
        data = {k: form.cleaned_data.get(k) for k in ("kind", "name", "planned_date", "actual_date")}
        data["name"] = data["name"] or ""
        if instance.pk is None:
            new.append(data)
        elif form.has_changed():
            old = Milestone.objects.get(pk=instance.pk)
            (later if data["planned_date"] >= old.planned_date else earlier).append((instance, data))
    for instance, data in sorted(later, key=lambda t: t[1]["planned_date"], reverse=True):
        ms.milestone_update(user=user, milestone=instance, data=data)
    for instance, data in sorted(earlier, key=lambda t: t[1]["planned_date"]):
        ms.milestone_update(user=user, milestone=instance, data=data)
    for data in sorted(new, key=lambda d: d["planned_date"]):
        ms.milestone_create(user=user, project=project, data=data)


def _save_plans(user, project, formset) -> None:
    # No service exists for annual plans yet; this is the one write path for them in the web UI.
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if formset._should_delete_form(form):
            if form.instance.pk:
                form.instance._history_user = user
                form.instance.delete()
            continue
        if form.instance.pk and not form.has_changed():
            continue
        obj = form.save(commit=False)
        obj.project = project
        obj._history_user = user
        obj.full_clean(validate_unique=False)
        obj.save()


def _apply_template(user, project, template, target) -> int:
    from scheduling import services as ms

    apply = getattr(ms, "apply_template", None)
    if apply is None:
        raise ValidationError(_("倒排工期模板功能暂不可用。"))
    try:
        created = apply(user=user, project=project, template=template, target_date=target)
    except ValidationError as exc:
        raise ValidationError({"template_target": exc.messages})
    return len(created) if hasattr(created, "__len__") else 0


@login_required
@require_GET
def template_preview(request):
    """The dates a countdown template gives for a target date, for the form's script to fill the
    milestone rows before saving (the same computation as scheduling.services.apply_template)."""
    from scheduling.models import ScheduleTemplate
    from scheduling.services import template_dates

    template = (
        ScheduleTemplate.objects.filter(pk=request.GET.get("template") or 0).first()
        if (request.GET.get("template", "").isdigit())
        else None
    )
    if template is None:
        return JsonResponse({"error": _("请选择倒排工期模板。")}, status=400)
    try:
        target = dt.date.fromisoformat(request.GET.get("target", ""))
    except ValueError:
        return JsonResponse({"error": _("请填写模板目标日期（YYYY-MM-DD）。")}, status=400)
    items = [
        {"kind": kind, "name": name, "label": kind_label(kind, name), "planned_date": day.isoformat()}
        for kind, name, day in template_dates(template=template, target_date=target)
    ]
    return JsonResponse({"template": template.name, "target": target.isoformat(), "items": items})


CONFLICT_FIELDS = [
    "name", "owner", "code", "park", "industry", "level", "year", "stage", "phase", "total_investment",
    "target_date", "leader", "contact_person", "contact_phone",
]  # fmt: skip


def _shown(name: str, value):
    """A value as people read it: choice labels instead of codes."""
    field = Project._meta.get_field(name)
    if field.choices and value is not None:
        return dict(field.flatchoices).get(value, value)
    return value


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int | None = None):
    user = request.user
    project = None
    if pk is not None:
        project = get_object_or_404(projects_visible_to(user).select_related("park", "industry"), pk=pk)
        if not can_write_park(user, project.park_id):
            raise PermissionDenied(_("您无权修改该项目。"))
    elif not can_write(user):
        raise PermissionDenied(_("只读用户不能新建项目。"))
    instance = project or Project()
    data = request.POST if request.method == "POST" else None
    form = ProjectForm(data, instance=instance, user=user)
    ms_formset = MilestoneFormSet(data, instance=instance, prefix="ms")
    plan_formset = AnnualPlanFormSet(data, instance=instance, prefix="plan")
    conflict = None
    if request.method == "POST" and form.is_valid() and ms_formset.is_valid() and plan_formset.is_valid():
        fields = {k: form.cleaned_data.get(k) for k in ProjectForm.Meta.fields}
        try:
            with transaction.atomic():
                if project is None:
                    saved = services.project_create(user=user, data=fields)
                else:
                    saved = services.project_update(
                        user=user,
                        project=Project.objects.get(pk=project.pk),
                        data=fields,
                        expected_version=form.cleaned_data["version"],
                    )
                ms_formset.instance = saved
                plan_formset.instance = saved
                _save_plans(user, saved, plan_formset)
                _save_milestones(user, saved, ms_formset)
                applied = 0
                if form.cleaned_data.get("template"):
                    applied = _apply_template(
                        user, saved, form.cleaned_data["template"], form.cleaned_data["template_target"]
                    )
        except VersionConflict as exc:
            current = Project.objects.select_related("park", "industry").get(pk=project.pk)
            conflict = {
                "message": exc.message_dict["version"][0],
                "rows": [
                    {
                        "label": Project._meta.get_field(f).verbose_name,
                        "mine": _shown(f, form.cleaned_data.get(f)),
                        "theirs": _shown(f, getattr(current, f)),
                        "differs": form.cleaned_data.get(f) != getattr(current, f),
                    }
                    for f in CONFLICT_FIELDS
                ],
                "version": current.version,
                "milestones": list(current.milestones.order_by("planned_date")),
            }
            # The user has now seen the saved values: a deliberate second save may replace them.
            form.data = form.data.copy()
            form.data["version"] = current.version
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error("park", str(exc) or _("您无权在该园区录入或调整项目。"))
        else:
            if applied:
                messages.success(request, _("已保存，并按模板生成 %(n)d 个节点。") % {"n": applied})
            else:
                messages.success(request, _("已保存。"))
            return redirect("projects:detail", pk=saved.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "ms_formset": ms_formset,
            "plan_formset": plan_formset,
            "project": project,
            "conflict": conflict,
        },
    )


# --- Monthly reporting grid ---------------------------------------------------------------------


def report_due_date(period: dt.date) -> dt.date:
    """A month's report is due on REPORT_DUE_DAY (default the 25th) of that month."""
    day = int(getattr(settings, "REPORT_DUE_DAY", 25))
    return period.replace(day=min(day, 28))


GRID_PAGE_SIZE = 100  # rows per page of the monthly grid
GRID_MISSING_SHOWN = 50  # names listed in the "not reported yet" summary; the count is the whole park's


def _grid_url(park, period: dt.date, page_number: int = 1) -> str:
    params = {"park": park.pk, "period": f"{period:%Y-%m}"}
    if page_number > 1:
        params["page"] = page_number
    return f"{reverse('projects:grid')}?{urlencode(params)}"


@login_required
@require_http_methods(["GET", "POST"])
def report_grid(request):
    """One park's month, GRID_PAGE_SIZE projects a page. A save posts the rows of the displayed
    page (their ids travel in the hidden `rows` field) and stores them all or none; the summary
    of who has not reported yet covers the whole park with one aggregate."""
    user = request.user
    as_of = today()
    period = parse_period_param(request.GET.get("period"), as_of.replace(day=1))
    if user.is_park_admin:
        parks = parks_for(user)
        default_park = user.park
    else:
        parks = Park.objects.filter(parent__isnull=True)
        default_park = parks.first()
    park_id = request.GET.get("park")
    park = parks.filter(pk=park_id).first() if park_id and park_id.isdigit() else default_park
    if park is None:
        raise Http404(_("没有可填报的园区。"))
    writable = can_write_park(user, park.pk)
    if request.method == "POST" and not writable:
        raise PermissionDenied(_("您无权填报该园区的月度投资。"))
    ordering = ("park__sort_order", "park__code", "name", "id")
    in_park = projects_visible_to(user).filter(park_id__in=Park.objects.descendant_ids([park.pk]))
    reported = InvestmentReport.objects.filter(project=OuterRef("pk"), period=period)
    summary = in_park.aggregate(total=Count("pk"), missing=Count("pk", filter=~Q(Exists(reported))))
    paginator = Paginator(in_park.select_related("park").order_by(*ordering), GRID_PAGE_SIZE)
    paginator.count = summary["total"]  # already counted above: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    if request.method == "POST" and "rows" in request.POST:
        # Exactly the rows the user saw, even if projects were added or removed meanwhile.
        ids = [int(x) for x in request.POST["rows"].split(",") if x.strip().isdigit()][:GRID_PAGE_SIZE]
        projects = list(in_park.filter(pk__in=ids).select_related("park").order_by(*ordering))
    else:
        projects = list(page.object_list)
    existing = {r.project_id: r for r in InvestmentReport.objects.filter(project__in=projects, period=period)}
    ytd = dict(
        InvestmentReport.objects.filter(project__in=projects, period__gte=period.replace(month=1), period__lt=period)
        .values_list("project_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    plans = dict(
        AnnualPlan.objects.filter(project__in=projects, year=period.year).values_list(
            "project_id", "planned_investment"
        )
    )
    rows = []
    for p in projects:
        report = existing.get(p.pk)
        initial = (
            {"amount": report.amount, "progress": report.progress, "problems": report.problems} if report else None
        )
        form = GridRowForm(
            request.POST if request.method == "POST" else None,
            prefix=f"p{p.pk}",
            initial=initial,
            has_report=report is not None,
        )
        for field in form.fields.values():
            field.widget.attrs["aria-label"] = f"{p.name} {field.label}"
        rows.append({"project": p, "report": report, "form": form, "ytd": ytd.get(p.pk), "plan": plans.get(p.pk)})
    if request.method == "POST":
        if all(r["form"].is_valid() for r in rows):
            entries = [
                ReportEntry(
                    project=r["project"],
                    amount=r["form"].cleaned_data["amount"],
                    progress=r["form"].cleaned_data["progress"],
                    problems=r["form"].cleaned_data["problems"],
                    existing=r["report"],
                )
                for r in rows
            ]
            try:
                created, corrected = imports.reports_save(user=user, period=period, entries=entries)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("%(period)s 月度投资已保存：新报送 %(c)d 个项目，更正 %(u)d 个项目。")
                    % {"period": period.strftime("%Y-%m"), "c": created, "u": corrected},
                )
                return redirect(_grid_url(park, period, page.number))
        else:
            messages.error(request, _("有填写错误的行（已标红），本次未保存任何数据。"))
    missing = list(in_park.filter(~Exists(reported)).order_by(*ordering).only("id", "name")[:GRID_MISSING_SHOWN])
    due = report_due_date(period)
    prev_month = (period - dt.timedelta(days=1)).replace(day=1)
    next_month = (period + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "projects/report_grid.html",
        {
            "rows": rows,
            "row_ids": ",".join(str(p.pk) for p in projects),
            "page": page,
            "query": urlencode({"park": park.pk, "period": f"{period:%Y-%m}"}),
            "park": park,
            "parks": parks,
            "period": period,
            "period_str": f"{period:%Y-%m}",
            "prev_month": f"{prev_month:%Y-%m}",
            "next_month": f"{next_month:%Y-%m}",
            "due": due,
            "days_to_due": (due - as_of).days,
            "missing": missing,
            "missing_count": summary["missing"],
            "project_count": summary["total"],
            "writable": writable,
            "as_of": as_of,
        },
    )


# --- Excel import ---------------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request, kind: str):
    if kind not in imports.KINDS:
        raise Http404
    projects = ()
    period = None
    if kind == "reports":
        period = parse_period_param(request.GET.get("period"), today().replace(day=1))
        ids = parks_administered_by(request.user)
        projects = projects_visible_to(request.user).order_by("park_id", "name")
        if ids is not None:
            projects = projects.filter(park_id__in=ids)
        projects = projects.only("id", "code", "name")
    content = imports.template_workbook(kind, projects=projects, period=period)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response


def _own_job(request, token: str) -> dict:
    try:
        state = tasks.job_read(token)
    except (FileNotFoundError, ValueError):
        raise Http404
    if state.get("user_id") != request.user.pk:
        raise Http404
    return state


def _queue_import(token: str, *, commit: bool) -> None:
    """Hand a large import to the worker. With the broker unreachable the job fails with a
    message the clerk can act on, instead of the upload answering a server error."""
    try:
        tasks.import_file.delay(token, commit)
    except Exception:
        logger.exception("import job %s could not be queued", token)
        tasks.job_update(
            token,
            status="failed",
            message=_(
                "后台任务服务暂时不可用，大文件导入未能开始，未导入任何数据。请稍后重新上传，或将文件拆分为较小的文件。"
            ),
        )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not can_write(request.user):
        raise PermissionDenied(_("只读用户不能导入数据。"))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = tasks.job_create(user=request.user, kind=form.cleaned_data["kind"], upload=upload, filename=upload.name)
        try:
            rows = imports.count_rows(tasks.job_dir(token) / tasks.UPLOAD)
        except ImportRefused as exc:
            form.add_error("file", exc.message)
        else:
            if rows > imports.import_async_rows():
                tasks.job_update(token, total=rows)
                transaction.on_commit(lambda: _queue_import(token, commit=False))
            else:
                tasks.job_run(token, commit=False)
            return redirect("projects:import_job", token=token)
    return render(
        request,
        "projects/import_upload.html",
        {"form": form, "async_rows": imports.import_async_rows(), "max_rows": imports.import_max_rows(),
         "max_mb": imports.import_max_bytes() // 1048576, "period": f"{today():%Y-%m}"},
    )  # fmt: skip


@login_required
@require_GET
def import_job(request, token: str):
    state = _own_job(request, token)
    return render(request, "projects/import_job.html", {"job": state, "kind_label": imports.KIND_LABELS[state["kind"]]})


@login_required
@require_GET
def import_status(request, token: str):
    state = _own_job(request, token)
    result = state.get("result") or {}
    return JsonResponse(
        {
            "status": state["status"],
            "phase": state["phase"],
            "processed": state["processed"],
            "total": state["total"],
            "message": state.get("message", ""),
            "errors": len(result.get("errors", [])),
            "committed": result.get("committed", False),
        }
    )


@login_required
@require_POST
def import_commit(request, token: str):
    state = _own_job(request, token)
    result = state.get("result") or {}
    if state["status"] != "done" or state["phase"] != "dry_run" or result.get("errors"):
        messages.error(request, _("试运行未通过或尚未完成，不能导入。"))
        return redirect("projects:import_job", token=token)
    if result.get("total_rows", 0) > imports.import_async_rows():
        tasks.job_update(token, status="queued", phase="commit", processed=0)
        transaction.on_commit(lambda: _queue_import(token, commit=True))
    else:
        state = tasks.job_run(token, commit=True)
        res = state.get("result") or {}
        if res.get("committed"):
            messages.success(request, _("导入成功：共 %(n)d 行。") % {"n": res["created"]})
    return redirect("projects:import_job", token=token)


# --- The wall chart (挂图) --------------------------------------------------------------------------


def _month_add(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


CSS_RANK = {"late": 3, "soon": 2, "ok": 1, "done": 0}


def board_marks(milestones, *, as_of, start, end, x):
    """The markers of one wall-chart row. Nodes on the same planned day (拿地即开工, 四证齐发)
    share one marker so their labels do not pile up; nodes outside the window are counted."""
    by_day: OrderedDict = OrderedDict()
    extras = []
    before = after = 0
    for m in milestones:
        if m.planned_date < start:
            before += 1
            continue
        if m.planned_date > end:
            after += 1
            continue
        done = m.actual_date is not None and m.actual_date <= as_of
        days = None if done else (m.planned_date - as_of).days
        css = "done" if done else ("late" if days < 0 else ("soon" if days <= 14 else "ok"))
        title = f"{m.display_name} {_('计划')} {m.planned_date}"
        if m.baseline_date and m.baseline_date != m.planned_date:
            title += f" / {_('基线')} {m.baseline_date}"
            if start <= m.baseline_date <= end:
                px, bx = x(m.planned_date), x(m.baseline_date)
                extras.append({"bx": bx, "sx": min(px, bx), "sw": round(abs(px - bx), 2), "title": title})
        if m.actual_date:
            title += f" / {_('实际')} {m.actual_date}"
            if start <= m.actual_date <= end:
                extras.append({"ax": x(m.actual_date), "title": title})
        by_day.setdefault(m.planned_date, []).append((m, css, title))
    marks = []
    for i, (day, items) in enumerate(by_day.items()):
        css = max((c for _m, c, _t in items), key=CSS_RANK.get)
        first = items[0][0].display_name
        label = first if len(items) == 1 else _("%(first)s等%(n)d项") % {"first": first, "n": len(items)}
        marks.append(
            {
                "px": x(day),
                "label": label,
                "css": css,
                "title": "\n".join(t for _m, _c, t in items),
                "up": i % 2 == 1,
            }
        )
    return extras + marks, before, after


@login_required
def board(request):
    as_of = today()
    qs, form, _sort = filtered_projects(request, as_of)
    group = request.GET.get("group", "park")
    try:
        months = min(max(int(request.GET.get("months", 15)), 3), 36)
    except ValueError:
        months = 15
    start = parse_period_param(request.GET.get("start"), _month_add(as_of.replace(day=1), -3))
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
        p.marks, p.before, p.after = board_marks(p.milestones.all(), as_of=as_of, start=start, end=end, x=x)
        if p.next_date:
            p.cd = countdown_text((p.next_date - as_of).days, kind_label(p.next_kind, p.next_name))
            p.cd_days = (p.next_date - as_of).days
        groups.setdefault(key, []).append(p)
    ticks = []
    month = start
    while month < end:
        ticks.append(
            {
                "x": x(month),
                "label": f"{month:%Y-%m}" if month.month in (1, 4, 7, 10) or month == start else f"{month.month}",
            }
        )
        month = _month_add(month, 1)
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
            "ticks": ticks,
            "today_x": x(as_of),
            "as_of": as_of,
            "start": start,
            "end": end,
            "months": months,
            "query": params.urlencode(),
        },
    )

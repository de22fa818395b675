"""Creating and editing a project with its milestones and annual plans."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.dates import DateError, parse_date_param
from common.exceptions import VersionConflict
from parks.access import can_write_anything
from projects import services
from projects.models import Project
from projects.selectors import can_write_park, projects_visible_to
from scheduling.models import ScheduleTemplate
from scheduling.services import MilestoneChange, apply_template, milestones_save, template_dates
from web.forms import (
    AnnualPlanFormSet,
    MilestoneFormSet,
    ProjectForm,
)
from web.templatetags.board import kind_label


def _filled_forms(formset):
    return [f for f in formset.forms if hasattr(f, "cleaned_data") and f.cleaned_data]


def _save_milestones(user, project, formset) -> None:
    """The milestone formset as changes for scheduling.services.milestones_save (which owns the
    order of the writes)."""
    changes = []
    for form in _filled_forms(formset):
        instance = form.instance if form.instance.pk else None
        if formset._should_delete_form(form):
            changes.append(MilestoneChange(milestone=instance, delete=True))
        elif instance is None or form.has_changed():
            data = {k: form.cleaned_data.get(k) for k in ("kind", "name", "planned_date", "actual_date")}
            data["name"] = data["name"] or ""
            changes.append(MilestoneChange(milestone=instance, data=data))
    milestones_save(user=user, project=project, changes=changes)


def _save_plans(user, project, formset) -> None:
    """The annual plan formset as changes for projects.services.annual_plans_save."""
    services.annual_plans_save(user=user, project=project, changes=services.plan_changes(formset))


def _apply_template(user, project, template, target) -> int:
    try:
        created = apply_template(user=user, project=project, template=template, target_date=target)
    except ValidationError as exc:
        raise ValidationError({"template_target": exc.messages})
    return len(created)


@login_required
@require_GET
def template_preview(request):
    """The dates a countdown template gives for a target date, for the form's script to fill the
    milestone rows before saving (the same computation as scheduling.services.apply_template)."""
    template = (
        ScheduleTemplate.objects.filter(pk=request.GET.get("template") or 0).first()
        if (request.GET.get("template", "").isdigit())
        else None
    )
    if template is None:
        return JsonResponse({"error": _("请选择倒排工期模板。")}, status=400)
    try:
        target = parse_date_param("target", request.GET.get("target"))
        dates = template_dates(template=template, target_date=target) if target else None
    except DateError as exc:
        if exc.code == "range":
            return JsonResponse({"error": exc.message, "field": "target"}, status=400)
        target = None
    except ValidationError as exc:  # a step of the template lands outside the range
        return JsonResponse({"error": " ".join(exc.messages), "field": "target"}, status=400)
    if target is None:
        return JsonResponse({"error": _("请填写模板目标日期（YYYY-MM-DD）。")}, status=400)
    items = [
        {"kind": kind, "name": name, "label": kind_label(kind, name), "planned_date": day.isoformat()}
        for kind, name, day in dates
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


def _save_all(user, project, form, ms_formset, plan_formset) -> tuple[Project, int]:
    """The project, its plans, its milestones and the template's, in one transaction; returns
    (the saved project, the milestones the template made)."""
    fields = {k: form.cleaned_data.get(k) for k in ProjectForm.Meta.fields}
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
            applied = _apply_template(user, saved, form.cleaned_data["template"], form.cleaned_data["template_target"])
    return saved, applied


def _conflict(exc: VersionConflict, project: Project, form) -> dict:
    """What the page shows when someone saved the project meanwhile: mine against theirs."""
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
    return conflict


def _show_errors(form, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        form.add_error("park", str(exc) or _("您无权在该园区录入或调整项目。"))
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def error_summary(form, *formsets) -> list[str]:
    """Every error of a rejected save, for the summary at the top of the form: the card's fields
    by their label, the formsets' rows by their number ("节点 第 2 行：…")."""
    if not form.is_bound:
        return []
    lines = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name != "__all__":
            label = form.fields[name].label if name in form.fields else name
            lines += [f"{label}：{e}" for e in errors]
    titles = {"ms": _("节点"), "plan": _("年度计划投资")}
    for formset in formsets:
        title = titles.get(formset.prefix, formset.prefix)
        lines += [f"{title}：{e}" for e in formset.non_form_errors()]
        for number, row in enumerate(formset.forms, start=1):
            for name, errors in row.errors.items():
                label = "" if name == "__all__" else f"{row.fields[name].label if name in row.fields else name}："
                lines += [
                    _("%(title)s 第 %(n)d 行：%(label)s%(error)s")
                    % {"title": title, "n": number, "label": label, "error": e}
                    for e in errors
                ]
    return lines


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int | None = None):
    user = request.user
    project = None
    if pk is not None:
        project = get_object_or_404(projects_visible_to(user).select_related("park", "industry"), pk=pk)
        if not can_write_park(user, project.park_id):
            raise PermissionDenied(_("您无权修改该项目。"))
    elif not can_write_anything(user):
        raise PermissionDenied(_("只读用户不能新建项目。"))
    instance = project or Project()
    data = request.POST if request.method == "POST" else None
    form = ProjectForm(data, instance=instance, user=user)
    ms_formset = MilestoneFormSet(data, instance=instance, prefix="ms")
    plan_formset = AnnualPlanFormSet(data, instance=instance, prefix="plan")
    conflict = None
    if request.method == "POST" and form.is_valid() and ms_formset.is_valid() and plan_formset.is_valid():
        try:
            saved, applied = _save_all(user, project, form, ms_formset, plan_formset)
        except VersionConflict as exc:
            conflict = _conflict(exc, project, form)
        except (ValidationError, PermissionDenied) as exc:
            _show_errors(form, exc)
        else:
            if applied:
                messages.success(request, _("已保存，并按模板生成 %(n)d 个节点。") % {"n": applied})
            else:
                messages.success(request, _("已保存。"))
            return redirect("web:detail", pk=saved.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "ms_formset": ms_formset,
            "plan_formset": plan_formset,
            "project": project,
            "conflict": conflict,
            "error_summary": error_summary(form, ms_formset, plan_formset) if request.method == "POST" else [],
        },
    )

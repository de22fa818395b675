"""Admin for key projects, annual plans and monthly reports. The tracked models use
SimpleHistoryAdmin, so every earlier version (who, when, old → new) can be shown and compared."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import AnnualPlan, InvestmentReport, PeriodClose, Project
from .services import project_archive


class ArchivedFilter(admin.SimpleListFilter):
    title = _("归档")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", _("未归档")), ("yes", _("已归档"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class AnnualPlanInline(admin.TabularInline):
    model = AnnualPlan
    extra = 0
    fields = ["year", "planned_investment"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "code",
        "owner",
        "park",
        "industry",
        "level",
        "year",
        "stage",
        "total_investment",
        "status",
        "archived_at",
    ]
    list_filter = [
        ArchivedFilter,
        "level",
        "stage",
        "year",
        "status",
        "investment_status",
        "is_special_bond",
        ("park", admin.RelatedOnlyFieldListFilter),
        ("industry", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "code", "owner", "leader"]
    list_select_related = ["park", "industry"]
    autocomplete_fields = ["park", "industry"]
    readonly_fields = ["status", "investment_status", "version", "archived_at", "created_at", "updated_at"]
    history_list_display = ["total_investment", "stage"]
    inlines = [AnnualPlanInline]
    actions = ["archive_selected"]
    fieldsets = [
        (None, {"fields": ["code", "name", "owner", "park", "industry", "level", "year", "stage", "phase"]}),
        (
            _("投资与建设内容"),
            {
                "fields": [
                    "total_investment",
                    "annual_output",
                    "construction_content",
                    "target_date",
                    "is_special_bond",
                    "special_bond_amount",
                ]
            },
        ),
        (_("包联与联系"), {"fields": ["leader", "contact_person", "contact_phone", "latitude", "longitude"]}),
        (
            _("状态"),
            {"fields": ["status", "investment_status", "version", "archived_at", "created_at", "updated_at"]},
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        """A project with reports is archived, never deleted: its figures must not be lost."""
        if obj is not None and obj.reports.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # The bulk "delete selected" action: projects with reports block the whole deletion
        # (shown as protected), exactly like a PROTECT foreign key would.
        # Django would only say "no permission to delete 重点项目"; name the projects and why.
        # (Milestones with delay records are blocked too: the delay records are read-only, so
        # the record of a delay is never erased from the admin.)
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        pks = [obj.pk for obj in objs]
        blocked = list(Project.objects.filter(pk__in=pks, reports__isnull=False).distinct())
        if blocked:
            perms_needed.discard(Project._meta.verbose_name)
            protected = list(protected) + [
                _("%(name)s（已有月度报告，只能归档）") % {"name": project.name} for project in blocked
            ]
        return deleted, model_count, perms_needed, protected

    def save_model(self, request, obj, form, change):
        # The admin is a door like the others: the form has put its values on `obj`; the project
        # services check scope and validation, bump the version and keep the history user.
        if change:
            services.project_update(user=request.user, project=obj, data={})
        else:
            services.project_insert(user=request.user, project=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AnnualPlan:
            return super().save_formset(request, form, formset, change)
        changes = services.plan_changes(formset)
        done = services.annual_plans_save(user=request.user, project=form.instance, changes=changes)
        # What the admin's change message and log read from a formset that it saves itself.
        formset.new_objects, formset.deleted_objects = done["new"], done["deleted"]
        formset.changed_objects = [(plan, ["year", "planned_investment"]) for plan in done["changed"]]

    @admin.action(description=_("归档"))
    def archive_selected(self, request, queryset):
        archived = 0
        try:
            for project in queryset.filter(archived_at__isnull=True):
                project_archive(user=request.user, project=project)
                archived += 1
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("已归档 %(count)d 个项目。", "已归档 %(count)d 个项目。", archived) % {"count": archived},
            messages.SUCCESS,
        )


@admin.register(AnnualPlan)
class AnnualPlanAdmin(SimpleHistoryAdmin):
    list_display = ["project", "year", "planned_investment"]
    list_filter = ["year", ("project__park", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["project__name", "project__code"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]

    def save_model(self, request, obj, form, change):
        change = services.PlanChange(year=obj.year, planned_investment=obj.planned_investment, plan=obj)
        services.annual_plans_save(user=request.user, project=obj.project, changes=[change])

    def delete_model(self, request, obj):
        change = services.PlanChange(year=obj.year, planned_investment=None, plan=obj, delete=True)
        services.annual_plans_save(user=request.user, project=obj.project, changes=[change])


class InvestmentReportAdminForm(forms.ModelForm):
    """The admin's report form checks through projects.services.report_file (commit=False): the
    same scope, archived, period, amount and one-per-month checks and messages as every door."""

    user = None  # set by InvestmentReportAdmin.get_form

    class Meta:
        model = InvestmentReport
        fields = ["project", "period", "amount", "progress", "problems", "status"]

    def clean(self):
        data = super().clean()
        project = data.get("project") or getattr(self.instance, "project", None)
        if self.errors or project is None:
            return data
        row = services.ReportRow(
            project=project,
            period=data.get("period", self.instance.period),
            amount=data.get("amount"),
            progress=data.get("progress", ""),
            problems=data.get("problems", ""),
        )
        try:
            services.report_file(
                user=self.user, rows=[row], correct_existing=self.instance.pk is not None, commit=False
            )
        except services.RowsRefused as refused:
            for bad in refused.rows:
                for field, errors in bad.errors.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(InvestmentReport)
class InvestmentReportAdmin(SimpleHistoryAdmin):
    form = InvestmentReportAdminForm
    list_display = ["project", "period_display", "amount", "status", "submitted_by", "submitted_at"]
    list_filter = ["status", ("project__park", admin.RelatedOnlyFieldListFilter), "project__industry"]
    date_hierarchy = "period"
    search_fields = ["project__name", "project__code", "progress", "problems"]
    list_select_related = ["project", "submitted_by"]
    autocomplete_fields = ["project"]
    readonly_fields = ["submitted_by", "submitted_at", "updated_at"]
    history_list_display = ["amount", "status"]

    @admin.display(description=_("报告期"), ordering="period")
    def period_display(self, obj):
        return obj.period.strftime("%Y-%m")

    def get_readonly_fields(self, request, obj=None):
        # Like the API: a report's project and month never change; a new month is a new report.
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["project", "period"] if obj is not None else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        if not change and obj.submitted_by_id is None:
            obj.submitted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PeriodClose)
class PeriodCloseAdmin(SimpleHistoryAdmin):
    """关账 is done from the reporting-status page and `periods/` (the service records who and
    when); the admin shows the record."""

    list_display = ("period", "closed", "closed_at", "closed_by", "reopened_at", "reopened_by")
    list_filter = ("closed",)
    readonly_fields = ("period", "closed", "closed_at", "closed_by", "reopened_at", "reopened_by")

    def has_add_permission(self, request):
        return False

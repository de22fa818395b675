"""Admin for milestones, countdown templates, holidays and thresholds; delay records and growth
snapshots are computed by the jobs and shown read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    ComparableBase,
    DelayRecord,
    GrowthSnapshot,
    Holiday,
    IndustryGrowth,
    Milestone,
    ScheduleTemplate,
    SchedulingSettings,
    TemplateStep,
)


class ReadOnlyAdminMixin:
    """Rows written only by the jobs: anyone with view permission may look, nobody edits."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["project", "display_name", "kind", "planned_date", "baseline_date", "actual_date"]
    list_filter = ["kind", ("project__park", admin.RelatedOnlyFieldListFilter), "project__stage"]
    date_hierarchy = "planned_date"
    search_fields = ["project__name", "project__code", "name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["baseline_date", "created_at", "updated_at"]
    history_list_display = ["planned_date", "actual_date"]
    fields = ["project", "kind", "name", "planned_date", "baseline_date", "actual_date", "sequence"]


@admin.register(ComparableBase)
class ComparableBaseAdmin(SimpleHistoryAdmin):
    """可比口径: written through the service (commission only; the period's snapshot follows)."""

    list_display = ["period", "industry", "prior_ytd", "updated_by", "updated_at"]
    list_filter = ["period", "industry"]
    list_select_related = ["industry", "updated_by"]
    fields = ["period", "industry", "prior_ytd"]
    history_list_display = ["period", "industry", "prior_ytd"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        base = ComparableBase.objects.get(pk=obj.pk) if change else None
        saved = services.comparable_base_save(
            user=request.user, period=data["period"], industry=data["industry"], prior_ytd=data["prior_ytd"], base=base
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.comparable_base_delete(user=request.user, base=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.comparable_base_delete(user=request.user, base=obj)


class TemplateStepInline(admin.TabularInline):
    model = TemplateStep
    extra = 0
    fields = ["kind", "name", "offset", "unit"]


@admin.register(ScheduleTemplate)
class ScheduleTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "target_kind", "step_count"]
    search_fields = ["name", "description"]
    inlines = [TemplateStepInline]

    @admin.display(description=_("节点数"), ordering="_steps")
    def step_count(self, obj):
        return obj._steps

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_steps=Count("steps"))


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(SchedulingSettings)
class SchedulingSettingsAdmin(admin.ModelAdmin):
    """One row (pk=1): it can be changed, not added twice or deleted."""

    list_display = [
        "__str__",
        "red_after_days",
        "due_soon_days",
        "invest_yellow_pct",
        "invest_red_pct",
        "spend_ahead_pp",
    ]

    def has_add_permission(self, request):
        return not SchedulingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DelayRecord)
class DelayRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "milestone",
        "project_name",
        "planned_date",
        "opened_on",
        "last_seen_on",
        "days_overdue",
        "severity",
        "closed_on",
        "close_reason",
    ]
    list_filter = ["severity", "closed_on", ("milestone__project__park", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["milestone__project__name", "milestone__name"]
    list_select_related = ["milestone__project"]
    date_hierarchy = "opened_on"

    @admin.display(description=_("项目"), ordering="milestone__project__name")
    def project_name(self, obj):
        return obj.milestone.project.name


class IndustryGrowthInline(admin.TabularInline):
    model = IndustryGrowth
    extra = 0
    can_delete = False
    fields = ["industry", *IndustryGrowth.FIGURES]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GrowthSnapshot)
class GrowthSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["period_display", "ytd", "prior_ytd", "growth_pct", "listed_investment", "computed_at"]
    date_hierarchy = "period"
    inlines = [IndustryGrowthInline]

    @admin.display(description=_("报告期"), ordering="period")
    def period_display(self, obj):
        return obj.period.strftime("%Y-%m")


@admin.register(IndustryGrowth)
class IndustryGrowthAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["snapshot", "industry", "ytd", "prior_ytd", "growth_pct", "diff_pp", "project_count"]
    list_filter = [("industry", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["snapshot", "industry"]

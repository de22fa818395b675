from django.contrib import admin

from .models import ReportDelivery, WeeklyReport, WeeklyReportRevision, WeeklyReportSection


class SectionInline(admin.TabularInline):
    model = WeeklyReportSection
    extra = 0
    can_delete = False
    readonly_fields = ["park", "xlsx", "pdf", "html"]
    fields = readonly_fields


class RevisionInline(admin.TabularInline):
    model = WeeklyReportRevision
    extra = 0
    can_delete = False
    readonly_fields = ["revision", "generated_at", "replaced_at", "xlsx", "pdf"]
    fields = readonly_fields


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
    list_display = ["week", "as_of", "revision", "generated_at"]
    readonly_fields = ["week", "as_of", "revision", "generated_at", "xlsx", "pdf", "html", "summary"]
    inlines = [SectionInline, RevisionInline]

    def has_add_permission(self, request):
        return False  # reports are made by the job (manage.py weekly_delay_report / Celery)


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ["report", "revision", "email", "park", "status", "sent_at"]
    list_filter = ["status", "report"]
    readonly_fields = ["report", "revision", "recipient", "email", "park", "sent_at", "error"]
    search_fields = ["email"]

    def has_add_permission(self, request):
        return False

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, Problem, ProblemMail, ProblemOverdue


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "email", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(Problem)
class ProblemAdmin(SimpleHistoryAdmin):
    list_display = ["dispatch_no", "project", "category", "status", "department", "deadline", "handled_on"]
    list_filter = ["status", "category", "department"]
    search_fields = ["dispatch_no", "project__name", "description"]
    raw_id_fields = ["project"]
    readonly_fields = ["dispatch_no", "status"]


@admin.register(ProblemOverdue)
class ProblemOverdueAdmin(admin.ModelAdmin):
    list_display = ["problem", "deadline", "opened_on", "last_seen_on", "days_overdue", "severity", "closed_on"]


@admin.register(ProblemMail)
class ProblemMailAdmin(admin.ModelAdmin):
    list_display = ["problem", "event", "recipient", "status", "sent_at"]
    list_filter = ["event", "status"]

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import rules
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
    list_display = ["problem", "deadline", "opened_on", "closed_on", "days_overdue"]

    @admin.display(description=_("超期天数"))
    def days_overdue(self, obj) -> int | None:
        """Derived from the deadline as of today (escalation.rules.episode_days), not stored."""
        return rules.episode_days(obj, timezone.localdate())


@admin.register(ProblemMail)
class ProblemMailAdmin(admin.ModelAdmin):
    list_display = ["problem", "event", "recipient", "status", "sent_at"]
    list_filter = ["event", "status"]

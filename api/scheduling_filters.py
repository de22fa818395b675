"""django-filter sets for milestones and the delay list."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.filters import bounded_int, filter_industry_tree, filter_park_tree, industry_filter, park_filter
from common.dates import DateFormField
from scheduling import rules
from scheduling.models import Milestone, MilestoneKind, SchedulingSettings, Severity


class DateFilter(django_filters.DateFilter):
    """A date filter by the one date rule (strict YYYY-MM-DD inside the range, common.dates)."""

    field_class = DateFormField


MILESTONE_STATUS = [
    ("open", _("未完成（含逾期）")),
    ("done", _("已完成")),
    ("overdue", _("已逾期")),
    ("due_soon", _("临期")),
]


class MilestoneFilter(django_filters.FilterSet):
    project = bounded_int(field_name="project_id", label=_("项目ID"))
    kind = django_filters.ChoiceFilter(choices=MilestoneKind.choices, label=_("节点类型"))
    status = django_filters.ChoiceFilter(choices=MILESTONE_STATUS, method="filter_status", label=_("节点状态"))
    planned_from = DateFilter(field_name="planned_date", lookup_expr="gte", label=_("计划日期起"))
    planned_to = DateFilter(field_name="planned_date", lookup_expr="lte", label=_("计划日期止"))
    park = park_filter()
    industry = industry_filter()

    class Meta:
        model = Milestone
        fields = ["project", "kind", "status", "planned_from", "planned_to", "park", "industry"]

    def filter_status(self, queryset, name, value):
        """As of the view's `as_of` (today in Asia/Shanghai unless ?as_of= is given): done =
        completed on or before it; open = not done (overdue ones included); overdue = open and
        planned before it; due_soon = open and planned within the next `due_soon_days` days
        (scheduling.rules)."""
        as_of = getattr(self.request, "api_as_of", None) or timezone.localdate()
        if value == "done":
            return queryset.exclude(rules.open_on(as_of))
        if value == "open":
            return queryset.filter(rules.open_on(as_of))
        if value == "overdue":
            return queryset.filter(rules.overdue_q(as_of))
        if value == "due_soon":
            return queryset.filter(rules.due_soon_q(as_of, SchedulingSettings.load()))
        return queryset

    def filter_park(self, queryset, name, value):
        return filter_park_tree(queryset, "project__park_id", value)

    def filter_industry(self, queryset, name, value):
        return filter_industry_tree(queryset, "project__industry_id", value)


class DelayFilter(django_filters.FilterSet):
    severity = django_filters.ChoiceFilter(field_name="severity", choices=Severity.choices, label=_("严重程度"))
    park = park_filter()
    industry = industry_filter()
    project = bounded_int(field_name="project_id", label=_("项目ID"))

    class Meta:
        model = Milestone
        fields = ["severity", "park", "industry", "project"]

    def filter_park(self, queryset, name, value):
        return filter_park_tree(queryset, "project__park_id", value)

    def filter_industry(self, queryset, name, value):
        return filter_industry_tree(queryset, "project__industry_id", value)

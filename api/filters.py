"""django-filter sets for projects, monthly reports and regions. Parks and industries are named by CODE
and include their descendants (a park with its sub-parks, an industry with its sub-sectors);
regions by code too (`?parent=130100`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.periods import PeriodError, parse_period
from parks.models import REGION_LEVEL_Q, Industry, Park, Region, RegionLevel
from projects.models import InvestmentReport, Level, Project, ReportStatus, Stage, Status


class CodeChoiceField(forms.ModelChoiceField):
    """A park or industry by code; a code with a NUL byte or absurd length is just unknown."""

    def to_python(self, value):
        if isinstance(value, str) and ("\x00" in value or len(value) > 64):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    field_class = CodeChoiceField


def park_filter() -> CodeFilter:
    """`?park=<code>`: the park and its sub-parks (the filter set's `filter_park`)."""
    return CodeFilter(
        queryset=Park.objects.all(), to_field_name="code", method="filter_park", label=_("园区代码（含下级园区）")
    )


def industry_filter() -> CodeFilter:
    """`?industry=<code>`: the industry and its descendants (the filter set's `filter_industry`)."""
    return CodeFilter(
        queryset=Industry.objects.all(),
        to_field_name="code",
        method="filter_industry",
        label=_("产业代码（含下级产业）"),
    )


class PeriodFormField(forms.CharField):
    """'YYYY-MM' → the first day of that month (common.periods)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_period(value)
        except PeriodError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class PeriodFilter(django_filters.Filter):
    field_class = PeriodFormField


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no, on/off); anything else is a 400 naming the parameter, not
    a silently ignored filter (django-filter's own field reads an unknown word as "no filter")."""

    widget = forms.TextInput  # NullBooleanSelect would turn an unknown word into "no filter" first
    default_error_messages = {"invalid": _("应为 true 或 false。")}
    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def bounded_int(**kwargs):
    """An integer query parameter that can't overflow the database column."""
    return django_filters.NumberFilter(
        validators=[
            MinValueValidator(kwargs.pop("min_value", 0)),
            MaxValueValidator(kwargs.pop("max_value", 2**31 - 1)),
        ],
        **kwargs,
    )


def filter_park_tree(queryset, field: str, park: Park | None):
    if park is None:
        return queryset
    return queryset.filter(**{f"{field}__in": Park.objects.descendant_ids([park.pk])})


def filter_industry_tree(queryset, field: str, industry: Industry | None):
    if industry is None:
        return queryset
    return queryset.filter(**{f"{field}__in": Industry.objects.descendant_ids([industry.pk])})


class ProjectFilter(django_filters.FilterSet):
    park = park_filter()
    industry = industry_filter()
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("项目级别"))
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("建设阶段"))
    year = bounded_int(field_name="year", min_value=1900, max_value=2200, label=_("列入年度"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("节点状态（颜色）"))
    delayed = StrictBooleanFilter(method="filter_delayed", label=_("仅滞后项目（黄色或红色）"))
    is_special_bond = StrictBooleanFilter(label=_("申报专项债"))
    # On the view's queryset annotated by scheduling.selectors.with_spend_ahead.
    spend_ahead = StrictBooleanFilter(field_name="spend_ahead", label=_("投资与形象进度不匹配"))

    class Meta:
        model = Project
        fields = ["park", "industry", "level", "stage", "year", "status", "delayed", "is_special_bond", "spend_ahead"]

    def filter_park(self, queryset, name, value):
        return filter_park_tree(queryset, "park_id", value)

    def filter_industry(self, queryset, name, value):
        return filter_industry_tree(queryset, "industry_id", value)

    def filter_delayed(self, queryset, name, value):
        delayed = Q(status__in=[Status.YELLOW, Status.RED])
        if value is None:
            return queryset
        return queryset.filter(delayed) if value else queryset.exclude(delayed)


class InvestmentReportFilter(django_filters.FilterSet):
    project = bounded_int(field_name="project_id", label=_("项目ID"))
    park = park_filter()
    industry = industry_filter()
    period = PeriodFilter(field_name="period", label=_("报告期（YYYY-MM）"))
    period_from = PeriodFilter(field_name="period", lookup_expr="gte", label=_("报告期起（YYYY-MM）"))
    period_to = PeriodFilter(field_name="period", lookup_expr="lte", label=_("报告期止（YYYY-MM）"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("状态"))

    class Meta:
        model = InvestmentReport
        fields = ["project", "park", "industry", "period", "period_from", "period_to", "status"]

    def filter_park(self, queryset, name, value):
        return filter_park_tree(queryset, "project__park_id", value)

    def filter_industry(self, queryset, name, value):
        return filter_industry_tree(queryset, "project__industry_id", value)


class RegionFilter(django_filters.FilterSet):
    parent = CodeFilter(
        queryset=Region.objects.all(), to_field_name="code", field_name="parent", label=_("上级行政区划代码")
    )
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, method="filter_level", label=_("层级"))
    abolished = StrictBooleanFilter(label=_("已撤销"))

    class Meta:
        model = Region
        fields = ["parent", "level", "abolished"]

    def filter_level(self, queryset, name, value):
        return queryset.filter(REGION_LEVEL_Q[value])

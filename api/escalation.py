"""`/api/v1/problems/` (CONTRACT v2, Problem escalation, 督办): the problems of the projects the
caller may see (another park's is a 404), raised by POST (a park admin for its parks, or the
commission), moved by the steps `assign/`, `handle/`, `confirm/`, `reopen/`, each written in
`escalation.services`. `days_overdue`, `severity` and `days_left` are as of `?as_of=` (default
today in Asia/Shanghai), computed in Python from the rows (escalation.rules) with the settings
loaded once per request."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.export import ExportMixin
from api.fields import CleanTextField, DateField, h
from api.filters import StrictBooleanFilter, bounded_int, filter_park_tree, park_filter
from api.permissions import ProjectDataPermission
from api.projects import EXPORT_PARAMETER, ScopedProjectField
from api.scheduling import AS_OF_PARAMETER, request_as_of
from escalation import rules, services
from escalation.models import Problem, ProblemCategory, ProblemStatus
from scheduling.models import SchedulingSettings


class ProblemFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProblemStatus.choices, label=_lazy("状态"))
    category = django_filters.ChoiceFilter(choices=ProblemCategory.choices, label=_lazy("问题类别"))
    project = bounded_int(field_name="project_id", label=_lazy("项目ID"))
    park = park_filter()
    department = django_filters.CharFilter(field_name="department__name", label=_lazy("责任部门"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_lazy("是否超期（按 as_of）"))

    class Meta:
        model = Problem
        fields = ["status", "category", "project", "park", "department", "overdue"]

    def filter_park(self, queryset, name, value):
        return filter_park_tree(queryset, "project__park_id", value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        as_of = getattr(self.request, "api_as_of", None) or timezone.localdate()
        q = rules.overdue_q(as_of)
        return queryset.filter(q) if value else queryset.exclude(q)


class ProblemSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, label="ID", help_text=h("问题ID", "Problem id"))
    project = ScopedProjectField(label=_lazy("项目ID"), help_text=h("项目ID", "Project id"))
    project_name = serializers.CharField(
        source="project.name", read_only=True, label=_lazy("项目名称"), help_text=h("项目名称", "Project name")
    )
    park = serializers.CharField(
        source="project.park.code", read_only=True, label=_lazy("园区代码"), help_text=h("园区代码", "Park code")
    )
    category = serializers.ChoiceField(
        ProblemCategory.choices,
        label=_lazy("问题类别"),
        help_text=h(
            "问题类别：land 用地、funds 资金、permits 审批手续、utilities 水电气暖、demolition 征地拆迁、other 其他",
            "Category: land, funds, permits, utilities, demolition, other",
        ),
    )
    description = CleanTextField(multiline=True, label=_lazy("问题描述"), help_text=h("问题描述", "Description"))
    status = serializers.CharField(
        read_only=True,
        label=_lazy("状态"),
        help_text=h(
            "状态：open 待交办、assigned 已交办、handled 已办理、confirmed 已确认办结",
            "Status: open, assigned, handled, confirmed",
        ),
    )
    department = serializers.CharField(
        source="department.name",
        read_only=True,
        allow_null=True,
        default=None,
        label=_lazy("责任部门"),
        help_text=h("责任部门名称（交办时给出）", "Responsible department's name (set by assign/)"),
    )
    deadline = serializers.DateField(
        read_only=True, label=_lazy("办结时限"), help_text=h("办结时限（交办时给出）", "Deadline (set by assign/)")
    )
    dispatch_no = serializers.CharField(
        read_only=True,
        label=_lazy("督办单号"),
        help_text=h("督办单号：首次交办时按年度顺序编号，只读", "Dispatch number, given at the first assignment"),
    )
    raised_on = DateField(
        required=False,
        label=_lazy("提出日期"),
        help_text=h("提出日期，默认今天，不能晚于今天", "Raised on; default today, not in the future"),
    )
    handled_on = serializers.DateField(read_only=True, label=_lazy("办理日期"), help_text=h("办理日期", "Handled on"))
    handling_note = serializers.CharField(
        read_only=True, label=_lazy("办理情况"), help_text=h("办理情况", "Handling note")
    )
    confirmed_on = serializers.DateField(
        read_only=True, label=_lazy("确认办结日期"), help_text=h("确认办结日期", "Confirmed on")
    )
    days_overdue = serializers.SerializerMethodField(
        label=_lazy("超期天数"), help_text=h("超期天数（as_of − 办结时限），未超期为 null", "Days overdue, or null")
    )
    severity = serializers.SerializerMethodField(
        label=_lazy("严重程度"),
        help_text=h(
            "超期 1–7 天为 yellow，8 天及以上为 red（阈值可调），未超期为 null",
            "yellow for 1–7 days overdue, red from 8 (configurable), else null",
        ),
    )
    days_left = serializers.SerializerMethodField(
        label=_lazy("距办结时限（天）"),
        help_text=h("办结时限 − as_of，超期为负，无时限或已办理为 null", "Deadline − as_of; null without one"),
    )

    class Meta:
        model = Problem
        fields = [
            "id",
            "project",
            "project_name",
            "park",
            "category",
            "description",
            "status",
            "department",
            "deadline",
            "dispatch_no",
            "raised_on",
            "handled_on",
            "handling_note",
            "confirmed_on",
            "days_overdue",
            "severity",
            "days_left",
        ]

    def _as_of(self):
        return self.context.get("as_of") or timezone.localdate()

    def _settings(self):
        if "settings" not in self.context:
            self.context["settings"] = SchedulingSettings.load()
        return self.context["settings"]

    def get_days_overdue(self, obj) -> int | None:
        return rules.days_overdue(obj, self._as_of())

    def get_severity(self, obj) -> str | None:
        days = rules.days_overdue(obj, self._as_of())
        return None if days is None else rules.severity_of(days, self._settings())

    def get_days_left(self, obj) -> int | None:
        return rules.days_left(obj, self._as_of())


def _body(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


def _request(name: str, fields: dict):
    return inline_serializer(name, fields)


@extend_schema_view(
    list=extend_schema(parameters=[EXPORT_PARAMETER, AS_OF_PARAMETER], summary="督办问题 / Problems"),
    retrieve=extend_schema(parameters=[AS_OF_PARAMETER]),
)
class ProblemViewSet(
    ExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """督办问题 / problems of the projects the caller may see, sorted by deadline; POST raises one
    (status open); the steps move it."""

    serializer_class = ProblemSerializer
    permission_classes = [ProjectDataPermission]
    filterset_class = ProblemFilter
    search_fields = ["description", "project__name", "dispatch_no"]
    ordering_fields = ["id", "deadline", "raised_on", "status", "project"]
    ordering = ["deadline", "id"]
    export_name = "problems"
    commission_only_actions = ("assign", "confirm", "reopen")

    def get_queryset(self):
        return services.problems_visible_to(self.request.user).select_related("project", "project__park", "department")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request_as_of(request)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None:
            context["as_of"] = request_as_of(self.request)
        return context

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.problem_raise(
            user=self.request.user,
            project=data["project"],
            category=data["category"],
            description=data["description"],
            raised_on=data.get("raised_on"),
        )

    def _step(self, request, service, **kwargs):
        problem = self.get_object()
        problem = service(user=request.user, problem=problem, **kwargs)
        problem = self.get_queryset().get(pk=problem.pk)
        return Response(
            ProblemSerializer(problem, context=self.get_serializer_context()).data, status=status.HTTP_200_OK
        )

    @extend_schema(
        request=_request(
            "ProblemAssignRequest",
            {
                "department": serializers.CharField(help_text=h("责任部门名称", "Department name")),
                "deadline": serializers.DateField(help_text=h("办结时限 YYYY-MM-DD", "Deadline YYYY-MM-DD")),
            },
        ),
        responses={200: ProblemSerializer},
        summary="交办 / Assign (open|assigned → assigned)",
    )
    @action(detail=True, methods=["post"], url_path="assign")
    def assign(self, request, pk=None):
        """待交办或已交办 → 已交办（仅发改委）；首次交办给出督办单号，改派保留原单号。
        open or assigned → assigned (commission only); the first assignment gives the dispatch number."""
        body = _body(request)
        return self._step(
            request, services.problem_assign, department=body.get("department"), deadline=body.get("deadline")
        )

    @extend_schema(
        request=_request(
            "ProblemHandleRequest",
            {
                "note": serializers.CharField(help_text=h("办理情况", "Handling note")),
                "handled_on": serializers.DateField(
                    required=False, help_text=h("办理日期，默认今天", "Handled on, default today")
                ),
            },
        ),
        responses={200: ProblemSerializer},
        summary="办理 / Handle (assigned → handled)",
    )
    @action(detail=True, methods=["post"], url_path="handle")
    def handle(self, request, pk=None):
        """已交办 → 已办理（本园区管理员或发改委）。assigned → handled (its park's admin or the commission)."""
        body = _body(request)
        return self._step(request, services.problem_handle, note=body.get("note"), handled_on=body.get("handled_on"))

    @extend_schema(request=None, responses={200: ProblemSerializer}, summary="确认办结 / Confirm (handled → confirmed)")
    @action(detail=True, methods=["post"], url_path="confirm")
    def confirm(self, request, pk=None):
        """已办理 → 已确认办结（仅发改委）。handled → confirmed (commission only)."""
        return self._step(request, services.problem_confirm)

    @extend_schema(
        request=_request("ProblemReopenRequest", {"reason": serializers.CharField(help_text=h("退回原因", "Reason"))}),
        responses={200: ProblemSerializer},
        summary="退回重办 / Reopen (handled → assigned)",
    )
    @action(detail=True, methods=["post"], url_path="reopen")
    def reopen(self, request, pk=None):
        """已办理 → 已交办（仅发改委），须填写原因，清除办理日期。handled → assigned (commission only), with a reason."""
        return self._step(request, services.problem_reopen, reason=_body(request).get("reason"))

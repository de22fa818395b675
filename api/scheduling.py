"""`/api/v1/milestones/`, `/api/v1/delays/` and `/api/v1/stats/industry-investment/`.

Milestones are scoped through their project (`project__in=projects_visible_to(user)`) and
written through `scheduling.services`. Countdowns (`days_left`, `workdays_left`) are computed as
of `?as_of=` (default today in Asia/Shanghai) with one working-day calendar per request, so a
page costs the same number of queries whatever its size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.export import ExportMixin
from api.fields import CleanTextField, DateField, StrictIntegerField, h, parse_date_param
from api.permissions import ProjectDataPermission
from api.projects import EXPORT_PARAMETER, ScopedProjectField
from common.money import CENT
from projects.rules import period_is_closed, stats_default_period
from projects.selectors import projects_visible_to
from scheduling import rules, services
from scheduling.calendar import WorkCalendar
from scheduling.models import IndustryGrowth, Milestone, MilestoneKind, SchedulingSettings, milestone_order_errors
from scheduling.selectors import (
    countdown,
    industry_growth,
    overdue_milestones,
    parse_period,
    with_order_warnings,
)

from .scheduling_filters import DelayFilter, MilestoneFilter

AS_OF_PARAMETER = OpenApiParameter(
    "as_of",
    dt.date,
    description=h("计算日期 YYYY-MM-DD，默认上海时间今天", "Date YYYY-MM-DD, default today in Asia/Shanghai"),
)


def request_as_of(request) -> dt.date:
    """?as_of=YYYY-MM-DD or today in Asia/Shanghai; a bad value is a 400 on `as_of`."""
    cached = getattr(request, "api_as_of", None)
    if cached is not None:
        return cached
    value = parse_date_param(request.query_params.get("as_of"), name="as_of") or timezone.localdate()
    request.api_as_of = value
    return value


class MilestoneSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, label="ID", help_text=h("节点ID", "Milestone id"))
    project = ScopedProjectField(label=_lazy("项目ID"), help_text=h("项目ID", "Project id"))
    project_name = serializers.CharField(
        source="project.name", read_only=True, label=_lazy("项目名称"), help_text=h("项目名称", "Project name")
    )
    kind = serializers.ChoiceField(
        MilestoneKind.choices,
        label=_lazy("节点类型"),
        help_text=h(
            "节点类型：signing 签约、land 供地、land_use_permit 用地规划许可证、planning_permit 工程规划许可证、"
            "construction_permit 施工许可证、property_certificate 不动产权证书、construction_start 开工、"
            "topping_out 主体完工、completion 竣工验收、production_start 投产、full_capacity 达效、other 其他",
            "Milestone kind",
        ),
    )
    name = CleanTextField(
        max_length=100,
        required=False,
        allow_blank=True,
        label=_lazy("节点名称"),
        help_text=h("节点名称（类型为 other 时必填）", "Name (required when kind is other)"),
    )
    planned_date = DateField(label=_lazy("计划日期"), help_text=h("计划日期 YYYY-MM-DD", "Planned date YYYY-MM-DD"))
    baseline_date = serializers.DateField(
        read_only=True,
        label=_lazy("基线日期"),
        help_text=h("基线日期：首次计划日期，只读", "Baseline date: the first planned date ever set (read-only)"),
    )
    actual_date = DateField(
        required=False,
        allow_null=True,
        label=_lazy("实际完成日期"),
        help_text=h("实际完成日期，未完成为 null", "Actual date, or null"),
    )
    sequence = StrictIntegerField(
        required=False, min_value=0, max_value=32767, label=_lazy("顺序"), help_text=h("顺序", "Sequence")
    )
    slip_days = serializers.SerializerMethodField(
        label=_lazy("计划调整天数"),
        help_text=h("计划日期较基线推迟的天数（计划−基线）", "Slip: planned − baseline, in days"),
    )
    days_left = serializers.SerializerMethodField(
        label=_lazy("倒计时（天）"),
        help_text=h("距计划日期的自然日数，逾期为负，已完成为 null", "Calendar days left (negative = overdue)"),
    )
    workdays_left = serializers.SerializerMethodField(
        label=_lazy("倒计时（工作日）"),
        help_text=h("距计划日期的工作日数（含调休），已完成为 null", "Working days left (official calendar)"),
    )
    status = serializers.SerializerMethodField(
        label=_lazy("状态"), help_text=h("状态：open 未完成 / done 已完成 / overdue 已逾期", "open / done / overdue")
    )
    order_warning = serializers.SerializerMethodField(
        label=_lazy("顺序异常"),
        help_text=h(
            "实际日期与节点顺序不符时的提示（如承诺制下先开工后取得施工许可证），顺序正常为 null",
            "Warning when the actual date breaks the nodes' order (e.g. started before the permit), else null",
        ),
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "project",
            "project_name",
            "kind",
            "name",
            "planned_date",
            "baseline_date",
            "actual_date",
            "sequence",
            "slip_days",
            "days_left",
            "workdays_left",
            "status",
            "order_warning",
        ]
        validators: list = []

    def _countdown(self, obj) -> dict:
        cached = getattr(obj, "_api_countdown", None)
        if cached is None:
            calendar = self.context.setdefault("calendar", WorkCalendar())
            cached = countdown(obj, as_of=self.context["as_of"], calendar=calendar)
            obj._api_countdown = cached
        return cached

    def get_slip_days(self, obj) -> int:
        return (obj.planned_date - obj.baseline_date).days if obj.baseline_date else 0

    def get_days_left(self, obj) -> int | None:
        return self._countdown(obj)["days"]

    def get_workdays_left(self, obj) -> int | None:
        return self._countdown(obj)["workdays"]

    def get_status(self, obj) -> str:
        as_of = self.context["as_of"]
        if rules.is_done(obj, as_of):
            return "done"
        return "overdue" if rules.is_overdue(obj, as_of) else "open"

    def get_order_warning(self, obj) -> str | None:
        if not hasattr(obj, "order_warning"):
            with_order_warnings([obj])
        return obj.order_warning

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        name = attrs.get("name", getattr(self.instance, "name", ""))
        if kind == MilestoneKind.OTHER and not (name or "").strip():
            raise ValidationError({"name": [_("节点类型为“其他”时必须填写节点名称。")]})
        if self.instance is not None and "project" in attrs and attrs["project"].pk != self.instance.project_id:
            raise ValidationError({"project": [_("节点所属项目不能修改。")]})
        self._check_order(attrs)
        return attrs

    def _check_order(self, attrs) -> None:
        """A plan must keep the nodes' order (签约 ≤ 供地 ≤ 四证 ≤ 开工 …): a 400 on planned_date.
        The model checks whether this node is planned too early; this also catches it planned
        too late for a node that must follow it, reporting only conflicts this write introduces
        (not older ones). Actual dates are facts, accepted in any order (`order_warning`)."""
        instance = self.instance
        project = attrs.get("project") or getattr(instance, "project", None)
        if project is None:
            return
        candidate = SimpleNamespace(
            kind=attrs.get("kind", getattr(instance, "kind", None)),
            planned_date=attrs.get("planned_date", getattr(instance, "planned_date", None)),
        )
        siblings = list(
            Milestone.objects.filter(project=project)
            .exclude(pk=getattr(instance, "pk", None))
            .only("kind", "planned_date")
        )
        before = milestone_order_errors(siblings)
        after = milestone_order_errors([candidate, *siblings])
        if 0 in after:
            raise ValidationError({k: [v] for k, v in after[0].items()})
        for index, fields in after.items():
            new = {k: v for k, v in fields.items() if k not in before.get(index - 1, {})}
            if new:
                raise ValidationError({k: [v] for k, v in new.items()})


@extend_schema_view(
    list=extend_schema(parameters=[EXPORT_PARAMETER, AS_OF_PARAMETER], summary="节点 / Milestones"),
    retrieve=extend_schema(parameters=[AS_OF_PARAMETER]),
)
class MilestoneViewSet(ExportMixin, viewsets.ModelViewSet):
    """节点 / milestones of the projects the caller may see; writes as for projects."""

    serializer_class = MilestoneSerializer
    permission_classes = [ProjectDataPermission]
    filterset_class = MilestoneFilter
    search_fields = ["name", "project__name"]
    ordering_fields = ["id", "planned_date", "actual_date", "kind", "project"]
    ordering = ["project_id", "planned_date", "sequence", "id"]
    export_name = "milestones"

    def get_queryset(self):
        return Milestone.objects.filter(project__in=projects_visible_to(self.request.user)).select_related("project")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["as_of"] = request_as_of(self.request) if self.request is not None else timezone.localdate()
        context["calendar"] = WorkCalendar()
        return context

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request_as_of(request)

    def get_serializer(self, *args, **kwargs):
        # A page (or an export's queryset): every row's order warning from one query.
        if kwargs.get("many") and args:
            args = (with_order_warnings(args[0]), *args[1:])
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        project = data.pop("project")
        serializer.instance = services.milestone_create(user=self.request.user, project=project, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("project", None)
        serializer.instance = services.milestone_update(
            user=self.request.user, milestone=serializer.instance, data=data
        )

    def perform_destroy(self, instance):
        services.milestone_delete(user=self.request.user, milestone=instance)


class DelaySerializer(serializers.Serializer):
    milestone = serializers.IntegerField(source="id", label=_lazy("节点ID"), help_text=h("节点ID", "Milestone id"))
    project = serializers.IntegerField(source="project_id", label=_lazy("项目ID"), help_text=h("项目ID", "Project id"))
    project_name = serializers.CharField(
        source="project.name", label=_lazy("项目名称"), help_text=h("项目名称", "Project name")
    )
    park = serializers.CharField(source="project.park.code", label=_lazy("园区代码"), help_text=h("园区代码", "Park"))
    industry = serializers.CharField(
        source="project.industry.code", label=_lazy("产业代码"), help_text=h("产业代码", "Industry")
    )
    kind = serializers.CharField(label=_lazy("节点类型"), help_text=h("节点类型", "Milestone kind"))
    milestone_name = serializers.CharField(
        source="display_name", label=_lazy("节点名称"), help_text=h("节点名称", "Milestone name")
    )
    planned_date = serializers.DateField(label=_lazy("计划日期"), help_text=h("计划日期", "Planned date"))
    days_overdue = serializers.IntegerField(
        label=_lazy("逾期天数"), help_text=h("逾期天数（as_of − 计划日期）", "Days overdue (as_of − planned)")
    )
    severity = serializers.CharField(
        label=_lazy("严重程度"),
        help_text=h(
            "严重程度：逾期未达红色阈值为 yellow，达到红色阈值（预警阈值 red_after_days 天，默认 31）为 red",
            "Severity: yellow below the red threshold (settings' red_after_days, default 31), red from it on",
        ),
    )


@extend_schema_view(
    list=extend_schema(parameters=[AS_OF_PARAMETER, EXPORT_PARAMETER], summary="逾期节点 / Overdue milestones (delays)")
)
class DelayViewSet(ExportMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """滞后 / overdue milestones as of `?as_of=` (default today in Asia/Shanghai), worst first;
    `?severity=yellow|red`, `?park=CODE` (with sub-parks). GET only."""

    serializer_class = DelaySerializer
    permission_classes = [IsAuthenticated]
    filterset_class = DelayFilter
    search_fields = ["project__name", "name"]
    ordering_fields = ["days_overdue", "planned_date", "project"]
    ordering = ["-days_overdue", "project_id", "id"]
    export_name = "delays"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        as_of = request_as_of(self.request)
        scoped = Milestone.objects.filter(project__in=projects_visible_to(self.request.user))
        return overdue_milestones(as_of=as_of, queryset=scoped, settings=SchedulingSettings.load()).select_related(
            "project__park", "project__industry"
        )


def _money(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


def _pct(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.1")))


PCT_FIELDS = {"growth_pct", "listed_growth_pct", "diff_pp"}
TEXT_FIELDS = {"industry", "name", "parent", "project_count", "prior_source"}


def _format(row: dict, fields: list[str]) -> dict:
    out = {}
    for name in fields:
        value = row.get(name)
        if name in PCT_FIELDS:
            out[name] = _pct(value)
        elif name in TEXT_FIELDS:
            out[name] = value
        else:
            out[name] = _money(value)
    return out


def _pct_field(zh, en):
    return serializers.CharField(allow_null=True, help_text=h(zh + "（%，一位小数字符串，无基数为 null）", en))


def _prior_source_field():
    return serializers.ChoiceField(
        ["comparable", "reports"],
        help_text=h(
            "上年同期来源：comparable 发改委填写的可比口径，reports 月报汇总",
            "Where prior_ytd comes from: comparable (the commission's comparable base) or reports",
        ),
    )


def _money_field(zh, en):
    return serializers.CharField(help_text=h(zh + "（万元，两位小数字符串）", en + " (10^4 yuan)"))


CITY_SERIALIZER = inline_serializer(
    "IndustryInvestmentCity",
    {
        "ytd": _money_field("全市本年累计完成投资", "City year-to-date"),
        "prior_ytd": _money_field("全市上年同期完成投资", "City same period last year"),
        "growth_pct": _pct_field("全市投资增速", "City growth %"),
        "listed_investment": _money_field("当年列入项目总投资", "Total investment of this year's list"),
        "prior_listed_investment": _money_field("上年列入项目总投资", "Total investment of last year's list"),
        "listed_growth_pct": _pct_field("列入总投资增速", "Listed investment growth %"),
        "prior_source": _prior_source_field(),
    },
    help_text=h("全市合计", "City totals"),
)
INDUSTRY_SERIALIZER = inline_serializer(
    "IndustryInvestmentRow",
    many=True,
    help_text=h("各产业（含下级产业汇总），按产业树排序", "Each industry, with its descendants, in tree order"),
    fields={
        "industry": serializers.CharField(help_text=h("产业代码", "Industry code")),
        "name": serializers.CharField(help_text=h("产业名称", "Industry name")),
        "parent": serializers.CharField(allow_null=True, help_text=h("上级产业代码", "Parent industry code")),
        "ytd": _money_field("本年累计完成投资", "Year-to-date"),
        "prior_ytd": _money_field("上年同期完成投资", "Same period last year"),
        "growth_pct": _pct_field("投资增速", "Growth %"),
        "diff_pp": _pct_field("高于全市增速（百分点）", "Percentage points above the city"),
        "project_count": serializers.IntegerField(
            help_text=h("项目个数（含下级产业）", "Projects (with sub-industries)")
        ),
        "listed_investment": _money_field("当年列入项目总投资", "Total investment of this year's list"),
        "prior_listed_investment": _money_field("上年列入项目总投资", "Total investment of last year's list"),
        "listed_growth_pct": _pct_field("列入总投资增速", "Listed investment growth %"),
        "prior_source": _prior_source_field(),
    },
)


class IndustryInvestmentView(APIView):
    """产业投资增速 / investment growth by industry, like the statistics bureau: year to date
    (YYYY-01..MM) against the same months of last year. Amounts are strings with two decimals
    (万元); percentages are strings with one decimal, or null when there is no base."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description=h(
                    "报告期 YYYY-MM，默认最近已关账的月份，无则上一个完整月份",
                    "Period YYYY-MM, default the latest closed period, else the last full month",
                ),
            )
        ],
        responses={
            200: inline_serializer(
                "IndustryInvestment",
                {
                    "period": serializers.CharField(help_text=h("报告期 YYYY-MM", "Period YYYY-MM")),
                    "closed": serializers.BooleanField(
                        help_text=h("该月是否已关账（数据不再变动）", "Whether the period is closed (figures final)")
                    ),
                    "source": serializers.CharField(
                        help_text=h("snapshot 夜间快照 / live 实时计算", "snapshot or live")
                    ),
                    "computed_at": serializers.DateTimeField(allow_null=True, help_text=h("计算时间", "Computed at")),
                    "city": CITY_SERIALIZER,
                    "industries": INDUSTRY_SERIALIZER,
                },
            )
        },
        summary="产业投资增速 / Investment growth by industry",
    )
    def get(self, request):
        raw = request.query_params.get("period")
        try:
            period = parse_period(raw) if raw not in (None, "") else stats_default_period(timezone.localdate())
        except ValueError as exc:
            raise ValidationError({"period": [str(exc)]}) from None
        figures = industry_growth(period=period)
        industry_fields = ["industry", "name", "parent", *IndustryGrowth.FIGURES]
        computed_at = figures.get("computed_at")
        return Response(
            {
                "period": f"{period:%Y-%m}",
                "closed": period_is_closed(period),
                "source": figures.get("source", "live"),
                "computed_at": computed_at.isoformat() if computed_at else None,
                "city": _format(figures["city"], services.CITY_FIELDS),
                "industries": [_format(row, industry_fields) for row in figures["industries"]],
            }
        )

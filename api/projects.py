"""`/api/v1/projects/` and `/api/v1/investment-reports/` (with `bulk/`).

Scoping: every queryset starts from `projects.selectors.projects_visible_to(user)`, so another
park's project (or its report) is a 404 exactly like a missing one. Writes go through
`projects.services`; their Django errors become API errors in `api.exceptions`.

Decisions (documented in the README's API section):
- Creating or moving a project into a park the caller does not administer: 400
  `{"park": ["…"]}`.
- Optimistic locking: every project carries `version`. A PATCH/PUT carrying `version` applies
  only if nobody saved the project since; a stale one answers 409 `{"version": ["…"]}` and
  stores nothing. Without `version` the change applies to the current version.
- DELETE on a project archives it (commission only; park admins 403): it leaves every list and
  detail (404 afterwards) but its reports and history stay.
- Reports: one per project and month (a second POST is 400 `{"period": ["…"]}`); corrections
  are PATCH (amount, progress, problems); `project` and `period` can't change; no DELETE.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.exceptions import StructuredValidationError
from api.export import ExportMixin
from api.fields import (
    AmountField,
    CleanTextField,
    CodeRelatedField,
    DateField,
    PeriodField,
    StrictIntegerField,
    h,
    strict_id,
)
from api.permissions import ProjectDataPermission
from api.values import ValuesListMixin
from common.money import round_half_up
from common.periods import MAX_YEAR, MIN_YEAR
from parks.models import Industry, Park
from projects import services
from projects.models import PROJECT_CODE_RE, AnnualPlan, InvestmentReport, Level, Project, Stage
from projects.rules import counted_q
from projects.selectors import (
    can_write_park,
    projects_visible_to,
    visible_project_count,
    visible_project_count_column,
)
from scheduling import rules
from scheduling.models import Milestone, SchedulingSettings
from scheduling.selectors import attach_countdowns, setting_column, with_spend_ahead

from .filters import InvestmentReportFilter, ProjectFilter

EXPORT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "xlsx"],
    description=h("导出格式：csv 或 xlsx 导出全部筛选结果", "Export format: csv or xlsx exports every filtered row"),
)


class ProjectSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, label="ID", help_text=h("项目ID", "Project id"))
    code = serializers.RegexField(
        PROJECT_CODE_RE,
        max_length=24,
        allow_null=True,
        allow_blank=True,
        required=False,
        label=_lazy("项目代码"),
        help_text=h(
            "24位投资项目统一代码，如 2023-130110-39-03-012345；谋划阶段可为 null",
            "24-character national investment project code, e.g. 2023-130110-39-03-012345; null while planning",
        ),
        error_messages={
            "invalid": _lazy(
                "项目代码应为24位投资项目统一代码，格式如 2023-130110-39-03-012345（年份-行政区划-行业-类型01/02/03-序号）。"
            )
        },
    )
    name = CleanTextField(max_length=200, label=_lazy("项目名称"), help_text=h("项目名称", "Project name"))
    owner = CleanTextField(
        max_length=200, label=_lazy("建设单位"), help_text=h("建设单位", "Owner (sponsoring enterprise)")
    )
    park = CodeRelatedField(
        slug_field="code",
        queryset=Park.objects.all(),
        label=_lazy("园区代码"),
        help_text=h("所在园区代码", "Park code"),
    )
    park_name = serializers.CharField(
        source="park.name", read_only=True, label=_lazy("所在园区"), help_text=h("所在园区名称", "Park name")
    )
    industry = CodeRelatedField(
        slug_field="code",
        queryset=Industry.objects.all(),
        label=_lazy("产业代码"),
        help_text=h("所属产业代码", "Industry code"),
    )
    industry_name = serializers.CharField(
        source="industry.name", read_only=True, label=_lazy("所属产业"), help_text=h("所属产业名称", "Industry name")
    )
    level = serializers.ChoiceField(
        Level.choices, label=_lazy("项目级别"), help_text=h("项目级别：provincial 省重点 / municipal 市重点", "Level")
    )
    year = StrictIntegerField(
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        label=_lazy("列入年度"),
        help_text=h("列入重点项目清单的年份", "Year the project entered the key-project list"),
    )
    stage = serializers.ChoiceField(
        Stage.choices,
        required=False,
        label=_lazy("建设阶段"),
        help_text=h(
            "建设阶段：planning 谋划、signed 签约、under_construction 在建、completed 竣工、in_production 投产、at_capacity 达效",
            "Stage",
        ),
    )
    phase = CleanTextField(
        max_length=50, required=False, allow_blank=True, label=_lazy("期次"), help_text=h("期次，如 一期", "Phase")
    )
    total_investment = AmountField(
        label=_lazy("总投资（万元）"), help_text=h("总投资（万元）", "Total investment (10^4 yuan)")
    )
    construction_content = CleanTextField(
        multiline=True,
        required=False,
        allow_blank=True,
        label=_lazy("建设内容"),
        help_text=h("建设内容", "Construction content"),
    )
    annual_output = AmountField(
        required=False,
        allow_null=True,
        label=_lazy("达产后年产值（万元）"),
        help_text=h("达产后年产值（万元）", "Annual output at full capacity (10^4 yuan)"),
    )
    target_date = DateField(
        required=False,
        allow_null=True,
        label=_lazy("目标日期"),
        help_text=h("倒排工期的目标日期 YYYY-MM-DD", "Target date of the backward schedule"),
    )
    leader = CleanTextField(
        max_length=100, required=False, allow_blank=True, label=_lazy("包联领导"), help_text=h("包联领导", "Leader")
    )
    contact_person = CleanTextField(
        max_length=50, required=False, allow_blank=True, label=_lazy("联系人"), help_text=h("联系人", "Contact")
    )
    contact_phone = CleanTextField(
        max_length=30, required=False, allow_blank=True, label=_lazy("联系电话"), help_text=h("联系电话", "Phone")
    )
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        required=False,
        allow_null=True,
        label=_lazy("纬度"),
        help_text=h("纬度", "Latitude"),
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        required=False,
        allow_null=True,
        label=_lazy("经度"),
        help_text=h("经度", "Longitude"),
    )
    is_special_bond = serializers.BooleanField(
        required=False, label=_lazy("申报专项债"), help_text=h("是否申报专项债", "Applies for special-purpose bonds")
    )
    special_bond_amount = AmountField(
        required=False,
        allow_null=True,
        label=_lazy("申请专项债（万元）"),
        help_text=h("申请专项债（万元）", "Special-purpose bonds applied for (10^4 yuan)"),
    )
    status = serializers.CharField(
        read_only=True,
        label=_lazy("节点状态"),
        help_text=h("节点状态（颜色）：green/due_soon/yellow/red/no_schedule（无节点）", "Milestone status colour"),
    )
    investment_status = serializers.CharField(
        read_only=True,
        label=_lazy("投资状态"),
        help_text=h("投资状态：green/yellow/red/none", "Investment status against the annual plan"),
    )
    version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        label=_lazy("版本"),
        help_text=h(
            "版本号：修改时带上读取时的版本，他人已修改则返回409；不带则直接修改当前版本",
            "Version: send the one you read; 409 if someone saved since; omitted = apply to the current one",
        ),
    )
    created_at = serializers.DateTimeField(read_only=True, label=_lazy("创建时间"), help_text=h("创建时间", "Created"))
    updated_at = serializers.DateTimeField(read_only=True, label=_lazy("更新时间"), help_text=h("更新时间", "Updated"))

    class Meta:
        model = Project
        fields = [
            "id",
            *services.PROJECT_EDITABLE_FIELDS,
            "park_name",
            "industry_name",
            "status",
            "investment_status",
            "version",
            "created_at",
            "updated_at",
        ]

    def validate_code(self, value):
        return value or None

    def validate_park(self, park):
        request = self.context.get("request")
        if request is not None and not can_write_park(request.user, park.pk):
            raise serializers.ValidationError(_("您无权在该园区录入或调整项目。"))
        return park


class MilestoneBriefSerializer(serializers.Serializer):
    """A milestone inside a project's detail, with its countdown as of today."""

    id = serializers.IntegerField(help_text=h("节点ID", "Milestone id"))
    kind = serializers.CharField(help_text=h("节点类型", "Kind"))
    name = serializers.CharField(source="display_name", help_text=h("节点名称", "Name"))
    planned_date = serializers.DateField(help_text=h("计划日期", "Planned date"))
    baseline_date = serializers.DateField(help_text=h("基线日期（首次计划日期）", "Baseline date"))
    actual_date = serializers.DateField(allow_null=True, help_text=h("实际完成日期", "Actual date"))
    days_left = serializers.SerializerMethodField(
        help_text=h("距计划日期天数（逾期为负）", "Days left (negative = overdue)")
    )
    workdays_left = serializers.SerializerMethodField(help_text=h("距计划日期工作日数", "Working days left"))
    order_warning = serializers.CharField(
        allow_null=True,
        help_text=h("实际日期与节点顺序不符时的提示，顺序正常为 null", "Warning when the actual date breaks the order"),
    )

    def get_days_left(self, obj) -> int | None:
        return obj.countdown["days"]

    def get_workdays_left(self, obj) -> int | None:
        return obj.countdown["workdays"]


class LatestReportSerializer(serializers.Serializer):
    period = PeriodField(help_text=h("报告期 YYYY-MM", "Period YYYY-MM"))
    amount = AmountField(help_text=h("当月完成投资（万元）", "Completed in the month (10^4 yuan)"))
    progress = serializers.CharField(help_text=h("形象进度", "Progress note"))
    problems = serializers.CharField(help_text=h("存在问题", "Problems"))


class ProjectDetailSerializer(ProjectSerializer):
    """The project card: its milestones with countdowns, latest report, investment to date."""

    as_of = serializers.SerializerMethodField(help_text=h("计算日期（上海时间今天）", "As of (today in Asia/Shanghai)"))
    milestones = serializers.SerializerMethodField(help_text=h("节点及倒计时", "Milestones with countdowns"))
    latest_report = serializers.SerializerMethodField(help_text=h("最近一期月报", "Latest monthly report"))
    ytd_investment = AmountField(
        read_only=True, help_text=h("本年累计完成投资（万元）", "Completed this year to date (10^4 yuan)")
    )
    cumulative_investment = AmountField(
        read_only=True, help_text=h("开工以来累计完成投资（万元）", "Completed in total (10^4 yuan)")
    )
    annual_plan = AmountField(
        read_only=True, allow_null=True, help_text=h("本年度计划投资（万元）", "This year's planned investment")
    )
    annual_plan_pct = serializers.SerializerMethodField(
        help_text=h("本年累计占年度计划的百分比（一位小数，无计划为null）", "Year to date as % of the annual plan")
    )
    spend_ahead_pp = serializers.SerializerMethodField(
        help_text=h(
            "投资进度（累计完成/总投资）减形象进度（标准节点完成比例）的百分点（一位小数；无总投资或无标准节点为null）",
            "Spend % (cumulative / total investment) minus schedule % (standard nodes done), in points; or null",
        )
    )
    spend_ahead = serializers.SerializerMethodField(
        help_text=h(
            "投资与形象进度不匹配：差值超过预警阈值 spend_ahead_pp（默认15个百分点）",
            "Spending ahead of building: the gap exceeds the settings' spend_ahead_pp (default 15 points)",
        )
    )

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "as_of",
            "milestones",
            "latest_report",
            "ytd_investment",
            "cumulative_investment",
            "annual_plan",
            "annual_plan_pct",
            "spend_ahead_pp",
            "spend_ahead",
        ]

    def get_as_of(self, obj) -> str:
        return self.context["as_of"].isoformat()

    @extend_schema_field(MilestoneBriefSerializer(many=True))
    def get_milestones(self, obj):
        items = rules.set_order_warnings(attach_countdowns(obj.milestones.all(), as_of=self.context["as_of"]))
        return MilestoneBriefSerializer(items, many=True).data

    @extend_schema_field(LatestReportSerializer(allow_null=True))
    def get_latest_report(self, obj):
        report = obj.reports.order_by("-period").first()
        return LatestReportSerializer(report).data if report else None

    def get_annual_plan_pct(self, obj) -> str | None:
        if not obj.annual_plan:
            return None
        return str(round_half_up(Decimal(obj.ytd_investment) / Decimal(obj.annual_plan) * 100))

    def get_spend_ahead_pp(self, obj) -> str | None:
        gap = rules.spend_ahead_of(obj, self.context["settings"])[0]
        return None if gap is None else str(gap)

    def get_spend_ahead(self, obj) -> bool:
        return rules.spend_ahead_of(obj, self.context["settings"])[1]


def spend_ahead_fields(values, settings) -> dict:
    """The list's spend_ahead_pp and spend_ahead from (total, cumulative, done, nodes)."""
    total, cumulative, done, nodes = values
    gap = rules.spend_ahead_gap(cumulative, total, done, nodes)
    return {
        "spend_ahead_pp": None if gap is None else str(gap),
        "spend_ahead": rules.is_spend_ahead(cumulative, total, done, nodes, settings),
    }


def with_investment(queryset, *, as_of: dt.date):
    """Annotate year-to-date and cumulative completed investment and this year's plan with
    correlated subqueries: one statement whatever the number of projects."""
    money = DecimalField(max_digits=20, decimal_places=2)
    reports = InvestmentReport.objects.filter(counted_q(), project=OuterRef("pk")).order_by().values("project")
    total = reports.annotate(s=Sum("amount")).values("s")
    ytd = reports.filter(period__gte=dt.date(as_of.year, 1, 1), period__lte=as_of).annotate(s=Sum("amount")).values("s")
    plan = AnnualPlan.objects.filter(project=OuterRef("pk"), year=as_of.year).values("planned_investment")[:1]
    return queryset.annotate(
        ytd_investment=Coalesce(Subquery(ytd, output_field=money), Value(Decimal("0.00")), output_field=money),
        cumulative_investment=Coalesce(Subquery(total, output_field=money), Value(Decimal("0.00")), output_field=money),
        annual_plan=Subquery(plan, output_field=money),
    )


@extend_schema_view(
    list=extend_schema(parameters=[EXPORT_PARAMETER], summary="重点项目列表 / Key projects"),
    retrieve=extend_schema(summary="项目卡片 / Project card"),
    destroy=extend_schema(summary="归档项目（仅发改委）/ Archive a project (commission only)"),
)
class ProjectViewSet(ExportMixin, ValuesListMixin, viewsets.ModelViewSet):
    """重点项目 / key projects, scoped by `projects_visible_to(user)`."""

    permission_classes = [ProjectDataPermission]
    commission_only_actions = ("destroy",)
    filterset_class = ProjectFilter
    search_fields = ["name", "code", "owner"]
    ordering_fields = ["id", "name", "code", "year", "total_investment", "status", "stage", "level", "updated_at"]
    ordering = ["-year", "id"]
    export_name = "projects"

    SPEND_PATHS = ("total_investment", "spend_cumulative", "spend_done", "spend_nodes")

    def get_queryset(self):
        qs = projects_visible_to(self.request.user).select_related("park", "industry")
        if getattr(self, "swagger_fake_view", False):  # the schema: no settings read, no database
            return qs
        # `spend_ahead` itself only when filtered by (the list reads the rule's inputs, the card
        # computes it in Python); without it the list reads the threshold with its rows
        # (`spend_pp`, see values_extra) instead of loading the settings by a statement of its own.
        flag = self.action != "list" or "spend_ahead" in self.request.query_params
        qs = with_spend_ahead(qs, as_of=_as_of(), settings=self._settings() if flag else None, flag=flag)
        if not flag:
            qs = qs.annotate(spend_pp=setting_column("spend_ahead_pp"))
        if self.action == "retrieve":
            qs = with_investment(qs, as_of=_as_of()).prefetch_related(
                Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date", "sequence", "id"))
            )
        return qs

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    # Query parameters that never narrow the list: with nothing else, the total is everything
    # the caller may see, which the database keeps per park (no COUNT over every project).
    UNFILTERED_PARAMS = frozenset({"page", "page_size", "ordering", "format"})

    def list_count(self, queryset) -> int:
        if self.request.query_params.keys() <= self.UNFILTERED_PARAMS:
            return visible_project_count(self.request.user)
        return queryset.count()

    def list_count_column(self, queryset):
        if self.request.query_params.keys() <= self.UNFILTERED_PARAMS:
            return visible_project_count_column(self.request.user)
        return None

    def _settings(self) -> SchedulingSettings:
        if not hasattr(self, "_scheduling_settings"):
            self._scheduling_settings = SchedulingSettings.load()
        return self._scheduling_settings

    def values_extra(self):
        if hasattr(self, "_scheduling_settings"):  # loaded for the filter
            settings = self._scheduling_settings
            return self.SPEND_PATHS, lambda item, values: item.update(spend_ahead_fields(values, settings))
        thresholds: dict = {}  # spend_pp → settings (one value per statement)

        def add(item, values):
            *inputs, pp = values
            settings = thresholds.get(pp) or thresholds.setdefault(pp, SchedulingSettings(pk=1, spend_ahead_pp=pp))
            item.update(spend_ahead_fields(inputs, settings))

        return (*self.SPEND_PATHS, "spend_pp"), add

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "as_of": _as_of(), "settings": self._settings()}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.project_create(user=self.request.user, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        expected = data.pop("version", None)
        serializer.instance = services.project_update(
            user=self.request.user, project=serializer.instance, data=data, expected_version=expected
        )

    def perform_destroy(self, instance):
        services.project_archive(user=self.request.user, project=instance)


class ScopedProjectField(serializers.PrimaryKeyRelatedField):
    """A project id among those the caller may see; any other id is "does not exist"."""

    # What filing a report and its answer read of the project: its archive state, its name, its
    # park (the service's scope check) and its industry's code, in the one statement.
    READ = ("id", "name", "archived_at", "park__id", "park__code", "industry__id", "industry__code")

    def get_queryset(self):
        request = self.context.get("request")
        return projects_visible_to(request.user) if request is not None else Project.objects.none()

    def to_internal_value(self, data):
        pk = strict_id(data)
        if pk is None and isinstance(data, int) and not isinstance(data, bool):
            self.fail("does_not_exist", pk_value=data)  # an integer no key can hold
        if pk is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return self.get_queryset().select_related("park", "industry").only(*self.READ).get(pk=pk)
        except Project.DoesNotExist:
            self.fail("does_not_exist", pk_value=pk)


class InvestmentReportSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, label="ID", help_text=h("月报ID", "Report id"))
    project = ScopedProjectField(label=_lazy("项目ID"), help_text=h("项目ID", "Project id"))
    project_name = serializers.CharField(
        source="project.name", read_only=True, label=_lazy("项目名称"), help_text=h("项目名称", "Project name")
    )
    park = serializers.CharField(
        source="project.park.code", read_only=True, label=_lazy("园区代码"), help_text=h("园区代码", "Park code")
    )
    industry = serializers.CharField(
        source="project.industry.code",
        read_only=True,
        label=_lazy("产业代码"),
        help_text=h("产业代码", "Industry code"),
    )
    period = PeriodField(label=_lazy("报告期"), help_text=h("报告期 YYYY-MM", "Period YYYY-MM"))
    amount = AmountField(
        label=_lazy("当月完成投资（万元）"), help_text=h("当月完成投资（万元）", "Completed in the month (10^4 yuan)")
    )
    progress = CleanTextField(
        multiline=True, required=False, allow_blank=True, label=_lazy("形象进度"), help_text=h("形象进度", "Progress")
    )
    problems = CleanTextField(
        multiline=True,
        required=False,
        allow_blank=True,
        label=_lazy("存在问题"),
        help_text=h("存在问题", "Problems reported"),
    )
    status = serializers.ChoiceField(
        choices=[("submitted", "submitted"), ("draft", "draft"), ("returned", "returned"), ("approved", "approved")],
        required=False,
        label=_lazy("状态"),
        help_text=h(
            "状态：draft 草稿、submitted 已报送、returned 已退回、approved 已审核；新建时可为 draft，其后用 submit/return/approve 步骤",
            "Status: draft, submitted, returned, approved; a POST may ask for draft, then use the steps",
        ),
    )
    return_reason = serializers.CharField(
        read_only=True, label=_lazy("退回原因"), help_text=h("退回原因（仅已退回时非空）", "Reason of the return")
    )
    reviewed_by = serializers.CharField(
        source="reviewed_by.username",
        read_only=True,
        default=None,
        label=_lazy("审核人"),
        help_text=h("最近一次审核或退回的用户名", "Who last approved or returned it"),
    )
    reviewed_at = serializers.DateTimeField(
        read_only=True, label=_lazy("审核时间"), help_text=h("审核或退回时间", "When it was reviewed")
    )
    correction_reason = CleanTextField(
        multiline=True,
        required=False,
        allow_blank=True,
        label=_lazy("关账后更正原因"),
        help_text=h(
            "已关账月份由发改委更正时必填，保留在历史记录中",
            "Required when the commission changes a report of a closed period; kept in the history",
        ),
    )
    submitted_by = serializers.CharField(
        source="submitted_by.username",
        read_only=True,
        default=None,
        label=_lazy("填报人"),
        help_text=h("填报人用户名", "Submitted by"),
    )
    submitted_at = serializers.DateTimeField(
        read_only=True, label=_lazy("填报时间"), help_text=h("填报时间", "Submitted at")
    )
    updated_at = serializers.DateTimeField(read_only=True, label=_lazy("更新时间"), help_text=h("更新时间", "Updated"))

    class Meta:
        model = InvestmentReport
        fields = [
            "id",
            "project",
            "project_name",
            "park",
            "industry",
            "period",
            "amount",
            "progress",
            "problems",
            "status",
            "return_reason",
            "reviewed_by",
            "reviewed_at",
            "correction_reason",
            "submitted_by",
            "submitted_at",
            "updated_at",
        ]
        validators: list = []

    def validate(self, attrs):
        if self.instance is not None:
            errors = {}
            if "project" in attrs and attrs["project"].pk != self.instance.project_id:
                errors["project"] = [_("月报的项目不能修改。")]
            if "period" in attrs and attrs["period"] != self.instance.period:
                errors["period"] = [_("月报的报告期不能修改；请为新的月份另行报送。")]
            if "status" in attrs and attrs["status"] != self.instance.status:
                errors["status"] = [
                    _("状态不能直接修改；请使用 submit（报送）、return（退回）或 approve（审核通过）步骤。")
                ]
            if errors:
                raise ValidationError(errors)
        elif attrs.get("status") not in (None, "submitted", "draft"):
            raise ValidationError({"status": [_("新报送的月报状态只能是 submitted（报送）或 draft（草稿）。")]})
        return attrs


class BulkRowSerializer(serializers.Serializer):
    project = StrictIntegerField(
        min_value=1, max_value=2**63 - 1, help_text=h("项目ID", "Project id"), label=_lazy("项目ID")
    )
    amount = AmountField(
        help_text=h("当月完成投资（万元）", "Completed in the month"), label=_lazy("当月完成投资（万元）")
    )
    progress = CleanTextField(multiline=True, required=False, allow_blank=True, help_text=h("形象进度", "Progress"))
    problems = CleanTextField(multiline=True, required=False, allow_blank=True, help_text=h("存在问题", "Problems"))


BULK_MAX_ROWS = 5000


class BulkReportSerializer(serializers.Serializer):
    period = PeriodField(help_text=h("报告期 YYYY-MM", "Period YYYY-MM"))
    rows = serializers.ListField(
        child=serializers.DictField(),
        min_length=1,
        max_length=BULK_MAX_ROWS,
        help_text=h("每个项目一行：project、amount、progress、problems", "One row per project"),
    )
    correction_reason = CleanTextField(
        multiline=True,
        required=False,
        allow_blank=True,
        help_text=h("已关账月份由发改委报送时必填", "Required for the commission in a closed period"),
    )


def _bulk_rows(rows: list) -> tuple[list[dict], list[services.ReportRow]]:
    """Each row checked for its types on its own: (errors, rows for the service)."""
    errors: list[dict] = []
    lines: list[services.ReportRow] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            errors.append({"index": index, "project": None, "errors": {"non_field_errors": [_("每行应为一个对象。")]}})
            continue
        serializer = BulkRowSerializer(data=row)
        if serializer.is_valid():
            data = serializer.validated_data
            lines.append(
                services.ReportRow(
                    project=data["project"],
                    amount=data["amount"],
                    progress=data.get("progress", ""),
                    problems=data.get("problems", ""),
                    ref=index,
                )
            )
        else:
            project = row.get("project")
            shown = project if isinstance(project, int | str) and not isinstance(project, bool) else None
            errors.append({"index": index, "project": shown, "errors": serializer.errors})
    return errors, lines


def reports_bulk_submit(
    *, user, period: dt.date, rows: list, correction_reason: str | None = None
) -> list[InvestmentReport]:
    """File one month's reports for many projects at once: every row valid and stored, or none.

    1. Each row is validated on its own (types; the amount rule of common.money).
    2. `projects.services.report_file` checks them all at once (scope, archived, period, one
       report per project and month, also within the request) and stores them in one
       transaction — the same function as the monthly grid and the Excel import.
    3. Any error → 400 {"rows": [{"index", "project", "errors"}…]}, nothing stored; a
       concurrent filing of the same project and month → 400 {"period": […]}.
    """
    errors, lines = _bulk_rows(rows)
    try:
        filing = services.report_file(
            user=user, period=period, rows=lines, commit=not errors, correction_reason=correction_reason
        )
    except services.RowsRefused as refused:
        errors += [{"index": r.ref, "project": r.project, "errors": r.errors} for r in refused.rows]
    if errors:
        errors.sort(key=lambda e: e["index"])
        raise StructuredValidationError({"rows": errors})
    return filing.created


@extend_schema_view(
    list=extend_schema(parameters=[EXPORT_PARAMETER], summary="月度投资报告 / Monthly investment reports"),
)
class InvestmentReportViewSet(
    ExportMixin,
    ValuesListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """月度投资报告 / monthly investment reports: one per project and month; corrections are PATCH;
    no DELETE. `bulk/` files a whole month at once."""

    serializer_class = InvestmentReportSerializer
    permission_classes = [ProjectDataPermission]
    filterset_class = InvestmentReportFilter
    search_fields = ["project__name", "project__code"]
    ordering_fields = ["id", "period", "amount", "project", "submitted_at"]
    ordering = ["project_id", "period"]
    export_name = "investment-reports"

    def get_queryset(self):
        return InvestmentReport.objects.filter(project__in=projects_visible_to(self.request.user)).select_related(
            "project", "project__park", "project__industry", "submitted_by", "reviewed_by"
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.report_submit(
            user=self.request.user,
            project=data["project"],
            period=data["period"],
            amount=data["amount"],
            progress=data.get("progress", ""),
            problems=data.get("problems", ""),
            status=data.get("status"),
            correction_reason=data.get("correction_reason"),
        )

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in ("amount", "progress", "problems")}
        serializer.instance = services.report_correct(
            user=self.request.user,
            report=serializer.instance,
            data=data,
            correction_reason=serializer.validated_data.get("correction_reason"),
        )

    def _step(self, request, service, **kwargs):
        report = self.get_object()
        report = service(user=request.user, report=report, **kwargs)
        report = self.get_queryset().get(pk=report.pk)
        return Response(InvestmentReportSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None, responses={200: InvestmentReportSerializer}, summary="报送 / Submit (draft|returned → submitted)"
    )
    @action(detail=True, methods=["post"], url_path="submit")
    def submit(self, request, pk=None):
        """草稿或已退回 → 已报送（本园区管理员或发改委）；清除退回原因。
        draft or returned → submitted (its park's admin or the commission); clears the return reason."""
        return self._step(request, services.report_review_submit)

    @extend_schema(
        request=inline_serializer(
            "ReportReturnRequest", {"reason": serializers.CharField(help_text=h("退回原因", "Reason"))}
        ),
        responses={200: InvestmentReportSerializer},
        summary="退回 / Return with a reason (submitted|approved → returned)",
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """已报送或已审核 → 已退回（仅发改委），须填写退回原因。
        submitted or approved → returned (commission only), with a non-empty reason."""
        body = request.data if isinstance(request.data, dict) else {}
        return self._step(request, services.report_return, reason=body.get("reason"))

    @extend_schema(
        request=None, responses={200: InvestmentReportSerializer}, summary="审核通过 / Approve (submitted → approved)"
    )
    @action(detail=True, methods=["post"], url_path="approve")
    def approve(self, request, pk=None):
        """已报送 → 已审核（仅发改委）。submitted → approved (commission only)."""
        return self._step(request, services.report_approve)

    @extend_schema(
        request=inline_serializer(
            "BulkReportRequest",
            {
                "period": PeriodField(help_text=h("报告期 YYYY-MM", "Period YYYY-MM")),
                "rows": BulkRowSerializer(many=True, help_text=h("每个项目一行", "One row per project")),
            },
        ),
        responses={201: InvestmentReportSerializer(many=True)},
        summary="批量报送月报 / File a month's reports at once",
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        """全部成功或全部不保存 / all rows stored or none; a 400 lists each bad row as
        `{"rows": [{"index": 0, "project": 12, "errors": {"amount": ["…"]}}]}`."""
        envelope = BulkReportSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        period = envelope.validated_data["period"]
        created = reports_bulk_submit(
            user=request.user,
            period=period,
            rows=envelope.validated_data["rows"],
            correction_reason=envelope.validated_data.get("correction_reason"),
        )
        ids = [r.project_id for r in created]
        reports = self.get_queryset().filter(project_id__in=ids, period=period).order_by("project_id")
        return Response(InvestmentReportSerializer(reports, many=True).data, status=status.HTTP_201_CREATED)


def _as_of() -> dt.date:
    return timezone.localdate()

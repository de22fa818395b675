"""`/api/v1/comparable-bases/`: 可比口径, the comparable prior-year figures the commission enters
per period for an industry or the city. Everyone signed in reads; the commission writes (others
403). Writes go through `scheduling.services.comparable_base_save` / `comparable_base_delete`
(the rules, the history and the period's growth snapshot); a second base for the same period and
industry is a 400 on `industry`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from api.export import ExportMixin
from api.fields import AmountField, CodeRelatedField, PeriodField, h, parse_period_param
from api.permissions import ReadAllWriteCommission
from parks.models import Industry
from scheduling import services
from scheduling.models import ComparableBase


class ComparableBaseSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text=h("可比口径ID", "Comparable base id"))
    period = PeriodField(help_text=h("报告期 YYYY-MM（1–N月累计）", "Period YYYY-MM (year to date)"))
    industry = CodeRelatedField(
        slug_field="code",
        queryset=Industry.objects.all(),
        allow_null=True,
        required=False,
        default=None,
        help_text=h("产业代码；null 表示全市", "Industry code; null for the city"),
    )
    prior_ytd = AmountField(
        help_text=h(
            "可比上年同期累计完成投资（万元），替代月报汇总作为增速基数",
            "Comparable prior-year year-to-date (10^4 yuan), the growth base instead of the reports",
        )
    )

    class Meta:
        model = ComparableBase
        fields = ["id", "period", "industry", "prior_ytd"]
        validators: list = []  # one per period and industry: the service says so, on `industry`


@extend_schema_view(
    list=extend_schema(
        summary="可比口径列表 / Comparable bases",
        parameters=[
            OpenApiParameter("period", str, description=h("报告期 YYYY-MM", "Period YYYY-MM")),
            OpenApiParameter(
                "industry", str, description=h("产业代码；city 表示全市", "Industry code; city for the city")
            ),
        ],
    ),
    create=extend_schema(summary="填写可比口径（发改委）/ Enter a comparable base (commission)"),
    update=extend_schema(summary="修改可比口径（发改委）/ Change a comparable base (commission)"),
    partial_update=extend_schema(summary="修改可比口径（发改委）/ Change a comparable base (commission)"),
    destroy=extend_schema(summary="删除可比口径（发改委）/ Remove a comparable base (commission)"),
    retrieve=extend_schema(summary="可比口径 / A comparable base"),
)
class ComparableBaseViewSet(ExportMixin, viewsets.ModelViewSet):
    """可比口径 / comparable bases: read by everyone signed in, written by the commission;
    `?format=csv|xlsx` exports the filtered list like every other list."""

    export_name = "comparable-bases"

    serializer_class = ComparableBaseSerializer
    permission_classes = [ReadAllWriteCommission]
    filterset_fields: list[str] = []
    ordering_fields = ["period", "id"]
    ordering = ["-period", "id"]

    def get_queryset(self):
        queryset = ComparableBase.objects.select_related("industry").order_by("-period", "id")
        if getattr(self, "swagger_fake_view", False) or self.action != "list":
            return queryset
        period = parse_period_param(self.request.query_params.get("period"))
        if period is not None:
            queryset = queryset.filter(period=period)
        industry = self.request.query_params.get("industry")
        if industry == "city":
            queryset = queryset.filter(industry__isnull=True)
        elif industry:
            queryset = queryset.filter(industry__code=industry[:64])
        return queryset

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.comparable_base_save(
            user=self.request.user, period=data["period"], industry=data.get("industry"), prior_ytd=data["prior_ytd"]
        )

    def perform_update(self, serializer):
        base, data = serializer.instance, serializer.validated_data
        serializer.instance = services.comparable_base_save(
            user=self.request.user,
            period=data.get("period", base.period),
            industry=data.get("industry", base.industry),
            prior_ytd=data.get("prior_ytd", base.prior_ytd),
            base=ComparableBase.objects.get(pk=base.pk),
        )

    def perform_destroy(self, instance):
        services.comparable_base_delete(user=self.request.user, base=instance)

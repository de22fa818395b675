"""`/api/v1/reporting-status/` (CONTRACT v2 "Who has reported"): per park, for one month, the
projects expected to report, reported, approved, returned and the ids of the missing ones.
The figures and the scope are projects.reporting's (a park admin: its park and sub-parks)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import h
from common.periods import PeriodError
from projects.reporting import reporting_status, status_period

PARK_ROW = inline_serializer(
    "ReportingStatusPark",
    {
        "park": serializers.CharField(help_text=h("园区代码", "Park code")),
        "expected": serializers.IntegerField(help_text=h("应报项目数", "Projects expected to report")),
        "reported": serializers.IntegerField(help_text=h("已报（已报送或已审核）", "Reported (submitted or approved)")),
        "approved": serializers.IntegerField(help_text=h("已审核", "Approved")),
        "returned": serializers.IntegerField(help_text=h("已退回", "Returned")),
        "missing": serializers.ListField(
            child=serializers.IntegerField(),
            help_text=h("未报项目 id（升序）", "Ids of the missing projects, ascending"),
        ),
    },
    many=True,
    help_text=h("每个园区一行（项目计入其所在园区）", "One row per park (a project counts in its own park)"),
)


class ReportingStatusView(APIView):
    """填报进度 / who has reported: one row per park the caller sees (a project counts in its
    own park, not in the parent's)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description=h(
                    "报告期 YYYY-MM，默认当前应报月份（上一个完整月份）；不得晚于本月",
                    "Period YYYY-MM, default the month now due (the last full month); not after this month",
                ),
            )
        ],
        responses={
            200: inline_serializer(
                "ReportingStatus",
                {
                    "period": serializers.CharField(help_text=h("报告期 YYYY-MM", "Period YYYY-MM")),
                    "due_date": serializers.DateField(help_text=h("报送截止日", "Due date")),
                    "closed": serializers.BooleanField(help_text=h("是否已关账", "Whether the month is closed")),
                    "parks": PARK_ROW,
                },
            )
        },
        summary="填报进度 / Who has reported",
    )
    def get(self, request):
        try:
            period = status_period(request.query_params.get("period"), today=timezone.localdate())
        except PeriodError as exc:
            raise ValidationError({"period": [exc.message]}) from None
        status = reporting_status(user=request.user, period=period)
        return Response(
            {
                "period": f"{status.period:%Y-%m}",
                "due_date": status.due_date.isoformat(),
                "closed": status.closed,
                "parks": [
                    {
                        "park": row.code,
                        "expected": row.expected,
                        "reported": row.reported,
                        "approved": row.approved,
                        "returned": row.returned,
                        "missing": row.missing,
                    }
                    for row in status.parks
                ],
            }
        )

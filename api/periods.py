"""`/api/v1/periods/`: closing a month (关账), CONTRACT v2 "Period close".

- `GET periods/`: every period ever closed (a reopened one stays listed with `closed: false`),
  newest first, paginated; everybody signed in reads.
- `POST periods/<YYYY-MM>/close/` and `POST periods/<YYYY-MM>/reopen/`: the commission only (403
  for the others); each answers `{"period", "closed", "closed_at", "closed_by", …}`. A month that
  has not ended is a 400 on `period`; closing a closed month or reopening an open one a 409.

The rules and writes are `projects.services.period_close` / `period_reopen`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.fields import PeriodField, h
from projects import services
from projects.models import PeriodClose


class PeriodCloseSerializer(serializers.ModelSerializer):
    period = PeriodField(read_only=True, help_text=h("报告期 YYYY-MM", "Period YYYY-MM"))
    closed = serializers.BooleanField(read_only=True, help_text=h("是否已关账", "Whether the period is closed"))
    closed_at = serializers.DateTimeField(read_only=True, help_text=h("最近一次关账时间", "When it was last closed"))
    closed_by = serializers.CharField(
        source="closed_by.username", read_only=True, default=None, help_text=h("关账人", "Who closed it")
    )
    reopened_at = serializers.DateTimeField(read_only=True, help_text=h("最近一次重新开账时间", "When last reopened"))
    reopened_by = serializers.CharField(
        source="reopened_by.username", read_only=True, default=None, help_text=h("重新开账人", "Who reopened it")
    )

    class Meta:
        model = PeriodClose
        fields = ["period", "closed", "closed_at", "closed_by", "reopened_at", "reopened_by"]


class PeriodViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """关账 / closed periods."""

    serializer_class = PeriodCloseSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []
    lookup_field = "period"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return PeriodClose.objects.select_related("closed_by", "reopened_by").order_by("-period")

    def _answer(self, row: PeriodClose) -> Response:
        row = self.get_queryset().get(pk=row.pk)
        return Response(PeriodCloseSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: PeriodCloseSerializer}, summary="关账 / Close a period (commission)")
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, period=None):
        return self._answer(services.period_close(user=request.user, period=period))

    @extend_schema(request=None, responses={200: PeriodCloseSerializer}, summary="重新开账 / Reopen a period")
    @action(detail=True, methods=["post"], url_path="reopen")
    def reopen(self, request, period=None):
        return self._answer(services.period_reopen(user=request.user, period=period))

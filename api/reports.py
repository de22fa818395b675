"""`/api/v1/weekly-reports/`: the weekly delay reports, read-only.

Everyone signed in sees the list of reports (the week exists for everybody). The `xlsx` and
`pdf` links are permission-checked views (`web.views.weekly_reports.report_download`, never a public
/media/ path) that accept the API token as well as the session: the commission and viewers get
the whole city report; a park administrator gets its own park's section (its park and
sub-parks), never the city-wide file nor another park's section."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from reports.models import WeeklyReport


class WeeklyReportSerializer(serializers.ModelSerializer):
    xlsx = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = WeeklyReport
        fields = ["week", "as_of", "generated_at", "revision", "xlsx", "pdf"]
        read_only_fields = fields

    def _url(self, obj: WeeklyReport, fmt: str) -> str:
        path = reverse("web:weekly_download", kwargs={"week": obj.week, "fmt": fmt})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.URLField())
    def get_xlsx(self, obj: WeeklyReport) -> str:
        return self._url(obj, "xlsx")

    @extend_schema_field(serializers.URLField())
    def get_pdf(self, obj: WeeklyReport) -> str:
        return self._url(obj, "pdf")


class WeeklyReportViewSet(viewsets.ReadOnlyModelViewSet):
    """每周滞后通报 / weekly delay reports, newest first; `GET …/weekly-reports/2026-W03/`."""

    serializer_class = WeeklyReportSerializer
    lookup_field = "week"
    lookup_value_regex = r"\d{4}-W\d{2}"
    filter_backends: list = []
    queryset = WeeklyReport.objects.order_by("-as_of")

"""`/api/v1/`: the contract's resources, token auth, the OpenAPI schema and its offline docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api.auth import TokenView
from api.comparable import ComparableBaseViewSet
from api.docs import OfflineRedocView
from api.escalation import ProblemViewSet
from api.parks import IndustryViewSet, ParkViewSet, RegionViewSet
from api.periods import PeriodViewSet
from api.projects import InvestmentReportViewSet, ProjectViewSet
from api.reporting import ReportingStatusView
from api.reports import WeeklyReportViewSet
from api.scheduling import DelayViewSet, IndustryInvestmentView, MilestoneViewSet

app_name = "api"

router = DefaultRouter()
router.register("parks", ParkViewSet, basename="park")
router.register("industries", IndustryViewSet, basename="industry")
router.register("regions", RegionViewSet, basename="region")
router.register("projects", ProjectViewSet, basename="project")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("investment-reports", InvestmentReportViewSet, basename="investmentreport")
router.register("delays", DelayViewSet, basename="delay")
router.register("periods", PeriodViewSet, basename="period")
router.register("comparable-bases", ComparableBaseViewSet, basename="comparablebase")
router.register("problems", ProblemViewSet, basename="problem")
router.register("weekly-reports", WeeklyReportViewSet, basename="weeklyreport")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("stats/industry-investment/", IndustryInvestmentView.as_view(), name="industry-investment"),
    path("reporting-status/", ReportingStatusView.as_view(), name="reporting-status"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script), so the
    # page works under the site's CSP (script-src 'self'); assets come from the sidecar package.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", OfflineRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]

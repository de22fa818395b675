"""Web pages (the contract: /accounts/login/, /, /projects/, /projects/<id>/, /board/) and the weekly
reports under /reports/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import (
    board,
    comparable,
    dashboard,
    edit,
    grid,
    imports,
    problems,
    projects,
    reporting,
    review,
    weekly_reports,
)
from .views import map as map_views

app_name = "web"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html", success_url="/accounts/password/done/"
        ),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("", dashboard.dashboard, name="dashboard"),
    path("projects/", projects.project_list, name="project_list"),
    path("projects/new/", edit.project_edit, name="create"),
    path("projects/template-preview/", edit.template_preview, name="template_preview"),
    path("projects/<int:pk>/", projects.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", edit.project_edit, name="edit"),
    path("monthly/", grid.report_grid, name="grid"),
    path("review/", review.review, name="review"),
    path("comparable/", comparable.comparable_bases, name="comparable"),
    path("comparable/template.xlsx", comparable.comparable_template, name="comparable_template"),
    path("monthly/status/", reporting.reporting_status_page, name="reporting_status"),
    path("imports/", imports.import_upload, name="import"),
    path("imports/template/<str:kind>.xlsx", imports.import_template, name="import_template"),
    path("imports/<str:token>/", imports.import_job, name="import_job"),
    path("imports/<str:token>/status.json", imports.import_status, name="import_status"),
    path("imports/<str:token>/commit/", imports.import_commit, name="import_commit"),
    path("problems/", problems.problem_list, name="problems"),
    path("projects/<int:pk>/problems/new/", problems.problem_raise, name="problem_raise"),
    path("board/", board.board, name="board"),
    path("map/", map_views.project_map, name="map"),
    path("screen/", map_views.screen, name="screen"),
    path("screen/fragment/", map_views.screen_fragment, name="screen_fragment"),
    path("reports/", weekly_reports.report_list, name="weekly_list"),
    path("reports/<str:week>/", weekly_reports.report_detail, name="weekly_detail"),
    path("reports/<str:week>/download.<str:fmt>", weekly_reports.report_download, name="weekly_download"),
]

"""Web pages (the contract: /accounts/login/, /, /projects/, /projects/<id>/, /board/)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "projects"

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
    path("", views.dashboard, name="dashboard"),
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_edit, name="create"),
    path("projects/template-preview/", views.template_preview, name="template_preview"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("monthly/", views.report_grid, name="grid"),
    path("imports/", views.import_upload, name="import"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="import_template"),
    path("imports/<str:token>/", views.import_job, name="import_job"),
    path("imports/<str:token>/status.json", views.import_status, name="import_status"),
    path("imports/<str:token>/commit/", views.import_commit, name="import_commit"),
    path("board/", views.board, name="board"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<str:week>/", views.report_detail, name="detail"),
    path("<str:week>/download.<str:fmt>", views.report_download, name="download"),
]

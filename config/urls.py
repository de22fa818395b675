from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("重点项目挂图作战 · 管理后台")
admin.site.site_title = _("重点项目挂图作战")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    path("", include("web.urls")),
]
# MEDIA_URL is never served, not even with DEBUG on: MEDIA_ROOT holds the stored weekly reports
# and uploaded workbooks, which only the permission-checked views hand out (web/views/
# weekly_reports.py report_download, the API's download links point there; imports are read by
# their uploader's job pages only).

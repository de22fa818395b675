from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("节点与调度")

    def ready(self) -> None:
        from projects.signals import reports_changed

        from .services import refresh_after_reports_changed

        reports_changed.connect(refresh_after_reports_changed, dispatch_uid="scheduling.refresh_after_reports")

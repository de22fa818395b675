from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("节点与调度")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from projects.signals import reports_changed

        from .models import Milestone
        from .services import refresh_after_reports_changed, refresh_next_milestone_of

        reports_changed.connect(refresh_after_reports_changed, dispatch_uid="scheduling.refresh_after_reports")
        # Every save or delete of a milestone (the services, the admin, a cascade) stores its
        # project's next node in the same transaction; bulk loaders call refresh_next_milestones.
        post_save.connect(refresh_next_milestone_of, sender=Milestone, dispatch_uid="scheduling.next_node_save")
        post_delete.connect(refresh_next_milestone_of, sender=Milestone, dispatch_uid="scheduling.next_node_delete")

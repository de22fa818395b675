from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("问题督办")

    def ready(self) -> None:
        from scheduling.rules import register_project_rank

        from .rules import sql_project_ranks

        register_project_rank(sql_project_ranks)

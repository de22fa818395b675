from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class ParksConfig(AppConfig):
    name = "parks"
    verbose_name = _("园区与产业")

    def ready(self):
        from . import tokens

        post_save.connect(
            tokens.revoke_on_password_change_or_deactivation,
            sender=self.get_model("User"),
            dispatch_uid="parks.tokens.revoke_on_password_change_or_deactivation",
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("公共")

    def ready(self):
        from django.db.backends.signals import connection_created

        from common import dataversion

        connection_created.connect(dataversion.install, dispatch_uid="common.dataversion")
        dataversion.install_all()

from django.apps import AppConfig


class ParksConfig(AppConfig):
    name = "parks"
    verbose_name = "园区与产业"

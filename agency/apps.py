from django.apps import AppConfig


class AgencyConfig(AppConfig):
    name = "agency"
    verbose_name = "Agency"

    def ready(self):
        from . import signals  # noqa: F401

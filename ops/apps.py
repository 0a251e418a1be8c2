from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the system: backups and restores, metrics and readiness for an operations team."""

    name = "ops"
    verbose_name = "Operations"

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self):
        from .periodic import sync_after_migrate  # models are ready only now

        post_migrate.connect(sync_after_migrate, sender=self)

from django.apps import AppConfig


class PatrolConfig(AppConfig):
    name = "patrol"
    verbose_name = "Units and measured patrol"

    def ready(self):
        from . import job_kinds

        job_kinds.register()

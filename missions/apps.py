from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "missions"
    verbose_name = "Missions"

    def ready(self):
        from . import (
            job_kinds,
            signals,  # noqa: F401 - connects the AVL follow-up to patrol's positions_stored
        )

        job_kinds.register()

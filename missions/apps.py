from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "missions"
    verbose_name = "Missions"

    def ready(self):
        from patrol.signals import positions_stored

        from . import job_kinds, tasks

        job_kinds.register()
        # Vehicle positions came in: start and complete the shift's missions from them (AVL).
        positions_stored.connect(tasks.follow_avl_after_push, dispatch_uid="missions-follow-avl")

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the system: backups and restores, metrics and readiness for an operations team."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from celery.signals import before_task_publish

        from .metrics import stamp_message

        # Every task message carries the time it was sent: the queue's oldest message has an age.
        before_task_publish.connect(stamp_message, dispatch_uid="ops.stamp_message")

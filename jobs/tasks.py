"""The reaper: closes the jobs no worker started and those whose worker died (beat, every 5 minutes;
the task keeps its first name, which the beat schedule in migration 0002 refers to)."""

from celery import shared_task

from . import services


@shared_task
def close_stale_jobs() -> int:
    return services.reap_jobs()

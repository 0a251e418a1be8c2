"""Housekeeping task: close jobs whose worker died."""

from celery import shared_task

from . import services


@shared_task
def close_stale_jobs() -> int:
    return services.close_stale_jobs()

"""The nightly retention purge (scheduled by migration 0003)."""

from celery import shared_task

from .retention import purge_expired


@shared_task
def purge_audit() -> int:
    return purge_expired().after["purged"]

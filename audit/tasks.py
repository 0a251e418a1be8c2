"""The nightly retention purge (scheduled by migration 0003) and the hourly head anchor (0005)."""

from celery import shared_task

from .anchors import write_head_anchor
from .retention import purge_expired


@shared_task
def purge_audit() -> int:
    return purge_expired().after["purged"]


@shared_task
def anchor_audit_head() -> str:
    return write_head_anchor()

"""Periodic work of measured patrol: minutes per box for shifts under way or just ended, and the
nightly purge of raw positions."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from agency.models import Agency, Shift

from . import services


@shared_task
def measure_recent_exposure() -> int:
    """Re-measure every shift window that overlaps the last day (a late fix lands in its shift)."""
    now = timezone.now()
    tz = Agency.current().tz
    today = timezone.localdate(now, tz)
    rows = 0
    for shift in Shift.objects.all():
        for day in (today - timedelta(days=1), today):
            start, end = shift.window(day, tz)
            if start <= now and end >= now - timedelta(days=1):
                rows += services.measure_exposure(day=day, shift=shift)
    return rows


@shared_task
def purge_old_positions() -> int:
    return services.purge_positions()

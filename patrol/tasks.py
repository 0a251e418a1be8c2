"""Periodic work of measured patrol: minutes per box for shifts under way or just ended, and the
nightly purge of raw positions."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from agency.selectors import shift_windows_around

from . import services


@shared_task
def measure_recent_exposure() -> int:
    """Re-measure every shift window that overlaps the last day (a late fix lands in its shift)."""
    now = timezone.now()
    rows = 0
    for window in shift_windows_around(at=now):
        if window.starts_at <= now and window.ends_at >= now - timedelta(days=1):
            rows += services.measure_exposure(day=window.date, shift=window.shift)
    return rows


@shared_task
def purge_old_positions() -> int:
    return services.purge_positions()

"""Reads of incidents shared by pages and the API."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from agency.models import CrimeType, District

from .models import Incident


def incident_counts_by_district(*, days: int, now=None) -> dict[str, int]:
    """Incidents of the last `days` days per district code (by location within the district)."""
    since = (now or timezone.now()) - timedelta(days=days)
    recent = Incident.objects.filter(occurred_from__gte=since)
    return {
        d.code: recent.filter(location__within=d.geom).count() for d in District.objects.all()
    }


def incident_trend_by_type(*, days: int, now=None) -> list[dict]:
    """Per crime type: incidents in the last `days` days and in the `days` before, in one query."""
    now = now or timezone.now()
    recent_start = now - timedelta(days=days)
    previous_start = recent_start - timedelta(days=days)
    types = CrimeType.objects.filter(enabled=True).annotate(
        recent=Count("incident", filter=Q(incident__occurred_from__gte=recent_start,
                                          incident__occurred_from__lt=now)),
        previous=Count("incident", filter=Q(incident__occurred_from__gte=previous_start,
                                            incident__occurred_from__lt=recent_start)),
    )
    peak = max((t.recent for t in types), default=0) or 1
    return [
        {
            "name": t.name,
            "colour": t.colour,
            "recent": t.recent,
            "previous": t.previous,
            "change_pct": round(100 * (t.recent - t.previous) / t.previous) if t.previous else None,
            "bar_pct": round(100 * t.recent / peak),
        }
        for t in types
    ]

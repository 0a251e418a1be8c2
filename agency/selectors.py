"""Reads of the agency's configuration shared by pages and the API."""

import json
from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from forecasting.selectors import cell_counts_by_district
from ingest.selectors import incident_counts_by_district

from .models import Agency, Beat, District, Shift


def districts_geojson() -> dict:
    districts = District.objects.annotate(beat_count=Count("beats"))
    return _feature_collection(
        (d.geom, {"code": d.code, "name": d.name, "beats": d.beat_count}) for d in districts
    )


def beats_geojson(*, district_code: str | None = None) -> dict:
    beats = Beat.objects.select_related("district")
    if district_code:
        beats = beats.filter(district__code=district_code)
    return _feature_collection(
        (b.geom, {"code": b.code, "name": b.name, "district": b.district.code}) for b in beats
    )


def current_shift(*, now: datetime | None = None) -> tuple[Shift, datetime, datetime] | None:
    """The shift under way now in the agency's zone, with its window (yesterday's night shift
    counts when it runs past midnight)."""
    tz = Agency.current().tz
    now = now or timezone.now()
    local_day = now.astimezone(tz).date()
    for shift in Shift.objects.all():
        for day in (local_day, local_day.fromordinal(local_day.toordinal() - 1)):
            start, end = shift.window(day, tz)
            if start <= now < end:
                return shift, start, end
    return None


def _feature_collection(items) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(geom.geojson), "properties": props}
            for geom, props in items
        ],
    }


def jurisdiction_overview() -> list[dict]:
    """Per district: beats, active cells and incidents in the last 28 days."""
    cells = cell_counts_by_district()
    incidents = incident_counts_by_district(days=28)
    districts = District.objects.annotate(beat_count=Count("beats")).order_by("code")
    return [
        {
            "code": d.code,
            "name": d.name,
            "beats": d.beat_count,
            "cells": cells.get(d.pk, 0),
            "incidents_28d": incidents.get(d.code, 0),
        }
        for d in districts
    ]

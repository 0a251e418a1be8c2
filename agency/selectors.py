"""Reads of the agency's configuration shared by pages and the API."""

import json
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from forecasting.selectors import cell_counts_by_district
from ingest.selectors import incident_counts_by_district

from .models import Agency, Beat, District, Shift


def districts_geojson() -> dict:
    districts = District.objects.annotate(beat_count=Count("beats")).order_by("code")  # GROUP BY drops Meta.ordering
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


def shift_windows_near(*, now: datetime) -> list[tuple[date, Shift, datetime, datetime]]:
    """(local date, shift, start, end) of every shift starting yesterday, today or tomorrow in the
    agency's zone, by start: the one place that turns "now" into shift windows."""
    tz = Agency.current().tz
    today = now.astimezone(tz).date()
    windows = [
        (day, shift, *shift.window(day, tz))
        for shift in Shift.objects.all()
        for day in (today - timedelta(days=1), today, today + timedelta(days=1))
    ]
    return sorted(windows, key=lambda w: w[2])


def current_shift(*, now: datetime | None = None) -> tuple[Shift, datetime, datetime] | None:
    """The shift under way now, with its window (yesterday's night shift counts when it runs past
    midnight)."""
    now = now or timezone.now()
    for _, shift, start, end in shift_windows_near(now=now):
        if start <= now < end:
            return shift, start, end
    return None


def current_or_next_shift(*, now: datetime | None = None) -> tuple[date, Shift] | None:
    """(local date, shift) of the shift under way, else of the next one to start."""
    now = now or timezone.now()
    for day, shift, _, end in shift_windows_near(now=now):
        if now < end:
            return day, shift
    return None


def shifts_due(*, now: datetime, lead: timedelta) -> list[tuple[date, Shift]]:
    """(local date, shift) of every shift under way at `now` or starting within `lead`."""
    return [(day, shift) for day, shift, start, end in shift_windows_near(now=now) if start - lead <= now < end]


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

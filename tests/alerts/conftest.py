"""Fixtures for alert tests: the small agency's grid, two crime types, a quiet forecast for every
shift of the last week, and incidents placed where a test puts them."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from agency.selectors import local_today, shift_windows_between
from forecasting.models import CellForecast, ForecastRun
from forecasting.services import build_grid
from geo.models import GridCell
from ingest.models import Incident, Source
from ingest.services.placement import place_all_incidents
from tests.missions.factories import CrimeTypeFactory

PER_CELL_PER_SHIFT = 0.002  # a district of 64 boxes expects about 2.7 a week per type


@pytest.fixture
def crime_types(db):
    return {
        "burglary": CrimeTypeFactory(code="burglary", name="Burglary"),
        "robbery": CrimeTypeFactory(code="robbery", name="Robbery"),
    }


@pytest.fixture
def world(small_agency, crime_types):
    """The agency with its grid and a complete, quiet forecast for each shift of the last 8 days
    and the one under way."""
    build_grid()
    cells = list(GridCell.objects.filter(active=True, district__isnull=False))
    now = timezone.now()
    today = local_today(now=now)
    rows = []
    for window in shift_windows_between(first=today - dt.timedelta(days=8), last=today):
        if window.starts_at > now:
            continue
        run = ForecastRun.objects.create(
            shift=window.shift,
            date=window.date,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            complete=True,
        )
        rows += [
            CellForecast(
                run=run, cell=c, crime_type=t, expected_count=PER_CELL_PER_SHIFT, reasons=[]
            )
            for c in cells
            for t in crime_types.values()
        ]
    CellForecast.objects.bulk_create(rows)
    return {"cells": cells, "now": now, "types": crime_types}


def add_incidents(crime_type, points_and_times) -> list[Incident]:
    """Incidents at (lon, lat, time), placed in their boxes by geo's placement."""
    source, _ = Source.objects.get_or_create(name="Test RMS")
    made = [
        Incident.objects.create(
            source=source,
            external_id=f"{crime_type.code}-{lon:.5f}-{lat:.5f}-{at.isoformat()}",
            occurred_from=at,
            location=Point(lon, lat, srid=4326),
            crime_type=crime_type,
            raw_code=crime_type.code,
        )
        for lon, lat, at in points_and_times
    ]
    place_all_incidents()
    return made


def spread_in_d1(n, *, now, hours_apart=5):
    """`n` points spread over district D1 (west half: lon -79.40 … -79.375), some hours apart."""
    return [
        (
            -79.398 + (i % 6) * 0.004,
            43.652 + (i // 6) * 0.006,
            now - dt.timedelta(hours=2 + i * hours_apart),
        )
        for i in range(n)
    ]

# ruff: noqa: F811 - the missions fixtures are imported to be reused, and named again as arguments
"""Fixtures for oversight tests: the missions tests' small agency, grid, crime types and forecasts,
and a planned shift with controls, visits and incidents placed in known boxes."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point

from ingest.models import Incident, Source
from ingest.services.placement import place_all_incidents
from missions import services
from missions.models import ControlBox, Mission, Visit
from tests.missions.conftest import crime_types, forecast, grid, now_window, policy  # noqa: F401


@pytest.fixture
def planned(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    return services.plan_missions(date=now_window.date, shift=now_window.shift)


@pytest.fixture
def place_incident(db):
    source = Source.objects.get_or_create(name="rms")[0]
    counter = iter(range(10_000))

    def make(cell, at, *, crime_type, officer_initiated=False):
        centre = cell.geom.centroid
        created = Incident.objects.create(
            source=source,
            external_id=str(next(counter)),
            occurred_from=at,
            crime_type=crime_type,
            location=Point(centre.x, centre.y, srid=4326),
            officer_initiated=officer_initiated,
        )
        place_all_incidents()
        return created

    return make


@pytest.fixture
def served(planned, now_window):
    """Visits measured from positions: the first mission 20 minutes, the second 10; the others
    none."""
    missions = list(Mission.objects.exclude(status="cancelled").order_by("pk"))
    start = now_window.starts_at
    for mission, minutes in zip(missions, (20, 10), strict=False):
        Visit.objects.create(
            mission=mission,
            started_at=start,
            ended_at=start + timedelta(minutes=minutes),
            start_method="geofence",
            last_position_at=start + timedelta(minutes=minutes),
            measured_seconds=minutes * 60,
        )
    return missions


@pytest.fixture
def flat_forecast(planned):
    """After planning, every box expected the same: one band of forecast risk, so the count of every
    mission and control box enters the rate ratio (with bands, a band holding only controls would be
    left out, and which band that is depends on the day the test runs)."""
    from forecasting.models import CellForecast

    CellForecast.objects.filter(run=planned.forecast_run).update(expected_count=0.2)
    return planned


@pytest.fixture
def control_box(planned):
    return ControlBox.objects.filter(plan=planned).select_related("cell").order_by("pk").first()

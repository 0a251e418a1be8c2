"""Patrol visits and planned events from the database reach the engine as exposure and event load."""

import datetime as dt

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from agency.models import District, Shift
from forecasting.inputs import load_inputs
from geo.models import GridCell
from ingest.models import CalendarEvent
from missions.models import Mission, Visit

pytestmark = pytest.mark.django_db


def test_visits_and_events_become_exposure_and_event_features(city):
    now = timezone.now()
    today = now.astimezone(city.tz).date()
    cell = GridCell.objects.filter(active=True, beat__isnull=False).first()
    shift = Shift.objects.first()
    mission = Mission.objects.create(
        date=today,
        shift=shift,
        starts_at=now - dt.timedelta(hours=3),
        ends_at=now + dt.timedelta(hours=5),
        cell=cell,
        beat=cell.beat,
    )
    Visit.objects.create(
        mission=mission,
        started_at=now - dt.timedelta(hours=2, minutes=20),
        ended_at=now - dt.timedelta(hours=2),
        start_method="geofence",
    )
    # Events inside one shift (an hour after a shift starts), so each lands in one shift bin whatever
    # the time of day the test runs at (an event across a shift change counts in both shifts).
    in_shift = dt.datetime.combine(today, shift.start_time, tzinfo=city.tz) + dt.timedelta(hours=1)
    CalendarEvent.objects.create(
        name="Derby",
        starts_at=in_shift - dt.timedelta(days=1),
        ends_at=in_shift - dt.timedelta(days=1) + dt.timedelta(hours=3),
        location=Point(-79.38, 43.659, srid=4326),
        expected_attendance=5000,
    )
    CalendarEvent.objects.create(
        name="Parade",
        starts_at=in_shift - dt.timedelta(days=2),
        ends_at=in_shift - dt.timedelta(days=2) + dt.timedelta(hours=2),
        district=District.objects.get(code="D2"),
        expected_attendance=800,
    )

    inputs = load_inputs(anchor=today, end=today + dt.timedelta(days=1), days=60)
    exposure, event_load = inputs.ctx.exposure, inputs.ctx.event_load
    position = int(np.flatnonzero(inputs.cell_pks == cell.pk)[0])
    assert exposure.sum() == pytest.approx(20, abs=1e-3)
    assert exposure[position].sum() == pytest.approx(20, abs=1e-3)
    assert event_load.sum() == pytest.approx(5000 + 800, rel=1e-4)
    d2 = inputs.grid.district_names.index("D2")
    parade_cells = inputs.grid.district == d2
    assert event_load[~parade_cells].sum() == pytest.approx(5000, rel=1e-4)  # the derby is in D1


def test_without_missions_or_events_the_arrays_are_zero(city):
    today = timezone.now().astimezone(city.tz).date()
    inputs = load_inputs(anchor=today, end=today + dt.timedelta(days=1), days=30)
    assert inputs.ctx.exposure.shape == inputs.ctx.event_load.shape
    assert not inputs.ctx.exposure.any() and not inputs.ctx.event_load.any()

"""One shift window everywhere (ADR 0007): an agency of overlapping 10-hour shifts, read from the
database into the forecasting engine's time bins, across both DST changes of 2021 in Toronto."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.contrib.gis.geos import Point

from agency.models import Shift
from agency.shift_windows import ShiftWindow
from forecasting.inputs import load_inputs
from ingest.models import Incident, Source
from ingest.services.placement import place_all_incidents

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
HOT_SPOT = Point(-79.395, 43.655, srid=4326)


@pytest.fixture
def ten_hour_agency(small_agency, crime_types):
    """Day 06:00, Evening 14:00, Night 22:00, each 10 h: two hours of overlap at every change."""
    from forecasting.services import build_grid

    Shift.objects.update(duration_minutes=600)
    build_grid()
    return small_agency


def incident(crime_types, when: dt.datetime) -> Incident:
    source, _ = Source.objects.get_or_create(name="Test RMS")
    created = Incident.objects.create(
        source=source,
        external_id=when.isoformat(),
        occurred_from=when,
        location=HOT_SPOT,
        crime_type=crime_types["assault"],
        raw_code="assault",
    )
    place_all_incidents()
    return created


def targets(inputs, day, name):
    """Assaults counted in the target of shift `name` starting on local `day`, over all cells."""
    b = inputs.bin_of(day, Shift.objects.get(name=name))
    return float(inputs.ctx.history.observed("assault", np.array([b])).sum())


@pytest.mark.parametrize(
    ("anchor", "night", "night_hours"),
    [
        (dt.date(2021, 3, 16), dt.date(2021, 3, 13), 9),  # spring forward: 22:00 EST to 08:00 EDT
        (dt.date(2021, 11, 9), dt.date(2021, 11, 6), 11),  # fall back: 22:00 EDT to 08:00 EST
    ],
)
def test_engine_bins_are_the_shifts_windows_and_overlaps_count_in_both(
    ten_hour_agency, crime_types, anchor, night, night_hours
):
    next_morning = night + dt.timedelta(days=1)
    incident(crime_types, dt.datetime.combine(night, dt.time(15, 10), TORONTO))  # Day and Evening
    incident(crime_types, dt.datetime.combine(night, dt.time(11, 10), TORONTO))  # Day only
    incident(
        crime_types, dt.datetime.combine(next_morning, dt.time(7, 20), TORONTO)
    )  # Night and next Day

    inputs = load_inputs(anchor=anchor, end=anchor, days=7)
    bins = inputs.ctx.history.bins
    for row in bins.itertuples():  # the model's window and the engine's bin are one definition
        window = ShiftWindow.of(inputs.shifts[row.shift_index], row.date, TORONTO)
        assert (window.starts_at, window.ends_at) == (row.start, row.end)
    hours = (bins["end"] - bins["start"]).dt.total_seconds() / 3600
    assert sorted(set(hours)) == sorted({10.0, float(night_hours)})
    night_bin = inputs.bin_of(night, Shift.objects.get(name="Night"))
    assert hours[night_bin] == night_hours

    assert targets(inputs, night, "Day") == 2
    assert targets(inputs, night, "Evening") == 1
    assert targets(inputs, night, "Night") == 1
    assert targets(inputs, next_morning, "Day") == 1
    assert targets(inputs, next_morning, "Evening") == 0
    assert inputs.ctx.history.observed("assault", np.arange(len(bins))).sum() == 5

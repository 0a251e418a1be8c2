"""The feedback guard reads measured minutes: the planner's dosage memory and the forecast's
patrol-exposure feature take patrol.BoxExposure (positions → measure_exposure) for shifts that have
it, and mission visits only for shifts without any measured exposure (never both for one shift)."""

from datetime import date, timedelta

import numpy as np
import pytest

from agency.models import MissionPolicy, Shift
from agency.selectors import shift_window
from forecasting.engine.shifts import shift_windows
from forecasting.inputs import load_grid, load_patrol_minutes
from missions.models import Visit
from missions.services import planning
from patrol import services
from patrol.models import Unit
from tests.missions.factories import MissionFactory
from tests.patrol.test_avl import grid  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 1)


def park(unit: str, cell, start, minutes: int, step_s: int = 20) -> list[dict]:
    return [
        {
            "unit": unit,
            "at": (start + timedelta(seconds=s)).isoformat(),
            "latitude": cell.center.y,
            "longitude": cell.center.x,
        }
        for s in range(0, minutes * 60 + 1, step_s)
    ]


def visit(cell, day, shift, minutes: float, *, offset_min: int = 60) -> Visit:
    mission = MissionFactory(cell=cell, date=day, shift=shift, dose_minutes=15)
    start = mission.starts_at + timedelta(minutes=offset_min)
    return Visit.objects.create(
        mission=mission,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        start_method="geofence",
        last_position_at=start + timedelta(minutes=minutes),
        measured_seconds=minutes * 60,
    )


@pytest.fixture
def measured(grid, admin_user):  # noqa: F811
    """Day shift of DAY measured by AVL: unit 1A10 30 minutes in box A; a mission visit of 10
    minutes in box A in that shift too (the same patrol seen twice). The Evening shift has no AVL:
    a visit of 15 minutes in box B."""
    day, evening = Shift.objects.get(name="Day"), Shift.objects.get(name="Evening")
    a, b = grid[2], grid[5]
    Unit.objects.create(call_sign="1A10")
    start = shift_window(date=DAY, shift=day).starts_at + timedelta(hours=1)
    services.receive_positions(records=park("1A10", a, start, 30), actor=admin_user)
    assert services.measure_exposure(day=DAY, shift=day) == 1
    visit(a, DAY, day, 10)
    visit(b, DAY, evening, 15)
    return {"a": a, "b": b, "day": day, "evening": evening}


def test_the_dosage_memory_reads_measured_minutes_and_falls_back_to_visits(measured):
    policy = MissionPolicy.current()
    policy.dosage_memory_days = 2
    night = Shift.objects.get(name="Night")
    starts_at = shift_window(date=DAY, shift=night).starts_at
    grid = planning._PlanningGrid.load()
    dose = planning._recent_dose(grid, policy, starts_at)
    a, b = grid.index[measured["a"].pk], grid.index[measured["b"].pk]
    assert dose[a] == pytest.approx(30, abs=0.5)  # measured; the 10-minute visit not added
    assert dose[b] == pytest.approx(15)  # no AVL in the evening: the visit counts
    assert dose.sum() == pytest.approx(45, abs=0.5)


def test_the_dosage_memory_forgets_shifts_before_its_window(measured):
    policy = MissionPolicy.current()
    policy.dosage_memory_days = 1
    starts_at = shift_window(date=DAY + timedelta(days=1), shift=measured["evening"]).starts_at
    grid = planning._PlanningGrid.load()
    dose = planning._recent_dose(grid, policy, starts_at)
    # The Day shift of DAY started 32 h before: out; DAY's Evening started 24 h before: in.
    assert dose[grid.index[measured["a"].pk]] == 0
    assert dose[grid.index[measured["b"].pk]] == pytest.approx(15)


def test_the_forecast_exposure_feature_reads_measured_minutes(measured):
    grid, cell_pks = load_grid()
    shifts = list(Shift.objects.order_by("start_time", "pk"))
    bins = shift_windows(DAY - timedelta(days=1), DAY + timedelta(days=2),
                         [s.shift_time for s in shifts], "America/Toronto")  # fmt: skip
    minutes = load_patrol_minutes(grid, cell_pks, bins, [s.pk for s in shifts])
    position = {int(pk): i for i, pk in enumerate(cell_pks)}
    a, b = position[measured["a"].pk], position[measured["b"].pk]

    def bin_of(shift):
        index = [s.pk for s in shifts].index(shift.pk)
        return int(np.flatnonzero((bins["date"] == DAY) & (bins["shift_index"] == index))[0])

    day_bin, evening_bin = bin_of(measured["day"]), bin_of(measured["evening"])
    assert minutes[a, day_bin] == pytest.approx(30, abs=0.5)  # not 40: the visit is not added
    assert minutes[b, evening_bin] == pytest.approx(15)  # fallback to the visit
    assert minutes.sum() == pytest.approx(45, abs=0.5)

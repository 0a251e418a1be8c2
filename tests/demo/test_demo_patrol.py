# ruff: noqa: F811 - fixtures imported to be reused, and named again as arguments
"""The demo's patrol units: a roster per shift and AVL positions through the write path, measured
into minutes per box — non-zero exposure, some of it in mission boxes, none at the station — and
the three reports render with those figures."""

from datetime import timedelta

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone

from agency.selectors import shift_windows_before
from demo import patrol
from missions import services as mission_services
from missions.models import Mission
from oversight import patrol_reports
from patrol.models import BoxExposure, ExcludedArea, Position, RosterEntry, Unit
from tests.missions.conftest import crime_types, forecast, grid, policy  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # about 11,000 fixes through the write path


@pytest.fixture
def seeded(forecast, policy, admin_user):
    now = timezone.now()
    windows = [w for w in shift_windows_before(at=now, count=3) if w.ends_at <= now]
    for w in windows:
        forecast(w.date, w.shift)
        mission_services.plan_missions(date=w.date, shift=w.shift)
    counts = patrol.seed_patrol(days=1, now=now)
    return windows, counts


def test_seeded_units_produce_exposure_in_mission_boxes_and_none_at_the_station(seeded):
    windows, counts = seeded
    assert counts["units"] == Unit.objects.count() == 4  # one per beat of the small agency
    assert counts["positions"] == Position.objects.count() > 1000
    assert RosterEntry.objects.filter(date=windows[0].date, shift=windows[0].shift).count() == 4
    assert Position.objects.filter(in_excluded_area=True).exists()  # parked at the station
    assert ExcludedArea.objects.count() == 2
    total = sum(BoxExposure.objects.values_list("minutes", flat=True))
    assert total > 60
    w = windows[0]
    mission_cells = set(
        Mission.objects.not_cancelled()
        .filter(date=w.date, shift=w.shift)
        .values_list("cell_id", flat=True)
    )
    in_missions = sum(
        BoxExposure.objects.filter(date=w.date, shift=w.shift, cell__in=mission_cells).values_list(
            "minutes", flat=True
        )
    )
    assert in_missions > 0
    # A unit's shift is 480 minutes; the station's time is not in it, so it measures less.
    per_unit = BoxExposure.objects.filter(date=w.date, shift=w.shift).values_list("unit", "minutes")
    by_unit = {}
    for unit, minutes in per_unit:
        by_unit[unit] = by_unit.get(unit, 0) + minutes
    assert max(by_unit.values()) < 480 - 15


def test_the_reports_render_with_the_demo_figures(seeded, client, supervisor):
    windows, _ = seeded
    first, last = min(w.date for w in windows), max(w.date for w in windows)
    dosage = patrol_reports.dosage_report(date_from=first, date_to=last)
    assert dosage["measured"] > 0 and dosage["planned"] > 0
    units = patrol_reports.unit_report(date_from=first, date_to=last)
    assert units["mission_minutes"] > 0 and all(r["all_minutes"] > 0 for r in units["units"])
    crime = patrol_reports.crime_and_dosage(date_from=first, date_to=last)
    assert crime["dosed"] > 0 and crime["comparable"] > 0
    client.force_login(supervisor)
    query = {"date_from": first.isoformat(), "date_to": (last + timedelta(days=0)).isoformat()}
    for name in ("oversight-dosage", "oversight-units", "oversight-crime-dosage"):
        html = client.get(reverse(name), query).content.decode()
        assert "<svg" in html, name
    html = client.get(reverse("oversight-units"), query).content.decode()
    shown = floatformat(units["mission_minutes"], "0g")  # whole minutes, as the page writes them
    assert f'<span id="mission-minutes">{shown}</span>' in html

# ruff: noqa: F811 - fixtures imported to be reused, and named again as arguments
"""The evaluation reports every incident of its mission and control box-shifts, as the mission
report does, whatever band of forecast risk the box falls in (a band without a mission box used to
drop its controls' incidents from the count: which band that is depends on the plan's random
controls, so tests/oversight/test_stats.py holds that case fixed)."""

from datetime import timedelta

import pytest

from missions import reports
from missions.models import ControlBox, Mission
from oversight import evaluation
from tests.missions.conftest import crime_types  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_incident_in_every_mission_and_control_box_is_counted_as_the_report_counts_it(
    planned, now_window, crime_types, place_incident
):
    burglary, _ = crime_types
    controls = list(ControlBox.objects.filter(plan=planned).select_related("cell"))
    missions = list(Mission.objects.filter(plan=planned).exclude(status="cancelled"))
    at = now_window.starts_at + timedelta(minutes=10)
    for box in [c.cell for c in controls] + [
        m.cell for m in {m.cell_id: m for m in missions}.values()
    ]:
        place_incident(box, at, crime_type=burglary)
    day = now_window.date

    during = evaluation.mission_evaluation(date_from=day, date_to=day)["types"][0]["during"]
    report = reports.outcomes(date_from=day, date_to=day)["groups"]
    assert during["control_incidents"] == len(controls) == report["control"]["incidents"]
    assert during["mission_incidents"] == len({m.cell_id for m in missions})
    assert during["mission_incidents"] == report["mission"]["incidents"]

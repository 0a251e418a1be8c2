# ruff: noqa: F811 - fixtures imported to be reused, and named again as arguments
"""The dosage, unit and crime-and-dosage reports against hand-made tracks with known answers:
positions → patrol.services.measure_exposure → report numbers (page, CSV); who may open them."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from agency.models import District
from missions.models import ControlBox, Mission
from oversight import patrol_reports
from patrol import services as patrol_services
from patrol.models import RosterEntry, Unit
from tests.missions.conftest import crime_types, forecast, grid, policy  # noqa: F401
from tests.oversight.conftest import place_incident  # noqa: F401
from tests.oversight.test_measured_patrol import drive, past_plan, past_window  # noqa: F401

pytestmark = pytest.mark.django_db
REPORTS = (
    "oversight-dosage",
    "oversight-dosage-csv",
    "oversight-units",
    "oversight-units-csv",
    "oversight-crime-dosage",
    "oversight-crime-dosage-csv",
)


@pytest.fixture
def tracks(past_plan, past_window, admin_user, place_incident, crime_types):
    """1A10 spends 20 min in mission box M; 1A11 (rostered on M's beat) 10 min in M, then 15 min in
    a box that is neither mission nor control (O). One incident in M during the shift. M is
    completed."""
    missions = list(Mission.objects.filter(plan=past_plan).exclude(status="cancelled"))
    m = missions[0]
    planned = set(Mission.objects.filter(plan=past_plan).values_list("cell_id", flat=True))
    planned |= set(ControlBox.objects.filter(plan=past_plan).values_list("cell_id", flat=True))
    other = next(c for c in grid_cells() if c.pk not in planned)
    west = District.objects.get(code="D1")
    Unit.objects.create(call_sign="1A10", district=west)
    u11 = Unit.objects.create(call_sign="1A11", district=west)
    RosterEntry.objects.create(
        unit=u11, date=past_window.date, shift=past_window.shift, beat=m.beat
    )
    t0 = past_window.starts_at + timedelta(minutes=30)
    records = (
        drive("1A10", m.cell, t0, 20)
        + drive("1A11", m.cell, t0, 10)
        + drive("1A11", other, t0 + timedelta(minutes=20), 15)
    )
    result = patrol_services.receive_positions(records=records, actor=admin_user)
    assert result.stored == len(records)
    patrol_services.measure_exposure(day=past_window.date, shift=past_window.shift)
    place_incident(m.cell, t0 + timedelta(minutes=5), crime_type=crime_types[0])
    Mission.objects.filter(pk=m.pk).update(status=Mission.Status.COMPLETED)  # test data
    on_beat = sum(1 for x in missions if x.beat_id == m.beat_id)
    return {"mission": m, "other": other, "missions": missions, "on_beat": on_beat}


def grid_cells():
    from geo.models import GridCell

    return GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk")


def test_dosage_report_totals_match_the_tracks(tracks, past_window):
    day = past_window.date
    report = patrol_reports.dosage_report(date_from=day, date_to=day)
    m = tracks["mission"]
    planned = sum(x.dose_minutes for x in tracks["missions"])
    assert report["missions"] == len(tracks["missions"])
    assert report["planned"] == pytest.approx(planned)
    assert report["measured"] == pytest.approx(30, abs=0.5)  # 20 + 10 in M; O is no mission box
    units = {r["name"]: r for r in report["unit"]}
    assert units["1A10"]["measured"] == pytest.approx(20, abs=0.5)
    assert units["1A11"]["measured"] == pytest.approx(10, abs=0.5)
    assert units["1A10"]["planned"] == pytest.approx(m.dose_minutes * 2 / 3, abs=0.2)
    assert units["(no unit)"]["missions"] == len(tracks["missions"]) - 1
    beats = {r["name"]: r for r in report["beat"]}
    assert beats[m.beat.code]["measured"] == pytest.approx(30, abs=0.5)
    assert sum(r["planned"] for r in report["shift"]) == pytest.approx(planned)


def test_unit_report_totals_match_the_tracks(tracks, past_window):
    day = past_window.date
    report = patrol_reports.unit_report(date_from=day, date_to=day)
    units = {r["unit"]: r for r in report["units"]}
    assert units["1A10"]["mission_minutes"] == pytest.approx(20, abs=0.5)
    assert units["1A10"]["all_minutes"] == pytest.approx(20, abs=0.5)
    assert units["1A11"]["mission_minutes"] == pytest.approx(10, abs=0.5)
    assert units["1A11"]["all_minutes"] == pytest.approx(25, abs=0.5)
    assert units["1A10"]["missions"] == 1 and units["1A10"]["completed"] == 1  # entered M
    assert units["1A11"]["missions"] == tracks["on_beat"]  # rostered on M's beat
    assert units["1A11"]["completed"] == 1 and units["1A11"]["district"] == "West"


def test_crime_and_dosage_counts_the_incident_in_the_dosed_box(tracks, past_window):
    day = past_window.date
    report = patrol_reports.crime_and_dosage(date_from=day, date_to=day)
    assert report["dosed"] == 2  # M (30 min) and O (15 min)
    assert report["dosed_incidents"] == 1
    assert report["comparable"] == 2 and report["comparable_incidents"] == 0
    assert report["dosed_rate"] == 50.0
    (week,) = report["weeks"]
    assert week["dosed_minutes"] == pytest.approx(45, abs=0.5)
    # A higher threshold leaves O out: the dose rule decides, not any minute.
    assert (
        patrol_reports.crime_and_dosage(date_from=day, date_to=day, dosed_minutes=20)["dosed"] == 1
    )


def test_without_a_forecast_the_prior_incidents_choose_the_comparable_boxes(
    tracks, past_window, place_incident, crime_types
):
    from forecasting.models import ForecastRun

    ForecastRun.objects.all().delete()
    day = past_window.date
    # Two incidents in the 28 days before in each dosed box (M, O) and in the last undosed box:
    # only its history makes it the closest in risk (all others 0, and ties go to the first boxes).
    before = past_window.starts_at - timedelta(days=3)
    quiet = grid_cells().exclude(pk__in=[tracks["mission"].cell_id, tracks["other"].pk]).last()
    for cell in (tracks["mission"].cell, tracks["other"], quiet):
        for _ in range(2):
            place_incident(cell, before, crime_type=crime_types[0])
    place_incident(quiet, past_window.starts_at + timedelta(minutes=50), crime_type=crime_types[1])
    report = patrol_reports.crime_and_dosage(date_from=day, date_to=day)
    assert report["dosed"] == 2 and report["comparable"] == 2
    assert report["comparable_incidents"] == 1  # the quiet box was picked


@pytest.mark.parametrize("name", REPORTS)
def test_reports_are_refused_to_officers_and_open_to_supervisors(
    client, officer, supervisor, analyst, small_agency, name
):
    url = reverse(name)
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(officer)
    assert client.get(url).status_code == 403
    for allowed in (supervisor, analyst):
        client.force_login(allowed)
        assert client.get(url).status_code == 200


def test_pages_and_csvs_show_the_figures(client, supervisor, tracks, past_window):
    client.force_login(supervisor)
    day = past_window.date.isoformat()
    query = {"date_from": day, "date_to": day}
    html = client.get(reverse("oversight-dosage"), query).content.decode()
    assert '<span id="measured-total">30</span>' in html and "<svg" in html  # whole minutes
    html = client.get(reverse("oversight-units"), query).content.decode()
    assert '<span id="all-minutes">45</span>' in html and "1A11" in html and "<svg" in html
    html = client.get(reverse("oversight-crime-dosage"), query).content.decode()
    assert '<span id="dosed-incidents">1</span>' in html and "<svg" in html

    def rows(name):
        response = client.get(reverse(name), query)
        assert response["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    units = {r[0]: r for r in rows("oversight-units-csv")[1:]}
    assert float(units["1A11"][4]) == pytest.approx(25, abs=0.5)
    dosage = rows("oversight-dosage-csv")
    assert sum(float(r[4]) for r in dosage[1:] if r[0] == "beat") == pytest.approx(30, abs=0.5)
    weekly = rows("oversight-crime-dosage-csv")
    assert weekly[0][0] == "week_start" and weekly[1][3] == "1"

"""Concentration, exposure, capture and evaluation reads on a planned shift with known visits and
incidents: the figures match what was put in by hand."""

from datetime import timedelta

import numpy as np
import pytest

from geo.models import GridCell
from missions.models import ControlBox, Mission
from oversight import evaluation, selectors, stats

pytestmark = pytest.mark.django_db


def test_exposure_per_district_adds_up_the_minutes_served(
    served, now_window, place_incident, crime_types
):
    first, second = served[0], served[1]
    burglary = crime_types[0]
    at = now_window.starts_at + timedelta(minutes=5)
    place_incident(first.cell, at, crime_type=burglary)
    place_incident(first.cell, at, crime_type=burglary, officer_initiated=True)  # left out
    day = now_window.date
    report = selectors.concentration_report(date_from=day, date_to=day)
    districts = {r["name"]: r for r in report["districts"]}
    expected = {"D1": 0.0, "D2": 0.0}
    for mission, minutes in ((first, 20), (second, 10)):
        expected[mission.beat.district.code] += minutes
    assert {k: v["minutes"] for k, v in districts.items()} == pytest.approx(expected)
    assert (
        sum(r["missions"] for r in report["districts"])
        == Mission.objects.exclude(status="cancelled").count()
    )
    assert report["incidents"] == 1
    assert districts[first.beat.district.code]["crime_share"] == 1.0
    boxes = GridCell.objects.filter(active=True, beat__isnull=False).count()
    assert sum(r["boxes"] for r in report["beats"]) == boxes == report["boxes"]
    assert sum(r["area_share"] for r in report["districts"]) == pytest.approx(1.0)
    assert report["has_population"] is False


def test_concentration_figures_match_the_statistics_on_the_same_boxes(served, now_window):
    day = now_window.date
    c = selectors.concentration_report(date_from=day, date_to=day)["concentration"]
    boxes = GridCell.objects.filter(active=True, beat__isnull=False).count()
    minutes = np.zeros(boxes)
    minutes[:2] = (20, 10)
    missions = np.zeros(boxes)
    missions[: Mission.objects.exclude(status="cancelled").count()] = 1
    assert c["gini_minutes"] == pytest.approx(round(stats.gini(minutes), 3))
    assert c["gini_missions"] == pytest.approx(round(stats.gini(missions), 3))
    assert c["longest_streak_shifts"] == 1
    assert c["full_weeks"] == 0 and c["boxes_every_week"] == 0


def test_population_layer_gives_residents_per_district(served, now_window):
    from ingest.models import RiskLayer, RiskLayerPoint

    layer = RiskLayer.objects.create(name="population")
    cell = served[0].cell
    RiskLayerPoint.objects.create(layer=layer, name="1,500", location=cell.geom.centroid)
    RiskLayerPoint.objects.create(layer=layer, name="not a number", location=cell.geom.centroid)
    day = now_window.date
    report = selectors.concentration_report(date_from=day, date_to=day)
    row = {r["name"]: r for r in report["districts"]}[cell.district.code]
    assert report["has_population"] and row["residents"] == 1500
    assert row["minutes_per_1000_residents"] == pytest.approx(1000 * row["minutes"] / 1500)


def test_forecast_capture_counts_incidents_in_the_top_boxes(
    planned, now_window, place_incident, crime_types
):
    from django.db.models import Sum

    from forecasting.models import CellForecast

    totals = (
        CellForecast.objects.filter(run=planned.forecast_run)
        .values("cell_id")
        .annotate(t=Sum("expected_count"))
        .order_by("-t", "cell_id")
    )
    top, bottom = (
        GridCell.objects.get(pk=totals[0]["cell_id"]),
        GridCell.objects.get(pk=totals.last()["cell_id"]),
    )
    at = now_window.starts_at + timedelta(minutes=1)
    place_incident(top, at, crime_type=crime_types[0])
    place_incident(bottom, at, crime_type=crime_types[1])
    capture = selectors.forecast_capture(date_from=now_window.date, date_to=now_window.date)
    assert capture["shifts"] == 1 and capture["overall"] == 0.5
    assert capture["districts"][top.district.code]["captured"] >= 1


def test_evaluation_counts_mission_and_control_incidents_per_window(
    served, control_box, flat_forecast, now_window, place_incident, crime_types
):
    burglary, robbery = crime_types
    mission = served[0]
    start, end = now_window.starts_at, now_window.ends_at
    place_incident(mission.cell, start + timedelta(minutes=30), crime_type=burglary)
    place_incident(control_box.cell, start + timedelta(minutes=40), crime_type=robbery)
    place_incident(control_box.cell, start + timedelta(minutes=50), crime_type=robbery)
    place_incident(
        control_box.cell, start + timedelta(minutes=55), crime_type=robbery, officer_initiated=True
    )
    place_incident(mission.cell, end + timedelta(hours=2), crime_type=burglary)  # after the shift
    result = evaluation.mission_evaluation(
        date_from=now_window.date, date_to=now_window.date, hours_after=4
    )
    assert result["control_box_shifts"] == ControlBox.objects.count()
    by_type = {t["code"]: t for t in result["types"]}
    assert (
        by_type["all"]["during"]["mission_incidents"],
        by_type["all"]["during"]["control_incidents"],
    ) == (1, 2)
    assert by_type["robbery"]["during"]["control_incidents"] == 2
    assert by_type["all"]["after"]["mission_incidents"] == 1
    assert by_type["all"]["during"]["verdict"] == "not enough data yet"
    assert "cannot tell yet" in result["summary"]
    assert (
        len(result["power"]) == 3 and "control box-shifts a week" in result["power"][0]["sentence"]
    )


def test_evaluation_without_controls_says_there_is_nothing_to_compare(forecast, policy, now_window):
    from missions import services

    policy.control_share = 0.0
    policy.save()
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    result = evaluation.mission_evaluation(date_from=now_window.date, date_to=now_window.date)
    assert result["types"] == [] and result["summary"].startswith("No control boxes")

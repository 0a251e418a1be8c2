"""Tactic conditions: a tactic that needs a risk-layer point within N m (transit stops) or a recent
incident of a crime type in the box (a break-in) is suggested only for boxes that meet them."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from ingest.models import Incident, RiskLayer, RiskLayerPoint, Source
from ingest.services.placement import place_all_incidents
from missions.models import Mission
from tactics.models import Tactic
from tactics.selectors import suggested_tactics
from tests.conftest import error_fields
from tests.missions.factories import MissionFactory, TacticFactory

pytestmark = pytest.mark.django_db

WALK = "Transit platform walk-through"
KNOCK = "Door-knock after a break-in"


@pytest.fixture
def two_boxes(grid, now_window):
    """Missions (robbery and burglary driven) in two boxes at opposite ends of the grid."""
    near, far = grid[0], grid[-1]
    drivers = [{"crime_type": "robbery", "share": 0.6}, {"crime_type": "burglary", "share": 0.4}]
    return [
        MissionFactory(cell=cell, shift=now_window.shift, date=now_window.date, drivers=drivers)
        for cell in (near, far)
    ]


@pytest.fixture
def transit(two_boxes):
    """A transit stop 30 m outside the first box's west edge."""
    layer = RiskLayer.objects.create(name="transit_stops")
    west, south, _, north = two_boxes[0].cell.geom.extent
    RiskLayerPoint.objects.create(
        layer=layer,
        name="Queen & Bay",
        location=Point(west - 0.0004, (south + north) / 2, srid=4326),
    )
    return layer


def names(mission):
    mission = Mission.objects.select_related("cell").get(pk=mission.pk)
    return [t.name for t in suggested_tactics([mission])[mission.pk]]


def test_a_transit_tactic_is_offered_only_near_a_transit_stop(two_boxes, transit, crime_types):
    TacticFactory(name=WALK, crime_types=[crime_types[1]], near_layer=transit, near_metres=100)
    near, far = two_boxes
    assert WALK in names(near)
    assert WALK not in names(far)


def test_the_distance_counts(two_boxes, transit, crime_types):
    # The same stop, 30 m away, is not within 10 m: the distance is measured, not just the layer.
    TacticFactory(name=WALK, crime_types=[crime_types[1]], near_layer=transit, near_metres=10)
    assert WALK not in names(two_boxes[0])


def test_a_tactic_without_conditions_is_offered_everywhere(two_boxes, transit, crime_types):
    # The control: the same tactic with no condition suits both boxes.
    TacticFactory(name=WALK, crime_types=[crime_types[1]])
    assert all(WALK in names(m) for m in two_boxes)


def test_a_door_knock_needs_a_recent_break_in_in_the_box(two_boxes, crime_types, now_window):
    burglary = crime_types[0]
    TacticFactory(name=KNOCK, crime_types=[burglary], recent_crime_type=burglary, recent_days=14)
    near, far = two_boxes
    source = Source.objects.create(name="RMS")
    centre = far.cell.center
    Incident.objects.create(
        source=source,
        external_id="recent",
        crime_type=burglary,
        location=centre,
        occurred_from=now_window.starts_at - timedelta(days=3),
    )
    Incident.objects.create(
        source=source,
        external_id="old",
        crime_type=burglary,
        location=near.cell.center,
        occurred_from=now_window.starts_at - timedelta(days=30),
    )
    place_all_incidents()
    assert KNOCK in names(far)
    assert KNOCK not in names(near)  # its break-in is 30 days old


def test_conditions_cost_one_query_per_conditional_tactic(
    two_boxes, transit, crime_types, django_assert_max_num_queries
):
    TacticFactory(name=WALK, crime_types=[crime_types[1]], near_layer=transit, near_metres=100)
    missions = list(Mission.objects.select_related("cell"))
    with django_assert_max_num_queries(3):
        suggested_tactics(missions)


def test_a_condition_needs_both_parts(crime_types, api, analyst, transit):
    url = reverse("tactic-list")
    body = {
        "name": WALK,
        "description": "Walk the platforms.",
        "crime_types": ["robbery"],
        "near_layer": "transit_stops",
    }
    response = api(analyst).post(url, body, format="json")
    assert response.status_code == 400 and "near_metres" in error_fields(response)
    response = api(analyst).post(url, {**body, "near_metres": 150}, format="json")
    assert response.status_code == 201
    tactic = Tactic.objects.get(name=WALK)
    assert tactic.near_layer == transit and tactic.conditions_text == "transit_stops within 150 m"


def test_the_tactics_page_and_admin_show_conditions(client, role_user, transit, crime_types):
    TacticFactory(name=WALK, crime_types=[crime_types[1]], near_layer=transit, near_metres=150)
    client.force_login(role_user("Administrator", username="chief"))
    assert "transit_stops within 150 m" in client.get(reverse("tactics-page")).content.decode()
    assert (
        "transit_stops within 150 m"
        in client.get(reverse("admin:tactics_tactic_changelist")).content.decode()
    )

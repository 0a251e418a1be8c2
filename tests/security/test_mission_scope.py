"""Object scope of missions: an officer reaches only his beat's missions of the shift under way and
never another officer's active one; he gets the officer's view, never the analyst's fields;
supervisors are held to their districts when the agency says so. Each refusal has its control."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agency.models import Agency, Beat, District
from missions.models import Mission
from tests.missions.factories import OfficerProfileFactory, serve_dose

pytestmark = pytest.mark.django_db

ANALYST_FIELDS = {
    "score",
    "raw_score",
    "draw",
    "seed_hex",
    "model_versions",
    "probability",
    "plan",
    "forced",
}
MANUAL = {"reason": "GPS not available"}


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def shift_mission(world, beat_code: str) -> Mission:
    return (
        Mission.objects.filter(
            beat__code=beat_code, date=world.window.date, shift=world.window.shift
        )
        .exclude(status=Mission.Status.CANCELLED)
        .order_by("rank")
        .first()
    )


@pytest.fixture
def officers(world, role_user):
    """Two officers of beat D1-B1 (the world's and a colleague) and one of the other district (D2-B1)."""
    colleague = role_user("Officer", username="colleague")
    OfficerProfileFactory(user=colleague, home_beat=Beat.objects.get(code="D1-B1"))
    east = role_user("Officer", username="east")
    OfficerProfileFactory(user=east, home_beat=Beat.objects.get(code="D2-B1"))
    return world.users["Officer"], colleague, east


def test_an_officer_of_another_district_cannot_read_or_start_the_mission(world, officers):
    own, _, east = officers
    mission = world.objects["mission"]
    refused = client_for(east).post(
        reverse("api-mission-start", args=[mission.pk]), MANUAL, format="json"
    )
    assert (
        refused.status_code == 403
        and refused.json()["detail"] == "This mission is not in your beat."
    )
    assert client_for(east).get(reverse("api-mission", args=[mission.pk])).status_code == 403
    assert mission.pk not in {
        f["id"] for f in client_for(east).get(reverse("api-officer-missions")).json()["features"]
    }
    mission.refresh_from_db()
    assert mission.status == Mission.Status.PLANNED and not mission.visits.exists()
    # control: the officer of the beat starts it, and it is in his list
    assert mission.pk in {
        f["id"] for f in client_for(own).get(reverse("api-officer-missions")).json()["features"]
    }
    started = client_for(own).post(
        reverse("api-mission-start", args=[mission.pk]), MANUAL, format="json"
    )
    assert started.status_code == 201 and started.json()["properties"]["status"] == "active"


def test_the_east_officer_acts_on_his_own_beat(world, officers):
    _, _, east = officers
    mission = shift_mission(world, "D2-B1")
    response = client_for(east).post(
        reverse("api-mission-start", args=[mission.pk]), MANUAL, format="json"
    )
    assert response.status_code == 201


def test_another_officers_active_mission_is_refused_and_his_own_succeeds(
    world, officers, tactics_in_world
):
    own, colleague, _ = officers
    mission = world.objects["mission"]
    assert (
        client_for(own)
        .post(reverse("api-mission-start", args=[mission.pk]), MANUAL, format="json")
        .status_code
        == 201
    )
    start = client_for(colleague).post(
        reverse("api-mission-start", args=[mission.pk]), MANUAL, format="json"
    )
    assert (
        start.status_code == 403
        and "Another officer is in this mission's box" in start.json()["detail"]
    )
    complete = client_for(colleague).post(
        reverse("api-mission-complete", args=[mission.pk]), {}, format="json"
    )
    assert (
        complete.status_code == 403
        and "another officer's active mission" in complete.json()["detail"]
    )
    now = max(
        world.window.starts_at, timezone.now() - timedelta(minutes=10)
    )  # a visit inside the shift
    report = client_for(colleague).post(
        reverse("api-mission-report", args=[mission.pk]),
        {
            "visits": [
                {
                    "started_at": now.isoformat(),
                    "ended_at": (now + timedelta(minutes=2)).isoformat(),
                }
            ],
            "offline_since": now.isoformat(),
        },
        format="json",
    )
    assert (
        report.status_code == 403 and "another officer's active mission" in report.json()["detail"]
    )
    mission.refresh_from_db()
    assert mission.status == Mission.Status.ACTIVE and mission.visits.count() == 1
    # controls: the officer who started it completes it; the colleague reports another mission he did
    serve_dose(mission)
    done = client_for(own).post(
        reverse("api-mission-complete", args=[mission.pk]),
        {"tactics": [tactics_in_world.pk]},
        format="json",
    )
    assert done.status_code == 200 and done.json()["properties"]["status"] == "completed"
    other = Mission.objects.filter(
        beat=mission.beat, date=mission.date, shift=mission.shift, status=Mission.Status.PLANNED
    ).first()
    reported = client_for(colleague).post(
        reverse("api-mission-report", args=[other.pk]),
        {
            "visits": [
                {
                    "started_at": now.isoformat(),
                    "ended_at": (now + timedelta(minutes=2)).isoformat(),
                }
            ],
            "reason_code": "called_away",  # two minutes are short of the dose
            "offline_since": now.isoformat(),
        },
        format="json",
    )
    assert reported.status_code == 201 and reported.json()["properties"]["status"] == "ended_early"


def test_a_mission_of_another_shift_is_out_of_scope(world, officers):
    own, _, _ = officers
    mission = world.objects["mission"]
    Mission.objects.filter(pk=mission.pk).update(
        starts_at=world.window.ends_at + timedelta(hours=1),
        ends_at=world.window.ends_at + timedelta(hours=9),
    )
    refused = client_for(own).post(
        reverse("api-mission-start", args=[mission.pk]), MANUAL, format="json"
    )
    assert (
        refused.status_code == 403
        and refused.json()["detail"] == "This mission is not of the shift under way."
    )
    Mission.objects.filter(pk=mission.pk).update(
        starts_at=world.window.starts_at, ends_at=world.window.ends_at
    )
    assert (
        client_for(own)
        .post(reverse("api-mission-start", args=[mission.pk]), MANUAL, format="json")
        .status_code
        == 201
    )


def test_an_officer_without_a_beat_sees_no_missions(world, role_user):
    rookie = role_user("Officer", username="rookie")
    assert client_for(rookie).get(reverse("api-officer-missions")).json()["features"] == []
    refused = client_for(rookie).get(reverse("api-mission", args=[world.objects["mission"].pk]))
    assert refused.status_code == 403 and "no home beat" in refused.json()["detail"]
    assert (
        client_for(world.users["Officer"]).get(reverse("api-officer-missions")).json()["features"]
    )


def test_officers_get_the_officer_view_analysts_the_full_one(world):
    mission = world.objects["mission"]
    officer_view = client_for(world.users["Officer"]).get(reverse("api-mission", args=[mission.pk]))
    assert officer_view.status_code == 200
    assert not ANALYST_FIELDS & set(officer_view.json()["properties"])
    for feature in (
        client_for(world.users["Officer"]).get(reverse("api-officer-missions")).json()["features"]
    ):
        assert not ANALYST_FIELDS & set(feature["properties"])
    analyst_view = client_for(world.users["Analyst"]).get(reverse("api-mission", args=[mission.pk]))
    assert set(analyst_view.json()["properties"]) >= ANALYST_FIELDS


def test_supervisors_are_held_to_their_districts_when_the_agency_says_so(world, client):
    supervisor = world.users["Supervisor"]
    west, east = District.objects.get(code="D1"), District.objects.get(code="D2")
    profile = OfficerProfileFactory(user=supervisor, home_district=west)
    east_mission = shift_mission(world, "D2-B1")
    query = {"date": world.window.date.isoformat(), "shift": world.window.shift.pk}
    api = client_for(supervisor)
    unscoped = {
        f["properties"]["beat"][:2]
        for f in api.get(reverse("api-missions"), query).json()["features"]
    }
    assert unscoped == {"D1", "D2"}  # control: the agency does not scope supervisors by default
    agency = Agency.current()
    agency.supervisors_scoped_to_district = True
    agency.save()
    scoped = {
        f["properties"]["beat"][:2]
        for f in api.get(reverse("api-missions"), query).json()["features"]
    }
    assert scoped == {"D1"}
    assert api.get(reverse("api-mission", args=[east_mission.pk])).status_code == 403
    client.force_login(supervisor)
    sheet = {**query, "district": east.pk}
    refused = client.get(reverse("missions-sheet"), sheet)  # refused inside the view, by scope
    assert (
        refused.status_code == 403
        and "You are not allowed to see this page" in refused.content.decode()
    )
    assert '<a href="/">Back to your home page</a>' in refused.content.decode()
    assert client.get(reverse("missions-sheet"), {**query, "district": west.pk}).status_code == 200
    profile.supervised_districts.add(east)
    assert client.get(reverse("missions-sheet"), sheet).status_code == 200
    assert api.get(reverse("api-mission", args=[east_mission.pk])).status_code == 200
    assert (
        client_for(world.users["Analyst"])
        .get(reverse("api-mission", args=[east_mission.pk]))
        .status_code
        == 200
    )


@pytest.fixture
def tactics_in_world(world):
    return world.objects["tactic"]

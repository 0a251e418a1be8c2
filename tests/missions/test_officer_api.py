"""The officer's API: missions of the shift as GeoJSON, ping outside → nothing, ping inside →
active, the server's timer, complete with tactics; offline reports once; controls never shown."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from missions import services
from missions.models import ControlBox, Mission, PositionPing
from tactics.models import TacticUse
from tests.conftest import TEST_PASSWORD, error_fields

from .factories import serve_dose, stay_in_box

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(forecast, policy, now_window, tactics):
    forecast(now_window.date, now_window.shift)
    return services.plan_missions(date=now_window.date, shift=now_window.shift)


@pytest.fixture
def token_client(beat_officer):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": beat_officer.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def centre(mission):
    point = mission.cell.geom.centroid
    return {"latitude": point.y, "longitude": point.x}


def outside(mission, metres=400):
    point = mission.cell.geom.centroid
    return {"latitude": point.y + metres / 111_000, "longitude": point.x}


def test_full_officer_flow(planned, token_client, beat_officer, tactics):
    listing = token_client.get(reverse("api-officer-missions"))
    assert listing.status_code == 200
    body = listing.json()
    assert body["type"] == "FeatureCollection" and body["shift"]["name"]
    assert {f["properties"]["beat"] for f in body["features"]} == {"D1-B1"}
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Polygon"
    props = feature["properties"]
    assert props["status"] == "planned" and props["reasons"] and props["tactics"]
    # The reasons in words for the card, and the same reasons as data beside them.
    assert len(props["reasons"]) == len(props["reason_factors"])
    assert all(isinstance(r, str) and ": " in r for r in props["reasons"])
    assert {r["kind"] for r in props["reason_factors"]} <= {"factor", "note", "text"}
    assert props["timer"]["running"] is False and props["timer"]["dose_seconds"] == 0
    mission = Mission.objects.get(pk=props["id"])

    far = token_client.post(
        reverse("api-officer-ping"), {**outside(mission, 2000), "accuracy_m": 10}, format="json"
    )
    assert far.status_code == 200 and far.json()["started"] == [] and far.json()["stored"] is False
    mission.refresh_from_db()
    assert mission.status == "planned"

    inside = token_client.post(
        reverse("api-officer-ping"), {**centre(mission), "accuracy_m": 10}, format="json"
    )
    assert inside.json()["started"] == [mission.pk]
    mission.refresh_from_db()
    assert mission.status == "active"
    assert mission.visits.get().start_method == "geofence"
    assert not PositionPing.objects.exists()  # privacy: tracks are off by default

    # The timer is the server's: measured from the positions since the visit's start, not a
    # device countdown.
    stay_in_box(mission, minutes=5)
    timer = token_client.get(reverse("api-officer-missions")).json()
    props = next(f["properties"] for f in timer["features"] if f["properties"]["id"] == mission.pk)
    assert props["timer"]["running"] is True and props["timer"]["stale"] is False
    assert props["timer"]["last_position_at"] is not None
    assert 299 <= props["timer"]["dose_seconds"] <= 310
    assert props["timer"]["remaining_seconds"] == pytest.approx(
        mission.dose_minutes * 60 - props["timer"]["dose_seconds"], abs=1
    )

    suggested = [t["id"] for t in props["tactics"]]
    early = token_client.post(reverse("api-mission-complete", args=[mission.pk]), {}, format="json")
    assert early.status_code == 409 and "The dose is not met: 5 of" in early.json()["detail"]
    assert early.json()["mission"]["properties"]["status"] == "active"  # refused: still under way
    serve_dose(mission)
    done = token_client.post(
        reverse("api-mission-complete", args=[mission.pk]),
        {"tactics": suggested[:2], "notes": "Quiet; spoke to two shop owners."},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["properties"]["status"] == "completed"
    mission.refresh_from_db()
    assert mission.completed_by == beat_officer and "shop owners" in mission.notes
    assert set(
        TacticUse.objects.filter(mission=mission).values_list("tactic_id", flat=True)
    ) == set(suggested[:2])
    assert mission.visits.get().end_reason == "completed"
    assert (
        AuditEvent.objects.filter(
            object_id=str(mission.pk), action__in=["missions.start", "missions.complete"]
        ).count()
        == 2
    )

    again = token_client.post(reverse("api-mission-complete", args=[mission.pk]), {}, format="json")
    assert (
        again.status_code == 409 and again.json()["mission"]["properties"]["status"] == "completed"
    )


def test_leaving_the_box_pauses_and_the_dose_adds_up(planned, api, beat_officer):
    client = api(beat_officer)
    mission = Mission.objects.filter(beat__code="D1-B1").exclude(status="cancelled").first()
    client.post(reverse("api-officer-ping"), {**centre(mission), "accuracy_m": 5}, format="json")
    stay_in_box(mission, minutes=4)
    left = client.post(
        reverse("api-officer-ping"), {**outside(mission), "accuracy_m": 5}, format="json"
    )
    assert left.json()["stopped"] == [mission.pk]
    client.post(reverse("api-officer-ping"), {**centre(mission), "accuracy_m": 5}, format="json")
    assert mission.visits.count() == 2
    feature = next(
        f
        for f in client.get(reverse("api-officer-missions")).json()["features"]
        if f["properties"]["id"] == mission.pk
    )
    assert feature["properties"]["timer"]["visits"] == 2
    assert feature["properties"]["timer"]["dose_seconds"] >= 239


def test_tracks_are_kept_only_when_the_policy_says_so(planned, api, beat_officer, policy):
    policy.store_officer_tracks = True
    policy.save()
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    response = api(beat_officer).post(
        reverse("api-officer-ping"), {**outside(mission), "accuracy_m": 5}, format="json"
    )
    assert response.json()["stored"] is True and PositionPing.objects.count() == 1


def test_poor_gps_accuracy_does_not_start_a_far_box(planned, api, beat_officer):
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    response = api(beat_officer).post(
        reverse("api-officer-ping"), {**outside(mission, 300), "accuracy_m": 500}, format="json"
    )
    # Another of the shift's missions may have its box right there: this one is 300 m away.
    assert mission.pk not in response.json()["started"]


def test_manual_start_needs_a_reason(planned, api, beat_officer):
    client = api(beat_officer)
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    response = client.post(reverse("api-mission-start", args=[mission.pk]), {}, format="json")
    assert response.status_code == 400
    assert "manual start needs a reason" in response.json()["detail"]
    assert "reason" in error_fields(response)
    ok = client.post(
        reverse("api-mission-start", args=[mission.pk]),
        {"reason": "GPS not available"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["properties"]["status"] == "active"
    visit = mission.visits.get()
    assert visit.start_method == "manual" and visit.start_reason == "GPS not available"
    entry = AuditEvent.objects.get(action="missions.start", object_id=str(mission.pk))
    assert entry.reason == "GPS not available" and entry.actor == beat_officer
    twice = client.post(
        reverse("api-mission-start", args=[mission.pk]), {"reason": "again"}, format="json"
    )
    assert (
        twice.status_code == 409
        and twice.json()["mission"]["properties"]["timer"]["running"] is True
    )


def test_start_inside_the_box_needs_no_reason(planned, api, beat_officer):
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    response = api(beat_officer).post(
        reverse("api-mission-start", args=[mission.pk]),
        {**centre(mission), "accuracy_m": 8},
        format="json",
    )
    assert response.status_code == 201
    assert mission.visits.get().start_method == "geofence"


def test_offline_report_is_accepted_once(planned, api, beat_officer, tactics, now_window):
    client = api(beat_officer)
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    Mission.objects.filter(pk=mission.pk).update(dose_minutes=15)  # the 18 minutes below serve it
    start = timezone.now() - timedelta(minutes=27)  # inside the shift or its early-start allowance
    body = {
        "visits": [
            {
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(minutes=12)).isoformat(),
            },
            {
                "started_at": (start + timedelta(minutes=20)).isoformat(),
                "ended_at": (start + timedelta(minutes=26)).isoformat(),
            },
        ],
        "tactics": [tactics[0].pk],
        "notes": "Sent from a dead zone",
        "completed_at": (start + timedelta(minutes=26)).isoformat(),
        "offline_since": start.isoformat(),
    }
    key = str(uuid.uuid4())
    url = reverse("api-mission-report", args=[mission.pk])
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    mission.refresh_from_db()
    assert mission.status == "completed"
    assert mission.completed_at == start + timedelta(
        minutes=26
    )  # the device's time, not arrival time
    assert mission.visits.count() == 2 and TacticUse.objects.filter(mission=mission).count() == 1
    assert (
        AuditEvent.objects.filter(action="missions.report", object_id=str(mission.pk)).count() == 1
    )
    dose = sum((v.ended_at - v.started_at).total_seconds() for v in mission.visits.all())
    assert dose == 18 * 60
    other_key = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert other_key.status_code == 409


def test_offline_complete_keeps_its_original_time_and_key(planned, api, beat_officer):
    client = api(beat_officer)
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    client.post(
        reverse("api-mission-start", args=[mission.pk]),
        {"reason": "GPS not available"},
        format="json",
    )
    serve_dose(mission, extra_minutes=3)
    at = timezone.now() - timedelta(minutes=2)
    key = "device-7-action-42"
    url = reverse("api-mission-complete", args=[mission.pk])
    queued = {"at": at.isoformat(), "queued": True, "offline_since": at.isoformat()}
    first = client.post(url, queued, format="json", HTTP_IDEMPOTENCY_KEY=key)
    repeat = client.post(url, queued, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == repeat.status_code == 200
    mission.refresh_from_db()
    assert mission.completed_at == at
    assert (
        AuditEvent.objects.filter(action="missions.complete", object_id=str(mission.pk)).count()
        == 1
    )


def test_a_live_request_resent_from_the_offline_queue_is_a_repeat(planned, api, beat_officer):
    """The answer to a live Complete was lost; the card queued it (adding queued and offline_since)
    and sends it again with its key: the first answer, not a 422 (control: other tactics are)."""
    client = api(beat_officer)
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    services.start_mission(user=beat_officer, mission_id=mission.pk, reason="GPS not available")
    serve_dose(mission)
    url = reverse("api-mission-complete", args=[mission.pk])
    at = timezone.now()
    live = {"tactics": [], "at": at.isoformat()}
    first = client.post(url, live, format="json", HTTP_IDEMPOTENCY_KEY="lost-answer")
    assert first.status_code == 200
    queued = {**live, "queued": True, "offline_since": at.isoformat()}
    again = client.post(url, queued, format="json", HTTP_IDEMPOTENCY_KEY="lost-answer")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    other = {**queued, "tactics": [1]}
    refused = client.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="lost-answer")
    assert refused.status_code == 422


def test_the_same_key_with_a_different_body_is_refused_not_replayed(planned, api, beat_officer):
    # Issue 21, finding 6: the first answer used to be replayed for any body sent with its key.
    client = api(beat_officer)
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    url = reverse("api-mission-start", args=[mission.pk])
    key = "device-7-action-43"
    first = client.post(
        url, {"reason": "GPS not available"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == 201, first.content
    other = client.post(
        url, {"reason": "Sent by dispatch or supervisor"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert other.status_code == 422 and "different body" in other.json()["detail"]
    assert "Idempotent-Replayed" not in other
    repeat = client.post(
        url, {"reason": "GPS not available"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert repeat.status_code == 201 and repeat["Idempotent-Replayed"] == "true"
    assert repeat.json() == first.json()
    assert (
        AuditEvent.objects.filter(action="missions.start", object_id=str(mission.pk)).count() == 1
    )


def test_a_future_timestamp_is_refused(planned, api, beat_officer):
    mission = Mission.objects.filter(beat__code="D1-B1").first()
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    response = api(beat_officer).post(
        reverse("api-mission-start", args=[mission.pk]),
        {"reason": "GPS not available", "at": later},
        format="json",
    )
    assert response.status_code == 400 and "future" in response.json()["detail"]


def test_controls_are_never_shown_to_officers(planned, api, beat_officer, supervisor, now_window):
    controls = set(ControlBox.objects.values_list("cell__cell_id", flat=True))
    assert controls
    client = api(beat_officer)
    seen = set()
    for name in ("api-officer-missions",):
        seen |= {f["properties"]["cell_id"] for f in client.get(reverse(name)).json()["features"]}
    query = {"date": now_window.date.isoformat(), "shift": now_window.shift.pk}
    assert seen and not seen & controls
    assert client.get(reverse("api-missions"), query).status_code == 403  # the analyst's list
    assert client.get(reverse("api-missions-controls"), query).status_code == 403
    assert (
        client.get(
            reverse("api-missions-outcomes"), {"date_from": "2025-01-01", "date_to": "2025-01-02"}
        ).status_code
        == 403
    )
    assert api(supervisor).get(reverse("api-missions-controls"), query).status_code == 200


def test_officers_cannot_override(planned, api, beat_officer, now_window):
    client = api(beat_officer)
    mission = Mission.objects.first()
    assert (
        client.post(
            reverse("api-mission-cancel", args=[mission.pk]),
            {"reason_code": "other", "reason": "I do not like it"},
            format="json",
        ).status_code
        == 403
    )
    assert client.post(reverse("api-suppressions"), {}, format="json").status_code == 403
    assert client.get(reverse("api-audit")).status_code == 403


def test_list_endpoints_have_bounded_query_counts(
    planned, api, beat_officer, analyst, now_window, django_assert_max_num_queries
):
    officer_client = api(beat_officer)
    for mission in Mission.objects.filter(beat__code="D1-B1"):
        services.start_mission(user=beat_officer, mission_id=mission.pk, reason="GPS not available")
    with django_assert_max_num_queries(14):
        assert officer_client.get(reverse("api-officer-missions")).status_code == 200
    query = {"date": now_window.date.isoformat(), "shift": now_window.shift.pk}
    with django_assert_max_num_queries(14):
        body = api(analyst).get(reverse("api-missions"), query).json()
    assert len(body["features"]) == 8
    with django_assert_max_num_queries(10):
        assert api(analyst).get(reverse("api-audit")).status_code == 200

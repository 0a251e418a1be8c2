"""A dose that means something: a mission completes only once its dose is served in the box (409
before, with a control once it is); ending earlier needs a reason and is recorded as ended early
with the minutes served; offline reports and expiry keep the minutes; tactics are correctable by the
officer who patrolled it until the shift ends."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from missions import services
from missions.models import Mission, Visit
from tactics.models import TacticUse
from tests.conftest import error_fields

from .factories import OfficerProfileFactory, serve_dose, stay_in_box

QUEUED_GRACE = timedelta(seconds=django_settings.QUEUED_ACTION_GRACE_S)

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission(forecast, policy, now_window, tactics, beat_officer):
    """A mission of the officer's beat, started by hand five minutes ago and in the box since, with
    positions (a 15-minute dose)."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.filter(beat__code="D1-B1").exclude(status="cancelled").first()
    Mission.objects.filter(pk=mission.pk).update(dose_minutes=15)
    services.start_mission(user=beat_officer, mission_id=mission.pk, reason="GPS not available")
    stay_in_box(mission, minutes=5)
    mission.refresh_from_db()
    return mission


def complete(client, mission, **body):
    return client.post(reverse("api-mission-complete", args=[mission.pk]), body, format="json")


def end_early(client, mission, **body):
    return client.post(reverse("api-mission-end-early", args=[mission.pk]), body, format="json")


def test_complete_is_refused_until_the_dose_is_served(mission, api, beat_officer):
    client = api(beat_officer)
    refused = complete(client, mission)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(
        "The dose is not met: 5 of 15 minutes served in the box."
    )
    assert "end the mission early with a reason" in refused.json()["detail"]
    mission.refresh_from_db()
    assert mission.status == Mission.Status.ACTIVE and mission.visits.get().ended_at is None
    assert not AuditEvent.objects.filter(action="missions.complete").exists()

    serve_dose(mission)  # control: sixteen minutes in the box
    done = complete(client, mission)
    assert done.status_code == 200 and done.json()["properties"]["status"] == "completed"
    mission.refresh_from_db()
    assert mission.minutes_served == pytest.approx(16, abs=0.1)
    assert (
        AuditEvent.objects.get(action="missions.complete").after["minutes_served"]
        == mission.minutes_served
    )


def test_minutes_outside_the_box_do_not_count(mission, api, beat_officer):
    """Two visits of 5 and 6 minutes with time away between: 11 minutes served, not the 40 since the start."""
    start = timezone.now() - timedelta(minutes=40)
    left = start + timedelta(minutes=5)
    mission.visits.update(
        started_at=start,
        ended_at=left,
        end_reason="left_box",
        last_position_at=left,
        measured_seconds=300,
    )
    Visit.objects.create(
        mission=mission, officer=beat_officer, started_at=timezone.now(), start_method="geofence"
    )
    stay_in_box(mission, minutes=6)
    refused = complete(api(beat_officer), mission)
    assert refused.status_code == 409 and "11 of 15 minutes" in refused.json()["detail"]


def test_ending_early_needs_a_reason(mission, api, beat_officer):
    client = api(beat_officer)
    missing = end_early(client, mission)
    assert missing.status_code == 400 and "reason_code" in error_fields(missing)
    assert "Say why the mission ends early" in missing.json()["detail"]
    bare_other = end_early(client, mission, reason_code="other")
    assert bare_other.status_code == 400 and "reason" in error_fields(bare_other)
    unknown = end_early(
        client, mission, reason_code="intelligence"
    )  # an analyst's reason, not an officer's
    assert unknown.status_code == 400
    mission.refresh_from_db()
    assert mission.status == Mission.Status.ACTIVE

    ended = end_early(
        client, mission, reason_code="called_away", tactics=[], notes="Dispatched to a crash"
    )
    assert ended.status_code == 200, ended.content
    props = ended.json()["properties"]
    assert props["status"] == "ended_early" and props["minutes_served"] == pytest.approx(5, abs=0.1)
    assert props["ended_reason"] == "Called away (dispatch or emergency)"
    mission.refresh_from_db()
    assert (
        mission.ended_reason_code == "called_away"
        and mission.closed_at
        and mission.completed_at is None
    )
    assert mission.completed_by == beat_officer and mission.notes == "Dispatched to a crash"
    assert mission.visits.get().ended_at is not None  # the officer left: the visit is closed
    entry = AuditEvent.objects.get(action="missions.end_early", object_id=str(mission.pk))
    assert entry.reason_code == "called_away" and entry.actor == beat_officer
    assert (
        entry.after["status"] == "ended_early"
        and entry.after["minutes_served"] == mission.minutes_served
    )


def test_other_with_words_ends_early_and_keeps_the_words(mission, api, beat_officer):
    ended = end_early(
        api(beat_officer), mission, reason_code="other", reason="Road closed by flooding"
    )
    assert (
        ended.status_code == 200
        and ended.json()["properties"]["ended_reason"] == "Road closed by flooding"
    )


def test_a_served_dose_is_completed_not_ended_early(mission, api, beat_officer):
    serve_dose(mission)
    client = api(beat_officer)
    refused = end_early(client, mission, reason_code="called_away")
    assert refused.status_code == 409 and "complete the mission instead" in refused.json()["detail"]
    assert complete(client, mission).status_code == 200  # control


def test_a_mission_not_started_cannot_end_early(mission, api, beat_officer):
    other = Mission.objects.filter(beat=mission.beat, status="planned").first()
    refused = end_early(api(beat_officer), other, reason_code="called_away")
    assert refused.status_code == 409 and "Only an active mission" in refused.json()["detail"]


def test_an_offline_report_short_of_the_dose_needs_a_reason(mission, api, beat_officer):
    other = Mission.objects.filter(beat=mission.beat, status="planned").first()
    Mission.objects.filter(pk=other.pk).update(dose_minutes=15)
    start = timezone.now() - timedelta(minutes=20)
    body = {
        "visits": [
            {
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(minutes=6)).isoformat(),
            }
        ],
        "offline_since": start.isoformat(),
    }
    url = reverse("api-mission-report", args=[other.pk])
    client = api(beat_officer)
    refused = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert refused.status_code == 409 and "6 of 15 minutes" in refused.json()["detail"]
    assert not other.visits.exists()  # nothing kept from the refused report
    reported = client.post(url, {**body, "reason_code": "officer_safety"}, format="json")
    assert reported.status_code == 201 and reported.json()["properties"]["status"] == "ended_early"
    other.refresh_from_db()
    assert other.minutes_served == pytest.approx(6) and other.ended_reason == "Officer safety"


def test_expiry_records_the_minutes_served(mission):
    """Positions stopped five minutes into the visit: the shift's end records those five minutes,
    not the hours the visit stayed open."""
    services.expire_missions(now=mission.ends_at + QUEUED_GRACE + timedelta(seconds=1))
    mission.refresh_from_db()
    visit = mission.visits.get()
    assert visit.ended_at == mission.ends_at
    assert mission.status == Mission.Status.EXPIRED and mission.minutes_served == pytest.approx(
        5, abs=0.01
    )


def test_tactics_are_corrected_until_the_shift_ends(mission, api, beat_officer, tactics):
    client = api(beat_officer)
    end_early(client, mission, reason_code="called_away", tactics=[tactics[0].pk])
    url = reverse("api-mission-tactics", args=[mission.pk])
    corrected = client.post(
        url, {"tactics": [tactics[1].pk, tactics[2].pk], "notes": "Walked the park"}, format="json"
    )
    assert corrected.status_code == 200, corrected.content
    assert sorted(corrected.json()["properties"]["tactics_used"]) == sorted(
        [tactics[1].pk, tactics[2].pk]
    )
    assert set(
        TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True)
    ) == {"Park and walk", "Community contact"}
    entry = AuditEvent.objects.get(action="missions.tactics", object_id=str(mission.pk))
    assert (
        entry.before["tactics"] == ["Business checks"] and entry.after["notes"] == "Walked the park"
    )

    # A correction made in the shift and sent after it is judged at the time it was made …
    made_at = timezone.now() - timedelta(seconds=30)
    Mission.objects.filter(pk=mission.pk).update(ends_at=timezone.now() - timedelta(seconds=10))
    late_sent = client.post(
        url,
        {
            "tactics": [tactics[2].pk],
            "at": made_at.isoformat(),
            "queued": True,
            "offline_since": made_at.isoformat(),
        },
        format="json",
    )
    assert late_sent.status_code == 200, late_sent.content
    # … and one made after the shift is refused, leaving the report as it was.
    after = client.post(url, {"tactics": [tactics[0].pk]}, format="json")
    assert after.status_code == 403 and "The shift has ended" in after.json()["detail"]
    assert list(
        TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True)
    ) == ["Community contact"]


def test_only_an_officer_who_patrolled_the_mission_corrects_its_tactics(
    mission, api, beat_officer, role_user, tactics
):
    colleague = role_user("Officer", "colleague")
    OfficerProfileFactory(user=colleague, home_beat=mission.beat)
    serve_dose(mission)
    complete(api(beat_officer), mission, tactics=[tactics[0].pk])
    url = reverse("api-mission-tactics", args=[mission.pk])
    refused = api(colleague).post(url, {"tactics": [tactics[1].pk]}, format="json")
    assert (
        refused.status_code == 403 and "Only an officer who patrolled" in refused.json()["detail"]
    )
    assert (
        api(beat_officer).post(url, {"tactics": [tactics[1].pk]}, format="json").status_code == 200
    )  # control

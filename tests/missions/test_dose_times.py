"""Dose from evidence, times (issue 21, docs/adr/0026): the server's clock times a live start or
completion; a device's past time counts only for an action queued offline, after the device went
offline and within the shift; times ahead of the server's clock are refused; after the shift only
what was queued during it is accepted. Each finding of the probe by its request, with a control."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from missions import services
from missions.models import Mission

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission(forecast, policy, now_window, tactics, beat_officer):
    """A planned mission of the officer's beat whose shift began an hour ago and ends in an hour."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.filter(beat__code="D1-B1", status="planned").first()
    now = timezone.now()
    Mission.objects.filter(pk=mission.pk).update(
        dose_minutes=15, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    mission.refresh_from_db()
    return mission


def post(client, name, mission, body):
    return client.post(
        reverse(name, args=[mission.pk]),
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_a_live_start_in_the_past_is_refused_and_cannot_serve_a_dose(mission, api, beat_officer):
    client = api(beat_officer)
    back = timezone.now() - timedelta(minutes=27)
    start = post(
        client,
        "api-mission-start",
        mission,
        {"reason": "radio call nearby", "at": back.isoformat()},
    )
    assert start.status_code == 400 and "queued offline" in start.json()["detail"]
    mission.refresh_from_db()
    assert mission.status == "planned" and not mission.visits.exists()
    complete = post(client, "api-mission-complete", mission, {"tactics": []})
    assert complete.status_code == 409  # nothing started: nothing to complete
    # control: the same start sent live without a past time is timed by the server's clock
    before = timezone.now()
    started = post(client, "api-mission-start", mission, {"reason": "radio call nearby"})
    assert started.status_code == 201
    mission.refresh_from_db()
    assert before <= mission.started_at <= timezone.now()
    refused = post(client, "api-mission-complete", mission, {"tactics": []})
    assert refused.status_code == 409 and "dose is not met" in refused.json()["detail"]


def test_a_queued_start_keeps_its_time_from_after_the_device_went_offline(
    mission, api, beat_officer
):
    client = api(beat_officer)
    offline = timezone.now() - timedelta(minutes=12)
    at = offline + timedelta(minutes=2)
    queued = {"reason": "No signal", "at": at.isoformat(), "queued": True}
    # Without the time the device went offline, or with an action older than that: refused.
    assert post(client, "api-mission-start", mission, queued).status_code == 400
    early = {**queued, "offline_since": (at + timedelta(seconds=1)).isoformat()}
    refused = post(client, "api-mission-start", mission, early)
    assert refused.status_code == 400 and "went offline" in refused.json()["detail"]
    # Before the shift began: refused even when queued.
    before_shift = mission.starts_at - timedelta(minutes=1)
    too_early = {
        **queued,
        "at": before_shift.isoformat(),
        "offline_since": before_shift.isoformat(),
    }
    assert post(client, "api-mission-start", mission, too_early).status_code == 400
    mission.refresh_from_db()
    assert mission.status == "planned"
    # control: queued after going offline, in the shift: its own time
    landed = post(
        client, "api-mission-start", mission, {**queued, "offline_since": offline.isoformat()}
    )
    assert landed.status_code == 201, landed.content
    mission.refresh_from_db()
    assert mission.started_at == at


def test_a_start_four_minutes_ahead_is_refused_a_little_skew_is_not(mission, api, beat_officer):
    client = api(beat_officer)
    ahead = timezone.now() + timedelta(minutes=4)
    body = {"reason": "radio call nearby", "at": ahead.isoformat()}
    refused = post(client, "api-mission-start", mission, body)
    assert refused.status_code == 400 and "future" in refused.json()["detail"]
    queued = {**body, "queued": True, "offline_since": timezone.now().isoformat()}
    assert post(client, "api-mission-start", mission, queued).status_code == 400
    # control: a device clock 20 s ahead is accepted, and the server's clock times the start
    slightly = {**body, "at": (timezone.now() + timedelta(seconds=20)).isoformat()}
    assert post(client, "api-mission-start", mission, slightly).status_code == 201
    mission.refresh_from_db()
    assert mission.started_at <= timezone.now()


def test_after_the_shift_only_what_was_queued_during_it_is_accepted(mission, api, beat_officer):
    api_client = api(beat_officer)
    other = (
        Mission.objects.filter(beat=mission.beat, status="planned").exclude(pk=mission.pk).first()
    )
    now = timezone.now()
    for m in (mission, other):
        Mission.objects.filter(pk=m.pk).update(
            starts_at=now - timedelta(hours=8), ends_at=now - timedelta(minutes=5), dose_minutes=15
        )
    during = now - timedelta(minutes=40)  # a visit until 24 minutes ago
    assert api_client.get(reverse("api-mission", args=[mission.pk])).status_code == 403
    # Live actions after the shift: refused like the GET (403), whatever time they claim.
    start = post(
        api_client, "api-mission-start", mission, {"reason": "radio call", "at": during.isoformat()}
    )
    assert start.status_code == 400
    start = post(api_client, "api-mission-start", mission, {"reason": "radio call"})
    assert start.status_code == 403
    report = {
        "visits": [
            {
                "started_at": during.isoformat(),
                "ended_at": (during + timedelta(minutes=16)).isoformat(),
            }
        ],
        "offline_since": (during - timedelta(minutes=1)).isoformat(),
    }
    # Queued during the shift and sent within the grace: lands with its true time (control) …
    landed = post(api_client, "api-mission-report", other, report)
    assert landed.status_code == 201, landed.content
    other.refresh_from_db()
    assert other.status == "completed" and other.started_at == during
    # … but not once the grace after the shift's end has passed.
    Mission.objects.filter(pk=mission.pk).update(ends_at=now - timedelta(minutes=20))
    late = post(api_client, "api-mission-report", mission, report)
    assert late.status_code == 403 and "ended too long ago" in late.json()["detail"]
    mission.refresh_from_db()
    assert mission.status == "planned" and not mission.visits.exists()


def test_the_expiry_task_waits_for_the_grace_so_a_queued_report_still_lands(
    mission, api, beat_officer
):
    """The shift ended 5 minutes ago and the every-5-minutes expiry ran since: the mission is not
    expired yet, so the report queued during the shift lands; after the grace, it expires."""
    now = timezone.now()
    Mission.objects.filter(pk=mission.pk).update(
        starts_at=now - timedelta(hours=8), ends_at=now - timedelta(minutes=5)
    )
    assert services.expire_missions(now=now) == 0
    during = now - timedelta(minutes=40)
    report = {
        "visits": [
            {
                "started_at": during.isoformat(),
                "ended_at": (during + timedelta(minutes=16)).isoformat(),
            }
        ],
        "offline_since": (during - timedelta(minutes=1)).isoformat(),
    }
    landed = post(api(beat_officer), "api-mission-report", mission, report)
    assert landed.status_code == 201, landed.content
    mission.refresh_from_db()
    assert mission.status == "completed"
    # control: a mission nobody reported expires once the grace is over
    other = Mission.objects.filter(beat=mission.beat, status="planned").first()
    Mission.objects.filter(pk=other.pk).update(ends_at=now - timedelta(minutes=5))
    assert services.expire_missions(now=now) == 0
    assert services.expire_missions(now=now + timedelta(minutes=11)) >= 1
    other.refresh_from_db()
    assert other.status == "expired"

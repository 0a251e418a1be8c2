"""Dose from evidence, positions (issue 21, docs/adr/0026): a visit's time counts while positions
come at most VISIT_POSITION_GAP_S apart; when they stop, its measured time ends at the last one,
the timer says "no position since" instead of counting, and Complete is refused. The clock is moved
with time_machine: pings are timed by the server's clock."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from missions import selectors, services
from missions.models import Mission

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission(forecast, policy, now_window, tactics, beat_officer):
    """A planned mission of the officer's beat whose shift began an hour ago and ends in two."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.filter(beat__code="D1-B1", status="planned").first()
    now = timezone.now()
    Mission.objects.filter(pk=mission.pk).update(
        dose_minutes=15, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )
    mission.refresh_from_db()
    return mission


def ping_in_box(user, mission):
    centre = mission.cell.center
    return services.record_ping(
        user=user,
        position=services.Position(centre.y, centre.x, accuracy_m=10),
        missions=[selectors.mission_detail(mission.pk)],
    )


def timer(client, mission):
    return client.get(reverse("api-mission", args=[mission.pk])).json()["properties"]["timer"]


def complete(client, mission):
    return client.post(
        reverse("api-mission-complete", args=[mission.pk]),
        {"tactics": []},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_when_positions_stop_the_visit_stops_counting(mission, api, beat_officer):
    client = api(beat_officer)
    arrived = timezone.now()
    with time_machine.travel(arrived, tick=False):
        assert ping_in_box(beat_officer, mission).started == [mission.pk]  # auto-started
    # No position after that (GPS off); 15:40 later the card asked and Complete was tapped.
    with time_machine.travel(arrived + timedelta(minutes=15, seconds=40), tick=False):
        shown = timer(client, mission)
        assert shown["running"] is True and shown["stale"] is True
        assert parse_datetime(shown["last_position_at"]) == arrived
        assert shown["dose_seconds"] == 0 and shown["dose_reached"] is False
        refused = complete(client, mission)
        assert refused.status_code == 409 and "0 of 15 minutes" in refused.json()["detail"]
    mission.refresh_from_db()
    assert mission.status == "active"


def test_an_officer_who_pings_every_30_s_in_the_box_completes(mission, api, beat_officer):
    client = api(beat_officer)
    arrived = timezone.now()
    for step in range(0, 16 * 2 + 1):  # every 30 s for 16 minutes
        with time_machine.travel(arrived + timedelta(seconds=30 * step), tick=False):
            ping_in_box(beat_officer, mission)
    with time_machine.travel(arrived + timedelta(minutes=16, seconds=20), tick=False):
        shown = timer(client, mission)
        assert shown["stale"] is False and shown["dose_reached"] is True
        assert shown["dose_seconds"] == pytest.approx(16 * 60 + 20, abs=1)
        done = complete(client, mission)
        assert done.status_code == 200, done.content
    mission.refresh_from_db()
    assert mission.status == "completed"
    assert mission.minutes_served == pytest.approx(16 + 1 / 3, abs=0.02)


def test_a_silence_between_positions_is_not_counted(mission, api, beat_officer):
    """Positions for 5 minutes, none for 10, then 5 more: 10 minutes measured, not 20."""
    arrived = timezone.now()
    times = [arrived + timedelta(seconds=30 * i) for i in range(11)]
    times += [arrived + timedelta(minutes=15, seconds=30 * i) for i in range(11)]
    for at in times:
        with time_machine.travel(at, tick=False):
            ping_in_box(beat_officer, mission)
    with time_machine.travel(times[-1], tick=False):
        assert timer(api(beat_officer), mission)["dose_seconds"] == pytest.approx(600, abs=1)
    assert mission.visits.count() == 1  # one visit, still open: only its measured time stopped

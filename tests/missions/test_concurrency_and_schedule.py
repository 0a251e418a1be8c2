"""On a real database and a real worker: two devices starting one mission at once (one 201, one
409), and the schedule's task planning a due shift."""

import threading
import time

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from missions import services
from missions.models import Mission, MissionPlan, Visit
from missions.tasks import plan_upcoming_shifts
from tests.missions.factories import OfficerProfileFactory

WORKER_WAIT_S = 60


@pytest.mark.django_db(transaction=True)
def test_two_devices_start_one_mission_at_once(forecast, policy, now_window, role_user):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.exclude(status="cancelled").first()
    officer = role_user("Officer")
    OfficerProfileFactory(user=officer, home_beat=mission.beat)
    devices = [
        officer,
        officer,
    ]  # the MDT and the phone; another officer would be refused (test_scope)
    barrier = threading.Barrier(2)
    results = []

    def start(user):
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait(timeout=10)
            response = client.post(
                reverse("api-mission-start", args=[mission.pk]),
                {"reason": "GPS not available"},
                format="json",
            )
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(u,)) for u in devices]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    codes = sorted(code for code, _ in results)
    assert codes == [201, 409], results
    loser = next(body for code, body in results if code == 409)
    assert loser["mission"]["properties"]["status"] == "active"
    assert loser["mission"]["properties"]["timer"]["running"] is True
    assert Visit.objects.filter(mission=mission).count() == 1


@pytest.mark.worker
def test_the_shift_schedule_plans_missions_on_a_real_worker(
    celery_worker_thread, forecast, policy, now_window
):
    forecast(now_window.date, now_window.shift)
    plan_upcoming_shifts.delay()
    deadline = time.monotonic() + WORKER_WAIT_S
    while not MissionPlan.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    plan = MissionPlan.objects.get()
    assert plan.trigger == "schedule" and (plan.date, plan.shift) == (
        now_window.date,
        now_window.shift,
    )
    assert Mission.objects.filter(plan=plan).count() == 2 * 4

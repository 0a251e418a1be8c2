"""Run by tests/deploy/test_spatialite_modules.py in its own pytest process on SpatiaLite (the
demo's database, which serialises writers): ten devices start one mission at the same instant,
some retrying with an Idempotency-Key (the MDT) and some without (a plain API client)."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from missions import services
from missions.models import Mission, Visit
from tests.missions.factories import OfficerProfileFactory

DEVICES = 10
MISSIONS = 4


@pytest.mark.django_db(transaction=True)
def test_ten_devices_start_one_mission_at_once(forecast, policy, now_window, role_user):
    assert connection.vendor == "sqlite"
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    officer = role_user("Officer")
    missions = list(Mission.objects.exclude(status="cancelled").order_by("pk")[:MISSIONS])
    for mission in missions:
        OfficerProfileFactory._meta.model.objects.filter(user=officer).delete()
        OfficerProfileFactory(user=officer, home_beat=mission.beat)
        codes = _start_at_once(officer, mission)
        assert sorted(codes) == [201] + [409] * (DEVICES - 1), codes
        assert Visit.objects.filter(mission=mission).count() == 1


def _start_at_once(officer, mission) -> list[int]:
    barrier = threading.Barrier(DEVICES)
    codes = []

    def start(device: int):
        client = APIClient(raise_request_exception=False)  # a 500 is an answer to count
        client.force_authenticate(officer)
        key = {"HTTP_IDEMPOTENCY_KEY": f"device-{device}-{mission.pk}"} if device % 2 else {}
        try:
            barrier.wait(timeout=30)
            response = client.post(
                reverse("api-mission-start", args=[mission.pk]),
                {"reason": "GPS not available"},
                format="json",
                **key,
            )
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(i,)) for i in range(DEVICES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return codes

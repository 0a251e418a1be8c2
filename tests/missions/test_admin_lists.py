"""The admin's mission lists: "control boxes" (not "boxs") and scores to 3 significant digits."""

import re

import pytest

from missions import services
from missions.admin import significant
from missions.models import ControlBox, Mission


@pytest.fixture
def chief(client, role_user):
    chief = role_user("Administrator", username="chief")
    chief.is_staff = chief.is_superuser = True
    chief.save()
    client.force_login(chief)
    return chief


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.12345678901234567, "0.123"),
        (12.345678, "12.3"),
        (0.000123456, "0.000123"),
        (-0.98765, "-0.988"),
        (1234.5678, "1230"),
        (0.99951, "1.00"),
        (0.0, "0"),
        (None, "–"),
    ],
)
def test_significant_keeps_three_digits(value, shown):
    assert significant(value) == shown


def test_mission_and_control_lists_say_boxes_and_round_scores(
    client, chief, forecast, policy, now_window
):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift, user=chief)
    control = ControlBox.objects.first()
    mission = Mission.objects.first()
    assert len(repr(control.score)) > 8  # control: the stored scores have many more digits

    controls = client.get("/admin/missions/controlbox/").content.decode()
    assert "control boxes" in controls and "control boxs" not in controls
    assert re.search(rf"\b{ControlBox.objects.count()} control boxes\b", controls)
    assert f">{significant(control.score)}<" in controls and repr(control.score) not in controls

    missions = client.get("/admin/missions/mission/").content.decode()
    assert f">{significant(mission.score)}<" in missions and repr(mission.score) not in missions

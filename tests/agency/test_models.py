"""Shift windows across DST, the agency singleton, roles and permissions."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from agency import roles
from agency.models import Shift
from agency.shift_windows import ShiftWindow

TORONTO = ZoneInfo("America/Toronto")
UTC = ZoneInfo("UTC")


def hours(window: ShiftWindow) -> float:
    return window.duration.total_seconds() / 3600


def test_night_shift_is_shorter_on_spring_forward_and_longer_on_fall_back():
    night = Shift(name="Night", start_time="22:00", duration_minutes=480)
    night.start_time = datetime.strptime("22:00", "%H:%M").time()
    assert hours(ShiftWindow.of(night, date(2021, 3, 13), TORONTO)) == 7
    assert hours(ShiftWindow.of(night, date(2021, 11, 6), TORONTO)) == 9
    assert hours(ShiftWindow.of(night, date(2021, 7, 1), TORONTO)) == 8
    window = ShiftWindow.of(night, date(2021, 11, 6), TORONTO)
    local = (window.starts_at.astimezone(TORONTO).hour, window.ends_at.astimezone(TORONTO).hour)
    assert local == (22, 6)


def test_a_shift_starting_inside_the_spring_gap_starts_after_it():
    early = Shift(
        name="Early", start_time=datetime.strptime("02:30", "%H:%M").time(), duration_minutes=480
    )
    start = ShiftWindow.of(early, date(2021, 3, 14), TORONTO).starts_at
    # The first instant after the gap, the same rule as the forecasting engine's bins (ADR 0007).
    assert start.astimezone(UTC) == datetime(2021, 3, 14, 7, 0, tzinfo=UTC)  # 03:00 EDT


@pytest.mark.django_db
def test_roles_have_the_permissions_of_their_work():
    groups = roles.sync_roles()
    officer = set(groups[roles.OFFICER].permissions.values_list("codename", flat=True))
    analyst = set(groups[roles.ANALYST].permissions.values_list("codename", flat=True))
    admin = set(groups[roles.ADMINISTRATOR].permissions.values_list("codename", flat=True))
    assert "view_beat" in officer and "change_crimetype" not in officer
    assert {"change_crimetype", "add_gridcell", "view_jobrun"} <= analyst
    assert "add_user" not in analyst and "add_user" in admin

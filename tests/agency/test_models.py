"""Shift windows across DST, the agency singleton, roles and permissions."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from agency import roles
from agency.models import Shift
from agency.selectors import current_shift

TORONTO = ZoneInfo("America/Toronto")
UTC = ZoneInfo("UTC")


def hours(window):
    start, end = window
    return (end - start).total_seconds() / 3600


def test_night_shift_is_shorter_on_spring_forward_and_longer_on_fall_back():
    night = Shift(name="Night", start_time="22:00", duration_minutes=480)
    night.start_time = datetime.strptime("22:00", "%H:%M").time()
    assert hours(night.window(date(2021, 3, 13), TORONTO)) == 7
    assert hours(night.window(date(2021, 11, 6), TORONTO)) == 9
    assert hours(night.window(date(2021, 7, 1), TORONTO)) == 8
    start, end = night.window(date(2021, 11, 6), TORONTO)
    assert (start.astimezone(TORONTO).hour, end.astimezone(TORONTO).hour) == (22, 6)


def test_a_shift_starting_inside_the_spring_gap_starts_after_it():
    early = Shift(
        name="Early", start_time=datetime.strptime("02:30", "%H:%M").time(), duration_minutes=480
    )
    start, _ = early.window(date(2021, 3, 14), TORONTO)
    # The first instant after the gap, the same rule as the forecasting engine's bins (ADR 0007).
    assert start.astimezone(UTC) == datetime(2021, 3, 14, 7, 0, tzinfo=UTC)  # 03:00 EDT


@pytest.mark.django_db
def test_current_shift_includes_last_nights_shift(small_agency):
    at_3am = datetime(2021, 7, 2, 3, 0, tzinfo=TORONTO)
    shift, start, end = current_shift(now=at_3am)
    assert shift.name == "Night" and start.astimezone(TORONTO).date() == date(2021, 7, 1)
    shift, _, _ = current_shift(now=datetime(2021, 7, 2, 15, 0, tzinfo=TORONTO))
    assert shift.name == "Evening"


@pytest.mark.django_db
def test_roles_have_the_permissions_of_their_work():
    groups = roles.sync_roles()
    officer = set(groups[roles.OFFICER].permissions.values_list("codename", flat=True))
    analyst = set(groups[roles.ANALYST].permissions.values_list("codename", flat=True))
    admin = set(groups[roles.ADMINISTRATOR].permissions.values_list("codename", flat=True))
    assert "view_beat" in officer and "change_crimetype" not in officer
    assert {"change_crimetype", "add_gridcell", "view_jobrun"} <= analyst
    assert "add_user" not in analyst and "add_user" in admin

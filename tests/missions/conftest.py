"""Fixtures for missions tests: the small agency's grid, two crime types, a forecast per shift."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from agency.models import Beat, MissionPolicy
from agency.selectors import current_shift_window
from forecasting.services import build_grid
from geo.models import GridCell
from tests.conftest import SMALL_AGENCY_SHIFTS, SMALL_AGENCY_TZ

from .factories import CrimeTypeFactory, OfficerProfileFactory, TacticFactory, make_forecast


@pytest.fixture
def grid(small_agency):
    build_grid()
    return list(GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk"))


@pytest.fixture
def crime_types(db):
    burglary = CrimeTypeFactory(
        code="burglary", name="Burglary", severity_weight=1.0, patrol_efficacy=0.5
    )
    robbery = CrimeTypeFactory(
        code="robbery", name="Robbery", severity_weight=2.0, patrol_efficacy=0.4, dose_minutes=20
    )
    return [burglary, robbery]


@pytest.fixture
def policy(db):
    policy = MissionPolicy.current()
    policy.missions_per_beat_per_shift = 2
    policy.temperature = 0.5
    policy.control_share = 0.2
    policy.save()
    return policy


@pytest.fixture
def forecast(grid, crime_types):
    def make(date, shift, seed=1):
        return make_forecast(date=date, shift=shift, cells=grid, crime_types=crime_types, seed=seed)

    return make


@pytest.fixture
def now_window(small_agency):
    return current_shift_window()


# Tests move the clock by up to about half an hour within the shift under way (a dose served, an
# offline report timed earlier): near a shift change of the small agency they run an hour further
# into the shift, from before their first fixture, so that they pass at any time of day. Not tests
# that start a server process: it keeps the real clock.
SHIFT_MARGIN_FOR_A_TEST = timedelta(minutes=45)


@pytest.fixture(autouse=True)
def _clear_of_shift_changes(request):
    if request.node.get_closest_marker("subprocess"):
        yield
        return
    now = timezone.now()
    local = timezone.localtime(now, ZoneInfo(SMALL_AGENCY_TZ))
    since_change = min(
        (local - local.replace(hour=hour, minute=0, second=0, microsecond=0)) % timedelta(days=1)
        for _, hour in SMALL_AGENCY_SHIFTS
    )
    if since_change < SHIFT_MARGIN_FOR_A_TEST:
        further_in = timedelta(hours=1)
    elif since_change > timedelta(hours=8) - SHIFT_MARGIN_FOR_A_TEST:
        further_in = -timedelta(hours=1)
    else:
        yield
        return
    with time_machine.travel(now + further_in, tick=True):
        yield


@pytest.fixture
def tactics(crime_types):
    burglary, robbery = crime_types
    return [
        TacticFactory(name="Business checks", crime_types=[burglary], order=1),
        TacticFactory(name="Park and walk", crime_types=[robbery], order=2),
        TacticFactory(name="Community contact", order=3),
    ]


@pytest.fixture
def beat_officer(officer, small_agency):
    OfficerProfileFactory(user=officer, home_beat=Beat.objects.get(code="D1-B1"))
    return officer


@pytest.fixture
def api():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make

"""Fixtures for missions tests: the small agency's grid, two crime types, a forecast per shift."""

import pytest
from rest_framework.test import APIClient

from agency.models import Beat, MissionPolicy
from agency.selectors import current_shift_window
from forecasting.services import build_grid
from geo.models import GridCell

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

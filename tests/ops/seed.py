"""A small agency with everything a backup must carry: the grid, a forecast, planned missions, an
officer with an API token and a visit under way, a promoted model with its saved state, and the
audit events all of that wrote. Used by the restore drill (committed rows: transactional tests)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agency.models import Beat, MissionPolicy
from agency.selectors import current_shift_window
from forecasting.engine import persist
from forecasting.engine.baselines import NaiveRecent
from forecasting.models import ModelArtifact, ModelVersion
from forecasting.services import build_grid
from forecasting.training import promote_version
from geo.models import GridCell
from missions import services
from missions.models import Mission
from tests.conftest import TEST_PASSWORD
from tests.missions.factories import (
    CrimeTypeFactory,
    OfficerProfileFactory,
    TacticFactory,
    make_forecast,
)


@dataclass
class Seeded:
    token: str
    promoted: list[int]


def seed(officer) -> Seeded:
    build_grid()
    cells = list(GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk"))
    burglary = CrimeTypeFactory(code="burglary", name="Burglary", patrol_efficacy=0.5)
    robbery = CrimeTypeFactory(code="robbery", name="Robbery", severity_weight=2.0, dose_minutes=20)
    policy = MissionPolicy.current()
    policy.missions_per_beat_per_shift = 2
    policy.save()
    TacticFactory(name="Business checks", crime_types=[burglary], order=1)
    window = current_shift_window()
    make_forecast(
        date=window.date, shift=window.shift, cells=cells, crime_types=[burglary, robbery]
    )
    services.plan_missions(date=window.date, shift=window.shift)
    promoted = []
    for crime_type in (burglary, robbery):
        data = persist.dumps(
            NaiveRecent(28), category=crime_type.code, cell_ids=[c.pk for c in cells]
        )
        version = ModelVersion.objects.create(
            crime_type=crime_type,
            algorithm="naive_28d",
            data_start=timezone.now(),
            data_end=timezone.now(),
            file_hash=persist.sha256_of(data),
        )
        ModelArtifact.objects.create(version=version, data=data)
        promoted.append(promote_version(version=version, report="restore drill").pk)

    OfficerProfileFactory(user=officer, home_beat=Beat.objects.get(code="D1-B1"))
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": officer.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    mission = client.get(reverse("api-officer-missions")).json()["features"][0]
    point = Mission.objects.get(pk=mission["properties"]["id"]).cell.geom.centroid
    started = client.post(
        reverse("api-officer-ping"),
        {"latitude": point.y, "longitude": point.x, "accuracy_m": 10},
        format="json",
    )
    assert started.json()["started"] == [mission["properties"]["id"]], started.content
    return Seeded(token=token, promoted=promoted)


def small_agency_rows():
    """The root conftest's small agency (West/East, two beats each, three shifts), for scripts that
    run outside pytest (tests/upgrade/make_fixture.py)."""
    from django.contrib.gis.geos import GEOSGeometry
    from shapely.geometry import box

    from agency.models import Agency, District, Shift

    def multipolygon(shape):
        coords = ", ".join(f"{x} {y}" for x, y in shape.exterior.coords)
        return GEOSGeometry(f"MULTIPOLYGON((({coords})))", srid=4326)

    west, south, dx, dy = -79.40, 43.65, 0.0248, 0.018
    agency = Agency.current()
    agency.name = "Test Police Service"
    agency.timezone = "America/Toronto"
    agency.boundary = multipolygon(box(west, south, west + 2 * dx, south + dy))
    agency.save()
    for i, name in enumerate(["West", "East"]):
        x0 = west + i * dx
        district = District.objects.create(
            code=f"D{i + 1}", name=name, geom=multipolygon(box(x0, south, x0 + dx, south + dy))
        )
        for j in range(2):
            Beat.objects.create(
                code=f"D{i + 1}-B{j + 1}",
                name=f"{name} {j + 1}",
                district=district,
                geom=multipolygon(box(x0, south + j * dy / 2, x0 + dx, south + (j + 1) * dy / 2)),
            )
    for order, (name, hour) in enumerate([("Day", 6), ("Evening", 14), ("Night", 22)]):
        Shift.objects.create(
            name=name, start_time=f"{hour:02d}:00", duration_minutes=480, order=order
        )
    return agency

"""Home pages per role, the GeoJSON API behind the maps, token auth and the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from agency.models import CrimeType
from forecasting.services import build_grid
from ingest.models import Incident, Source
from ingest.services.placement import place_all_incidents
from tests.conftest import TEST_PASSWORD, totp_code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "target"),
    [
        ("Analyst", "analyst-home"),
        ("Supervisor", "supervisor-home"),
        ("Officer", "officer-home"),
        ("Administrator", "admin:index"),
    ],
)
def test_home_sends_each_role_to_its_page(role_user, client, role, target):
    client.force_login(role_user(role))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse(target)
    if target != "admin:index":
        assert client.get(response.url).status_code == 200


@pytest.mark.django_db
def test_anonymous_users_go_to_login(client):
    response = client.get(reverse("analyst-home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_officers_do_not_see_analyst_pages(officer, client):
    client.force_login(officer)
    assert client.get(reverse("analyst-home")).status_code == 403


@pytest.mark.django_db
def test_analyst_page_is_a_handful_of_queries(
    small_agency, analyst, client, django_assert_max_num_queries
):
    build_grid()
    client.force_login(analyst)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("analyst-home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "D1" in body and "West" in body and "Rebuild grid" in body


@pytest.mark.django_db
def test_map_data_endpoints(small_agency, analyst, client):
    build_grid()
    source = Source.objects.create(name="RMS")
    burglary = CrimeType.objects.create(code="burglary", name="Burglary")
    for external_id, days_ago in [("a", 1), ("b", 3), ("old", 60)]:
        Incident.objects.create(
            source=source,
            external_id=external_id,
            location=Point(-79.3990, 43.6505, srid=4326),
            occurred_from=timezone.now() - timedelta(days=days_ago),
            crime_type=burglary,
        )
    place_all_incidents()
    client.force_login(analyst)
    districts = client.get("/api/v1/districts.geojson").json()
    assert [f["properties"]["code"] for f in districts["features"]] == ["D1", "D2"]
    assert districts["features"][0]["properties"]["beats"] == 2
    beats = client.get("/api/v1/beats.geojson?district=D2").json()
    assert {f["properties"]["code"] for f in beats["features"]} == {"D2-B1", "D2-B2"}
    grid = client.get("/api/v1/grid/").json()
    assert grid["count"] == len(grid["cells"]) > 50 and grid["cell_size_m"] == 250
    cell_id, district, beat, south, west, north, east, incidents = grid["cells"][0]
    assert south < north and west < east and beat.startswith(district)
    assert grid["incident_days"] == 28
    counts = {row[0]: row[7] for row in grid["cells"] if row[7]}
    assert len(counts) == 1 and list(counts.values()) == [2]  # the 60-day-old one is left out
    hot = next(row for row in grid["cells"] if row[7])
    assert hot[3] <= 43.6505 <= hot[5] and hot[4] <= -79.3990 <= hot[6]


@pytest.mark.django_db
def test_token_auth_and_schema(analyst, client):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "analyst", "password": TEST_PASSWORD, "otp_token": totp_code(analyst)},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    shifts = client.get("/api/v1/shifts/", HTTP_AUTHORIZATION=f"Token {token}")
    assert shifts.status_code == 200
    assert client.get("/api/v1/shifts/").status_code in (401, 403)
    schema = client.get("/api/v1/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    assert schema.status_code == 200 and b"/api/v1/districts.geojson" in schema.content


@pytest.mark.django_db
def test_incidents_are_counted_per_district_in_one_query(small_agency, django_assert_num_queries):
    from ingest.selectors import incident_counts_by_district

    source = Source.objects.create(name="RMS")
    for external_id, lon, days_ago in [
        ("w1", -79.39, 1),
        ("w2", -79.38, 2),
        ("e1", -79.36, 3),
        ("old", -79.36, 90),
    ]:
        Incident.objects.create(
            source=source,
            external_id=external_id,
            location=Point(lon, 43.655, srid=4326),
            occurred_from=timezone.now() - timedelta(days=days_ago),
        )
    with django_assert_num_queries(1):
        counts = incident_counts_by_district(days=28)
    assert counts == {"D1": 2, "D2": 1}

"""Boundary files past GEOMETRY_MAX_VERTICES are simplified until each shape fits (the shape kept
within a few metres, the command saying which); shapes within the limit are stored as drawn; a
boundary drawn in the admin past the limit is refused."""

import io
import json
import math

import pytest
import shapely
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from agency.models import District
from audit.models import AuditEvent
from tests.conftest import TEST_PASSWORD


def circle_feature(code, vertices, cx=-79.39, cy=43.65, r=0.01):
    ring = [
        [
            cx + r * math.cos(2 * math.pi * i / (vertices - 1)),
            cy + r * math.sin(2 * math.pi * i / (vertices - 1)),
        ]
        for i in range(vertices - 1)
    ]
    return {
        "type": "Feature",
        "properties": {"CODE": code},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


@pytest.mark.django_db
def test_a_district_past_the_limit_is_simplified_and_one_within_is_kept(settings, tmp_path):
    settings.GEOMETRY_MAX_VERTICES = 1_000
    path = tmp_path / "districts.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [circle_feature("BIG", 20_000), circle_feature("OK", 1_000, cx=-79.35)],
            }
        )
    )
    out = io.StringIO()
    call_command("import_boundaries", str(path), level="district", name_field="CODE", stdout=out)
    assert "Simplified to at most 1,000 vertices (GEOMETRY_MAX_VERTICES): BIG" in out.getvalue()
    big, ok = District.objects.get(code="BIG").geom, District.objects.get(code="OK").geom
    assert 3 < big.num_coords <= 1_000
    assert ok.num_coords == 1_000  # as drawn
    drawn = shapely.geometry.shape(circle_feature("BIG", 20_000)["geometry"])
    stored = shapely.from_wkb(bytes(big.wkb))
    assert stored.symmetric_difference(drawn).area / drawn.area < 0.01
    event = AuditEvent.objects.get(action="config.boundaries.import")
    assert event.after["simplified"] == ["BIG"]


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", password=TEST_PASSWORD))
    return client


def _district_form(geometry: dict) -> dict:
    return {"code": "D9", "name": "Harbour", "geom": json.dumps(geometry)}


@pytest.mark.django_db
def test_a_boundary_drawn_in_the_admin_past_the_limit_is_refused(admin_client, settings):
    settings.GEOMETRY_MAX_VERTICES = 500
    url = reverse("admin:agency_district_add")
    big = {
        "type": "MultiPolygon",
        "coordinates": [circle_feature("D9", 501)["geometry"]["coordinates"]],
    }
    refused = admin_client.post(url, _district_form(big))
    assert refused.status_code == 200
    assert "more than 500 vertices (GEOMETRY_MAX_VERTICES)" in refused.content.decode()
    assert not District.objects.filter(code="D9").exists()
    fits = {
        "type": "MultiPolygon",
        "coordinates": [circle_feature("D9", 500)["geometry"]["coordinates"]],
    }
    assert admin_client.post(url, _district_form(fits)).status_code == 302
    assert District.objects.get(code="D9").geom.num_coords == 500

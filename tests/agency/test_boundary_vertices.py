"""Boundary files past GEOMETRY_MAX_VERTICES are simplified until each shape fits (the shape kept
within a few metres, the command saying which); shapes within the limit are stored as drawn."""

import io
import json
import math

import pytest
import shapely
from django.core.management import call_command

from agency.models import District
from audit.models import AuditEvent


def circle_feature(code, vertices, cx=-79.39, cy=43.65, r=0.01):
    ring = [[cx + r * math.cos(2 * math.pi * i / (vertices - 1)),
             cy + r * math.sin(2 * math.pi * i / (vertices - 1))] for i in range(vertices - 1)]
    return {"type": "Feature", "properties": {"CODE": code},
            "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}}


@pytest.mark.django_db
def test_a_district_past_the_limit_is_simplified_and_one_within_is_kept(settings, tmp_path):
    settings.GEOMETRY_MAX_VERTICES = 1_000
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        circle_feature("BIG", 20_000), circle_feature("OK", 1_000, cx=-79.35)]}))
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

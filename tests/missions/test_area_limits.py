"""Drawn areas past GEOMETRY_MAX_VERTICES are refused with a 400 before any spatial work (the
issue's 58,000-vertex polygon cost 8 s of CPU per request); an area at the limit is used."""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missions.models import Mission, Suppression

pytestmark = pytest.mark.django_db


def ring_around(box, vertices):
    """A closed ring of `vertices` positions on the circle through the box's corners."""
    west, south, east, north = box.extent
    cx, cy, r = (west + east) / 2, (south + north) / 2, math.hypot(east - west, north - south)
    ring = [
        [
            cx + r * math.cos(2 * math.pi * i / (vertices - 1)),
            cy + r * math.sin(2 * math.pi * i / (vertices - 1)),
        ]
        for i in range(vertices - 1)
    ]
    return [*ring, ring[0]]


def body(area, now_window, **extra):
    return {
        "area": area,
        "date_from": now_window.date.isoformat(),
        "shifts": [now_window.shift.pk],
        "reason_code": "event",
        "reason": "Street festival",
        **extra,
    }


def test_a_58000_vertex_area_is_refused_before_any_spatial_query(grid, api, analyst, now_window):
    area = {"type": "Polygon", "coordinates": [ring_around(grid[5].geom, 58_000)]}
    with CaptureQueriesContext(connection) as queries:
        response = api(analyst).post(reverse("api-missions"), body(area, now_window), format="json")
    assert response.status_code == 400
    assert "more than 5,000 vertices (GEOMETRY_MAX_VERTICES)" in str(response.json())
    assert not any("forecasting_gridcell" in q["sql"] for q in queries.captured_queries)
    assert not Mission.objects.exists()


def test_an_area_at_the_limit_is_used(grid, api, analyst, now_window, settings):
    settings.GEOMETRY_MAX_VERTICES = 2_000
    area = {"type": "Polygon", "coordinates": [ring_around(grid[5].geom, 2_000)]}
    response = api(analyst).post(reverse("api-missions"), body(area, now_window), format="json")
    assert response.status_code == 201, response.content
    assert grid[5].pk in set(Mission.objects.values_list("cell_id", flat=True))
    area = {"type": "Polygon", "coordinates": [ring_around(grid[5].geom, 2_001)]}
    one_more = api(analyst).post(reverse("api-missions"), body(area, now_window), format="json")
    assert one_more.status_code == 400


def test_a_wkt_area_past_the_limit_is_refused_too(grid, api, analyst, now_window, settings):
    settings.GEOMETRY_MAX_VERTICES = 100
    ring = ring_around(grid[5].geom, 101)
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    response = api(analyst).post(reverse("api-suppressions"), body(wkt, now_window), format="json")
    assert response.status_code == 400
    assert "more than 100 vertices" in str(response.json())
    settings.GEOMETRY_MAX_VERTICES = 101
    accepted = api(analyst).post(reverse("api-suppressions"), body(wkt, now_window), format="json")
    assert accepted.status_code in (200, 201), accepted.content
    assert Suppression.objects.exists()

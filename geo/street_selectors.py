"""Reads of the agency's streets for the maps: the lines in a view, simplified to the zoom (about
half a screen pixel), with names and a label position only at street zoom, and a bounded size."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.contrib.gis.geos import Polygon

from .models import Street

STREET_MIN_ZOOM = 12  # below this the streets would be a grey blur: none are served
ALL_STREETS_ZOOM = 14  # below this only arterials (long named streets) are served
ARTERIAL_LENGTH_M = 2000.0  # a name this long in total counts as an arterial
STREET_NAME_ZOOM = 15  # names and label positions from this zoom
MAX_STREET_SEGMENTS = 4000  # longest streets first; the rest is left off and `truncated` says so
MAX_VIEW_DEGREES = 2.0  # a wider view is refused: no map shows so much at street zoom
TILE_PX = 256
TOLERANCE_PX = 0.5


class StreetViewError(ValueError):
    """A view that cannot be served (bad bounding box or zoom), with a message that says which."""


def streets_in_view(*, bbox: tuple[float, float, float, float], zoom: int) -> dict:
    """A FeatureCollection of the streets crossing `bbox` (west, south, east, north) at `zoom`:
    one feature per segment below STREET_NAME_ZOOM, one per name (with `label`) from it."""
    west, south, east, north = _checked_bbox(bbox, zoom)
    names = zoom >= STREET_NAME_ZOOM
    collection = {
        "type": "FeatureCollection",
        "zoom": zoom,
        "names": names,
        "truncated": False,
        "features": [],
    }
    if zoom < STREET_MIN_ZOOM:
        return collection
    streets = Street.objects.filter(geom__intersects=Polygon.from_bbox((west, south, east, north)))
    if zoom < ALL_STREETS_ZOOM:
        streets = streets.filter(name_length_m__gte=ARTERIAL_LENGTH_M)
    rows = list(
        streets.order_by("-name_length_m", "pk")
        .annotate(wkb=AsWKB("geom"))
        .values_list("name", "wkb")[: MAX_STREET_SEGMENTS + 1]
    )
    collection["truncated"] = len(rows) > MAX_STREET_SEGMENTS
    rows = rows[:MAX_STREET_SEGMENTS]
    if not rows:
        return collection
    degrees_per_px = 360.0 / (TILE_PX * 2**zoom)
    lines = shapely.simplify(
        shapely.from_wkb([bytes(wkb) for _, wkb in rows]), degrees_per_px * TOLERANCE_PX
    )
    lines = shapely.set_precision(lines, degrees_per_px / 8)
    if not names:
        collection["features"] = [_feature(line, {}) for line in lines if not line.is_empty]
        return collection
    by_name = defaultdict(list)
    for (name, _), line in zip(rows, lines, strict=True):
        if not line.is_empty:
            by_name[name].append(line)
    view = (west, south, east, north)
    collection["features"] = [
        _feature(
            shapely.multilinestrings(_parts(parts)),
            {"name": name, "label": _label(parts, view) if name else None},
        )
        for name, parts in by_name.items()
    ]
    return collection


def _checked_bbox(bbox, zoom: int) -> tuple[float, float, float, float]:
    west, south, east, north = bbox
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise StreetViewError(
            "bbox must be west,south,east,north in degrees, west < east and south < north."
        )
    if zoom >= STREET_MIN_ZOOM and (
        east - west > MAX_VIEW_DEGREES or north - south > MAX_VIEW_DEGREES
    ):
        raise StreetViewError(
            f"bbox is wider than {MAX_VIEW_DEGREES}° for zoom {zoom}: zoom out or ask for less."
        )
    if not 0 <= zoom <= 22:
        raise StreetViewError("zoom must be between 0 and 22.")
    return west, south, east, north


def _parts(lines: list) -> list:
    return [part for line in lines for part in shapely.get_parts(line)]


def _label(lines: list, view: tuple[float, float, float, float]) -> dict | None:
    """Where to write a street's name: the middle of its longest block (centreline files cut streets
    at every crossing) inside the view, so two names never start on their shared corner; turned to
    follow the line on screen (north up), never upside down."""
    clipped = shapely.clip_by_rect(np.asarray(_parts(lines), dtype=object), *view)
    parts = [
        p
        for c in clipped
        for p in shapely.get_parts(c)
        if p.geom_type == "LineString" and not p.is_empty
    ]
    if not parts:
        return None
    longest = max(parts, key=lambda p: p.length)
    before, middle, after = (longest.interpolate(f, normalized=True) for f in (0.45, 0.5, 0.55))
    x_scale = math.cos(math.radians(middle.y))
    angle = -math.degrees(math.atan2(after.y - before.y, (after.x - before.x) * x_scale))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    return {"lat": round(middle.y, 6), "lon": round(middle.x, 6), "angle": round(angle, 1)}


def _feature(geometry, properties: dict) -> dict:
    coords = shapely.get_parts(geometry) if geometry.geom_type.startswith("Multi") else [geometry]
    lines = [np.round(np.asarray(line.coords), 6).tolist() for line in coords]
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "MultiLineString", "coordinates": lines},
    }


def streets_in_bounds(bounds: tuple[float, float, float, float]) -> list[tuple[str, object, float]]:
    """(name, shapely line in lon/lat, length of all its name's segments) of every street crossing
    `bounds`, longest names first: what a printed map draws at its own scale."""
    west, south, east, north = bounds
    rows = (
        Street.objects.filter(geom__intersects=Polygon.from_bbox((west, south, east, north)))
        .order_by("-name_length_m", "pk")
        .annotate(wkb=AsWKB("geom"))
        .values_list("name", "wkb", "name_length_m")
    )
    return [(name, shapely.from_wkb(bytes(wkb)), length) for name, wkb, length in rows]

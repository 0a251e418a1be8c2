"""Vertex limits on geometries that come from outside: a drawn area is refused past the limit
before GEOS or the database ever see it (a 58,000-vertex polygon cost seconds per request), a
boundary file is simplified until each shape fits.

Pure Python and shapely: callers pass GEOMETRY_MAX_VERTICES from settings.
"""

from __future__ import annotations

import shapely

# Simplification starts at about 1 m (in degrees) and doubles until the shape fits.
SIMPLIFY_START_DEGREES = 1e-5
SIMPLIFY_STEPS_MAX = 30


class TooManyVertices(ValueError):
    """A geometry with more vertices than the limit."""


def check_geojson_vertices(geometry: dict, *, limit: int) -> None:
    """Raise TooManyVertices when a GeoJSON geometry has more than `limit` positions; counts
    without building the geometry and stops as soon as the limit is passed."""
    count = 0
    stack = [geometry.get("coordinates", [])]
    stack += [
        g.get("coordinates", []) for g in geometry.get("geometries", []) if isinstance(g, dict)
    ]
    while stack:
        item = stack.pop()
        if not isinstance(item, list | tuple) or not item:
            continue
        if isinstance(item[0], int | float):  # a position
            count += 1
            if count > limit:
                raise TooManyVertices(too_many_vertices(limit))
        else:
            stack.extend(item)


def too_many_vertices(limit: int) -> str:
    return (
        f"The area has more than {limit:,} vertices (GEOMETRY_MAX_VERTICES): draw a simpler shape."
    )


def simplified_to_fit(shape, *, limit: int):
    """`shape` unchanged when it has at most `limit` vertices, else simplified (topology kept)
    with the smallest doubling tolerance that makes it fit."""
    if shapely.get_num_coordinates(shape) <= limit:
        return shape
    tolerance = SIMPLIFY_START_DEGREES
    for _ in range(SIMPLIFY_STEPS_MAX):
        simpler = shapely.simplify(shape, tolerance, preserve_topology=True)
        if shapely.get_num_coordinates(simpler) <= limit:
            return simpler
        tolerance *= 2
    raise TooManyVertices(f"The shape cannot be simplified to {limit:,} vertices.")

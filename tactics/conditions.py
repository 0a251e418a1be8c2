"""Whether a box meets a tactic's conditions: a risk-layer point within some metres, or a recent
incident of a crime type in the box. One query per conditional tactic, whatever the missions."""

from __future__ import annotations

import math
from datetime import timedelta

from django.contrib.gis.geos import Polygon

from ingest.models import Incident, RiskLayerPoint

from .models import Tactic

METRES_PER_DEGREE = 111_320.0  # of latitude; a degree of longitude is this × cos(latitude)


def tactics_that_fit(tactics: list[Tactic], missions: list) -> dict[int, set[int]]:
    """Per conditional tactic's pk, the pks of the missions whose box meets all its conditions.
    Missions need `cell` (geometry and metric CRS) and `ends_at`; tactics without conditions are
    not in the answer (they fit every box)."""
    out = {}
    for tactic in tactics:
        if not tactic.has_conditions:
            continue
        fits = {m.pk for m in missions}
        if tactic.near_layer_id is not None:
            fits &= _near_layer(tactic, missions)
        if tactic.recent_crime_type_id is not None:
            fits &= _recent_incident(tactic, missions)
        out[tactic.pk] = fits
    return out


def _near_layer(tactic: Tactic, missions: list) -> set[int]:
    metres = float(tactic.near_metres)
    points = list(
        RiskLayerPoint.objects.filter(
            layer_id=tactic.near_layer_id, location__bboverlaps=_bounds(missions, metres)
        ).values_list("location", flat=True)
    )
    if not points:
        return set()
    fits = set()
    projected: dict = {}  # the same box appears on several shifts' missions
    for mission in missions:
        cell = mission.cell
        box = projected.get(cell.pk)
        if box is None:
            box = projected[cell.pk] = cell.geom.transform(cell.epsg, clone=True)
        if any(box.distance(p.transform(cell.epsg, clone=True)) <= metres for p in points):
            fits.add(mission.pk)
    return fits


def _recent_incident(tactic: Tactic, missions: list) -> set[int]:
    window = timedelta(days=tactic.recent_days)
    incidents = list(
        Incident.objects.filter(
            crime_type_id=tactic.recent_crime_type_id,
            occurred_from__gte=min(m.ends_at for m in missions) - window,
            occurred_from__lt=max(m.ends_at for m in missions),
            location__bboverlaps=_bounds(missions, 0.0),
        ).values_list("location", "occurred_from")
    )
    return {
        m.pk for m in missions
        if any(m.ends_at - window <= at < m.ends_at and m.cell.geom.intersects(point) for point, at in incidents)
    }


def _bounds(missions: list, metres: float) -> Polygon:
    """The missions' boxes' extent grown by `metres` (generously, in degrees)."""
    extents = [m.cell.geom.extent for m in missions]
    west, south = min(e[0] for e in extents), min(e[1] for e in extents)
    east, north = max(e[2] for e in extents), max(e[3] for e in extents)
    dy = metres / METRES_PER_DEGREE
    dx = dy / max(math.cos(math.radians(max(abs(south), abs(north)))), 0.01)
    bounds = Polygon.from_bbox((west - dx, south - dy, east + dx, north + dy))
    bounds.srid = 4326
    return bounds

"""Whether a box meets a tactic's conditions: a risk-layer point within some metres, or a recent
incident of a crime type in the box. One query per conditional tactic, whatever the missions."""

from __future__ import annotations

import functools
import math
from datetime import timedelta

import numpy as np
import pyproj
import shapely
from django.contrib.gis.geos import Polygon

from ingest.models import Incident, RiskLayerPoint

from .models import Tactic

METRES_PER_DEGREE = 111_320.0  # of latitude; a degree of longitude is this × cos(latitude)


def tactics_that_fit(tactics: list[Tactic], missions: list) -> dict[int, set[int]]:
    """Per conditional tactic's pk, the pks of the missions whose box meets all its conditions.
    Missions need `cell` (geometry and metric CRS) and `ends_at`; tactics without conditions are
    not in the answer (they fit every box)."""
    conditional = [t for t in tactics if t.has_conditions]
    if not conditional or not missions:
        return {}
    boxes = _Boxes(missions)
    out = {}
    for tactic in conditional:
        fits = {m.pk for m in missions}
        if tactic.near_layer_id is not None:
            fits &= _near_layer(tactic, missions, boxes)
        if tactic.recent_crime_type_id is not None:
            fits &= _recent_incident(tactic, missions, boxes)
        out[tactic.pk] = fits
    return out


class _Boxes:
    """The missions' boxes as shapely polygons, in lon/lat and (on demand) in their metric CRS."""

    def __init__(self, missions: list):
        self.lonlat = {m.cell.pk: shapely.from_wkb(bytes(m.cell.geom.wkb)) for m in missions}
        self.epsg = {m.cell.pk: m.cell.epsg for m in missions}
        self._metric: dict[int, shapely.Polygon] = {}

    def bounds(self, metres: float) -> Polygon:
        """Their extent grown by `metres` (generously, in degrees), for a bounding-box query."""
        west, south, east, north = shapely.total_bounds(list(self.lonlat.values()))
        dy = metres / METRES_PER_DEGREE
        dx = dy / max(math.cos(math.radians(max(abs(south), abs(north)))), 0.01)
        bounds = Polygon.from_bbox((west - dx, south - dy, east + dx, north + dy))
        bounds.srid = 4326
        return bounds

    def metric(self, cell_pk: int) -> shapely.Polygon:
        if cell_pk not in self._metric:
            self._metric[cell_pk] = _to_metric(self.lonlat[cell_pk], self.epsg[cell_pk])
        return self._metric[cell_pk]


def _to_metric(geometry, epsg: int):
    """A lon/lat shapely geometry in the metric CRS `epsg`."""
    return shapely.transform(geometry, _projection(epsg), interleaved=False)


@functools.lru_cache(maxsize=8)
def _projection(epsg: int):
    transformer = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    return lambda x, y: transformer.transform(x, y)


def _near_layer(tactic: Tactic, missions: list, boxes: _Boxes) -> set[int]:
    metres = float(tactic.near_metres)
    found = RiskLayerPoint.objects.filter(
        layer_id=tactic.near_layer_id, location__bboverlaps=boxes.bounds(metres)
    )
    lonlat = [(p.x, p.y) for p in found.values_list("location", flat=True)]
    if not lonlat:
        return set()
    points = {
        epsg: _to_metric(shapely.MultiPoint(lonlat), epsg) for epsg in set(boxes.epsg.values())
    }
    return {
        m.pk
        for m in missions
        if boxes.metric(m.cell.pk).distance(points[boxes.epsg[m.cell.pk]]) <= metres
    }


def _recent_incident(tactic: Tactic, missions: list, boxes: _Boxes) -> set[int]:
    window = timedelta(days=tactic.recent_days)
    rows = list(
        Incident.objects.filter(
            crime_type_id=tactic.recent_crime_type_id,
            occurred_from__gte=min(m.ends_at for m in missions) - window,
            occurred_from__lt=max(m.ends_at for m in missions),
            location__bboverlaps=boxes.bounds(0.0),
        ).values_list("location", "occurred_from")
    )
    if not rows:
        return set()
    points = shapely.points([(p.x, p.y) for p, _ in rows])
    times = np.array([at for _, at in rows])
    return {
        m.pk
        for m in missions
        if np.any(
            (times >= m.ends_at - window)
            & (times < m.ends_at)
            & shapely.intersects(boxes.lonlat[m.cell.pk], points)
        )
    }

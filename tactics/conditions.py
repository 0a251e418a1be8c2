"""Whether a box meets a tactic's conditions: a risk-layer point within some metres, or a recent
incident of a crime type in the box. One query per conditional tactic, whatever the missions."""

from __future__ import annotations

import functools
from datetime import timedelta

import numpy as np
import pyproj
import shapely
from django.contrib.gis.geos import Polygon

from geo.placement import lonlat_bounds
from ingest.models import RiskLayerPoint
from ingest.selectors import counted_incidents, in_window_mask, utc_array

from .models import Tactic


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
    """The missions' boxes as squares in their metric CRS (exactly the cells' squares)."""

    def __init__(self, missions: list):
        self.cells = {m.cell.pk: m.cell for m in missions}
        self.epsg = {pk: cell.epsg for pk, cell in self.cells.items()}

    def bounds(self, metres: float) -> Polygon:
        """Their extent grown by `metres`, in lon/lat, for a bounding-box query."""
        bounds = Polygon.from_bbox(lonlat_bounds(self.cells.values(), margin_m=metres))
        bounds.srid = 4326
        return bounds

    def metric(self, cell_pk: int) -> shapely.Polygon:
        cell = self.cells[cell_pk]
        x0, y0 = cell.col * cell.cell_size_m, cell.row * cell.cell_size_m
        return shapely.box(x0, y0, x0 + cell.cell_size_m, y0 + cell.cell_size_m)


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
    """Missions whose box had a counted incident (ingest.selectors.counted_incidents, in the box by
    Incident.cell) of the tactic's crime type in the `recent_days` before the shift's end."""
    window = timedelta(days=tactic.recent_days)
    rows = list(
        counted_incidents(
            min(m.ends_at for m in missions) - window,
            max(m.ends_at for m in missions),
            cells=boxes.cells,
        )
        .filter(crime_type_id=tactic.recent_crime_type_id)
        .values_list("cell_id", "occurred_from", "occurred_to")
    )
    if not rows:
        return set()
    cell, occurred_from, occurred_to = zip(*rows, strict=True)
    cell = np.array(cell, dtype=np.int64)
    occurred_from = utc_array(occurred_from)
    occurred_to = utc_array(occurred_to)
    return {
        m.pk
        for m in missions
        if np.any(
            (cell == m.cell.pk)
            & in_window_mask(occurred_from, occurred_to, m.ends_at - window, m.ends_at)
        )
    }

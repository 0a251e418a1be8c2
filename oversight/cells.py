"""The boxes of the grid with their beat and district, and incidents placed on them: the shared
ground of the concentration and evaluation reads. Incidents are binned on the grid's CRS origin
(`forecasting.engine.grid.lonlat_to_colrow`), so it runs the same on PostGIS and SpatiaLite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np

from forecasting.engine.grid import CellPositions, lonlat_to_colrow
from geo.models import GridCell
from ingest.models import Incident, RiskLayer

POPULATION_LAYER = "population"  # a point layer whose point names are resident counts


@dataclass(frozen=True, eq=False)
class Cells:
    """Active boxes that belong to a beat, in a fixed order (index = row of every array)."""

    pk: np.ndarray
    cell_id: np.ndarray
    col: np.ndarray
    row: np.ndarray
    beat: np.ndarray  # beat code
    district: np.ndarray  # district code
    epsg: int | None
    size_m: float | None

    def __len__(self) -> int:
        return int(self.pk.size)

    @property
    def index_of_pk(self) -> dict[int, int]:
        return {int(pk): i for i, pk in enumerate(self.pk)}

    @cached_property
    def _positions(self) -> CellPositions:
        return CellPositions(self.col, self.row)

    def locate(self, lonlat: np.ndarray) -> np.ndarray:
        """Index of the box holding each (lon, lat) point; -1 outside every beat's boxes."""
        if not len(self) or not len(lonlat):
            return np.full(len(lonlat), -1, dtype=np.int64)
        cols, rows = lonlat_to_colrow(
            lonlat[:, 0], lonlat[:, 1], epsg=self.epsg, cell_size=self.size_m
        )
        return self._positions.find(cols, rows)


@dataclass(frozen=True, eq=False)
class PlacedIncidents:
    """Incidents on the boxes: time (UTC ns), box index, crime type code. Sorted by time."""

    t_ns: np.ndarray
    cell: np.ndarray
    crime_type: np.ndarray

    def between(self, start: datetime, end: datetime) -> slice:
        lo, hi = np.searchsorted(self.t_ns, [_ns(start), _ns(end)])
        return slice(int(lo), int(hi))


def load_cells() -> Cells:
    rows = list(
        GridCell.objects.filter(active=True, beat__isnull=False)
        .order_by("pk")
        .values_list(
            "pk",
            "cell_id",
            "col",
            "row",
            "beat__code",
            "beat__district__code",
            "epsg",
            "cell_size_m",
        )
    )
    if not rows:
        empty = np.empty(0, dtype=object)
        return Cells(
            np.empty(0, dtype=np.int64),
            empty,
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            empty,
            empty,
            None,
            None,
        )
    pk, cell_id, col, row, beat, district, epsg, size = zip(*rows, strict=True)
    return Cells(
        pk=np.array(pk, dtype=np.int64),
        cell_id=np.array(cell_id, dtype=object),
        col=np.array(col, dtype=np.int64),
        row=np.array(row, dtype=np.int64),
        beat=np.array(beat, dtype=object),
        district=np.array(district, dtype=object),
        epsg=int(epsg[0]),
        size_m=float(size[0]),
    )


def place_incidents(cells: Cells, start: datetime, end: datetime) -> PlacedIncidents:
    """Typed incidents that became known in [start, end) inside a beat's boxes.

    Officer-initiated incidents are left out: they record where officers were, so counting them
    would credit patrol with the crime it found (the same guard as the forecast's training)."""
    rows = list(
        Incident.objects.filter(
            occurred_from__gte=start,
            occurred_from__lt=end,
            crime_type__isnull=False,
            officer_initiated=False,
        )
        .order_by("occurred_from", "pk")
        .values_list("occurred_from", "location", "crime_type__code")
    )
    if not rows:
        return PlacedIncidents(
            np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, dtype=object)
        )
    when, where, code = zip(*rows, strict=True)
    cell = cells.locate(np.array([p.coords for p in where], dtype=float))
    keep = cell >= 0
    return PlacedIncidents(
        t_ns=np.array([_ns(t) for t in when], dtype=np.int64)[keep],
        cell=cell[keep],
        crime_type=np.array(code, dtype=object)[keep],
    )


def residents_per_cell(cells: Cells) -> np.ndarray | None:
    """Residents per box from the `population` layer (each point a block centroid whose name is
    its count), or None when the agency has not imported one."""
    layer = RiskLayer.objects.filter(name=POPULATION_LAYER).first()
    if layer is None:
        return None
    points = list(layer.points.values_list("location", "name"))
    residents = np.zeros(len(cells))
    if not points:
        return residents
    where = cells.locate(np.array([p.coords for p, _ in points], dtype=float))
    counts = np.array([_count(name) for _, name in points])
    inside = where >= 0
    np.add.at(residents, where[inside], counts[inside])
    return residents


def _count(text: str) -> float:
    try:
        return max(0.0, float(str(text).replace(",", "")))
    except ValueError:
        return 0.0


def _ns(t: datetime) -> int:
    return int(t.timestamp() * 1_000_000_000)

"""The boxes of the grid with their beat and district, and the counted incidents in them: the shared
ground of the concentration and evaluation reads. Which incidents count and in which box is
`ingest.selectors.counted_incidents`' rule (Incident.cell, set by geo.placement), the one every
page uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np

from geo.models import GridCell
from geo.placement import ActiveGrid
from ingest.models import RiskLayer
from ingest.selectors import counted_incidents, in_window_mask, utc_array

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

    def index_of(self, cell_pks: np.ndarray) -> np.ndarray:
        """Index of each box pk (pks are in ascending order); -1 for a box not among them."""
        cell_pks = np.asarray(cell_pks, dtype=np.int64)
        if not len(self) or not cell_pks.size:
            return np.full(cell_pks.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.pk, cell_pks), len(self) - 1)
        return np.where(self.pk[at] == cell_pks, at, -1)

    @cached_property
    def _grid(self) -> ActiveGrid:
        return ActiveGrid(self.pk, self.col, self.row, self.epsg, self.size_m)

    def locate(self, lonlat: np.ndarray) -> np.ndarray:
        """Index of the box holding each (lon, lat) point (geo.placement); -1 outside every
        beat's boxes."""
        return self.index_of(self._grid.place(lonlat[:, 0], lonlat[:, 1]))


@dataclass(frozen=True, eq=False)
class PlacedIncidents:
    """Counted incidents on the boxes: time window (UTC; `occurred_to` NaT when exact), box index,
    crime type code."""

    occurred_from: np.ndarray
    occurred_to: np.ndarray
    cell: np.ndarray
    crime_type: np.ndarray

    def between(self, start: datetime, end: datetime) -> np.ndarray:
        """Which of them count in [start, end), by counted_incidents' time rule."""
        return in_window_mask(self.occurred_from, self.occurred_to, start, end)


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
    """Counted incidents of [start, end) (ingest.selectors.counted_incidents) in a beat's boxes."""
    rows = list(
        counted_incidents(start, end)
        .order_by("occurred_from", "pk")
        .values_list("occurred_from", "occurred_to", "cell_id", "crime_type__code")
    )
    if not rows:
        return PlacedIncidents(
            np.empty(0, "datetime64[us]"),
            np.empty(0, "datetime64[us]"),
            np.empty(0, np.int64),
            np.empty(0, dtype=object),
        )
    occurred_from, occurred_to, cell_pk, code = zip(*rows, strict=True)
    cell = cells.index_of(np.array(cell_pk, dtype=np.int64))
    keep = cell >= 0
    return PlacedIncidents(
        occurred_from=utc_array(occurred_from)[keep],
        occurred_to=utc_array(occurred_to)[keep],
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

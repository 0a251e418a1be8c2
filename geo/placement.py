"""The one rule that puts a point in a box, and metres measured in the box's own CRS.

A point belongs to the cell whose square holds it in the cell's metric CRS (`epsg`): column
floor(x / cell_size_m), row floor(y / cell_size_m), on the CRS origin. Squares are half-open,
[x0, x0 + size) × [y0, y0 + size): a point on a shared edge belongs to exactly one box, the one
east (or north) of the edge. Points are projected with pyproj in bulk; no metres-per-degree
approximation anywhere (docs/adr/0018-geo-layer.md). Incidents carry the result
(`Incident.cell`), so every page counts them in the same box.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyproj

from forecasting.engine.grid import CellPositions, lonlat_to_colrow

from .models import GridCell

WGS84_EPSG = 4326
NOWHERE = -1  # the cell pk of a point outside every active box
BOUNDS_DENSIFY = 21  # points per edge when a metric box is drawn back in lon/lat


@dataclass(frozen=True, eq=False)
class ActiveGrid:
    """Cells (pk, col, row) of one metric grid (`epsg`, `size_m`) that points are placed on."""

    pk: np.ndarray
    col: np.ndarray
    row: np.ndarray
    epsg: int | None
    size_m: float | None

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> ActiveGrid:
        """From (pk, col, row, epsg, cell_size_m) rows; all of one grid (build_grid leaves only
        one grid's cells active)."""
        rows = list(rows)
        if not rows:
            empty = np.empty(0, dtype=np.int64)
            return cls(empty, empty, empty, None, None)
        grids = {(int(r[3]), float(r[4])) for r in rows}
        if len(grids) > 1:
            raise ValueError(f"Active cells mix projections or sizes {sorted(grids)}")
        pk, col, row, _, _ = zip(*rows, strict=True)
        epsg, size = grids.pop()
        return cls(
            np.array(pk, dtype=np.int64),
            np.array(col, dtype=np.int64),
            np.array(row, dtype=np.int64),
            epsg,
            size,
        )

    def __len__(self) -> int:
        return int(self.pk.size)

    @functools.cached_property
    def _positions(self) -> CellPositions:
        return CellPositions(self.col, self.row)

    def place(self, lon, lat) -> np.ndarray:
        """The pk of the active cell holding each (lon, lat) point, NOWHERE outside them all."""
        lon = np.asarray(lon, dtype=float)
        if not len(self) or not lon.size:
            return np.full(lon.shape, NOWHERE, dtype=np.int64)
        cols, rows = lonlat_to_colrow(lon, lat, epsg=self.epsg, cell_size=self.size_m)
        found = self._positions.find(cols, rows)
        return np.where(found >= 0, self.pk[np.maximum(found, 0)], NOWHERE)


def active_grid() -> ActiveGrid:
    return ActiveGrid.from_rows(
        GridCell.objects.filter(active=True)
        .order_by("pk")
        .values_list("pk", "col", "row", "epsg", "cell_size_m")
    )


def place_points(lon, lat) -> np.ndarray:
    """The active cell pk of each point (NOWHERE outside every active box)."""
    return active_grid().place(lon, lat)


def distance_to_cell_m(cell: GridCell, *, longitude: float, latitude: float) -> float:
    """Metres from the point to the cell's square (0 inside), in the cell's metric CRS."""
    x, y = _to_metric(cell.epsg).transform(longitude, latitude)
    x0, y0 = cell.col * cell.cell_size_m, cell.row * cell.cell_size_m
    dx = max(x0 - x, 0.0, x - (x0 + cell.cell_size_m))
    dy = max(y0 - y, 0.0, y - (y0 + cell.cell_size_m))
    return float(np.hypot(dx, dy))


def lonlat_bounds(cells: Iterable[GridCell], *, margin_m: float = 0.0) -> tuple[float, ...]:
    """(west, south, east, north) in lon/lat around the cells' squares grown by `margin_m` metres:
    a bounding box for an index prefilter, drawn from the metric squares."""
    boxes = []
    for cell in cells:
        x0, y0 = cell.col * cell.cell_size_m - margin_m, cell.row * cell.cell_size_m - margin_m
        side = cell.cell_size_m + 2 * margin_m
        boxes.append(
            _to_wgs84(cell.epsg).transform_bounds(
                x0, y0, x0 + side, y0 + side, densify_pts=BOUNDS_DENSIFY
            )
        )
    if not boxes:
        raise ValueError("no cells to bound")
    west, south, east, north = np.array(boxes).T
    return float(west.min()), float(south.min()), float(east.max()), float(north.max())


@functools.lru_cache(maxsize=8)
def _to_metric(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(WGS84_EPSG, epsg, always_xy=True)


@functools.lru_cache(maxsize=8)
def _to_wgs84(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(epsg, WGS84_EPSG, always_xy=True)

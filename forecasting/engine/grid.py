"""Square forecasting cells in a metric CRS, with a fixed origin so cell ids never change.
Builds the cells that intersect a jurisdiction and assigns each to the district/beat it overlaps most."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

CELL_SIZE_M_DEFAULT = 250.0
WGS84_EPSG = 4326
UTM_ZONE_WIDTH_DEG = 6.0
UTM_NORTH_BASE_EPSG = 32600
UTM_SOUTH_BASE_EPSG = 32700
NO_AREA = -1  # district/beat index of a cell that lies in none of them
# A cell counts as inside only if it overlaps by more than this share of its area; smaller overlaps
# are reprojection round-off along a shared edge (the cell merely touches the boundary).
MIN_OVERLAP_SHARE = 1e-6


class GridError(ValueError):
    """The boundary or parameters cannot make a grid."""


def metric_epsg_for(lon: float, lat: float) -> int:
    """EPSG code of the UTM zone containing (lon, lat): 326xx north of the equator, 327xx south."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise GridError(f"({lon}, {lat}) is not a longitude/latitude pair")
    zone = int(math.floor((lon + 180.0) / UTM_ZONE_WIDTH_DEG)) + 1
    zone = min(max(zone, 1), 60)  # lon == 180 belongs to zone 60
    return (UTM_NORTH_BASE_EPSG if lat >= 0 else UTM_SOUTH_BASE_EPSG) + zone


@dataclass(frozen=True, eq=False)
class Grid:
    """Cells ordered by (row, col); `district`/`beat` index the lists given to `build_grid` (-1: none)."""

    epsg: int
    cell_size: float
    col: np.ndarray
    row: np.ndarray
    center_x: np.ndarray
    center_y: np.ndarray
    center_lon: np.ndarray
    center_lat: np.ndarray
    district: np.ndarray
    beat: np.ndarray
    district_names: tuple = field(default=())
    beat_names: tuple = field(default=())

    def __len__(self) -> int:
        return int(self.col.shape[0])

    @property
    def cell_ids(self) -> np.ndarray:
        return np.char.add(np.char.add(self.col.astype(str), "_"), self.row.astype(str)).astype(
            object
        )

    def polygons_metric(self) -> np.ndarray:
        x0 = self.col * self.cell_size
        y0 = self.row * self.cell_size
        return shapely.box(x0, y0, x0 + self.cell_size, y0 + self.cell_size)

    def polygons_wgs84(self) -> np.ndarray:
        return _reproject(self.polygons_metric(), self._to_wgs84)

    def index_of(self, x, y) -> np.ndarray:
        """Cell index of each metric point, -1 outside the grid (vectorised)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        return self._positions.find(np.floor(x / self.cell_size), np.floor(y / self.cell_size))

    def lonlat_to_index(self, lon, lat) -> np.ndarray:
        x, y = self._to_metric.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return self.index_of(x, y)

    def lonlat_to_metric(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._to_metric.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x), np.asarray(y)

    # --- raster view: the grid's bounding box, used for convolutions (cells outside are masked) ---

    @cached_property
    def row0(self) -> int:
        return int(self.row.min()) if len(self) else 0

    @cached_property
    def col0(self) -> int:
        return int(self.col.min()) if len(self) else 0

    @cached_property
    def raster_shape(self) -> tuple[int, int]:
        if not len(self):
            return (0, 0)
        return (int(self.row.max()) - self.row0 + 1, int(self.col.max()) - self.col0 + 1)

    @cached_property
    def raster_rc(self) -> tuple[np.ndarray, np.ndarray]:
        return self.row - self.row0, self.col - self.col0

    @cached_property
    def mask(self) -> np.ndarray:
        m = np.zeros(self.raster_shape, dtype=bool)
        m[self.raster_rc] = True
        return m

    def to_raster(self, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """(cells, ...) -> (H, W, ...) with `fill` outside the grid."""
        values = np.asarray(values)
        out = np.full(self.raster_shape + values.shape[1:], fill, dtype=values.dtype)
        out[self.raster_rc] = values
        return out

    def from_raster(self, raster: np.ndarray) -> np.ndarray:
        """(H, W, ...) -> (cells, ...)."""
        return raster[self.raster_rc]

    @cached_property
    def _positions(self) -> CellPositions:
        return CellPositions(self.col, self.row)

    @cached_property
    def _to_metric(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(WGS84_EPSG, self.epsg, always_xy=True)

    @cached_property
    def _to_wgs84(self) -> pyproj.Transformer:
        return pyproj.Transformer.from_crs(self.epsg, WGS84_EPSG, always_xy=True)


class CellPositions:
    """Finds cells by (col, row) position with one raster lookup instead of a dict per point."""

    def __init__(self, col: np.ndarray, row: np.ndarray):
        col = np.asarray(col, dtype=np.int64)
        row = np.asarray(row, dtype=np.int64)
        self._col0 = int(col.min()) if col.size else 0
        self._row0 = int(row.min()) if row.size else 0
        shape = (
            (int(row.max()) - self._row0 + 1, int(col.max()) - self._col0 + 1)
            if col.size
            else (0, 0)
        )
        self._lookup = np.full(shape, -1, dtype=np.int64)
        self._lookup[row - self._row0, col - self._col0] = np.arange(col.size)

    def find(self, col, row) -> np.ndarray:
        """Index of the cell at each (col, row), -1 where there is none (NaN positions included)."""
        rr = np.asarray(row, dtype=float) - self._row0
        cc = np.asarray(col, dtype=float) - self._col0
        h, w = self._lookup.shape
        ok = np.isfinite(rr) & np.isfinite(cc) & (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        out = np.full(rr.shape, -1, dtype=np.int64)
        out[ok] = self._lookup[rr[ok].astype(np.int64), cc[ok].astype(np.int64)]
        return out


def lonlat_to_colrow(lon, lat, *, epsg: int, cell_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Column and row, on the metric CRS's origin, of the cell holding each lon/lat point (the
    `col_row` of cell ids): plain arithmetic, so callers run the same on PostGIS and SpatiaLite."""
    x, y = pyproj.Transformer.from_crs(WGS84_EPSG, epsg, always_xy=True).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.floor(np.asarray(x) / cell_size).astype(np.int64), np.floor(
        np.asarray(y) / cell_size
    ).astype(np.int64)


def build_grid(
    boundary_wgs84: BaseGeometry,
    *,
    cell_size: float = CELL_SIZE_M_DEFAULT,
    epsg: int | None = None,
    districts: Sequence[BaseGeometry] = (),
    beats: Sequence[BaseGeometry] = (),
    district_names: Sequence[str] = (),
    beat_names: Sequence[str] = (),
) -> Grid:
    """Cells of `cell_size` metres intersecting the boundary (lon/lat geometry), ordered by (row, col)."""
    _check_boundary(boundary_wgs84)
    if not (cell_size > 0 and math.isfinite(cell_size)):
        raise GridError(f"cell_size must be a positive number of metres, got {cell_size!r}")
    if epsg is None:
        centroid = boundary_wgs84.centroid
        epsg = metric_epsg_for(centroid.x, centroid.y)
    to_metric = pyproj.Transformer.from_crs(WGS84_EPSG, epsg, always_xy=True)
    to_wgs84 = pyproj.Transformer.from_crs(epsg, WGS84_EPSG, always_xy=True)
    boundary = shapely.make_valid(_reproject(boundary_wgs84, to_metric))

    col, row = _cells_intersecting(boundary, cell_size)
    x0 = col * cell_size
    y0 = row * cell_size
    boxes = shapely.box(x0, y0, x0 + cell_size, y0 + cell_size)
    cx = x0 + cell_size / 2.0
    cy = y0 + cell_size / 2.0
    lon, lat = to_wgs84.transform(cx, cy)

    return Grid(
        epsg=int(epsg),
        cell_size=float(cell_size),
        col=col,
        row=row,
        center_x=cx,
        center_y=cy,
        center_lon=np.asarray(lon),
        center_lat=np.asarray(lat),
        district=_largest_overlap(boxes, districts, to_metric),
        beat=_largest_overlap(boxes, beats, to_metric),
        district_names=tuple(district_names),
        beat_names=tuple(beat_names),
    )


def _check_boundary(geom) -> None:
    if geom is None or not isinstance(geom, BaseGeometry) or geom.is_empty:
        raise GridError("boundary is empty")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        polys = [
            g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")
        ]
        if not polys:
            raise GridError(f"boundary must be a Polygon or MultiPolygon, got {geom.geom_type}")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0):
        raise GridError(
            f"boundary bounds {geom.bounds} are not longitude/latitude; give WGS84 (EPSG:4326) geometry"
        )
    if shapely.area(geom) <= 0:
        raise GridError("boundary has no area")


def _cells_intersecting(boundary, cell_size: float) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = boundary.bounds
    cols = np.arange(math.floor(minx / cell_size), math.floor(maxx / cell_size) + 1, dtype=np.int64)
    rows = np.arange(math.floor(miny / cell_size), math.floor(maxy / cell_size) + 1, dtype=np.int64)
    # Row-major so cells come out ordered by (row, col).
    row_grid, col_grid = np.meshgrid(rows, cols, indexing="ij")
    rr, cc = row_grid.ravel(), col_grid.ravel()
    x0, y0 = cc * cell_size, rr * cell_size
    boxes = shapely.box(x0, y0, x0 + cell_size, y0 + cell_size)
    shapely.prepare(boundary)
    hit = shapely.intersects(boundary, boxes)
    # Interior cells are cheap to confirm; only edge cells need the exact overlap area, which also
    # drops cells that merely touch the boundary along an edge or at a corner.
    inside = hit & shapely.contains_properly(boundary, boxes)
    edge = np.flatnonzero(hit & ~inside)
    keep = inside.copy()
    if edge.size:
        overlap = shapely.area(shapely.intersection(boxes[edge], boundary))
        keep[edge] = overlap > MIN_OVERLAP_SHARE * cell_size * cell_size
    return cc[keep], rr[keep]


def _largest_overlap(
    boxes: np.ndarray, areas_wgs84: Sequence[BaseGeometry], to_metric
) -> np.ndarray:
    out = np.full(boxes.shape[0], NO_AREA, dtype=np.int64)
    if len(areas_wgs84) == 0 or boxes.shape[0] == 0:
        return out
    areas = np.array(
        [shapely.make_valid(_reproject(a, to_metric)) for a in areas_wgs84], dtype=object
    )
    tree = shapely.STRtree(areas)
    box_i, area_i = tree.query(boxes, predicate="intersects")
    if box_i.size == 0:
        return out
    overlap = shapely.area(shapely.intersection(boxes[box_i], areas[area_i]))
    positive = overlap > MIN_OVERLAP_SHARE * shapely.area(boxes[box_i])
    box_i, area_i, overlap = box_i[positive], area_i[positive], overlap[positive]
    # Largest overlap per cell; equal overlaps go to the lower index so results are deterministic.
    order = np.lexsort((area_i, -overlap, box_i))
    box_sorted = box_i[order]
    first = np.ones(box_sorted.shape[0], dtype=bool)
    first[1:] = box_sorted[1:] != box_sorted[:-1]
    out[box_sorted[first]] = area_i[order][first]
    return out


def _reproject(geoms, transformer: pyproj.Transformer):
    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, _xy)

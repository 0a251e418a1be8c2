import json

import numpy as np
import pytest
import shapely
from engine_helpers import TORONTO
from shapely.geometry import shape

from forecasting.engine.grid import (
    CellPositions,
    GridError,
    build_grid,
    lonlat_to_colrow,
    metric_epsg_for,
)


def test_metric_epsg_for_utm_zones():
    assert metric_epsg_for(-79.4, 43.7) == 32617
    assert metric_epsg_for(151.2, -33.9) == 32756
    assert metric_epsg_for(180.0, 10.0) == 32660
    with pytest.raises(GridError):
        metric_epsg_for(500000.0, 4000000.0)


def test_cells_ordered_and_ids_stable(square):
    g1 = build_grid(square)
    assert len(g1) > 0
    order = np.lexsort((g1.col, g1.row))
    assert np.array_equal(order, np.arange(len(g1)))
    # Enlarging the boundary keeps every old cell id (fixed origin at the CRS origin).
    g2 = build_grid(square.buffer(0.01))
    assert set(g1.cell_ids) <= set(g2.cell_ids)
    assert g1.cell_ids[0] == f"{g1.col[0]}_{g1.row[0]}"


def test_cell_that_only_touches_is_dropped():
    # A boundary exactly one cell in a metric CRS: neighbours share edges but must not be kept.
    import pyproj

    to_ll = pyproj.Transformer.from_crs(32617, 4326, always_xy=True)
    x0, y0 = 250.0 * 2500, 250.0 * 19000
    xs, ys = to_ll.transform([x0, x0 + 250, x0 + 250, x0], [y0, y0, y0 + 250, y0 + 250])
    cell = shapely.Polygon(zip(xs, ys))
    g = build_grid(cell, epsg=32617)
    assert list(zip(g.col.tolist(), g.row.tolist())) == [(2500, 19000)]


def test_index_of_and_lonlat(square):
    g = build_grid(square)
    idx = g.lonlat_to_index(g.center_lon, g.center_lat)
    assert np.array_equal(idx, np.arange(len(g)))
    assert g.index_of(np.array([0.0]), np.array([0.0]))[0] == -1
    polys = g.polygons_wgs84()
    assert shapely.contains(polys, shapely.points(g.center_lon, g.center_lat)).all()


def test_districts_largest_overlap(square):
    west = shapely.box(-79.40, 43.65, -79.3876, 43.668)
    east = shapely.box(-79.3876, 43.65, -79.3752, 43.668)
    g = build_grid(square, districts=[west, east])
    assert set(np.unique(g.district)) == {0, 1}
    assert np.all(g.district[g.center_lon < -79.389] == 0)
    assert np.all(g.district[g.center_lon > -79.386] == 1)
    assert np.all(g.beat == -1)


@pytest.mark.parametrize(
    "bad", [shapely.Polygon(), shapely.Point(0, 0), shapely.box(500000, 4e6, 500250, 4.00025e6)]
)
def test_bad_boundary_raises(bad):
    with pytest.raises(GridError):
        build_grid(bad)


@pytest.mark.skipif(
    not (TORONTO / "divisions.geojson").exists(), reason="shared Toronto data absent"
)
def test_toronto_grid_fast():
    import time

    d = json.loads((TORONTO / "divisions.geojson").read_text())
    polys = [shape(f["geometry"]) for f in d["features"]]
    t = time.perf_counter()
    g = build_grid(shapely.union_all(polys), districts=polys)
    assert time.perf_counter() - t < 30
    assert 9000 < len(g) < 12000
    assert (g.district >= 0).all()


def test_points_are_found_in_their_cell_and_nowhere_else():
    cols, rows = np.array([10, 11, 10]), np.array([-3, -3, -2])
    positions = CellPositions(cols, rows)
    found = positions.find(np.array([11, 10, 12, np.nan, 10]), np.array([-3, -2, -3, -3, -4]))
    assert found.tolist() == [1, 2, -1, -1, -1]  # gaps, outside the raster and NaN are -1


def test_lonlat_binning_agrees_with_the_grid_built_on_the_same_origin(square):
    grid = build_grid(square)
    col, row = lonlat_to_colrow(
        grid.center_lon, grid.center_lat, epsg=grid.epsg, cell_size=grid.cell_size
    )
    assert (col == grid.col).all() and (row == grid.row).all()
    assert (grid.lonlat_to_index(grid.center_lon, grid.center_lat) == np.arange(len(grid))).all()

"""forecasts.csv as an outside reader sees it: centres precise enough to rebuild the grid."""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import shapely
from engine_helpers import SHIFTS, SQUARE, synthetic_events
from pyproj import Transformer

from forecasting.engine.events import prepare_events
from forecasting.engine.features import FeatureContext
from forecasting.engine.files import write_forecasts
from forecasting.engine.grid import build_grid
from forecasting.engine.history import build_history

# Far-west longitudes (about -123.14) have six significant digits before the fourth decimal:
# with six significant digits a centre lands up to 40 m off.
VANCOUVER = shapely.box(-123.16, 49.26, -123.13, 49.28)
SPACING_TOLERANCE_M = 1.0


@pytest.mark.parametrize(
    ("boundary", "tz"), [(SQUARE, "America/Toronto"), (VANCOUVER, "America/Vancouver")]
)
def test_grid_rebuilt_from_forecasts_csv_has_the_cell_spacing(tmp_path, boundary, tz):
    grid = build_grid(boundary)
    lon0, lat0 = boundary.centroid.x, boundary.centroid.y
    events = synthetic_events(n=50, days=10, start="2021-01-01", hot=(lon0, lat0))
    h = build_history(
        prepare_events(events, tz),
        grid,
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2021, 1, 12),
        shift_starts=SHIFTS,
        tz=tz,
    )
    targets = np.arange(h.n_bins - 3, h.n_bins)
    pred = np.random.default_rng(0).random((len(grid), 3))
    result = SimpleNamespace(
        targets=targets, promoted={"Theft, Over": "gbm"}, predictions={"gbm": {"Theft, Over": pred}}
    )
    path = tmp_path / "forecasts.csv"
    write_forecasts(path, result, FeatureContext(h))

    fc = pd.read_csv(path)
    assert len(fc) == 3 * len(grid)
    assert set(fc.crime_type) == {"Theft, Over"}  # a comma in a name is quoted
    assert np.allclose(fc.expected_count.to_numpy()[: len(grid)], pred[:, 0], rtol=1e-5)
    cells = fc.drop_duplicates("cell_id").set_index("cell_id").loc[grid.cell_ids]
    to_metric = Transformer.from_crs("EPSG:4326", f"EPSG:{grid.epsg}", always_xy=True)
    x, y = to_metric.transform(cells.center_lon.to_numpy(), cells.center_lat.to_numpy())
    # Every centre where the grid has it, so neighbours are one cell apart.
    assert np.max(np.hypot(x - grid.center_x, y - grid.center_y)) < SPACING_TOLERANCE_M / 2
    east = {(c, r): i for i, (c, r) in enumerate(zip(grid.col, grid.row, strict=True))}
    pairs = [
        (i, east[(c + 1, r)])
        for i, (c, r) in enumerate(zip(grid.col, grid.row, strict=True))
        if (c + 1, r) in east
    ]
    assert pairs
    gaps = np.array([np.hypot(x[j] - x[i], y[j] - y[i]) for i, j in pairs])
    assert np.all(np.abs(gaps - grid.cell_size) < SPACING_TOLERANCE_M)


def test_six_significant_digits_would_miss_the_spacing():
    """Positive control: the old format (six significant digits) puts Vancouver centres metres off."""
    grid = build_grid(VANCOUVER)
    coarse = np.array([float(f"{v:.6g}") for v in grid.center_lon])
    to_metric = Transformer.from_crs("EPSG:4326", f"EPSG:{grid.epsg}", always_xy=True)
    x, _ = to_metric.transform(coarse, grid.center_lat)
    assert np.max(np.abs(x - grid.center_x)) > SPACING_TOLERANCE_M

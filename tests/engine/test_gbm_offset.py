"""The GBM's offset keeps a cell's ordering within the shift of the day: a box hot only at night ranks
above a box hot only in the morning on night shifts, and the other way round in the morning."""

import datetime as dt

import numpy as np
import pandas as pd
from engine_helpers import SHIFTS, SQUARE, TZ

from forecasting.engine import models
from forecasting.engine.events import prepare_events
from forecasting.engine.features import FeatureContext
from forecasting.engine.grid import build_grid
from forecasting.engine.history import build_history

NIGHT_SPOT = (-79.395, 43.655)  # lon, lat
MORNING_SPOT = (-79.380, 43.664)
START = pd.Timestamp("2019-01-01")
DAYS = 720


def _city(seed=0, per_spot=1500, noise=1500):
    """Two equally busy hot spots, one at 23:00-03:00 and one at 08:00-12:00, plus spread-out noise."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, DAYS, 2 * per_spot + noise)
    hour = np.concatenate(
        [
            rng.choice([23, 0, 1, 2], per_spot),
            rng.integers(8, 12, per_spot),
            rng.integers(0, 24, noise),
        ]
    )
    lon = np.concatenate(
        [
            np.full(per_spot, NIGHT_SPOT[0]),
            np.full(per_spot, MORNING_SPOT[0]),
            rng.uniform(-79.40, -79.3752, noise),
        ]
    )
    lat = np.concatenate(
        [
            np.full(per_spot, NIGHT_SPOT[1]),
            np.full(per_spot, MORNING_SPOT[1]),
            rng.uniform(43.65, 43.668, noise),
        ]
    )
    times = START + pd.to_timedelta(day * 24 + hour, unit="h")
    df = pd.DataFrame(
        {
            "id": [str(i) for i in range(len(day))],
            "occurred_at": times.strftime("%Y-%m-%dT%H:%M"),
            "latitude": lat,
            "longitude": lon,
            "category": "Assault",
        }
    )
    grid = build_grid(SQUARE)
    h = build_history(
        prepare_events(df, TZ, detect_heaping=False),
        grid,
        start_date=START.date(),
        end_date=START.date() + dt.timedelta(days=DAYS + 7),
        shift_starts=SHIFTS,
        tz=TZ,
    )
    return FeatureContext(h)


def _offsets_night_and_morning():
    """(fitted shares, offsets of the night and morning spot's cells in a night and a morning shift)."""
    ctx = _city()
    h = ctx.history
    refit = h.bin_of_date(START.date() + dt.timedelta(days=DAYS))
    gbm = models.GBMForecaster()
    gbm.fit(ctx, ["Assault"], refit)
    night = refit + SHIFTS.index(dt.time(22))
    morning = refit + SHIFTS.index(dt.time(6))
    names = gbm.feature_names["Assault"]
    targets = np.array([night, morning])
    X = gbm._dense_features("Assault", names, targets, gbm._shared_dense(targets))
    offset = gbm._offset("Assault", names, X).reshape(h.n_cells, 2)
    cells = h.grid.lonlat_to_index(
        np.array([NIGHT_SPOT[0], MORNING_SPOT[0]]), np.array([NIGHT_SPOT[1], MORNING_SPOT[1]])
    )
    return gbm.offset["Assault"][0], offset[cells]


def test_the_offset_ranks_each_hot_spot_first_in_its_own_shift(monkeypatch):
    monkeypatch.setattr(models, "OFFSET_SHIFT_SHARES", (0.0, 0.5, 1.0))
    shares, (night_spot, morning_spot) = _offsets_night_and_morning()
    assert shares[2] > 0  # the likelihood takes the same-shift rate
    assert night_spot[0] > 2 * morning_spot[0]  # night shift
    assert morning_spot[1] > 2 * night_spot[1]  # morning shift


def test_without_the_same_shift_rate_the_offset_cannot_tell_the_shifts_apart(monkeypatch):
    """Control: with the share fixed at 0 each cell has one level whatever the shift."""
    monkeypatch.setattr(models, "OFFSET_SHIFT_SHARES", (0.0,))
    shares, (night_spot, morning_spot) = _offsets_night_and_morning()
    assert shares[2] == 0.0
    assert np.isclose(night_spot[0], night_spot[1], rtol=0.02) and np.isclose(
        morning_spot[0], morning_spot[1], rtol=0.02
    )

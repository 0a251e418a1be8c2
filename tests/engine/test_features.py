import datetime as dt

import numpy as np
import pandas as pd
from engine_helpers import SHIFTS, SQUARE, TZ

from forecasting.engine.boosting import PoissonBooster
from forecasting.engine.events import prepare_events
from forecasting.engine.features import (
    FeatureContext,
    decayed_counts,
    same_slot_counts,
    spatial_sum,
    window_counts,
)
from forecasting.engine.grid import build_grid
from forecasting.engine.history import build_history


def _history(times, cats=None, lon=-79.39, lat=43.66, **extra):
    n = len(times)
    df = pd.DataFrame(
        {
            "id": [str(i) for i in range(n)],
            "occurred_at": times,
            "latitude": [lat] * n,
            "longitude": [lon] * n,
            "category": cats or ["Assault"] * n,
            **extra,
        }
    )
    ev = prepare_events(df, TZ, detect_heaping=False)
    grid = build_grid(SQUARE)
    return build_history(
        ev,
        grid,
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2021, 3, 1),
        shift_starts=SHIFTS,
        tz=TZ,
    )


def test_window_counts_exclude_the_target_shift_and_respect_window():
    h = _history(["2021-01-10T10:00"])  # 06-14 shift of Jan 10 = bin 27
    b = int(h.bin[0])
    assert b == 27
    cell = int(h.cell[0])
    targets = np.array([b, b + 1, b + 3, b + 4])
    one_day = window_counts(h, h.mask("Assault"), targets, 3)
    assert list(one_day[cell]) == [0, 1, 1, 0]  # not in its own shift; gone after 3 shifts
    assert one_day.sum() == 2


def test_aoristic_event_is_invisible_until_its_window_ends():
    h = _history(["2021-01-10T10:00"], occurred_to=["2021-01-11T10:00"])
    cell = int(h.cell[0])
    bins = sorted(set(h.bin.tolist()))
    assert len(bins) == 4 and np.isclose(h.weight.sum(), 1.0)
    end_bin = bins[-1]
    counts = window_counts(h, h.mask(None), np.arange(bins[0], end_bin + 2), None)[cell]
    assert np.all(counts[: end_bin - bins[0] + 1] == 0)  # during the window: unknown
    assert np.isclose(counts[-1], 1.0)


def test_same_slot_and_decay():
    h = _history(["2021-01-04T10:00"])
    b = int(h.bin[0])
    cell = int(h.cell[0])
    targets = np.array([b + 21, b + 22, b + 42])
    same = same_slot_counts(h, h.mask(None), targets, 21, 8)[cell]
    assert list(same) == [1, 0, 1]
    dec = decayed_counts(h, h.mask(None), np.array([b, b + 1, b + 4]), half_life_bins=3.0)[cell]
    assert dec[0] == 0
    assert np.isclose(dec[1], 2 ** (-1 / 3))
    assert np.isclose(dec[2], 2 ** (-4 / 3))


def test_spatial_sum_on_raster():
    grid = build_grid(SQUARE)
    v = np.zeros((len(grid), 1), np.float32)
    mid = len(grid) // 2
    v[mid] = 1.0
    s = spatial_sum(grid, v, 1)[:, 0]
    dr = np.abs(grid.row - grid.row[mid])
    dc = np.abs(grid.col - grid.col[mid])
    assert np.array_equal(s > 0, (dr <= 1) & (dc <= 1))


def test_feature_context_calendar_and_terrain():
    h = _history(["2021-01-10T10:00", "2021-02-15T10:00"])
    ctx = FeatureContext(
        h, layers={"poi": (np.array([-79.39]), np.array([43.66]))}, country="CA", subdivision="ON"
    )
    targets = np.arange(0, 90)
    feats = dict(ctx.shared_features(targets))
    assert feats["holiday"][0, 0] == 1.0  # 1 January
    assert feats["holiday"][0, 3] == 0.0
    assert feats["dist_poi"].shape == (len(h.grid), 90)
    names = [n for n, _ in ctx.type_features("Assault", targets)]
    assert len(names) == len(set(names)) > 15


def test_poisson_booster_learns_a_correction_to_its_offset():
    """With the true rate as offset the trees have nothing to add; with a flat offset they learn it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 3)).astype(np.float32)
    rate = np.exp(0.8 * X[:, 0])
    y = rng.poisson(rate).astype(float)
    params = dict(
        learning_rate=0.1, num_boost_round=60, num_leaves=7, max_bin=63, min_data_in_leaf=50
    )
    flat = PoissonBooster(params, random_state=0, threads=1).fit(
        X, y, np.ones(len(y)), np.zeros(len(y))
    )
    learned = flat.predict(X, np.zeros(len(y)))
    assert np.corrcoef(np.log(learned), np.log(rate))[0, 1] > 0.95
    exact = PoissonBooster(params, random_state=0, threads=1).fit(
        X, y, np.ones(len(y)), np.log(rate)
    )
    correction = exact.predict(X, np.zeros(len(y)))
    assert np.median(np.abs(np.log(correction))) < 0.05
    assert np.std(np.log(correction)) < 0.15 * np.std(np.log(learned))

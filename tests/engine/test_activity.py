"""Patrol minutes and planned-event attendance as (cell, bin) arrays, and their features."""

import datetime as dt

import numpy as np
import pandas as pd
from engine_helpers import SHIFTS, SQUARE, TZ

from forecasting.engine.activity import cells_near, event_attendance, patrol_minutes
from forecasting.engine.grid import build_grid
from forecasting.engine.shifts import shift_windows


def grid_and_bins():
    grid = build_grid(SQUARE)
    bins = shift_windows(dt.date(2021, 7, 1), dt.date(2021, 7, 3), SHIFTS, TZ).reset_index(
        drop=True
    )
    return grid, bins


def test_a_visit_across_a_shift_change_is_split_by_minutes():
    grid, bins = grid_and_bins()
    # 13:30–14:30 local on 2021-07-01 (EDT = UTC-4): 30 min in the day shift, 30 in the evening.
    start = pd.to_datetime(["2021-07-01T17:30Z", "2021-07-01T17:40Z"], utc=True)
    end = pd.to_datetime(["2021-07-01T18:30Z", "2021-07-01T17:55Z"], utc=True)
    minutes = patrol_minutes(grid, bins, np.array([3, -1]), start, end)  # the second is in no box
    assert minutes.shape == (len(grid), len(bins))
    assert minutes[3, 0] == 30 and minutes[3, 1] == 30
    assert minutes.sum() == 60


def test_an_event_reaches_nearby_boxes_only_during_its_shifts():
    grid, bins = grid_and_bins()
    near = cells_near(grid, -79.39, 43.66)
    assert 5 <= near.sum() <= 20  # a 500 m radius on 250 m boxes
    load = event_attendance(
        grid,
        bins,
        start_utc=pd.to_datetime(["2021-07-02T23:00Z"], utc=True),
        end_utc=pd.to_datetime(["2021-07-03T02:00Z"], utc=True),
        cell_masks=[near],
        attendance=np.array([20000.0]),
    )
    evening = int(
        np.flatnonzero((bins["date"] == dt.date(2021, 7, 2)) & (bins["shift_index"] == 1))[0]
    )
    assert np.allclose(load[near, evening], 20000.0 / near.sum())
    assert load[~near].sum() == 0
    assert np.allclose(load.sum(axis=0)[evening], 20000.0)
    assert load.sum() == load[:, evening].sum()


def test_feature_context_yields_exposure_and_events(square):
    from engine_helpers import synthetic_events

    from forecasting.engine.events import prepare_events
    from forecasting.engine.features import FeatureContext
    from forecasting.engine.history import build_history

    grid = build_grid(square)
    events = prepare_events(synthetic_events(n=300, days=60, start="2021-05-01"), TZ)
    history = build_history(
        events,
        grid,
        start_date=dt.date(2021, 5, 1),
        end_date=dt.date(2021, 7, 1),
        shift_starts=SHIFTS,
        tz=TZ,
    )
    exposure = np.zeros((len(grid), history.n_bins), dtype=np.float32)
    exposure[2, 10] = 45.0
    event_load = np.zeros_like(exposure)
    event_load[4, 20] = 1000.0
    ctx = FeatureContext(history, exposure=exposure, event_load=event_load)
    features = dict(ctx.shared_features(np.array([11, 20])))
    assert features["exposure_7d"][2, 0] == 45.0  # known before bin 11 starts
    assert features["exposure_7d"][2, 1] == 45.0
    assert features["event_attendance"][4, 1] == np.float32(np.log1p(1000.0))
    assert features["event_attendance"][4, 0] == 0

"""Crime types side by side in threads: the same answers as one by one, in the same order."""

import datetime as dt
import threading

import numpy as np
import pytest
from engine_helpers import SHIFTS, SQUARE, TZ, synthetic_events

from forecasting.engine import parallel
from forecasting.engine.backtest import BacktestConfig, run_backtest
from forecasting.engine.events import prepare_events
from forecasting.engine.features import FeatureContext
from forecasting.engine.grid import build_grid
from forecasting.engine.history import build_history


def test_items_run_side_by_side_and_come_back_in_order(monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    both_inside = threading.Barrier(2, timeout=10)  # passes only if two calls are running at once

    def square(x):
        both_inside.wait()
        return x * x

    assert parallel.map_in_threads(square, [3, 1, 2, 4]) == [9, 1, 4, 16]


def test_one_worker_runs_in_the_calling_thread(monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 1)
    caller = threading.get_ident()
    assert parallel.map_in_threads(lambda x: (x, threading.get_ident()), [2, 1]) == [
        (2, caller),
        (1, caller),
    ]


@pytest.fixture(scope="module")
def ctx():
    h = build_history(
        prepare_events(synthetic_events(n=3000, days=790), TZ),
        build_grid(SQUARE),
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2021, 3, 1),
        shift_starts=SHIFTS,
        tz=TZ,
    )
    return FeatureContext(h, country="CA", subdivision="ON")


def _walk_forward(ctx, seed=7):
    config = BacktestConfig(
        dt.date(2021, 2, 1), 14, ["Assault", "Robbery"], models=("gbm", "kde"), seed=seed
    )
    return run_backtest(ctx, config)


def test_the_walk_forward_is_the_same_with_one_worker_or_two(ctx, monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 1)
    alone = _walk_forward(ctx)
    monkeypatch.setattr(parallel, "WORKERS", 2)
    side_by_side = _walk_forward(ctx)
    for model, per_type in alone.predictions.items():
        for cat, pred in per_type.items():
            assert np.array_equal(pred, side_by_side.predictions[model][cat]), (model, cat)
    # Control: the comparison sees a difference where there is one (another seed samples other rows).
    other = _walk_forward(ctx, seed=8)
    assert not np.array_equal(
        other.predictions["gbm"]["Assault"], alone.predictions["gbm"]["Assault"]
    )

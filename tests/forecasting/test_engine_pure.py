"""Pure engine helpers owned by the app side: reasons in police language, model files that load
only when their hash matches, and a back-test on the demo city that beats the naive baselines."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import explain, persist, pipeline
from forecasting.engine.backtest import BacktestConfig, best_naive_ratio, run_backtest
from forecasting.engine.baselines import KDEHotspot, SelfExciting
from forecasting.engine.reasons import pluralize, reason_texts

N = 200


def features(**overrides):
    base = {
        name: np.zeros(N)
        for name in (
            "n_1d",
            "n_7d_r1",
            "n_28d",
            "n_28d_r1",
            "n_365d",
            "same_slot_52w",
            "all_28d_r1",
            "n_365d_r1",
        )
    }
    base["dist_bars"] = np.full(N, np.log1p(2000.0))
    base.update(overrides)
    return base


CTX = explain.ShiftContext(weekday=4, shift_name="Night", cell_size_m=250)


def test_reasons_name_the_counts_and_the_pattern():
    n7 = np.zeros(N)
    n7[3] = 4
    year = np.arange(N, dtype=float) / 10  # cell 199 is the top 0.5 %
    slot = np.zeros(N)
    slot[3] = 5
    data = explain.explain(
        features(n_7d_r1=n7, n_365d=year, same_slot_52w=slot, n_365d_r1=year),
        crime_type="break_enter",
        ctx=CTX,
    )
    assert data[3][0] == {
        "kind": "factor",
        "factor": "nearby_count",
        "crime_type": "break_enter",
        "value": 4.0,
        "window": "7d",
        "radius_m": 400,
    }
    names = {"break_enter": "Break and Enter"}
    reasons = [reason_texts(r, names, with_crime_type=False) for r in data]
    assert "4 break and enters within 400 m in the last 7 days" in reasons[3]
    assert (
        "Friday night pattern: 5 break and enters here on Friday nights over the last year"
        in reasons[3]
    )
    assert reasons[199][0] == "long-term hot spot: top 0.5 % of cells over the last year"
    assert reasons[0] == []  # an ordinary cell has nothing worth saying
    assert all(len(r) <= explain.MAX_REASONS for r in reasons)
    assert reason_texts(data[3], names)[0].startswith("Break and Enter: 4 break and enters")


def test_place_factors_need_an_association_with_the_type():
    dist = np.full(N, np.log1p(2000.0))
    dist[:20] = np.log1p(40.0)  # 20 cells with a bar in them
    level = np.zeros(N)
    level[:20] = 5.0  # and the type is common there
    with_bars = explain.explain(
        features(dist_bars=dist, n_365d_r1=level), crime_type="assault", ctx=CTX
    )
    assert reason_texts(with_bars[0], {}, with_crime_type=False) == ["bars in this box"]
    unrelated = np.zeros(N)
    unrelated[100:120] = 5.0  # the type is common elsewhere: bars say nothing about it
    without = explain.explain(
        features(dist_bars=dist, n_365d_r1=unrelated), crime_type="assault", ctx=CTX
    )
    assert not any(r.get("layer") == "bars" for r in without[0])


def test_pluralize():
    assert pluralize("Robbery") == "robberies"
    assert pluralize("Theft from Vehicle") == "thefts from vehicle"
    assert pluralize("Auto Theft") == "auto thefts"


def test_artifact_round_trip_and_tamper_check(tmp_path):
    model = KDEHotspot()
    model.bandwidth = {"a": 250.0, "b": 400.0}
    model.ctx = object()
    data = persist.dumps(model, category="a", cell_ids=["0_0", "1_0"])
    path = tmp_path / "m.joblib"
    path.write_bytes(data)
    ctx = object()
    loaded, category = persist.load(
        path, expected_sha256=persist.sha256_of(data), ctx=ctx, cell_ids=["0_0", "1_0"]
    )
    assert category == "a" and loaded.bandwidth == {"a": 250.0} and loaded.ctx is ctx
    assert model.ctx is not ctx and model.bandwidth["b"] == 400.0  # the fitted object is untouched
    path.write_bytes(data + b"x")
    with pytest.raises(persist.ArtifactError, match="SHA-256"):
        persist.load(path, expected_sha256=persist.sha256_of(data), ctx=ctx, cell_ids=[])


def test_a_model_file_of_an_older_format_asks_for_retraining(tmp_path, monkeypatch):
    """Format 2 files held the removed ranking blend: refused with a clear "retrain", never half-used."""
    model = KDEHotspot()
    model.bandwidth = {"a": 250.0}
    current = tmp_path / "current.joblib"
    current.write_bytes(persist.dumps(model, category="a", cell_ids=["0_0"]))
    assert (
        persist.load(current, expected_sha256=None, ctx=None, cell_ids=["0_0"])[1] == "a"
    )  # control
    monkeypatch.setattr(persist, "FORMAT_VERSION", 2)
    old = tmp_path / "old.joblib"
    old.write_bytes(persist.dumps(model, category="a", cell_ids=["0_0"]))
    monkeypatch.undo()
    with pytest.raises(
        persist.ArtifactError, match="has format 2, this engine reads 3; retrain the type"
    ):
        persist.load(old, expected_sha256=None, ctx=None, cell_ids=["0_0"])


def test_per_cell_state_follows_cells_across_a_grid_rebuild(tmp_path):
    model = SelfExciting()
    model.params = {"a": (np.array([1.0, 2.0, 3.0]), 0.2, 0.5)}
    path = tmp_path / "m.joblib"
    path.write_bytes(persist.dumps(model, category="a", cell_ids=["0_0", "1_0", "2_0"]))
    loaded, _ = persist.load(path, expected_sha256=None, ctx=None, cell_ids=["2_0", "0_0", "9_9"])
    np.testing.assert_allclose(loaded.params["a"][0], [3.0, 1.0, 2.0])


def test_json_safe_drops_nan():
    assert pipeline.json_safe({"a": float("nan"), "b": np.float32(1.5), "c": (np.int64(2),)}) == {
        "a": None,
        "b": 1.5,
        "c": [2],
    }


@pytest.fixture(scope="module")
def demo_ctx():
    from demo.generator import generate_demo_city
    from forecasting.engine.events import prepare_events
    from forecasting.engine.grid import build_grid
    from forecasting.engine.history import build_history

    city = generate_demo_city(7, end_date=dt.date(2026, 6, 1))
    grid = build_grid(city.boundary, cell_size=250, epsg=city.epsg)
    inc = city.incidents
    raw = pd.DataFrame(
        {
            "id": inc["id"],
            "occurred_at": inc["occurred_at"].astype(str),
            "latitude": inc["latitude"],
            "longitude": inc["longitude"],
            "category": inc["category"],
        }
    )
    events = prepare_events(raw, city.timezone)
    end = city.end.date()
    history = build_history(
        events,
        grid,
        start_date=city.start.date(),
        end_date=end + dt.timedelta(days=1),
        shift_starts=[dt.time(6), dt.time(14), dt.time(22)],
        tz=city.timezone,
    )
    layers = {
        k: (v["longitude"].to_numpy(), v["latitude"].to_numpy()) for k, v in city.layers.items()
    }
    return pipeline.CachedFeatureContext(
        history, layers=layers, country="CA", subdivision="ON"
    ), end


@pytest.mark.slow
def test_demo_city_backtest_beats_the_naive_baselines(demo_ctx):
    ctx, end = demo_ctx
    types = ["Assault", "Break and Enter"]
    config = BacktestConfig(
        end - dt.timedelta(days=28),
        28,
        types,
        ("gbm", "naive_7d", "naive_28d", "naive_91d", "naive_365d"),
    )
    result = run_backtest(ctx, config, keep_predictions="none")
    promoted = dict.fromkeys(types, "gbm")
    ratio5 = best_naive_ratio(result.metrics, promoted, "5%")
    assert np.mean(list(ratio5.values())) > 1.0, ratio5
    for cat in types:
        assert (
            result.metrics["gbm"][cat]["pai"]["5%"] > result.metrics["naive_28d"][cat]["pai"]["5%"]
        )

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from engine_helpers import SQUARE, TZ, synthetic_events, synthetic_history

from forecasting.engine.backtest import BacktestConfig, promote, run_backtest
from forecasting.engine.baselines import make_forecaster
from forecasting.engine.features import FeatureContext

TEST_START = dt.date(2021, 2, 1)
MODELS = ("gbm", "naive_28d", "naive_365d", "kde", "prospective", "sepp")


def _ctx(df):
    h = synthetic_history(df)
    return FeatureContext(
        h,
        layers={"poi": (np.array([-79.39, -79.38]), np.array([43.655, 43.66]))},
        country="CA",
        subdivision="ON",
    )


@pytest.fixture(scope="module")
def events():
    return synthetic_events(n=4000, days=790)


def test_forecast_does_not_see_its_own_shift(events):
    """An incident placed only inside the test shift must not change that shift's forecast."""
    ctx = _ctx(events)
    target_bin = ctx.history.bin_of_date(TEST_START) + 4
    start_local = ctx.history.bins["start_local"].iloc[target_bin]
    extra = pd.DataFrame(
        {
            "id": ["LEAK"],
            "occurred_at": [(start_local + pd.Timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")],
            "latitude": [43.66],
            "longitude": [-79.38],
            "category": ["Assault"],
        }
    )
    ctx2 = _ctx(pd.concat([events, extra], ignore_index=True))
    fit_bin = ctx.history.bin_of_date(TEST_START)
    for name in MODELS:
        a, b = make_forecaster(name), make_forecaster(name)
        a.fit(ctx, ["Assault"], fit_bin)
        b.fit(ctx2, ["Assault"], fit_bin)
        pa = a.predict("Assault", np.array([target_bin]))
        pb = b.predict("Assault", np.array([target_bin]))
        assert np.array_equal(pa, pb), name
        # ...but the next shift does see it (so the test would catch a leak).
        if name in ("naive_28d", "prospective"):
            na = a.predict("Assault", np.array([target_bin + 1]))
            nb = b.predict("Assault", np.array([target_bin + 1]))
            assert not np.array_equal(na, nb), name


def test_backtest_deterministic_and_sane(events):
    cfg = BacktestConfig(TEST_START, 35, ["Assault", "Robbery"], models=MODELS, seed=7)
    r1 = run_backtest(_ctx(events), cfg)
    r2 = run_backtest(_ctx(events), cfg)
    for m in MODELS:
        for c in cfg.categories:
            assert np.array_equal(r1.predictions[m][c], r2.predictions[m][c]), m
            assert r1.metrics[m][c]["pai"] == r2.metrics[m][c]["pai"]
            assert np.all(r1.predictions[m][c] >= 0)
    assert r1.promoted == r2.promoted
    assert len(r1.targets) == 35 * 3
    # The hot spot is learnable: the promoted model concentrates hits far above chance.
    for c in cfg.categories:
        assert r1.metrics[r1.promoted[c]][c]["pai"]["10%"] > 2.0
    assert "promoted" in r1.report


def test_only_the_promoted_models_predictions_are_kept_when_asked(events):
    """The back-test command keeps one model's predictions per type (memory), the same as a full run's."""
    cfg = BacktestConfig(
        TEST_START, 14, ["Assault", "Robbery"], models=("naive_7d", "naive_28d", "kde", "sepp")
    )
    full = run_backtest(_ctx(events), cfg)
    lean = run_backtest(_ctx(events), cfg, keep_predictions="promoted")
    assert set(full.predictions) == set(cfg.models)  # positive control: "all" keeps every model
    assert lean.promoted == full.promoted
    kept = {(m, c) for m, per in lean.predictions.items() for c in per}
    assert kept == {(m, c) for c, m in full.promoted.items()}
    for c, m in full.promoted.items():
        assert np.array_equal(lean.predictions[m][c], full.predictions[m][c])
    assert run_backtest(_ctx(events), cfg, keep_predictions="none").predictions == {}


def test_gbm_is_roughly_calibrated(events):
    cfg = BacktestConfig(TEST_START, 28, ["Assault"], models=("gbm",))
    r = run_backtest(_ctx(events), cfg)
    m = r.metrics["gbm"]["Assault"]
    assert 0.6 < m["expected_total"] / m["events"] < 1.6


def test_promote_prefers_the_top_one_to_two_percent_then_pai5():
    """Missions are drawn from the top 1-2 % of cells: the best there wins even if another is better at 5 %."""
    metrics = {
        "a": {"X": {"pai": {"1%": 9.0, "2%": 6.0, "5%": 3.0}}},
        "b": {"X": {"pai": {"1%": 8.0, "2%": 7.0, "5%": 3.5}}},
        "c": {"X": {"pai": {"1%": 7.0, "2%": 6.0, "5%": 4.0}}},
    }
    assert promote(metrics, ["X"]) == {
        "X": "b"
    }  # mean of 1 % and 2 % equal for a and b: 5 % decides
    metrics["a"]["X"]["pai"]["1%"] = 9.5
    assert promote(metrics, ["X"]) == {"X": "a"}


def test_run_backtest_files_outputs(tmp_path, events):
    from forecasting.engine.files import run_backtest_files

    ev_path = tmp_path / "events.csv"
    events.to_csv(ev_path, index=False)
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "North"},
                "geometry": json.loads(
                    pd.Series([SQUARE]).map(lambda g: json.dumps(g.__geo_interface__)).iloc[0]
                ),
            }
        ],
    }
    b_path = tmp_path / "b.geojson"
    b_path.write_text(json.dumps(geo))
    out = tmp_path / "out"
    payload = run_backtest_files(
        events=str(ev_path),
        boundary=str(b_path),
        test_start=TEST_START,
        test_days=3,
        out=str(out),
        tz=TZ,
        models=["naive_28d", "kde"],
        progress=False,
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["promoted"]) == {"Assault", "Robbery"}
    assert "1%" in metrics["models"]["kde"]["Assault"]["pai"]
    fc = pd.read_csv(out / "forecasts.csv")
    assert list(fc.columns) == [
        "shift_start",
        "shift_end",
        "crime_type",
        "cell_id",
        "center_lat",
        "center_lon",
        "expected_count",
    ]
    n_cells = payload["cells"]
    assert len(fc) == n_cells * 9 * 2
    assert fc["shift_start"].iloc[0].endswith("-05:00")
    missions = pd.read_csv(out / "missions.csv")
    assert list(missions.columns) == ["shift_start", "beat", "cell_id", "model"]
    # One district, three missions a shift (the default policy), 9 shifts, per source.
    assert set(missions["model"]) == {"model", "naive_28d", "uniform"}
    assert (missions.groupby("model").size() == 27).all()
    assert set(missions["beat"]) == {"North"}
    assert metrics["missions"]["beats_from"] == "districts (no beats given)"
    assert metrics["missions"]["best_naive"] == "naive_28d"
    assert 0 <= metrics["missions"]["sources"]["model"]["capture"] <= 1


def test_promotion_chosen_on_earlier_days_is_what_the_test_period_scores(tmp_path, events):
    """`select_days`: the models are promoted on the missions of the days before the test period;
    the test period's own PAI leaders are reported beside them."""
    from forecasting.engine.files import run_backtest_files

    ev_path = tmp_path / "events.csv"
    events.to_csv(ev_path, index=False)
    b_path = tmp_path / "b.geojson"
    b_path.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"name": "North"},
                "geometry": SQUARE.__geo_interface__,
            }
        )
    )
    payload = run_backtest_files(
        events=str(ev_path),
        boundary=str(b_path),
        test_start=TEST_START,
        test_days=3,
        out=str(tmp_path / "out"),
        tz=TZ,
        models=["naive_28d", "naive_365d", "kde"],
        progress=False,
        select_days=7,
    )
    promotion = payload["promotion"]
    assert promotion["chosen_on"] == "the 7 days before the test period"
    assert promotion["by"] == "harm-weighted capture of the drawn missions"
    assert promotion["selection_missions"]["shifts"] == 7 * 3
    assert payload["missions"]["shifts"] == 3 * 3
    kept = [t["promoted"] for t in promotion["trials"] if t["kept"]]
    assert payload["promoted"] == kept[-1]  # the test period scores the earlier days' choice
    fc = pd.read_csv(tmp_path / "out" / "forecasts.csv")
    assert set(fc["crime_type"]) == {"Assault", "Robbery"}  # a count promoted is written too


def test_a_promotion_given_must_name_back_tested_models(events):
    cfg = BacktestConfig(TEST_START, 3, ["Assault"], models=("naive_28d",))
    with pytest.raises(ValueError, match="promoted models not back-tested: Assault: gbm"):
        run_backtest(_ctx(events), cfg, promoted={"Assault": "gbm"})
    given = run_backtest(_ctx(events), cfg, promoted={"Assault": "naive_28d"})  # control
    assert given.promoted == {"Assault": "naive_28d"}
    assert given.promotion["by"] == "chosen beforehand"

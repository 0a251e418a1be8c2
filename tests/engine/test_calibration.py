"""Per-type calibration on hand-made forecasts with known answers, and its place in the GBM: what the
planner sums is the calibrated forecast."""

import datetime as dt
import math

import numpy as np
import pytest
from engine_helpers import synthetic_events, synthetic_history

from forecasting.engine import persist
from forecasting.engine.calibration import (
    SLOPE_BOUNDS,
    TOTAL_SCALE_BOUNDS,
    Calibration,
    fit_calibration,
)
from forecasting.engine.features import FeatureContext
from forecasting.engine.models import GBMForecaster
from missions.planner import PlanningInputs, PlanningPolicy, plan

RNG_SEED = 11


def _cells(n=200_000):
    """True rates of many cell-shifts (a long right tail, as crime has) and counts drawn from them."""
    rng = np.random.default_rng(RNG_SEED)
    rate = rng.gamma(0.3, 0.05, n)
    return rate, rng.poisson(rate).astype(np.float32)


def test_a_forecast_twice_too_high_is_halved():
    rate, seen = _cells()
    fitted = fit_calibration(2.0 * rate, seen)
    assert math.exp(fitted.intercept) == pytest.approx(0.5, rel=0.1)
    assert fitted.slope == pytest.approx(1.0, abs=0.05)
    calibrated = fitted.apply((2.0 * rate).astype(np.float32))
    assert calibrated.sum() == pytest.approx(seen.sum(), rel=1e-3)  # totals match on what it saw


def test_a_calibrated_forecast_is_left_as_it_is():
    """Positive control for the test above: nothing to correct, nothing corrected."""
    rate, seen = _cells()
    fitted = fit_calibration(rate, seen)
    assert fitted.intercept == pytest.approx(0.0, abs=0.1)
    assert fitted.slope == pytest.approx(1.0, abs=0.05)


def test_an_overconfident_forecast_is_flattened_and_keeps_its_ranking():
    """Its hot cells are hotter than they turn out and its cold ones colder (true rate ∝
    forecast^0.8, the same total): slope 0.8, order kept."""
    rate, seen = _cells()
    forecast = rate ** (1 / 0.8)
    forecast *= rate.sum() / forecast.sum()
    fitted = fit_calibration(forecast, seen)
    assert fitted.slope == pytest.approx(0.8, abs=0.05)
    calibrated = fitted.apply(forecast)
    assert np.array_equal(
        np.argsort(calibrated, kind="stable"), np.argsort(forecast, kind="stable")
    )
    top = forecast >= np.quantile(forecast, 0.99)
    assert calibrated[top].mean() == pytest.approx(seen[top].mean(), rel=0.1)
    assert forecast[top].mean() > 1.3 * seen[top].mean()  # it was off before


def test_sampled_rows_count_by_their_weight():
    """Zero rows kept one in four with weight 4 (as the GBM samples them) give the same calibration."""
    rate, seen = _cells()
    keep = (seen > 0) | (np.arange(seen.size) % 4 == 0)
    weight = np.where(seen > 0, 1.0, 4.0)[keep]
    full = fit_calibration(2.0 * rate, seen)
    sampled = fit_calibration(2.0 * rate[keep], seen[keep], weight)
    assert sampled.intercept == pytest.approx(full.intercept, abs=0.05)
    assert sampled.slope == pytest.approx(full.slope, abs=0.05)


def test_bounds_hold_when_the_held_out_slice_says_little():
    rate, seen = _cells(20_000)
    steep = fit_calibration(rate**3, seen)
    assert steep.slope == pytest.approx(SLOPE_BOUNDS[0], abs=1e-3)
    quiet = fit_calibration(rate, np.zeros_like(seen))
    assert quiet == Calibration(math.log(TOTAL_SCALE_BOUNDS[0]), 1.0)
    tenfold = fit_calibration(rate / 10, seen)  # ten times too low: raised by the bound alone
    assert tenfold.apply(rate / 10).sum() == pytest.approx(
        TOTAL_SCALE_BOUNDS[1] * (rate / 10).sum(), rel=1e-6
    )


def test_mismatched_inputs_are_refused_with_their_sizes():
    with pytest.raises(ValueError, match="3 expected, 2 observed, 3 weights"):
        fit_calibration(np.ones(3), np.ones(2), np.ones(3))


def test_the_planner_sums_calibrated_types_and_picks_another_box():
    """Box 0 is type A's hot spot, box 1 type B's. A's forecast runs twice too high: summed as it is,
    box 0 leads; calibrated (A halved), box 1 does, as the incidents say it should."""
    a_rate = np.array([0.20, 0.02, 0.01])
    b_rate = np.array([0.01, 0.30, 0.01])
    rng = np.random.default_rng(RNG_SEED)
    shifts = 4000  # held-out shifts of the three boxes
    a_seen = rng.poisson(a_rate[:, None], (3, shifts))
    a_forecast = np.repeat(2 * a_rate[:, None], shifts, axis=1)
    a_calibration = fit_calibration(a_forecast, a_seen)
    b_calibration = fit_calibration(
        np.repeat(b_rate[:, None], shifts, axis=1), rng.poisson(b_rate[:, None], (3, shifts))
    )

    def top_box(a: np.ndarray, b: np.ndarray) -> int:
        inputs = PlanningInputs(
            cell_ids=np.array(["c0", "c1", "c2"], dtype=object),
            beat=np.zeros(3, dtype=np.int64),
            expected=np.column_stack([a, b]),
            crime_types=("A", "B"),
            severity_weight=np.ones(2),
            patrol_efficacy=np.ones(2),
            recent_dose_minutes=np.zeros(3),
            consecutive_shifts=np.zeros(3, dtype=np.int64),
            week_missions=np.zeros(3, dtype=np.int64),
            beat_codes=("X",),
        )
        policy = PlanningPolicy(missions_per_beat=1, temperature=0.0)
        return plan(inputs, policy, seed_material="s").missions[0].cell_index

    assert top_box(2 * a_rate, b_rate) == 0
    assert top_box(a_calibration.apply(2 * a_rate), b_calibration.apply(b_rate)) == 1


@pytest.fixture(scope="module")
def fitted_gbm():
    h = synthetic_history(synthetic_events(n=4000, days=790))
    ctx = FeatureContext(h)
    gbm = GBMForecaster(seed=3)
    gbm.fit(ctx, ["Assault", "Robbery"], h.bin_of_date(dt.date(2021, 2, 1)))
    return gbm, ctx


def test_the_gbm_forecasts_are_its_calibrated_ones(fitted_gbm):
    gbm, ctx = fitted_gbm
    targets = np.arange(
        ctx.history.bin_of_date(dt.date(2021, 2, 1)), ctx.history.bin_of_date(dt.date(2021, 2, 3))
    )
    raw = gbm.predict_uncalibrated(["Assault", "Robbery"], targets)
    out = gbm.predict_types(["Assault", "Robbery"], targets)
    for cat in ("Assault", "Robbery"):
        fitted = gbm.calibration[cat]
        assert SLOPE_BOUNDS[0] <= fitted.slope <= SLOPE_BOUNDS[1]
        assert np.allclose(out[cat], fitted.apply(raw[cat]))
        assert not np.allclose(out[cat], raw[cat])  # the calibration did something to compare


def test_a_saved_model_keeps_its_calibration_and_an_older_one_its_scale(fitted_gbm):
    gbm, ctx = fitted_gbm
    ids = list(ctx.history.grid.cell_ids)
    targets = np.array([ctx.history.bin_of_date(dt.date(2021, 2, 1))])
    loaded, _ = persist.loads(
        persist.dumps(gbm, category="Robbery", cell_ids=ids),
        expected_sha256=None,
        ctx=ctx,
        cell_ids=ids,
    )
    assert loaded.calibration == {"Robbery": gbm.calibration["Robbery"]}
    assert np.array_equal(loaded.predict("Robbery", targets), gbm.predict("Robbery", targets))
    del loaded.calibration  # as saved before calibrations were kept: the total scale alone
    raw = gbm.predict_uncalibrated(["Robbery"], targets)["Robbery"]
    assert np.allclose(loaded.predict("Robbery", targets), raw * gbm.scale["Robbery"])

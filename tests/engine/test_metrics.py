import numpy as np
import pytest

from forecasting.engine.metrics import calibration_by_decile, hit_metrics, poisson_log_score, top_k


def test_hit_rate_pai_pei_hand_computed():
    # 10 cells, 2 shifts. Top 10 % = 1 cell, top 20 % = 2 cells.
    pred = np.zeros((10, 2))
    pred[0, 0], pred[1, 0] = 0.9, 0.5
    pred[2, 1], pred[3, 1] = 0.8, 0.7
    obs = np.zeros((10, 2))
    obs[0, 0] = 2  # hit at 10 %
    obs[5, 0] = 1  # miss
    obs[3, 1] = 1  # hit at 20 % only
    obs[7, 1] = 3  # miss; best cell of shift 2
    m = hit_metrics(pred, obs, fractions=(0.1, 0.2))
    assert m["events"] == 7
    assert m["hit_rate"]["10%"] == pytest.approx(2 / 7)
    assert m["pai"]["10%"] == pytest.approx((2 / 7) / 0.1)
    assert m["hit_rate"]["20%"] == pytest.approx(3 / 7)
    assert m["pai"]["20%"] == pytest.approx((3 / 7) / 0.2)
    # Best possible: 10 % -> 2 + 3 = 5; 20 % -> (2+1) + (3+1) = 7.
    assert m["pei"]["10%"] == pytest.approx(2 / 5)
    assert m["pei"]["20%"] == pytest.approx(3 / 7)


def test_ties_broken_by_lower_cell_index():
    pred = np.ones((4, 1))
    obs = np.array([[0.0], [1.0], [0.0], [0.0]])
    assert hit_metrics(pred, obs, fractions=(0.25,))["hits"]["25%"] == 0  # cell 0 chosen, not 1
    obs2 = np.array([[1.0], [0.0], [0.0], [0.0]])
    assert hit_metrics(pred, obs2, fractions=(0.25,))["hits"]["25%"] == 1


def test_top_k_at_least_one():
    assert top_k(10, 0.005) == 1
    assert top_k(10626, 0.05) == 531


def test_poisson_log_score_hand_computed():
    pred = np.array([[1.0, 2.0]])
    obs = np.array([[0.0, 1.0]])
    expected = np.mean([-1.0, np.log(2.0) - 2.0])
    assert poisson_log_score(pred, obs) == pytest.approx(expected)


def test_calibration_deciles():
    pred = np.arange(100, dtype=float).reshape(10, 10)
    cal = calibration_by_decile(pred, pred)
    assert len(cal) == 10
    assert all(c["expected"] == pytest.approx(c["observed"]) for c in cal)
    assert cal[0]["expected"] < cal[-1]["expected"]

"""The ranking blend: chosen on held-out shifts, never below counting there, calibrated totals."""

import numpy as np

from forecasting.engine.metrics import hit_metrics
from forecasting.engine.ranking import SELECTION_FRACTIONS, blend, choose_blend

CELLS, SHIFTS = 1000, 60


def _world(seed=0):
    rng = np.random.default_rng(seed)
    hot = rng.gamma(0.3, 1.0, CELLS)  # long-run level of each cell
    observed = rng.poisson(hot[:, None] * 0.05, (CELLS, SHIFTS)).astype(np.float32)
    year = rng.poisson(hot * 0.05 * 1095).astype(np.float32)  # a year of three shifts a day
    return hot, observed, np.repeat(year[:, None], SHIFTS, axis=1)


def test_blend_keeps_each_shifts_total():
    _, _, naive = _world()
    pred = np.random.default_rng(1).random((CELLS, SHIFTS)).astype(np.float32)
    mixed = blend(pred, naive, 0.5)
    assert np.allclose(mixed.sum(axis=0), pred.sum(axis=0), rtol=1e-4)
    assert blend(pred, naive, 0.0) is pred


def test_a_model_that_ranks_worse_than_counting_is_blended_towards_the_count():
    hot, observed, naive = _world()
    noisy = (hot[:, None] * np.random.default_rng(2).lognormal(0, 1.5, (CELLS, 1))).repeat(SHIFTS, axis=1)
    chosen = choose_blend(noisy.astype(np.float32), {91: naive, 365: naive}, observed)
    assert chosen.share > 0
    hits = lambda p: sum(hit_metrics(p, observed, SELECTION_FRACTIONS)["hits"].values())  # noqa: E731
    assert hits(blend(noisy.astype(np.float32), naive, chosen.share)) >= hits(naive + 1e-6 * noisy)
    assert sum(chosen.validation_hits["chosen"].values()) > sum(chosen.validation_hits["model"].values())


def test_a_model_that_knows_the_truth_stays_alone():
    """Positive control: the true rate beats a noisy count, so no share of the count is mixed in."""
    hot, observed, naive = _world()
    truth = np.repeat(hot[:, None], SHIFTS, axis=1).astype(np.float32)
    assert choose_blend(truth, {91: naive, 365: naive}, observed).is_model

"""Per-type recalibration of expected counts on held-out recent shifts, so that crime types summed
into one harm score share one scale: observed ≈ e^a · expected^b (a Poisson calibration line).
docs/adr/0034-per-type-calibration.md."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# The slope is bounded: a fitted slope outside this says the held-out month is too thin to trust,
# and a slope near 0 would flatten the type's ranking into a constant.
SLOPE_BOUNDS = (0.5, 1.5)
# The total (held-out incidents ÷ expected) is bounded as the scale before it was: a ratio outside
# this says the data shifted, not the model.
TOTAL_SCALE_BOUNDS = (0.5, 2.0)
EXPECTED_FLOOR = 1e-9  # log of a zero forecast


@dataclass(frozen=True)
class Calibration:
    """expected ↦ e^intercept · expected^slope: strictly increasing (slope > 0), so the type's own
    ranking of cells, and its PAI, stay as they were; only its scale against other types changes."""

    intercept: float = 0.0
    slope: float = 1.0

    def apply(self, expected: np.ndarray) -> np.ndarray:
        if self.slope == 1.0:
            return expected * np.asarray(math.exp(self.intercept), dtype=expected.dtype)
        base = np.maximum(expected.astype(np.float64), 0.0)
        return (math.exp(self.intercept) * base**self.slope).astype(expected.dtype)

    def as_dict(self) -> dict:
        return {"intercept": self.intercept, "slope": self.slope}


def fit_calibration(
    expected: np.ndarray, observed: np.ndarray, weight: np.ndarray | None = None
) -> Calibration:
    """Weighted Poisson maximum likelihood of log E[observed] = a + b·log(expected), b within
    SLOPE_BOUNDS. For a given b the best a matches the totals, so the likelihood is profiled over b
    alone; the held-out totals then agree (up to TOTAL_SCALE_BOUNDS)."""
    # Imported here: SciPy slows every process's start (boosting.py).
    from scipy.optimize import minimize_scalar

    p = np.maximum(np.asarray(expected, dtype=np.float64).ravel(), EXPECTED_FLOOR)
    y = np.asarray(observed, dtype=np.float64).ravel()
    w = np.ones_like(p) if weight is None else np.asarray(weight, dtype=np.float64).ravel()
    if p.shape != y.shape or p.shape != w.shape:
        raise ValueError(
            f"calibration needs one observed count and weight per expected count, got "
            f"{p.size} expected, {y.size} observed, {w.size} weights"
        )
    seen = float(np.sum(w * y))
    total = float(np.sum(w * p))
    if seen <= 0.0 or total <= 0.0:  # nothing held out to fit on: the lowest total scale
        return Calibration(math.log(TOTAL_SCALE_BOUNDS[0]), 1.0)
    x = np.log(p)
    wyx = float(np.sum(w * y * x))
    shift = float(x.max())  # keeps e^(b·x) finite

    def intercept(b: float) -> float:
        return math.log(seen) - (b * shift + math.log(float(np.sum(w * np.exp(b * (x - shift))))))

    def negative_loglik(b: float) -> float:
        return -(seen * intercept(b) + b * wyx)

    slope = float(minimize_scalar(negative_loglik, bounds=SLOPE_BOUNDS, method="bounded").x)
    a = intercept(slope)
    # The total against the uncalibrated forecast, bounded: e^a · Σ w p^b = seen.
    ratio = seen / total
    a += math.log(float(np.clip(ratio, *TOTAL_SCALE_BOUNDS)) / ratio)
    return Calibration(a, slope)

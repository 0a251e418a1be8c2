"""Poisson gradient boosting with our own feature quantiles, so weighted fits and big predictions stay fast.
Wraps scikit-learn's HistGradientBoostingRegressor; results equal its public predict (checked at fit)."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

VERIFY_ROWS = 2000  # rows on which the fast prediction path is checked against the public one
VERIFY_RTOL = 1e-6


class QuantizedPoissonGBM:
    """Features with more distinct values than `max_bins` are replaced by their quantile-bin index.

    scikit-learn computes weighted quantiles one percentile at a time (minutes on 10^5 weighted rows);
    quantising first makes it take its cheap distinct-values path. Quantiles are unweighted over the
    training rows, i.e. finest where incidents are, which is where rankings are decided.
    """

    def __init__(self, params: dict, random_state: int, threads: int | None):
        self.params = dict(params)
        self.max_bins = int(self.params.get("max_bins", 255))
        self.random_state = random_state
        self.threads = threads
        self.edges: list[np.ndarray | None] = []
        self._fast = False

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> QuantizedPoissonGBM:
        qs = np.linspace(0.0, 1.0, self.max_bins + 1)[1:-1]
        self.edges = []
        for j in range(X.shape[1]):  # one pass per feature column
            col = X[:, j]
            if np.unique(col[: 50_000]).size <= self.max_bins and np.unique(col).size <= self.max_bins:
                self.edges.append(None)
            else:
                self.edges.append(np.unique(np.quantile(col, qs)).astype(np.float32))
        Xq = self.transform(X)
        self.model = HistGradientBoostingRegressor(random_state=self.random_state, **self.params)
        with threadpool_limits(self.threads, user_api="openmp"):
            self.model.fit(Xq, y, sample_weight=sample_weight)
        self._fast = self._check_fast_path(Xq[:VERIFY_ROWS])
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        out = np.empty(X.shape, dtype=np.float32)
        for j, e in enumerate(self.edges):
            out[:, j] = X[:, j] if e is None else np.searchsorted(e, X[:, j], side="left")
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        Xq = self.transform(X)
        with threadpool_limits(self.threads, user_api="openmp"):
            return self._predict_binned(Xq) if self._fast else self.model.predict(Xq)

    def _predict_binned(self, Xq: np.ndarray) -> np.ndarray:
        # Same trees on pre-binned uint8 data: about twice as fast as traversing float thresholds.
        m = self.model
        binned = np.empty(Xq.shape, dtype=np.uint8, order="F")
        for j, thr in enumerate(m._bin_mapper.bin_thresholds_):  # x goes to bin i iff thr[i-1] < x <= thr[i]
            binned[:, j] = np.searchsorted(thr, Xq[:, j], side="left")
        raw = np.full(Xq.shape[0], float(np.ravel(m._baseline_prediction)[0]))
        missing = m._bin_mapper.missing_values_bin_idx_
        n_threads = self.threads or 1
        for (predictor,) in m._predictors:
            raw += predictor.predict_binned(binned, missing, n_threads)
        return np.exp(raw)

    def _check_fast_path(self, Xq: np.ndarray) -> bool:
        try:
            fast = self._predict_binned(Xq)
        except (AttributeError, TypeError, ValueError):  # private API changed: use the public one
            return False
        return bool(np.allclose(fast, self.model.predict(Xq), rtol=VERIFY_RTOL, atol=0.0))

"""Forecast accuracy pooled over shifts: hit rate, PAI and PEI at top-k % of cells, Poisson log score,
calibration by decile. Inputs are (cells, shifts) arrays of expected and observed counts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

AREA_FRACTIONS = (0.005, 0.01, 0.02, 0.05, 0.10)
MIN_EXPECTED = 1e-6  # floor on expected counts so one surprise cannot make the log score -inf
DECILES = 10


def top_k(n_cells: int, fraction: float) -> int:
    """Number of cells in the top `fraction` of the area (at least one)."""
    return max(1, int(round(fraction * n_cells)))


def ranked(pred: np.ndarray) -> np.ndarray:
    """Cell order per shift, highest expected first; ties go to the lower cell index (stable)."""
    return np.argsort(-pred, axis=0, kind="stable")


def top_ranked(pred: np.ndarray, k: int) -> np.ndarray:
    """The first `k` rows of `ranked(pred)`, without sorting every cell: only cells above each shift's
    k-th largest value are sorted (by value, then cell index); cells equal to it follow in cell order,
    as many as fit, so ties resolve the same way. (Counts tie in thousands of cells: never sorted.)"""
    n_cells, n_t = pred.shape
    if k >= n_cells:
        return ranked(pred)
    kth = -np.partition(-pred, k - 1, axis=0)[k - 1]
    cell, col = np.nonzero(pred > kth[None, :])  # fewer than k per shift
    order = np.lexsort(
        (cell, -pred[cell, col], col)
    )  # by shift, then value (descending), then cell
    cell, col = cell[order], col[order]
    above = np.bincount(col, minlength=n_t)
    out = np.empty((k, n_t), dtype=np.int64)
    out[np.arange(len(col)) - (np.cumsum(above) - above)[col], col] = cell
    tied = pred == kth[None, :]
    tie_rank = np.cumsum(tied, axis=0) - 1 + above[None, :]  # rank of each tied cell, in cell order
    t_cell, t_col = np.nonzero(tied & (tie_rank < k))
    out[tie_rank[t_cell, t_col], t_col] = t_cell
    return out


def best_hits(obs: np.ndarray, fractions: Sequence[float] = AREA_FRACTIONS) -> np.ndarray:
    """(k_max, shifts) cumulative observed counts of each shift's k best cells: the most hits any
    ranking could score (PEI's denominator). Depends on the observed counts alone."""
    n_cells = obs.shape[0]
    k_max = max(top_k(n_cells, f) for f in fractions)
    best = -np.partition(-obs, k_max - 1, axis=0)[:k_max] if k_max < n_cells else obs
    return np.cumsum(-np.sort(-best, axis=0), axis=0, dtype=np.float64)


def hit_metrics(
    pred: np.ndarray,
    obs: np.ndarray,
    fractions: Sequence[float] = AREA_FRACTIONS,
    best_cum: np.ndarray | None = None,
) -> dict:
    """{'hit_rate': {f: ..}, 'pai': {..}, 'pei': {..}, 'events': total} pooled over all shifts.
    `best_cum`: best_hits(obs, fractions), when already computed for another model."""
    n_cells = pred.shape[0]
    k_max = max(top_k(n_cells, f) for f in fractions)
    obs_ranked = np.take_along_axis(obs, top_ranked(pred, k_max), axis=0)
    hits_cum = np.cumsum(obs_ranked, axis=0, dtype=np.float64)
    if best_cum is None:
        best_cum = best_hits(obs, fractions)
    events = float(obs.sum(dtype=np.float64))
    hit_rate: dict[str, float] = {}
    pai: dict[str, float] = {}
    pei: dict[str, float] = {}
    hits_at: dict[str, float] = {}
    for f in fractions:
        k = top_k(n_cells, f)
        hits = float(hits_cum[k - 1].sum())
        best = float(best_cum[k - 1].sum())
        hr = hits / events if events > 0 else float("nan")
        hits_at[_key(f)] = hits
        hit_rate[_key(f)] = hr
        pai[_key(f)] = hr / (k / n_cells) if events > 0 else float("nan")
        pei[_key(f)] = hits / best if best > 0 else float("nan")
    return {"hit_rate": hit_rate, "pai": pai, "pei": pei, "events": events, "hits": hits_at}


def _log_factorial(y: np.ndarray) -> np.ndarray:
    """log(y!) in float64, for fractional counts too."""
    # Imported here: SciPy slows every process's start (boosting.py).
    from scipy.special import gammaln

    return gammaln(y + 1.0)


def poisson_log_score(
    pred: np.ndarray, obs: np.ndarray, log_factorial: np.ndarray | None = None
) -> float:
    """Mean Poisson log-likelihood per cell-shift (fractional counts allowed via lgamma).
    `log_factorial`: gammaln(obs + 1) in float64, when already computed for another model."""
    mu = np.maximum(pred.astype(np.float64), MIN_EXPECTED)
    y = obs.astype(np.float64)
    if log_factorial is None:
        log_factorial = _log_factorial(y)
    return float(np.mean(y * np.log(mu) - mu - log_factorial))


def calibration_by_decile(pred: np.ndarray, obs: np.ndarray) -> list[dict]:
    """Cell-shifts split into ten equal-size groups by expected count: mean expected vs observed.
    A partition at the group edges is enough (no full sort); equal values at an edge may fall either side."""
    p = pred.ravel()
    y = obs.ravel()
    edges = [len(part) for part in np.array_split(np.arange(p.size), DECILES)]
    bounds = np.cumsum(edges)[:-1]
    order = np.argpartition(p, bounds) if p.size > DECILES else np.argsort(p, kind="stable")
    groups = np.split(order, bounds)
    return [
        {
            "decile": i + 1,
            "expected": float(p[g].mean()),
            "observed": float(y[g].mean()),
            "n": int(g.size),
        }
        for i, g in enumerate(groups)
        if g.size
    ]


class Observed:
    """Observed counts with what scoring needs of them alone (best possible hits city-wide and per
    district, the log-factorial term), computed once and reused for every model scored against them.
    The log-factorial is kept only where it is not gammaln(1): a few MB instead of 8 bytes a cell-shift."""

    def __init__(self, obs: np.ndarray, districts: np.ndarray | None = None):
        self.counts = obs
        self.best_cum = best_hits(obs)
        self.district_best = {}
        if districts is not None:
            for d in np.unique(districts[districts >= 0]):
                self.district_best[int(d)] = best_hits(obs[districts == d])
        y = obs.astype(np.float64).ravel()
        self._busy = np.flatnonzero(y != 0.0)
        self._busy_log_factorial = _log_factorial(y[self._busy])

    def log_factorial(self) -> np.ndarray:
        """gammaln(obs + 1) in float64, exactly as poisson_log_score computes it."""
        out = np.zeros(self.counts.size, dtype=np.float64)  # log 0! = 0
        out[self._busy] = self._busy_log_factorial
        return out.reshape(self.counts.shape)


def evaluate(
    pred: np.ndarray,
    obs: np.ndarray | Observed,
    districts: np.ndarray | None = None,
    district_names: Sequence[str] = (),
) -> dict:
    """All metrics; per district too when a district index per cell is given (-1 = none).
    `obs`: the observed counts, or an Observed of them to score several models without redoing their part."""
    seen = obs if isinstance(obs, Observed) else Observed(obs, districts)
    obs = seen.counts
    out = hit_metrics(pred, obs, best_cum=seen.best_cum)
    out["log_score"] = poisson_log_score(pred, obs, seen.log_factorial())
    out["calibration"] = calibration_by_decile(pred, obs)
    out["expected_total"] = float(pred.sum(dtype=np.float64))
    if districts is not None and np.any(districts >= 0):
        per = {}
        for d in np.unique(districts[districts >= 0]):  # a handful of districts
            cells = districts == d
            name = district_names[d] if d < len(district_names) else str(int(d))
            m = hit_metrics(pred[cells], obs[cells], best_cum=seen.district_best.get(int(d)))
            per[str(name)] = {"pai": m["pai"], "hit_rate": m["hit_rate"], "events": m["events"]}
        out["districts"] = per
    return out


def _key(f: float) -> str:
    return f"{f * 100:g}%"

"""Baseline forecasters run in the same harness as the GBM: naive recent counts, retrospective KDE,
prospective hotspot (Bowers & Johnson 2004) and a grid self-exciting point process (Mohler 2011/2015)."""

from __future__ import annotations

import numpy as np

from .features import FeatureContext, decayed_counts, spatial_gauss, window_counts
from .models import Forecaster

# Retrospective KDE: history window and candidate Gaussian bandwidths (metres, all above the
# ~100 m location-snapping noise of public data); the best on the latest month is kept.
KDE_WINDOW_DAYS = 365
KDE_BANDWIDTHS_M = (150.0, 250.0, 400.0, 600.0, 1000.0)
KDE_SELECTION_DAYS = 28
# Prospective hotspot: Bowers & Johnson's 400 m / 2 month neighbourhood, weight 1/(1+d)·1/(1+weeks).
PROSPECTIVE_RADIUS_M = 400.0
PROSPECTIVE_WEEKS = 8
# Self-exciting point process (grid version of Mohler et al.): fit window, EM settings.
SEPP_FIT_DAYS = 365
SEPP_MAX_LAG_DAYS = 60.0  # triggering beyond two months is background, not near-repeat
SEPP_EM_ITERATIONS = 40
SEPP_OMEGA_BOUNDS = (1.0 / 60.0, 5.0)  # decay rate per day
SEPP_THETA_MAX = 0.9
SEPP_MAX_OFFSETS = 2000
EPS = 1e-12


class NaiveRecent(Forecaster):
    """Count of the type in the cell over the last N days, per shift."""

    def __init__(self, days: int):
        self.days = days
        self.name = f"naive_{days}d"

    def predict(self, category: str, targets: np.ndarray) -> np.ndarray:
        h = self.ctx.history
        k = self.days * h.n_shifts
        return window_counts(h, h.mask(category), targets, k) / np.float32(k)


class KDEHotspot(Forecaster):
    """Retrospective hotspot map: last year's incidents smoothed by a Gaussian kernel."""

    name = "kde"

    def fit(self, ctx: FeatureContext, categories: list[str], refit_bin: int) -> None:
        self.ctx = ctx
        h = ctx.history
        spd = h.n_shifts
        self.bandwidth = {}
        sel_start = max(refit_bin - KDE_SELECTION_DAYS * spd, 0)
        for cat in categories:
            m = h.mask(cat)
            base = window_counts(h, m, np.array([sel_start]), KDE_WINDOW_DAYS * spd)
            held = h.observed(cat, np.arange(sel_start, refit_bin), known_by=refit_bin).sum(axis=1)
            scores = []
            for bw in KDE_BANDWIDTHS_M:
                dens = spatial_gauss(h.grid, base, bw / h.grid.cell_size)[:, 0].astype(np.float64)
                p = (dens + EPS) / (dens.sum() + EPS * len(dens))
                scores.append(float(np.sum(held * np.log(p))))
            self.bandwidth[cat] = KDE_BANDWIDTHS_M[int(np.argmax(scores))]

    def predict(self, category: str, targets: np.ndarray) -> np.ndarray:
        h = self.ctx.history
        k = KDE_WINDOW_DAYS * h.n_shifts
        base = window_counts(h, h.mask(category), targets, k) / np.float32(k)
        return spatial_gauss(h.grid, base, self.bandwidth[category] / h.grid.cell_size)


class ProspectiveHotspot(Forecaster):
    """Bowers & Johnson (2004): each recent incident adds 1/(1+cells away)·1/(1+weeks ago) nearby."""

    name = "prospective"

    def predict(self, category: str, targets: np.ndarray) -> np.ndarray:
        h = self.ctx.history
        spd, m = h.n_shifts, h.mask(category)
        radius = max(1, int(round(PROSPECTIVE_RADIUS_M / h.grid.cell_size)))
        yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
        dist = np.hypot(yy, xx)
        kernel = np.where(dist <= radius + 1e-9, 1.0 / (1.0 + dist), 0.0).astype(np.float32)[
            :, :, None
        ]
        # Imported here: SciPy slows every process's start (boosting.py).
        from scipy import ndimage

        score = np.zeros((h.n_cells, len(targets)), dtype=np.float32)
        prev = np.zeros_like(score)
        for week in range(PROSPECTIVE_WEEKS):  # eight time bands, each a vectorised window count
            upto = window_counts(h, m, targets, (week + 1) * 7 * spd)
            band = upto - prev
            prev = upto
            conv = ndimage.correlate(h.grid.to_raster(band), kernel, mode="constant")
            score += h.grid.from_raster(conv) / np.float32(1 + week)
        # Scale the score so its total matches the recent incident rate (for log score / calibration).
        recent = prev.sum(axis=0) / (PROSPECTIVE_WEEKS * 7 * spd)
        total = score.sum(axis=0)
        return score * np.where(total > 0, recent / np.maximum(total, EPS), 0.0)[None, :].astype(
            np.float32
        )


class SelfExciting(Forecaster):
    """Grid self-exciting point process: λ_c(t) = μ_c + θω Σ exp(-ω(t - t_i)), fitted by EM."""

    name = "sepp"

    def fit(self, ctx: FeatureContext, categories: list[str], refit_bin: int) -> None:
        self.ctx = ctx
        self.params = {}
        h = ctx.history
        spd = h.n_shifts
        for cat in categories:
            m = h.mask(cat) & (h.known <= refit_bin) & (h.bin >= refit_bin - SEPP_FIT_DAYS * spd)
            t_days = (h.bin[m] + 0.5) / spd
            self.params[cat] = _fit_sepp(h.cell[m], t_days, h.weight[m], h.n_cells, SEPP_FIT_DAYS)

    def predict(self, category: str, targets: np.ndarray) -> np.ndarray:
        h = self.ctx.history
        mu, theta, omega = self.params[category]
        spd = h.n_shifts
        shift_days = 1.0 / spd
        half_life_bins = np.log(2.0) / omega * spd
        trig = decayed_counts(h, h.mask(category), targets, half_life_bins)
        # Integral of the intensity over the shift; the trigger decays across the shift too.
        return (
            mu[:, None] * shift_days + theta * trig * (1.0 - np.exp(-omega * shift_days))
        ).astype(np.float32)


def _fit_sepp(
    cell: np.ndarray, t: np.ndarray, w: np.ndarray, n_cells: int, window_days: float
) -> tuple[np.ndarray, float, float]:
    if cell.size == 0:
        return np.zeros(n_cells), 0.0, 1.0
    order = np.lexsort((t, cell))
    cell, t, w = cell[order], t[order], w[order]
    # All (trigger j, offspring i) pairs in the same cell within the lag horizon, by offset in the order.
    pi_parts: list[np.ndarray] = []
    pj_parts: list[np.ndarray] = []
    for off in range(1, min(SEPP_MAX_OFFSETS, cell.size)):
        i = np.arange(off, cell.size)
        j = i - off
        ok = (cell[i] == cell[j]) & (t[i] - t[j] <= SEPP_MAX_LAG_DAYS)
        if not ok.any():
            break
        ok &= t[i] > t[j]
        pi_parts.append(i[ok])
        pj_parts.append(j[ok])
    pi = np.concatenate(pi_parts) if pi_parts else np.zeros(0, np.int64)
    pj = np.concatenate(pj_parts) if pj_parts else np.zeros(0, np.int64)
    dt = t[pi] - t[pj]
    mu = np.bincount(cell, weights=w, minlength=n_cells) / window_days * 0.5
    theta, omega = 0.2, 0.5
    total_w = max(float(w.sum()), EPS)
    for _ in range(SEPP_EM_ITERATIONS):
        trig = theta * omega * np.exp(-omega * dt) * w[pj]
        lam = mu[cell] + np.bincount(pi, weights=trig, minlength=cell.size)
        p_bg = mu[cell] / np.maximum(lam, EPS)
        p_tr = trig / np.maximum(lam[pi], EPS)
        mu = np.bincount(cell, weights=w * p_bg, minlength=n_cells) / window_days
        offspring = float(np.sum(w[pi] * p_tr))
        theta = min(offspring / total_w, SEPP_THETA_MAX)
        spread = float(np.sum(w[pi] * p_tr * dt))
        omega = (
            float(np.clip(offspring / spread, *SEPP_OMEGA_BOUNDS))
            if spread > 0
            else SEPP_OMEGA_BOUNDS[1]
        )
    return mu, theta, omega


def make_forecaster(name: str, seed: int = 0) -> Forecaster:
    from .models import GBMForecaster

    if name == "gbm":
        return GBMForecaster(seed=seed)
    if name.startswith("naive_") and name.endswith("d"):
        return NaiveRecent(int(name[len("naive_") : -1]))
    table = {"kde": KDEHotspot, "prospective": ProspectiveHotspot, "sepp": SelfExciting}
    if name not in table:
        raise ValueError(f"unknown model {name!r}; known: gbm, naive_<N>d, kde, prospective, sepp")
    return table[name]()


DEFAULT_MODELS = (
    "gbm",
    "naive_7d",
    "naive_28d",
    "naive_91d",
    "naive_365d",
    "kde",
    "prospective",
    "sepp",
)

"""Dense cell x shift-bin features known at each shift's start (counts, lags, decay, calendar, terrain).
Every count is built from pieces with `known <= target bin`, so a shift never sees its own incidents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import holidays as holidays_lib
import numpy as np
import pandas as pd
from numpy.typing import DTypeLike

from .grid import Grid
from .history import History

DAYS_PER_WEEK = 7
# Recent-count windows in days; None is the last shift only.
WINDOW_DAYS = (None, 1, 7, 28, 91, 365)
SPATIAL_WINDOW_DAYS = (7, 28, 91, 365)
SHARED_WINDOW_DAYS = (1, 7, 28, 365)
SHARED_SPATIAL_WINDOW_DAYS = (28, 365)
# Neighbourhood radii in cells: 1 = the 3x3 block, 3 = the 7x7 block (about 1.75 km at 250 m).
SPATIAL_RADII_CELLS = (1, 3)
# Near-repeat half-lives in days and the spatial spread of the short one (cells, Gaussian sigma).
DECAY_HALF_LIVES_DAYS = (1, 7, 30)
NEAR_REPEAT_SIGMA_CELLS = 1.0
DECAY_CUTOFF_HALF_LIVES = 8  # contributions below 2**-8 of fresh are ignored
SAME_SLOT_WEEKS = (8, 52)
TERRAIN_SIGMA_M = 500.0  # kernel-density bandwidth of risk-terrain layers
MAX_EXP2 = 500.0  # keep 2**x inside float64 when rescaling decay sums


@dataclass
class FeatureContext:
    history: History
    layers: Mapping[str, tuple] = field(default_factory=dict)  # name -> (lon array, lat array)
    country: str | None = None
    subdivision: str | None = None
    exposure: np.ndarray | None = None  # (cells, bins) patrol minutes, optional
    event_load: np.ndarray | None = None  # (cells, bins) attendance of planned events, optional
    patrolled_row_weight: float = (
        1.0  # GBM sample weight of training rows in boxes patrolled that shift
    )
    _static: dict | None = None

    # ---- public: feature sets -------------------------------------------------------------
    def type_features(self, category: str, targets: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
        h, m = self.history, self.history.mask(category)
        spd = h.n_shifts
        reused = {}  # window counts the spatial sums need again: computed once, dropped once summed
        for days in WINDOW_DAYS:
            k = 1 if days is None else days * spd
            counts = window_counts(h, m, targets, k)
            if days in SPATIAL_WINDOW_DAYS:
                reused[days] = counts
            yield f"n_{_wname(days)}", counts
            del counts
        for days in SPATIAL_WINDOW_DAYS:
            base = reused.pop(days) if days in reused else window_counts(h, m, targets, days * spd)
            sums = zip(
                SPATIAL_RADII_CELLS, spatial_sums(h.grid, base, SPATIAL_RADII_CELLS), strict=True
            )
            yield from ((f"n_{days}d_r{r}", summed) for r, summed in sums)
        lr = long_run_rate(h, m, targets)
        yield "longrun", lr
        sums = zip(SPATIAL_RADII_CELLS, spatial_sums(h.grid, lr, SPATIAL_RADII_CELLS), strict=True)
        yield from ((f"longrun_r{r}", summed) for r, summed in sums)
        lrs = long_run_rate_same_shift(h, m, targets)
        yield "longrun_shift", lrs
        yield "longrun_shift_r1", spatial_sum(h.grid, lrs, 1)
        for weeks in SAME_SLOT_WEEKS:
            yield f"same_slot_{weeks}w", same_slot_counts(h, m, targets, DAYS_PER_WEEK * spd, weeks)
        for hl in DECAY_HALF_LIVES_DAYS:
            d = decayed_counts(h, m, targets, hl * spd)
            yield f"decay_{hl}d", d
            if hl == DECAY_HALF_LIVES_DAYS[1]:
                yield f"decay_{hl}d_near", spatial_gauss(h.grid, d, NEAR_REPEAT_SIGMA_CELLS)

    def shared_features(self, targets: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
        """All-category counts, calendar, terrain, patrol exposure and planned events: the same for
        every crime type."""
        h, m = self.history, self.history.mask(None)
        spd = h.n_shifts
        reused = {}  # as in type_features: each window counted once, kept only until summed
        for days in SHARED_WINDOW_DAYS:
            counts = window_counts(h, m, targets, days * spd)
            if days in SHARED_SPATIAL_WINDOW_DAYS:
                reused[days] = counts
            yield f"all_{days}d", counts
            del counts
        for days in SHARED_SPATIAL_WINDOW_DAYS:
            base = reused.pop(days) if days in reused else window_counts(h, m, targets, days * spd)
            sums = zip(
                SPATIAL_RADII_CELLS, spatial_sums(h.grid, base, SPATIAL_RADII_CELLS), strict=True
            )
            yield from ((f"all_{days}d_r{r}", summed) for r, summed in sums)
        lr = long_run_rate(h, m, targets)
        yield "all_longrun", lr
        yield "all_longrun_r1", spatial_sum(h.grid, lr, 1)
        yield "all_longrun_shift", long_run_rate_same_shift(h, m, targets)
        yield "all_decay_7d", decayed_counts(h, m, targets, 7 * spd)
        yield from self.calendar_features(targets)
        for name, values in self.static_features().items():
            yield name, np.broadcast_to(values[:, None], (h.n_cells, len(targets)))
        if self.exposure is not None:
            cum = np.concatenate(
                [np.zeros((h.n_cells, 1)), np.cumsum(self.exposure, axis=1)], axis=1
            )
            for days in (7, 28):
                lo = np.clip(targets - days * spd, 0, None)
                yield f"exposure_{days}d", (cum[:, targets] - cum[:, lo]).astype(np.float32)
        if self.event_load is not None:
            yield "event_attendance", np.log1p(self.event_load[:, targets]).astype(np.float32)

    def calendar_features(self, targets: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
        bins = self.history.bins.iloc[targets]
        dates = pd.to_datetime(pd.Series(bins["date"].to_numpy()))
        n = self.history.n_cells
        cols = {
            "shift_index": bins["shift_index"].to_numpy(),
            "weekday": dates.dt.day_of_week.to_numpy(),
            "month": dates.dt.month.to_numpy(),
            "holiday": self._holiday_flags(dates),
        }
        for name, v in cols.items():
            yield name, np.broadcast_to(np.asarray(v, dtype=np.float32)[None, :], (n, len(targets)))

    def static_features(self) -> dict[str, np.ndarray]:
        if self._static is None:
            self._static = terrain_features(self.history.grid, self.layers)
        return self._static

    def _holiday_flags(self, dates: pd.Series) -> np.ndarray:
        if not self.country or dates.empty:
            return np.zeros(len(dates), dtype=np.float32)
        years = range(int(dates.dt.year.min()), int(dates.dt.year.max()) + 1)
        cal = holidays_lib.country_holidays(self.country, subdiv=self.subdivision, years=years)
        return dates.dt.date.isin(set(cal.keys())).to_numpy(np.float32)


# ---- counting primitives (vectorised over pieces; no loops over incidents or cells) -----------


def window_counts(
    h: History, mask: np.ndarray, targets: np.ndarray, k_bins: int | None
) -> np.ndarray:
    """(cells, targets): weight of pieces in bins [t - k, t) known by t; k=None: since history start."""
    b, kn = h.bin[mask], h.known[mask]
    lo = np.searchsorted(targets, np.maximum(b + 1, kn), side="left")
    hi = len(targets) if k_bins is None else np.searchsorted(targets, b + k_bins, side="right")
    return _ranges_to_dense(h.n_cells, len(targets), h.cell[mask], lo, hi, h.weight[mask])


def long_run_rate(h: History, mask: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Events per day since the history starts: the stable, long-run level of a cell."""
    counts = window_counts(h, mask, targets, None)
    days = np.maximum(targets / h.n_shifts, 1.0).astype(np.float32)
    return counts / days[None, :]


def long_run_rate_same_shift(h: History, mask: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Events per day in the same shift of the day as the target, since the history starts."""
    shift_of_bin = h.shift_index
    out = np.zeros((h.n_cells, len(targets)), dtype=np.float32)
    tshift = shift_of_bin[targets]
    for s in np.unique(tshift):  # a handful of shifts per day
        cols = np.flatnonzero(tshift == s)
        m = mask & (shift_of_bin[h.bin] == s)
        out[:, cols] = window_counts(h, m, targets[cols], None)
    days = np.maximum(targets / h.n_shifts, 1.0).astype(np.float32)
    return out / days[None, :]


def same_slot_counts(
    h: History, mask: np.ndarray, targets: np.ndarray, period_bins: int, periods: int
) -> np.ndarray:
    """Weight in the same slot (e.g. same shift and weekday) over the previous `periods` periods."""
    if len(targets) == 0:
        return np.zeros((h.n_cells, 0), dtype=np.float32)
    mask = mask & (h.bin >= targets[0] - period_bins * periods) & (h.bin < targets[-1])
    b, kn, w, c = h.bin[mask], h.known[mask], h.weight[mask], h.cell[mask]
    lag = period_bins * np.arange(1, periods + 1)
    t = (b[:, None] + lag[None, :]).ravel()
    ok_known = np.repeat(kn, periods) <= t
    pos = np.searchsorted(targets, t)
    pos_c = np.clip(pos, 0, max(len(targets) - 1, 0))
    ok = ok_known & (pos < len(targets)) & (targets[pos_c] == t)
    flat = np.repeat(c, periods)[ok] * len(targets) + pos[ok]
    out = np.bincount(flat, weights=np.repeat(w, periods)[ok], minlength=h.n_cells * len(targets))
    return out.reshape(h.n_cells, len(targets)).astype(np.float32)


def decayed_counts(
    h: History, mask: np.ndarray, targets: np.ndarray, half_life_bins: float
) -> np.ndarray:
    """Sum of w * 2**(-(t - b) / half_life) over pieces known by t: the near-repeat signal."""
    out = np.zeros((h.n_cells, len(targets)), dtype=np.float32)
    if len(targets) == 0:
        return out
    cutoff = int(np.ceil(DECAY_CUTOFF_HALF_LIVES * half_life_bins))
    b, kn, w, c = h.bin[mask], h.known[mask], h.weight[mask], h.cell[mask]
    # Rescale against a reference bin per chunk so that 2**x stays finite in float64.
    span = max(int(MAX_EXP2 * half_life_bins) - cutoff, 1)
    start = 0
    while start < len(targets):  # a few chunks of time, never a loop over incidents
        stop = int(np.searchsorted(targets, targets[start] + span, side="left"))
        stop = max(stop, start + 1)
        tt = targets[start:stop]
        ref = tt[0]
        sel = (b >= ref - cutoff) & (b < tt[-1])
        lo = np.searchsorted(tt, np.maximum(b[sel] + 1, kn[sel]), side="left")
        hi = np.searchsorted(tt, b[sel] + cutoff, side="right")
        scaled = w[sel] * np.exp2((b[sel] - ref) / half_life_bins)
        dense = _ranges_to_dense(h.n_cells, len(tt), c[sel], lo, hi, scaled, dtype=np.float64)
        out[:, start:stop] = dense * np.exp2(-(tt - ref) / half_life_bins)[None, :]
        start = stop
    return out


def _ranges_to_dense(
    n_cells: int,
    n_targets: int,
    cell: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray | int,
    weight: np.ndarray,
    dtype: DTypeLike = np.float32,
) -> np.ndarray:
    """Add `weight` to targets [lo, hi) of each cell via a difference array and a cumulative sum."""
    hi = np.broadcast_to(hi, lo.shape)
    ok = lo < hi
    width = n_targets + 1
    diff = np.bincount(cell[ok] * width + lo[ok], weights=weight[ok], minlength=n_cells * width)
    diff -= np.bincount(cell[ok] * width + hi[ok], weights=weight[ok], minlength=n_cells * width)
    return np.cumsum(diff.reshape(n_cells, width), axis=1)[:, :n_targets].astype(dtype)


# ---- spatial operators on the grid's raster (cells outside the grid are zero) ------------------


def spatial_sum(grid: Grid, values: np.ndarray, radius_cells: int) -> np.ndarray:
    """Sum over the (2r+1)^2 block around each cell, for every column of `values` (cells, T)."""
    return next(spatial_sums(grid, values, (radius_cells,)))


def spatial_sums(
    grid: Grid, values: np.ndarray, radii_cells: Iterable[int]
) -> Iterator[np.ndarray]:
    """spatial_sum for each radius in turn, from one raster of `values` (filled once, not per radius)."""
    # Imported here: SciPy slows every process's start (boosting.py).
    from scipy import ndimage

    raster = grid.to_raster(values.astype(np.float32, copy=False))
    for radius in radii_cells:
        size = 2 * radius + 1
        filt = ndimage.uniform_filter(
            raster, size=(size, size) + (1,) * (raster.ndim - 2), mode="constant"
        )
        summed = grid.from_raster(filt)  # a new array: scaled in place
        del filt
        summed *= np.float32(size * size)
        yield summed


def spatial_gauss(grid: Grid, values: np.ndarray, sigma_cells: float) -> np.ndarray:
    """Gaussian-weighted neighbourhood sum (weights sum to 1) of each column of `values`."""
    from scipy import ndimage

    raster = grid.to_raster(values.astype(np.float32, copy=False))
    sigma = (sigma_cells, sigma_cells) + (0,) * (raster.ndim - 2)
    return grid.from_raster(
        ndimage.gaussian_filter(raster, sigma=sigma, mode="constant", truncate=3.0)
    )


def terrain_features(grid: Grid, layers: Mapping[str, tuple]) -> dict[str, np.ndarray]:
    """Per layer: log distance (m) from the cell centre to the nearest point, and kernel density."""
    from scipy import ndimage
    from scipy.spatial import cKDTree

    out: dict[str, np.ndarray] = {}
    for name in sorted(layers):
        lon, lat = (np.asarray(a, dtype=float) for a in layers[name])
        ok = np.isfinite(lon) & np.isfinite(lat)
        if not ok.any():
            continue
        x, y = grid.lonlat_to_metric(lon[ok], lat[ok])
        dist, _ = cKDTree(np.column_stack([x, y])).query(
            np.column_stack([grid.center_x, grid.center_y])
        )
        out[f"dist_{name}"] = np.log1p(dist).astype(np.float32)
        r = np.floor(y / grid.cell_size).astype(np.int64) - grid.row0
        c = np.floor(x / grid.cell_size).astype(np.int64) - grid.col0
        hgt, wid = grid.raster_shape
        inside = (r >= 0) & (r < hgt) & (c >= 0) & (c < wid)
        counts = np.bincount(r[inside] * wid + c[inside], minlength=hgt * wid).reshape(hgt, wid)
        dens = ndimage.gaussian_filter(
            counts.astype(np.float32), TERRAIN_SIGMA_M / grid.cell_size, mode="constant"
        )
        out[f"density_{name}"] = grid.from_raster(dens).astype(np.float32)
    return out


def _wname(days: int | None) -> str:
    return "shift" if days is None else f"{days}d"

"""The true intensity behind a demo city, for oracle benchmarks: expected incidents per grid cell and
shift, from the generating process itself rather than from data. Vectorised over cells × shifts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .catalogue import CrimeTypeSpec
from .geography import Frame
from .process import SECONDS_PER_DAY, SECONDS_PER_HOUR

TRIGGER_MEMORY = 12.0  # events older than this many mean delays add under e^-12 of their weight
SHIFT_BLOCK = 256  # shifts per block of the triggered sum, which bounds memory (cells × events)
NS_PER_SECOND = 1_000_000_000


@dataclass(frozen=True, eq=False)
class TypeTruth:
    spec: CrimeTypeSpec
    sat: np.ndarray  # (components, ny + 1, nx + 1) summed-area tables of pixel probabilities
    sat_spread: np.ndarray  # the same after one offspring displacement (Gaussian blur)
    cumulative: np.ndarray  # (components, hours + 1) expected background incidents since start
    event_t: np.ndarray  # every recorded event of the type, seconds since start, sorted
    event_x: np.ndarray  # local metres
    event_y: np.ndarray


@dataclass(frozen=True, eq=False)
class Truth:
    """What generated the incidents; `is_background` is aligned with the incidents' rows."""

    frame: Frame
    pixel_m: float
    start_ns: int  # UTC instant of second 0 of the simulation
    types: dict[str, TypeTruth]  # by crime type name
    is_background: np.ndarray

    def type_truth(self, category: str) -> TypeTruth:
        for name, tt in self.types.items():
            if category in (name, tt.spec.code):
                return tt
        raise KeyError(f"unknown crime type {category!r}")


def true_expected_counts(
    city,
    *,
    cell_lon: np.ndarray,
    cell_lat: np.ndarray,
    cell_size_m: float,
    shift_starts_utc: np.ndarray,
    shift_ends_utc: np.ndarray,
    category: str,
    include_triggered: bool = True,
) -> np.ndarray:
    """Expected incidents of `category` (name or code) in each cell × shift, as (cells, shifts).

    A cell is the `cell_size_m` square of the city's UTM grid (EPSG `city.epsg`) centred on its
    lon/lat; shift bounds are UTC instants (datetime64 read as UTC, or tz-aware).

    The background (inhomogeneous Poisson) part is exact. With `include_triggered` the near-repeat
    part is added: the conditional expectation given every incident recorded before the shift
    starts (exact), plus, to first order, the offspring that the shift's own incidents trigger
    before it ends (their rate taken as flat within the shift; cascades of two or more steps
    inside one shift, well under 0.5 % of a shift's count here, are left out). Near the shore the
    lake part of a cell counts towards the near-repeat part, though offspring there go unrecorded.
    """
    truth: Truth = city.truth
    tt = truth.type_truth(category)
    x, y = truth.frame.from_lonlat(np.ravel(cell_lon), np.ravel(cell_lat))
    half = cell_size_m / 2.0
    box = (x - half, x + half, y - half, y + half)
    starts = (_utc_ns(shift_starts_utc) - truth.start_ns) / NS_PER_SECOND
    ends = (_utc_ns(shift_ends_utc) - truth.start_ns) / NS_PER_SECOND

    hour_edges = np.arange(tt.cumulative.shape[1], dtype=float)
    background = np.zeros((x.size, starts.size))
    spread = np.zeros_like(background)  # the background moved by one offspring displacement
    for sat, sat_spread, cumulative in zip(tt.sat, tt.sat_spread, tt.cumulative, strict=True):
        # The rate is constant within an hour, so interpolating its running total is exact.
        during = np.interp(ends / SECONDS_PER_HOUR, hour_edges, cumulative) - np.interp(
            starts / SECONDS_PER_HOUR, hour_edges, cumulative
        )
        background += np.outer(_box_integral(sat, truth.pixel_m, *box), during)
        spread += np.outer(_box_integral(sat_spread, truth.pixel_m, *box), during)
    if not include_triggered:
        return background
    history = _triggered(tt, *box, starts, ends)
    # An incident at a uniform time in a shift of length L has offspring before the shift ends
    # with probability 1 - (T / L)(1 - e^(-L/T)), T the mean delay.
    length = np.maximum(ends - starts, 1.0)
    mean_delay = tt.spec.repeat_days * SECONDS_PER_DAY
    same_shift = 1.0 + (mean_delay / length) * np.expm1(-length / mean_delay)
    return background + history + tt.spec.branching_ratio * same_shift * (spread + history)


def summed_area(density: np.ndarray) -> np.ndarray:
    """(ny + 1, nx + 1) table whose node [j, i] holds the mass of density[:j, :i]."""
    sat = np.zeros((density.shape[0] + 1, density.shape[1] + 1))
    sat[1:, 1:] = density.cumsum(0).cumsum(1)
    return sat


def _triggered(tt: TypeTruth, x_lo, x_hi, y_lo, y_hi, starts, ends) -> np.ndarray:
    """Σ over earlier events of branching × P(delay lands in the shift) × P(offset lands in the cell).

    The exponential delay factorises: P(shift) = e^-(start - t)/T × (1 - e^-(end - start)/T)."""
    spec = tt.spec
    mean_delay = spec.repeat_days * SECONDS_PER_DAY
    sigma = spec.repeat_metres
    in_shift = 1.0 - np.exp(-(ends - starts) / mean_delay)
    out = np.zeros((x_lo.size, starts.size))
    order = np.argsort(starts, kind="stable")
    for block in np.array_split(order, max(1, int(np.ceil(order.size / SHIFT_BLOCK)))):
        s = starts[block]
        first, last = np.searchsorted(tt.event_t, [s.min() - TRIGGER_MEMORY * mean_delay, s.max()])
        t, ex, ey = (a[first:last] for a in (tt.event_t, tt.event_x, tt.event_y))
        p_cell = (ndtr((x_hi[:, None] - ex) / sigma) - ndtr((x_lo[:, None] - ex) / sigma)) * (
            ndtr((y_hi[:, None] - ey) / sigma) - ndtr((y_lo[:, None] - ey) / sigma)
        )
        age = s[None, :] - t[:, None]
        decay = np.where(age > 0, np.exp(-np.maximum(age, 0.0) / mean_delay), 0.0)
        out[:, block] = spec.branching_ratio * (p_cell @ decay) * in_shift[block]
    return out


def _box_integral(sat: np.ndarray, pixel_m: float, x_lo, x_hi, y_lo, y_hi) -> np.ndarray:
    """Probability mass of a pixel-wise constant density over axis-aligned boxes: the summed-area
    table is bilinear between its nodes, so interpolating it at the corners is exact."""
    return (
        _sat_at(sat, pixel_m, x_hi, y_hi)
        - _sat_at(sat, pixel_m, x_lo, y_hi)
        - _sat_at(sat, pixel_m, x_hi, y_lo)
        + _sat_at(sat, pixel_m, x_lo, y_lo)
    )


def _sat_at(sat: np.ndarray, pixel_m: float, x, y) -> np.ndarray:
    ny, nx = sat.shape[0] - 1, sat.shape[1] - 1
    u = np.clip(np.asarray(x) / pixel_m, 0, nx)
    v = np.clip(np.asarray(y) / pixel_m, 0, ny)
    i = np.minimum(np.floor(u).astype(int), nx - 1)
    j = np.minimum(np.floor(v).astype(int), ny - 1)
    fu, fv = u - i, v - j
    return (
        (1 - fu) * (1 - fv) * sat[j, i]
        + fu * (1 - fv) * sat[j, i + 1]
        + (1 - fu) * fv * sat[j + 1, i]
        + fu * fv * sat[j + 1, i + 1]
    )


def _utc_ns(values) -> np.ndarray:
    stamps = pd.DatetimeIndex(np.ravel(values) if isinstance(values, np.ndarray) else values)
    stamps = stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")
    return stamps.as_unit("ns").asi8

"""Dense (cell, shift-bin) arrays of known activity that features read: patrol minutes spent in each
box (from mission visits) and the expected attendance of planned events near each box."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd

from .events import spread_over_bins
from .grid import Grid
from .shifts import _utc_ns

# Timezone-aware instants: a pandas column or index, an array or a list of datetimes.
Times: TypeAlias = pd.Series | pd.DatetimeIndex | np.ndarray | Sequence[dt.datetime]

NS_PER_MINUTE = 60 * 10**9
EVENT_RADIUS_M = 500.0  # an event's crowd reaches boxes whose centre is this close to its venue


def patrol_minutes(
    grid: Grid, bins: pd.DataFrame, cell_index: np.ndarray, start_utc: Times, end_utc: Times
) -> np.ndarray:
    """Minutes of patrol per (cell, bin) from visits [start, end) in cells `cell_index` (-1 = none)."""
    out = np.zeros((len(grid), len(bins)), dtype=np.float32)
    cell_index = np.asarray(cell_index, dtype=np.int64)
    start_ns, end_ns = _utc_ns(start_utc), _utc_ns(end_utc)
    ok = (cell_index >= 0) & (end_ns > start_ns)
    if not ok.any():
        return out
    visit, b, share = spread_over_bins(
        start_ns[ok], end_ns[ok], _utc_ns(bins["start"]), _utc_ns(bins["end"])
    )
    minutes = share * (end_ns[ok] - start_ns[ok])[visit] / NS_PER_MINUTE
    np.add.at(out, (cell_index[ok][visit], b), minutes.astype(np.float32))
    return out


def event_attendance(
    grid: Grid,
    bins: pd.DataFrame,
    *,
    start_utc: Times,
    end_utc: Times,
    cell_masks: list[np.ndarray],
    attendance: np.ndarray,
) -> np.ndarray:
    """Expected attendance per (cell, bin) of events overlapping the bin, shared among the cells
    each event reaches (`cell_masks[i]`: boolean over cells). Planned events are known ahead, so
    the bin's own events count."""
    out = np.zeros((len(grid), len(bins)), dtype=np.float32)
    if not len(cell_masks):
        return out
    start_ns, end_ns = _utc_ns(start_utc), _utc_ns(end_utc)
    bin_start, bin_end = _utc_ns(bins["start"]), _utc_ns(bins["end"])
    for i, mask in enumerate(
        cell_masks
    ):  # events are few: a loop over them, arrays over cells/bins
        cells = np.flatnonzero(mask)
        if not len(cells):
            continue
        overlapping = (bin_start < end_ns[i]) & (bin_end > start_ns[i])
        out[np.ix_(cells, np.flatnonzero(overlapping))] += np.float32(attendance[i] / len(cells))
    return out


def cells_near(grid: Grid, lon: float, lat: float, radius_m: float = EVENT_RADIUS_M) -> np.ndarray:
    """Boolean mask of the cells whose centre lies within `radius_m` of (lon, lat)."""
    x, y = grid.lonlat_to_metric(np.array([lon]), np.array([lat]))
    mask = np.hypot(grid.center_x - x[0], grid.center_y - y[0]) <= radius_m
    if not mask.any():  # a venue inside one box smaller than the radius still reaches that box
        index = grid.index_of(x, y)
        if index[0] >= 0:
            mask[index[0]] = True
    return mask

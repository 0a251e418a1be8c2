"""Incident history on the grid and shift bins: one (cell, bin, known, weight, category) row per piece.
`known` is the first bin at whose start the incident is known, so features never see it earlier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .events import EventTable, spread_over_bins
from .grid import Grid
from .shifts import ShiftTime, _utc_ns, shift_windows


@dataclass(frozen=True, eq=False)
class History:
    grid: Grid
    bins: pd.DataFrame  # shift_windows() output covering the whole history and test period
    categories: tuple  # category names; `category` indexes this
    cell: np.ndarray  # int64 cell index per piece
    bin: np.ndarray  # int64 bin index per piece (aoristic pieces share an event)
    known: np.ndarray  # int64 first bin whose start is at or after the event's window end
    weight: np.ndarray  # float64 share of the event in this bin
    category: np.ndarray  # int64 index into categories

    @property
    def n_cells(self) -> int:
        return len(self.grid)

    @property
    def n_bins(self) -> int:
        return len(self.bins)

    @property
    def n_shifts(self) -> int:
        return int(self.bins["shift_index"].max()) + 1

    @property
    def shift_index(self) -> np.ndarray:
        return self.bins["shift_index"].to_numpy(np.int64)

    @property
    def bin_start_ns(self) -> np.ndarray:
        return _utc_ns(self.bins["start"])

    def mask(self, category: str | None) -> np.ndarray:
        """Pieces of one category (None: every category, the "all types" series)."""
        if category is None:
            return np.ones(self.cell.shape, dtype=bool)
        if category not in self.categories:
            return np.zeros(self.cell.shape, dtype=bool)
        return self.category == self.categories.index(category)

    def observed(
        self, category: str | None, targets: np.ndarray, known_by: int | None = None
    ) -> np.ndarray:
        """(cells, len(targets)) weighted counts in each target bin; optionally only pieces known by a bin."""
        m = self.mask(category)
        if known_by is not None:
            m &= self.known <= known_by
        pos = np.searchsorted(targets, self.bin[m])
        pos_c = np.clip(pos, 0, max(len(targets) - 1, 0))
        ok = (
            (pos < len(targets)) & (targets[pos_c] == self.bin[m])
            if len(targets)
            else np.zeros(pos.shape, bool)
        )
        flat = self.cell[m][ok] * len(targets) + pos[ok]
        out = np.bincount(flat, weights=self.weight[m][ok], minlength=self.n_cells * len(targets))
        return out.reshape(self.n_cells, len(targets)).astype(np.float32)

    def bin_of_date(self, date: dt.date) -> int:
        """Index of the first bin whose local date is on or after `date`."""
        dates = pd.to_datetime(pd.Series(self.bins["date"])).to_numpy()
        return int(np.searchsorted(dates, np.datetime64(pd.Timestamp(date))))


def build_history(
    events: EventTable,
    grid: Grid,
    *,
    start_date: dt.date,
    end_date: dt.date,
    shift_starts: Sequence[ShiftTime | dt.time],
    tz: str,
    exclude_officer_initiated: bool = False,
) -> History:
    """Place events on the grid and split them over the shift bins of [start_date, end_date).

    `shift_starts` are ShiftTimes or bare start times that tile the day (see shifts.shift_windows);
    with overlapping ShiftTimes an incident in an overlap is a piece of each shift's bin.

    `exclude_officer_initiated` drops incidents that patrols found themselves: a feedback-loop guard,
    since missions put officers where they will initiate more of them.
    """
    bins = shift_windows(start_date, end_date, shift_starts, tz)
    df = events.frame
    cell = grid.lonlat_to_index(df["longitude"].to_numpy(float), df["latitude"].to_numpy(float))
    usable = cell >= 0
    if exclude_officer_initiated:
        usable &= ~df["officer_initiated"].to_numpy(bool)
    inside = np.flatnonzero(usable)
    categories = tuple(sorted(pd.unique(df["category"])))
    cat_code = pd.Categorical(df["category"], categories=categories).codes.astype(np.int64)
    share = df["heap_share"].to_numpy(float)[inside]
    # A heaped event is two pieces: its recorded time (weight 1 - share) and its local day (share).
    heaped = inside[share > 0]
    src = np.concatenate([inside, heaped])
    start_ns = np.concatenate(
        [df["start_ns"].to_numpy(np.int64)[inside], df["day_start_ns"].to_numpy(np.int64)[heaped]]
    )
    end_ns = np.concatenate(
        [df["end_ns"].to_numpy(np.int64)[inside], df["day_end_ns"].to_numpy(np.int64)[heaped]]
    )
    piece_weight = np.concatenate([1.0 - share, share[share > 0]])
    bs, be = _utc_ns(bins["start"]), _utc_ns(bins["end"])
    ev, b, w = spread_over_bins(start_ns, end_ns, bs, be)
    known = np.searchsorted(bs, end_ns[ev], side="left")
    w = w * piece_weight[ev]
    return History(
        grid=grid,
        bins=bins,
        categories=categories,
        cell=cell[src][ev],
        bin=b.astype(np.int64),
        known=np.maximum(known, b + 1).astype(np.int64),
        weight=w,
        category=cat_code[src][ev],
    )

"""Measured patrol: a unit's time-ordered positions turned into intervals spent in each box, and
those intervals into minutes per box and shift. Pure numpy over whole arrays (no per-row Python), so
a month of vehicle-location fixes runs in chunks of millions.

The rules (docs/adr/0024-measured-exposure.md):
- A fix whose reported accuracy is worse than `max_accuracy_m` is ignored (as if it never came).
- A fix inside an excluded area (a station, a garage) is not patrol: it is in no box.
- Between two fixes of one unit at most `max_gap_s` apart, the unit was moving from the first box
  to the second: the time is split at the midpoint (all of it in one box when both are).
- A longer gap is no evidence: the interval ends at the last fix before it and the next begins
  at the first fix after it. So a unit whose positions stop is in no box from its last fix on.
- Two units in one box are two intervals: exposure is counted in unit-minutes.
All times are UTC instants (int64 nanoseconds), so the rules need no care at DST changes; shift
windows arrive as instants too (`forecasting.engine.shifts`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .events import spread_over_bins

NS_PER_SECOND = 10**9
NS_PER_MINUTE = 60 * NS_PER_SECOND


@dataclass(frozen=True)
class ExposureRules:
    max_gap_s: float = 120.0
    max_accuracy_m: float = 100.0


DEFAULT_RULES = ExposureRules()


@dataclass(frozen=True)
class Intervals:
    """Time spent by `unit` in box `cell` over [start_ns, end_ns); sorted by unit, then start."""

    unit: np.ndarray  # int64 unit index
    cell: np.ndarray  # int64 box index (never -1)
    start_ns: np.ndarray
    end_ns: np.ndarray

    def __len__(self) -> int:
        return int(self.unit.size)

    @property
    def minutes(self) -> np.ndarray:
        return (self.end_ns - self.start_ns) / NS_PER_MINUTE


def box_intervals(
    unit: np.ndarray,
    t_ns: np.ndarray,
    cell: np.ndarray,
    *,
    accuracy_m: np.ndarray | None = None,
    excluded: np.ndarray | None = None,
    rules: ExposureRules = DEFAULT_RULES,
) -> Intervals:
    """Intervals in boxes from fixes: `unit` index, time, box index (-1 = in no box), optional
    accuracy in metres (NaN = not reported, kept) and excluded-area flag, in any order."""
    unit = np.asarray(unit, dtype=np.int64)
    t_ns = np.asarray(t_ns, dtype=np.int64)
    cell = np.asarray(cell, dtype=np.int64).copy()
    keep = np.ones(unit.size, dtype=bool)
    if accuracy_m is not None:
        accuracy = np.asarray(accuracy_m, dtype=np.float64)
        keep &= ~(accuracy > rules.max_accuracy_m)  # NaN compares False: an unreported one is kept
    if excluded is not None:
        cell[np.asarray(excluded, dtype=bool)] = -1
    unit, t_ns, cell = unit[keep], t_ns[keep], cell[keep]
    order = np.lexsort((t_ns, unit))
    unit, t_ns, cell = unit[order], t_ns[order], cell[order]

    # Each pair of consecutive fixes of one unit close enough in time gives up to two pieces.
    same_unit = unit[1:] == unit[:-1]
    gap = t_ns[1:] - t_ns[:-1]
    linked = same_unit & (gap <= int(rules.max_gap_s * NS_PER_SECOND))
    a, b = np.flatnonzero(linked), np.flatnonzero(linked) + 1
    mid = t_ns[a] + (t_ns[b] - t_ns[a]) // 2
    whole = cell[a] == cell[b]
    piece_unit = np.concatenate([unit[a], unit[b][~whole]])
    piece_cell = np.concatenate([cell[a], cell[b][~whole]])
    piece_start = np.concatenate([t_ns[a], mid[~whole]])
    piece_end = np.concatenate([np.where(whole, t_ns[b], mid), t_ns[b][~whole]])
    inside = (piece_cell >= 0) & (piece_end > piece_start)
    return _merged(piece_unit[inside], piece_cell[inside], piece_start[inside], piece_end[inside])


def _merged(unit: np.ndarray, cell: np.ndarray, start: np.ndarray, end: np.ndarray) -> Intervals:
    """Pieces that touch, of one unit in one box, as one interval."""
    order = np.lexsort((start, unit))
    unit, cell, start, end = unit[order], cell[order], start[order], end[order]
    if not unit.size:
        return Intervals(unit, cell, start, end)
    new = np.ones(unit.size, dtype=bool)
    new[1:] = (unit[1:] != unit[:-1]) | (cell[1:] != cell[:-1]) | (start[1:] != end[:-1])
    first = np.flatnonzero(new)
    return Intervals(
        unit=unit[first],
        cell=cell[first],
        start_ns=start[first],
        end_ns=np.maximum.reduceat(end, first),
    )


@dataclass(frozen=True)
class ShiftExposure:
    """Minutes per (unit, box, shift window): one row each, windows indexed as given."""

    unit: np.ndarray
    cell: np.ndarray
    window: np.ndarray
    minutes: np.ndarray


def minutes_by_window(
    intervals: Intervals, window_start_ns: np.ndarray, window_end_ns: np.ndarray
) -> ShiftExposure:
    """Split intervals over shift windows (sorted by start) and sum minutes per unit, box and window;
    time outside every window is dropped. An interval across a shift change counts in both shifts."""
    empty = np.empty(0, dtype=np.int64)
    if not len(intervals) or not len(window_start_ns):
        return ShiftExposure(empty, empty, empty, np.empty(0))
    piece, window, share = spread_over_bins(
        intervals.start_ns,
        intervals.end_ns,
        np.asarray(window_start_ns, dtype=np.int64),
        np.asarray(window_end_ns, dtype=np.int64),
    )
    minutes = share * intervals.minutes[piece]
    keys = np.stack([intervals.unit[piece], intervals.cell[piece], window], axis=1)
    unique, at = np.unique(keys, axis=0, return_inverse=True)
    total = np.bincount(at.ravel(), weights=minutes, minlength=len(unique))
    return ShiftExposure(unique[:, 0], unique[:, 1], unique[:, 2], total)


def dose_served_at(start_ns: np.ndarray, end_ns: np.ndarray, dose_minutes: float) -> int | None:
    """The instant (ns) at which intervals add up to `dose_minutes` of unit-time — two units in the
    box at once serve it twice as fast — or None when they do not reach it."""
    start_ns = np.asarray(start_ns, dtype=np.int64)
    end_ns = np.asarray(end_ns, dtype=np.int64)
    if not start_ns.size:
        return None if dose_minutes > 0 else 0
    target = float(dose_minutes) * NS_PER_MINUTE
    times = np.concatenate([start_ns, end_ns])
    steps = np.concatenate([np.ones(start_ns.size), -np.ones(end_ns.size)])
    order = np.argsort(times, kind="stable")
    times, steps = times[order], steps[order]
    rate = np.cumsum(steps)[:-1]  # units in the box from each event to the next
    served = np.concatenate([[0.0], np.cumsum(rate * np.diff(times).astype(np.float64))])
    if served[-1] < target:
        return None
    i = int(np.searchsorted(served, target))
    if i == 0:
        return int(times[0])
    return int(times[i - 1] + (target - served[i - 1]) / rate[i - 1])

"""Shift windows in the agency's local time, correct across daylight-saving changes.
A shift runs from its wall-clock start to the next shift's start, so DST days have 7 h or 9 h shifts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

NS_PER_HOUR = 3_600_000_000_000


def parse_shift_starts(text: str) -> list[dt.time]:
    """'06:00,14:00,22:00' -> [time(6), time(14), time(22)]."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if part:
            out.append(dt.time.fromisoformat(part))
    if not out:
        raise ValueError("no shift starts given")
    return out


def shift_windows(
    start_date: dt.date, end_date: dt.date, shift_starts: Sequence[dt.time], tz: str
) -> pd.DataFrame:
    """One row per shift whose local start date lies in [start_date, end_date).

    Columns: start, end (UTC), start_local, end_local (tz-aware local), shift_index (position in the
    sorted shift_starts), date (local date of the start). Wall times in a spring-forward gap move to
    the instant after the gap; ambiguous fall-back times take their first occurrence.
    """
    starts = sorted(set(shift_starts))
    if not starts:
        raise ValueError("at least one shift start is needed")
    start_date = pd.Timestamp(start_date).date()
    end_date = pd.Timestamp(end_date).date()
    days = pd.date_range(start_date, end_date, freq="D", inclusive="left")
    n_shift = len(starts)
    offsets = pd.to_timedelta([s.hour * 3600 + s.minute * 60 + s.second for s in starts], unit="s")
    # One extra wall time past the end gives the last shift its end (the next day's first shift).
    day_all = days.append(pd.DatetimeIndex([pd.Timestamp(end_date)]))
    wall = (day_all.values[:, None] + offsets.values[None, :]).ravel()[: len(days) * n_shift + 1]
    local = _localize(pd.DatetimeIndex(wall), tz)
    start_local = local[:-1]
    end_local = local[1:]
    utc_start = start_local.tz_convert("UTC")
    utc_end = end_local.tz_convert("UTC")
    return pd.DataFrame(
        {
            "start": utc_start,
            "end": utc_end,
            "start_local": start_local,
            "end_local": end_local,
            "shift_index": np.tile(np.arange(n_shift, dtype=np.int64), len(days)),
            "date": np.repeat(np.asarray(days.date), n_shift),
        }
    )


def assign_to_shifts(times_utc, windows: pd.DataFrame) -> np.ndarray:
    """Row index in `windows` of the shift containing each UTC time, -1 when none (vectorised)."""
    t = _utc_ns(times_utc)
    starts = _utc_ns(windows["start"])
    ends = _utc_ns(windows["end"])
    idx = np.searchsorted(starts, t, side="right") - 1
    ok = (idx >= 0) & (t < ends[np.clip(idx, 0, None)]) if len(starts) else np.zeros(t.shape, bool)
    return np.where(ok, idx, -1).astype(np.int64)


def shift_hours(windows: pd.DataFrame) -> np.ndarray:
    """Length of each shift in hours (7 or 9 on DST change days for 8-hour shifts)."""
    return (_utc_ns(windows["end"]) - _utc_ns(windows["start"])) / NS_PER_HOUR


def _localize(wall: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    # ambiguous=True marks the DST (first) occurrence of a repeated fall-back wall time.
    return wall.tz_localize(tz, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward")


def _utc_ns(values) -> np.ndarray:
    """Any datetime-like (tz-aware) sequence -> int64 nanoseconds since the epoch, UTC."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        raise ValueError("times must be timezone-aware")
    return idx.tz_convert("UTC").as_unit("ns").asi8

"""Shift windows in the agency's local time: the one definition of when a shift starts and ends.
A shift is a wall-clock start and a wall-clock duration; shifts may overlap (ADR 0007)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

NS_PER_HOUR = 3_600_000_000_000
DAY = dt.timedelta(days=1)


@dataclass(frozen=True, order=True)
class ShiftTime:
    """A shift's local wall-clock start and its length on the wall clock (8 h from 22:00 ends at
    06:00, so it lasts 7 h or 9 h of real time on the nights the clocks change)."""

    start: dt.time
    duration: dt.timedelta

    def __post_init__(self):
        if not dt.timedelta(0) < self.duration <= DAY:
            raise ValueError(f"a shift lasts more than 0 and at most 24 hours, not {self.duration}")


def parse_shift_starts(text: str) -> list[dt.time] | list[ShiftTime]:
    """'06:00,14:00,22:00' -> [time(6), time(14), time(22)] (shifts tiling the day);
    '06:00/10h,14:00/10h,22:00/10h' -> ShiftTimes of 10 hours (every shift needs its hours then)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise ValueError("no shift starts given")
    if not any("/" in p for p in parts):
        return [dt.time.fromisoformat(p) for p in parts]
    if not all("/" in p for p in parts):
        raise ValueError("give every shift its hours (06:00/10h) or none")
    out = []
    for part in parts:
        start, hours = part.split("/", 1)
        out.append(
            ShiftTime(
                dt.time.fromisoformat(start.strip()),
                dt.timedelta(hours=float(hours.strip().rstrip("hH"))),
            )
        )
    return out


def tiling_shifts(starts: Sequence[dt.time]) -> list[ShiftTime]:
    """Shifts that each last until the next one starts (the last until the first one next day)."""
    starts = sorted(set(starts))
    if not starts:
        raise ValueError("at least one shift start is needed")
    secs = [_seconds_of_day(s) for s in starts]
    ends = secs[1:] + [secs[0] + 86_400]
    return [
        ShiftTime(s, dt.timedelta(seconds=e - b))
        for s, b, e in zip(starts, secs, ends, strict=True)
    ]


def shift_window(day: dt.date, shift: ShiftTime, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of `shift` starting on local `day`: one row of shift_windows(), by the
    same wall-time rule, without building a table (pages and services call it per shift)."""
    start_wall = pd.Timestamp(dt.datetime.combine(day, shift.start))
    start, end = _localize(
        pd.DatetimeIndex([start_wall, start_wall + shift.duration]), tz
    ).tz_convert("UTC")
    return start.to_pydatetime(), end.to_pydatetime()


def shift_windows(
    start_date: dt.date, end_date: dt.date, shifts: Sequence[ShiftTime | dt.time], tz: str
) -> pd.DataFrame:
    """One row per shift whose local start date lies in [start_date, end_date), by start.

    `shifts` are ShiftTimes (kept in start order, ties in the given order) or bare start times,
    which tile the day (tiling_shifts). Columns: start, end (UTC), start_local, end_local (tz-aware
    local), shift_index (position in the start-sorted shifts), date (local date of the start).
    Wall times are resolved one way (ADR 0007): a time in the spring-forward gap becomes the first
    instant after the gap (02:30 -> 03:00), and a repeated fall-back time its first occurrence.
    """
    specs = _shift_times(shifts)
    start_date = pd.Timestamp(start_date).date()
    end_date = pd.Timestamp(end_date).date()
    days = pd.date_range(start_date, end_date, freq="D", inclusive="left")
    n_shift = len(specs)
    offsets = pd.to_timedelta([_seconds_of_day(s.start) for s in specs], unit="s")
    durations = pd.to_timedelta([s.duration for s in specs])
    start_wall = (days.values[:, None] + offsets.values[None, :]).ravel()
    end_wall = (days.values[:, None] + (offsets + durations).values[None, :]).ravel()
    start_local = _localize(pd.DatetimeIndex(start_wall), tz)
    end_local = _localize(pd.DatetimeIndex(end_wall), tz)
    return pd.DataFrame(
        {
            "start": start_local.tz_convert("UTC"),
            "end": end_local.tz_convert("UTC"),
            "start_local": start_local,
            "end_local": end_local,
            "shift_index": np.tile(np.arange(n_shift, dtype=np.int64), len(days)),
            "date": np.repeat(np.asarray(days.date), n_shift),
        }
    )


def assign_to_shifts(times_utc, windows: pd.DataFrame) -> np.ndarray:
    """Row index in `windows` of the latest-starting shift containing each UTC time, -1 when none
    (vectorised; with overlapping shifts a time in the overlap belongs to the later one here)."""
    t = _utc_ns(times_utc)
    starts = _utc_ns(windows["start"])
    ends = _utc_ns(windows["end"])
    idx = np.searchsorted(starts, t, side="right") - 1
    ok = (idx >= 0) & (t < ends[np.clip(idx, 0, None)]) if len(starts) else np.zeros(t.shape, bool)
    return np.where(ok, idx, -1).astype(np.int64)


def shift_hours(windows: pd.DataFrame) -> np.ndarray:
    """Length of each shift in hours (7 or 9 on DST change days for 8-hour shifts)."""
    return (_utc_ns(windows["end"]) - _utc_ns(windows["start"])) / NS_PER_HOUR


def _shift_times(shifts: Sequence[ShiftTime | dt.time]) -> list[ShiftTime]:
    if not shifts:
        raise ValueError("at least one shift start is needed")
    starts = [s for s in shifts if isinstance(s, dt.time)]
    if len(starts) == len(shifts):
        return tiling_shifts(starts)
    given = [s for s in shifts if isinstance(s, ShiftTime)]
    if len(given) != len(shifts):
        raise TypeError("give either shift start times or ShiftTimes, not both")
    return sorted(given, key=lambda s: s.start)


def _seconds_of_day(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _localize(wall: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    # ambiguous=True marks the DST (first) occurrence of a repeated fall-back wall time.
    return wall.tz_localize(
        tz, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward"
    )


def _utc_ns(values) -> np.ndarray:
    """Any datetime-like (tz-aware) sequence -> int64 nanoseconds since the epoch, UTC."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        raise ValueError("times must be timezone-aware")
    return idx.tz_convert("UTC").as_unit("ns").asi8

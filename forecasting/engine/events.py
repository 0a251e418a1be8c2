"""Load and validate EVENTS tables, localise their times, and spread uncertain times over shift bins.
Exact events land in one shift; from/to windows and heaped default times get aoristic fractional weight."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REQUIRED_COLUMNS = ("id", "occurred_at", "latitude", "longitude", "category")
# Clock times that records default to when the real time is unknown (midnight, noon).
HEAP_MINUTES_OF_DAY = (0, 12 * 60)
# A clock time is "heaped" when it holds this many times the events of the same minute one hour
# either side (crime rarely jumps by this factor within an hour, data-entry defaults do).
HEAP_RATIO_MIN = 1.2
HEAP_Z_MIN = 4.0  # and the excess must be far beyond Poisson noise (standard deviations)
MINUTES_PER_DAY = 24 * 60
HEAP_MIN_EVENTS = 50  # too few events to judge heaping below this
MAX_AORISTIC_DAYS = (
    14  # longer from/to windows are cut to their last 14 days: older parts say little
)
NS_PER_MINUTE = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000
OFFSET_PATTERN = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"


class EventsError(ValueError):
    """The events table is unusable (missing columns, no valid rows)."""


@dataclass(frozen=True)
class EventTable:
    """Validated events: UTC window [start_ns, end_ns) per event, plus `heap_share`: the estimated
    probability that its clock time is a data-entry default (then spread over [day_start_ns, day_end_ns))."""

    frame: (
        pd.DataFrame
    )  # id, category, longitude, latitude, start_ns, end_ns, heap_share, day_*_ns, ...
    rejected: pd.DataFrame  # rows dropped, with a `reason`
    heaped: dict  # category -> {minute of day: heaped share}


def read_events_csv(path: str | Path, tz: str, **kwargs: Any) -> EventTable:
    raw = pd.read_csv(path, dtype={"id": str, "category": str}, low_memory=False)
    return prepare_events(raw, tz, **kwargs)


def prepare_events(
    raw: pd.DataFrame,
    tz: str,
    *,
    ambiguous: str = "first",
    nonexistent: str = "shift_forward",
    detect_heaping: bool = True,
) -> EventTable:
    """Validate columns, parse times (naive = local wall time in `tz`), flag heaped times."""
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise EventsError(f"events table lacks columns: {', '.join(missing)}")
    df = pd.DataFrame(
        {
            "id": raw["id"].astype(str).to_numpy(),
            "category": raw["category"].astype(str).str.strip().to_numpy(),
            "longitude": pd.to_numeric(raw["longitude"], errors="coerce").to_numpy(float),
            "latitude": pd.to_numeric(raw["latitude"], errors="coerce").to_numpy(float),
        }
    )
    start_ns, start_minute = _parse_times(raw["occurred_at"], tz, ambiguous, nonexistent)
    df["start_ns"] = start_ns
    if "occurred_to" in raw.columns:
        end_ns, _ = _parse_times(raw["occurred_to"], tz, ambiguous, nonexistent)
    else:
        end_ns = np.full(len(df), np.iinfo(np.int64).min)
    df["officer_initiated"] = (
        raw["officer_initiated"]
        .astype(str)
        .str.lower()
        .isin(("1", "true", "yes", "t", "y"))
        .to_numpy()
        if "officer_initiated" in raw.columns
        else False
    )

    reason = np.full(len(df), "", dtype=object)
    reason[np.isnan(df["longitude"]) | np.isnan(df["latitude"])] = "missing coordinates"
    bad_range = (np.abs(df["latitude"]) > 90) | (np.abs(df["longitude"]) > 180)
    reason[(reason == "") & bad_range.to_numpy()] = "coordinates out of range"
    reason[(reason == "") & (start_ns == np.iinfo(np.int64).min)] = "unparseable occurred_at"
    ok = reason == ""
    rejected = raw.loc[~ok].copy()
    rejected["reason"] = reason[~ok]

    df = df.loc[ok].reset_index(drop=True)
    start_minute = start_minute[ok]
    end_ns = end_ns[ok]

    heaped = (
        detect_heaped_minutes(start_minute, df["category"].to_numpy()) if detect_heaping else {}
    )
    heap_share = np.zeros(len(df), dtype=np.float64)
    cats = df["category"].to_numpy()
    for cat, shares in heaped.items():
        for minute, share in shares.items():
            heap_share[(cats == cat) & (start_minute == minute)] = share
    day_start, day_end = _local_day_bounds(df["start_ns"].to_numpy(), tz)

    # Window per event: a given occurred_to makes an aoristic window; else the event is exact.
    has_to = end_ns > df["start_ns"].to_numpy()
    end = np.where(has_to, end_ns, df["start_ns"].to_numpy() + 1)
    start = np.where(
        has_to,
        np.maximum(df["start_ns"].to_numpy(), end - MAX_AORISTIC_DAYS * NS_PER_DAY),
        df["start_ns"].to_numpy(),
    )
    heap_share[has_to] = 0.0  # an explicit window already says how uncertain the time is
    df["start_ns"] = start
    df["end_ns"] = end
    # The heaped share of an event is spread over its whole local day (see build_history).
    df["heap_share"] = heap_share
    df["day_start_ns"] = day_start
    df["day_end_ns"] = day_end
    return EventTable(frame=df, rejected=rejected, heaped=heaped)


def detect_heaped_minutes(
    minute_of_day: np.ndarray, category: np.ndarray
) -> dict[str, dict[int, float]]:
    """Per category: {heaped minute: share of its events that are defaults, not real times}.

    A minute of HEAP_MINUTES_OF_DAY is heaped when it holds clearly more events than the same
    minute one hour either side; the excess over that level estimates the share of default entries.
    """
    out: dict[str, dict[int, float]] = {}
    minute_of_day = np.asarray(minute_of_day)
    for cat in np.unique(category):
        counts = np.bincount(
            minute_of_day[category == cat].astype(np.int64), minlength=MINUTES_PER_DAY
        )
        flagged = {}
        for m in HEAP_MINUTES_OF_DAY:
            here = float(counts[m])
            level = (counts[(m - 60) % MINUTES_PER_DAY] + counts[(m + 60) % MINUTES_PER_DAY]) / 2.0
            excess = here - level
            if (
                here >= HEAP_MIN_EVENTS
                and here > HEAP_RATIO_MIN * level
                and excess > HEAP_Z_MIN * np.sqrt(max(level, 1.0))
            ):
                flagged[m] = excess / here
        if flagged:
            out[str(cat)] = flagged
    return out


def _parse_times(
    values: pd.Series, tz: str, ambiguous: str, nonexistent: str
) -> tuple[np.ndarray, np.ndarray]:
    """-> (UTC ns int64 with int64-min for missing, local minute of day). Naive strings are local."""
    text = values.astype("string").str.strip()
    has_offset = text.str.contains(OFFSET_PATTERN, regex=True, na=False).to_numpy()
    n = len(text)
    utc = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    minute = np.zeros(n, dtype=np.int64)
    amb = {"first": True, "last": False}.get(ambiguous)
    if amb is None:
        raise ValueError("ambiguous must be 'first' or 'last'")
    if (~has_offset).any():
        wall = pd.to_datetime(text[~has_offset], errors="coerce", format="ISO8601")
        wall = pd.DatetimeIndex(wall).as_unit("ns")
        local = wall.tz_localize(tz, ambiguous=np.full(len(wall), amb), nonexistent=nonexistent)
        utc[~has_offset] = np.where(local.isna(), np.iinfo(np.int64).min, local.asi8)
        minute[~has_offset] = np.where(wall.isna(), -1, wall.hour * 60 + wall.minute)
    if has_offset.any():
        aware = pd.DatetimeIndex(
            pd.to_datetime(text[has_offset], errors="coerce", utc=True, format="ISO8601")
        )
        aware = aware.as_unit("ns")
        utc[has_offset] = np.where(aware.isna(), np.iinfo(np.int64).min, aware.asi8)
        local = aware.tz_convert(tz)
        minute[has_offset] = np.where(aware.isna(), -1, local.hour * 60 + local.minute)
    minute = np.where(minute < 0, 0, minute)
    return utc, minute


def _local_day_bounds(utc_ns: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """UTC ns of local midnight starting and ending the local day of each time (DST-aware)."""
    if len(utc_ns) == 0:
        return utc_ns.copy(), utc_ns.copy()
    local = pd.DatetimeIndex(utc_ns.astype("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)
    day = local.tz_localize(None).normalize()
    amb = np.ones(len(day), dtype=bool)
    start = day.tz_localize(tz, ambiguous=amb, nonexistent="shift_forward").as_unit("ns").asi8
    end = (day + pd.Timedelta(days=1)).tz_localize(tz, ambiguous=amb, nonexistent="shift_forward")
    return start, end.as_unit("ns").asi8


def spread_over_bins(
    start_ns: np.ndarray, end_ns: np.ndarray, bin_start_ns: np.ndarray, bin_end_ns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aoristic split of windows [start, end) over bins sorted by start.

    Returns (event_index, bin_index, weight) with weights proportional to the overlap and summing to 1
    per event that lies within the bins' span when the bins tile time (events outside every bin are
    dropped). Where bins overlap (shifts with durations, ADR 0007) a piece of time lies in each of
    them, so an incident in the overlap of two shifts counts fully in both.
    """
    # Ends need not grow with starts when shifts overlap: their running maximum does.
    first = np.searchsorted(
        np.maximum.accumulate(bin_end_ns), start_ns, side="right"
    )  # first bin ending after the start
    last = (
        np.searchsorted(bin_start_ns, end_ns, side="left") - 1
    )  # last bin starting before the end
    n_bins = np.maximum(last - first + 1, 0)
    ev = np.repeat(np.arange(len(start_ns)), n_bins)
    offs = np.arange(n_bins.sum()) - np.repeat(np.cumsum(n_bins) - n_bins, n_bins)
    b = np.repeat(first, n_bins) + offs
    lo = np.maximum(start_ns[ev], bin_start_ns[b])
    hi = np.minimum(end_ns[ev], bin_end_ns[b])
    overlap = np.maximum(hi - lo, 0).astype(np.float64)
    keep = overlap > 0
    ev, b, overlap = ev[keep], b[keep], overlap[keep]
    # Normalise by the full window length so that windows partly outside the bins keep partial weight.
    w = overlap / np.maximum(end_ns[ev] - start_ns[ev], 1).astype(np.float64)
    return ev, b, w

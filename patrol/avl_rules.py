"""The one rule set for a vehicle-location fix, over whole columns (pandas, no per-row Python on
the happy path): the push API (`services.receive_positions`) and the file import
(`avl_import.import_avl_file`) both call `check_fixes`, so a fix is judged the same whichever way
it came. A refused fix gets the field at fault and a reason in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

import numpy as np
import pandas as pd

FIX_COLUMNS = ("unit", "at", "latitude", "longitude", "speed_kmh", "heading_deg", "accuracy_m")
# (column, lowest, highest, required)
NUMBERS = (
    ("latitude", -90, 90, True),
    ("longitude", -180, 180, True),
    ("speed_kmh", 0, 400, False),
    ("heading_deg", 0, 360, False),
    ("accuracy_m", 0, 100_000, False),
)
_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
BAD_TIME = "The time is not an ISO 8601 date-time (e.g. 2026-12-06T19:02:20-05:00)."


@dataclass
class CheckedFixes:
    """The fixes that passed (`ok`), parsed: unit id, UTC time (datetime64[ns, UTC]) and numbers;
    for the others the field and the reason (empty where ok)."""

    ok: np.ndarray
    unit_id: np.ndarray
    at: pd.Series
    numbers: dict[str, np.ndarray]
    field: np.ndarray
    reason: np.ndarray


def check_fixes(
    frame: pd.DataFrame, *, unit_ids: dict[str, int], tz: tzinfo, latest: datetime
) -> CheckedFixes:
    """Judge every row of `frame` (columns FIX_COLUMNS, values as sent: strings, numbers or
    missing). The first rule a row breaks is its reason, in this order: unit, time, numbers."""
    n = len(frame)
    field = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)

    def refuse(mask, name: str, why) -> None:
        mask = np.asarray(mask, dtype=bool) & (field == "")
        if mask.any():
            field[mask] = name
            reason[mask] = why(mask) if callable(why) else why

    unit = _text(frame, "unit")
    refuse(unit == "", "unit", "No unit: give its call sign or vehicle id.")
    ids = unit.map(unit_ids)
    refuse(
        ids.isna() & (unit != ""),
        "unit",
        lambda m: [
            f"Unknown unit {name[:40]!r}: add it to the roster's units first." for name in unit[m]
        ],
    )
    at = _times(_text(frame, "at"), tz)
    refuse(at.isna(), "at", BAD_TIME)
    late = (at > pd.Timestamp(latest)).fillna(False).to_numpy(dtype=bool)
    refuse(
        late,
        "at",
        lambda m: [f"The time {t.tz_convert(tz).isoformat()} is in the future." for t in at[m]],
    )
    numbers = {}
    for key, low, high, required in NUMBERS:
        raw = frame[key] if key in frame else pd.Series([None] * n, index=frame.index)
        value = pd.to_numeric(raw, errors="coerce").astype(np.float64)
        # Blank is missing, not "not a number": only the rows that did not parse are looked at.
        missing = raw.isna().to_numpy().copy()
        unparsed = np.flatnonzero(value.isna().to_numpy() & ~missing)
        missing[unparsed] = raw.iloc[unparsed].astype(str).str.strip().eq("").to_numpy()
        value = value.where(~missing)
        if required:
            refuse(missing, key, f"No {key}.")
        refuse(
            value.isna() & ~missing,
            key,
            lambda m, raw=raw, key=key: [
                f"{key} is not a number: {str(v)[:40]!r}." for v in raw[m]
            ],
        )
        out = value.notna() & ~((value >= low) & (value <= high))  # inf is out of range too
        refuse(out, key, f"{key} must be between {low} and {high}.")
        numbers[key] = value.to_numpy()
    ok = field == ""
    return CheckedFixes(
        ok=ok,
        unit_id=ids.fillna(-1).to_numpy(dtype=np.int64),
        at=at,
        numbers=numbers,
        field=field,
        reason=reason,
    )


def _text(frame: pd.DataFrame, key: str) -> pd.Series:
    if key not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return _per_value(frame[key], lambda values: values.astype(str).str.strip(), missing="")


def _per_value(column: pd.Series, work, *, missing) -> pd.Series:
    """`work` (Series → Series) done once per distinct value of `column`, spread back to its rows:
    a feed repeats its units and times (300 units, one time per tick), so strings are cleaned and
    times parsed a few thousand times per chunk instead of once per row. A missing value gives
    `missing`."""
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError:  # a pushed list or object: unhashable, judged row by row
        done = work(column.where(column.notna(), None).astype(object))
        return done.where(column.notna(), missing)
    done = work(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    # Code -1 (missing) takes the last value: `missing`, put there.
    found = pd.concat([done, pd.Series([missing], dtype=done.dtype)], ignore_index=True)
    return pd.Series(found.take(codes).array, index=column.index, dtype=done.dtype)


# What a time may be (a day inside pandas' nanosecond range, for the shift to UTC): pandas parses
# "0000-01-01T00:00" or "9999-12-31T00:00" in microseconds, which would not fit the columns.
_EARLIEST, _LATEST = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")


def _within_bounds(parsed: pd.Series) -> pd.Series:
    """`parsed` with the times outside the storable range as NaT (refused as bad times)."""
    tz = getattr(parsed.dt, "tz", None)
    low, high = (_EARLIEST.tz_localize(tz), _LATEST.tz_localize(tz)) if tz else (_EARLIEST, _LATEST)
    return parsed.where((parsed >= low) & (parsed <= high))


def _times(text: pd.Series, tz: tzinfo) -> pd.Series:
    """UTC instants; a time without an offset is the agency's local time."""
    return _per_value(text, lambda values: _parsed_times(values, tz), missing=pd.NaT)


def _parsed_times(text: pd.Series, tz: tzinfo) -> pd.Series:
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    aware = text.str.contains(_OFFSET, regex=True)
    if aware.any():
        parsed = pd.to_datetime(text[aware], utc=True, format="ISO8601", errors="coerce")
        result[aware] = _within_bounds(parsed).astype("datetime64[ns, UTC]")
    naive = ~aware & (text != "")
    if naive.any():
        local = _within_bounds(pd.to_datetime(text[naive], format="ISO8601", errors="coerce"))
        if getattr(local.dt, "tz", None) is None:
            local = local.dt.tz_localize(tz, ambiguous=False, nonexistent="shift_forward")
        result[naive] = local.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    return result

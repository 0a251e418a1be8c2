"""Crime-spike alerts measured (issue 22 part 2; docs/adr/0031-crime-spike-alerts.md):

1. the false-alarm load on Toronto history (2015-2021): new alerts per district-week when the hourly
   scan runs every day on the 16 divisions × 5 crime types, and near-repeat series of Break and
   Enter per district-week;
2. detection delay and miss rate on the demo city's generator, with planted spikes of known size
   and start added to its incidents.

The expected counts are those of a naive count (the mean of the 365 days before the window, no
model): historic forecasts are not stored, and the model beats that count by about 10 %, so the
load here is an upper estimate of what the agency sees with the model's forecasts. The scan and its
words are the app's own (forecasting.engine.alerts); an alert on an area × type that already has
one in the last ALERT_WINDOW_DAYS is an update, not a new alert (alerts/services.py).

    .venv/bin/python bench/alerts.py [--toronto PATH] [--plants 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting.engine.alerts import (  # noqa: E402
    Event,
    benjamini_hochberg,
    near_repeat_series,
    poisson_exceedance,
)

WINDOW = 7
LOOKBACK = 365
FDR = 0.05
MIN_COUNT = 3
HORIZON = 14  # a planted spike lasts this many days; not found by then = missed
SIZES = (0.5, 1.0, 2.0, 3.0)  # extra incidents a day as a multiple of the area's usual rate
ABSOLUTE = (0.5, 1.0, 2.0)  # or extra incidents a day, whatever the usual rate


def areas_of(lon: np.ndarray, lat: np.ndarray, polygons: list) -> np.ndarray:
    """Index of the polygon holding each point, -1 outside all."""
    found = np.full(lon.size, -1)
    for i, polygon in enumerate(polygons):
        found[(found < 0) & shapely.contains_xy(polygon, lon, lat)] = i
    return found


def daily_counts(day: np.ndarray, area: np.ndarray, kind: np.ndarray, shape) -> np.ndarray:
    counts = np.zeros(shape, dtype=np.int32)
    ok = (area >= 0) & (day >= 0) & (day < shape[0])
    np.add.at(counts, (day[ok], area[ok], kind[ok]), 1)
    return counts


def window_tests(
    counts: np.ndarray, day: int, window: int = WINDOW
) -> tuple[np.ndarray, np.ndarray]:
    """(observed, expected) of every area × type for the window ending before `day`; expected from
    the LOOKBACK days before the 7-day window."""
    observed = counts[day - window : day].sum(axis=0)
    before = counts[day - WINDOW - LOOKBACK : day - WINDOW]
    expected = before.mean(axis=0) * window
    return observed.astype(float), expected


def raised_windows(
    counts: np.ndarray, day: int, windows: tuple[int, ...], extra=None
) -> np.ndarray:
    """Areas × types alerted when each of `windows` is a test in one BH family (`extra`: planted
    incidents per day before `day`, added to the planted cells)."""
    observed, expected = [], []
    for w in windows:
        o, e = window_tests(counts, day, w)
        if extra is not None:
            o = o + extra(w)
        observed.append(o)
        expected.append(e)
    hit = raised(np.stack(observed), np.stack(expected))
    return hit.any(axis=0)


def raised(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    p = poisson_exceedance(observed.ravel(), expected.ravel())
    rejected, _ = benjamini_hochberg(p, FDR)
    keep = rejected & (observed.ravel() >= MIN_COUNT) & (observed.ravel() > expected.ravel())
    return keep.reshape(observed.shape)


def daily_scan(
    counts: np.ndarray, first: int, windows: tuple[int, ...] = (WINDOW,)
) -> tuple[np.ndarray, np.ndarray]:
    """New alerts per day (an area × type alerted within the last WINDOW days is updated, not
    raised again): (days × areas × types booleans of raises, the same of 'unusual' before dedup)."""
    days = counts.shape[0]
    new = np.zeros(counts.shape, dtype=bool)
    unusual = np.zeros(counts.shape, dtype=bool)
    last = np.full(counts.shape[1:], -(10**6))
    for d in range(first, days):
        hit = raised_windows(counts, d, windows)
        unusual[d] = hit
        fresh = hit & (d - last >= WINDOW)
        new[d] = fresh
        last[hit] = np.where(fresh[hit], d, last[hit])
    return new, unusual


# --- Toronto ---------------------------------------------------------------------------------------


def toronto(path: Path) -> dict:
    t0 = time.perf_counter()
    with gzip.open(path / "incidents.csv.gz", "rt") as f:
        frame = pd.read_csv(f, usecols=["id", "occurred_at", "latitude", "longitude", "category"])
    divisions = json.loads((path / "divisions.geojson").read_text())["features"]
    polygons = [shapely.geometry.shape(f["geometry"]) for f in divisions]
    names = [f["properties"]["DIV"] for f in divisions]
    types = sorted(frame["category"].unique())
    when = pd.to_datetime(frame["occurred_at"])
    start = pd.Timestamp("2014-01-01")
    day = ((when - start).dt.days).to_numpy()
    area = areas_of(frame["longitude"].to_numpy(), frame["latitude"].to_numpy(), polygons)
    kind = frame["category"].map({t: i for i, t in enumerate(types)}).to_numpy()
    n_days = (pd.Timestamp("2022-01-01") - start).days
    counts = daily_counts(day, area, kind, (n_days, len(polygons), len(types)))
    first = LOOKBACK + WINDOW  # 2015-01-08
    new, unusual = daily_scan(counts, first)
    district_weeks = (n_days - first) / 7 * len(polygons)
    per_type = {t: float(new[first:, :, i].sum() / district_weeks) for i, t in enumerate(types)}
    years = {}
    for year in range(2015, 2022):
        lo = (pd.Timestamp(f"{year}-01-01") - start).days
        hi = (pd.Timestamp(f"{year + 1}-01-01") - start).days
        lo = max(lo, first)
        years[year] = float(new[lo:hi].sum() / ((hi - lo) / 7 * len(polygons)))
    # the share of district-weeks with at least one new alert (weeks starting on the first day)
    weeks = (n_days - first) // 7
    by_week = new[first : first + weeks * 7].reshape(weeks, 7, len(polygons), len(types))
    share_weeks = float(by_week.any(axis=(1, 3)).mean())
    series = toronto_series(frame, when, area, names, first_day=start + pd.Timedelta(days=first))
    return {
        "divisions": len(polygons),
        "crime_types": types,
        "district_weeks": round(district_weeks),
        "new_alerts_per_district_week": float(new[first:].sum() / district_weeks),
        "share_of_district_weeks_with_an_alert": share_weeks,
        "per_type_per_district_week": per_type,
        "per_year_per_district_week": years,
        "break_and_enter_series": series,
        "seconds": round(time.perf_counter() - t0, 1),
        "alert_examples": examples(new, counts, first, names, types, start),
    }


def examples(new, counts, first, names, types, start) -> list[str]:
    from forecasting.engine.alerts import count_words, rarity_words

    out = []
    for d, a, t in list(zip(*np.nonzero(new[first:]), strict=True))[::400][:5]:
        d = d + first
        observed, expected = window_tests(counts, d)
        p = poisson_exceedance(np.array([observed[a, t]]), np.array([expected[a, t]]))[0]
        when = (start + pd.Timedelta(days=int(d))).date()
        words = count_words(int(observed[a, t]), float(expected[a, t]), types[t], names[a], 7)
        out.append(f"{when}: {words}: {rarity_words(WINDOW / p)}")
    return out


def toronto_series(frame, when, area, names, *, first_day) -> dict:
    """New near-repeat series of Break and Enter a day (400 m, 14 days, k = 3 and 5)."""
    be = frame["category"].eq("Break and Enter").to_numpy() & (area >= 0)
    to_m = Transformer.from_crs(4326, 32617, always_xy=True)
    x, y = to_m.transform(frame["longitude"].to_numpy()[be], frame["latitude"].to_numpy()[be])
    t = ((when[be] - first_day).dt.total_seconds() / 86400).to_numpy()
    ids = np.arange(be.sum())
    district = area[be]
    out = {}
    for k in (3, 5):
        seen: set[int] = set()
        per_district = np.zeros(len(names))
        days = int(t.max())
        for d in range(0, days, 1):
            recent = (t >= d - 28) & (t < d + 1)
            events = [
                Event(int(i), float(xx), float(yy), float(tt), "be")
                for i, xx, yy, tt in zip(ids[recent], x[recent], y[recent], t[recent], strict=True)
            ]
            for s in near_repeat_series(
                events, radius_m=400, days=14, min_events=k, recent_after_days=d
            ):
                if s.events[0] not in seen:
                    seen.add(s.events[0])
                    per_district[district[s.events[-1]]] += 1
        weeks = days / 7
        out[f"k={k}"] = {
            "new_series_per_district_week": float(per_district.sum() / weeks / len(names)),
            "busiest_district": names[int(per_district.argmax())],
            "busiest_per_week": float(per_district.max() / weeks),
        }
    return out


# --- demo city: planted spikes ---------------------------------------------------------------------


def demo(plants: int, seed: int = 22, windows: tuple[int, ...] = (WINDOW,)) -> dict:
    from demo.generator import generate_demo_city

    t0 = time.perf_counter()
    city = generate_demo_city(7, years=2.25, end_date=dt.date(2026, 1, 1))
    frame = city.incidents
    types = sorted(frame["category"].unique())
    polygons = [b.polygon for b in city.beats] + [d.polygon for d in city.districts]
    n_beats = len(city.beats)
    beat_district = [
        n_beats + [d.code for d in city.districts].index(b.district) for b in city.beats
    ]
    lon, lat = frame["longitude"].to_numpy(), frame["latitude"].to_numpy()
    beat = areas_of(lon, lat, polygons[:n_beats])
    district = areas_of(lon, lat, polygons[n_beats:]) + n_beats
    district[district < n_beats] = -1
    day = ((frame["occurred_at"] - city.start).dt.days).to_numpy()
    kind = frame["category"].map({t: i for i, t in enumerate(types)}).to_numpy()
    n_days = (city.end - city.start).days
    shape = (n_days, len(polygons), len(types))
    counts = daily_counts(day, beat, kind, shape) + daily_counts(day, district, kind, shape)
    first = LOOKBACK + WINDOW
    new, _ = daily_scan(counts, first, windows)
    area_weeks = (n_days - first) / 7
    rng = np.random.default_rng(seed)
    results = {}
    for label, size, absolute in [
        *((f"+{s:g}x the usual rate", s, False) for s in SIZES),
        *((f"+{s:g} a day ({7 * s:g} a week)", s, True) for s in ABSOLUTE),
    ]:
        delays, missed = [], 0
        for _ in range(plants):
            b, t = int(rng.integers(n_beats)), int(rng.integers(len(types)))
            start = int(rng.integers(first + WINDOW, n_days - HORIZON))
            base = counts[start - LOOKBACK : start, b, t].mean()
            extra = rng.poisson(size if absolute else size * base, size=HORIZON)
            found = None
            for d in range(start + 1, start + HORIZON + 1):

                def planted(w, d=d, b=b, t=t, extra=extra, start=start):
                    add = np.zeros(counts.shape[1:])
                    inside = extra[max(0, d - w - start) : d - start].sum()
                    add[b, t] += inside
                    add[beat_district[b], t] += inside
                    return add

                hit = raised_windows(counts, d, windows, planted)
                if hit[b, t] or hit[beat_district[b], t]:
                    found = d - start
                    break
            if found is None:
                missed += 1
            else:
                delays.append(found)
        results[label] = {
            "miss_rate_14d": missed / plants,
            "median_delay_days": float(np.median(delays)) if delays else None,
            "p90_delay_days": float(np.percentile(delays, 90)) if delays else None,
        }
    return {
        "city_incidents": int(len(frame)),
        "areas": f"{n_beats} beats + {len(city.districts)} districts",
        "crime_types": types,
        "plants_per_size": plants,
        "windows_days": list(windows),
        "new_alerts_per_district_week_unplanted": float(
            new[first:, n_beats:].sum() / area_weeks / len(city.districts)
        ),
        "new_alerts_per_beat_week_unplanted": float(
            new[first:, :n_beats].sum() / area_weeks / n_beats
        ),
        "planted": results,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toronto", type=Path, default=ROOT.parent / "shared" / "data" / "toronto")
    parser.add_argument("--plants", type=int, default=200)
    parser.add_argument("--skip-toronto", action="store_true")
    parser.add_argument(
        "--windows", default="7", help="comma-separated windows in one BH family (experiment)"
    )
    args = parser.parse_args()
    out = {"demo": demo(args.plants, windows=tuple(int(w) for w in args.windows.split(",")))}
    print(json.dumps(out, indent=2), flush=True)
    if not args.skip_toronto and (args.toronto / "incidents.csv.gz").exists():
        out["toronto"] = toronto(args.toronto)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

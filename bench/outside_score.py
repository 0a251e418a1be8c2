"""Score forecasts the way the outside scorer (`shared/tools/score_forecasts.py`) does, so the bench
reports the numbers others get: nearest cell centre, ranks per shift, hits pooled over shifts,
naive 7/28/91/365-day counts on the same cells (ties by the 365-day count), ratio to the best naive.

The logic is the outside scorer's, line for line; `score_arrays` takes predictions as arrays so the
bench and experiments need not write and re-read a CSV of millions of rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

COVERAGES = (0.01, 0.02, 0.05, 0.10)
NAIVE_DAYS = (7, 28, 91, 365)
OUTSIDE_SHARE_OF_SPACING = 0.75  # events farther than this from every centre are outside the grid


def to_local_naive(s: pd.Series, tz: str) -> pd.Series:
    """ISO 8601 strings -> naive local times (strings with offsets are converted, naive ones kept)."""
    s = s.astype(str)
    if s.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True).any():
        return pd.to_datetime(s, utc=True, format="ISO8601").dt.tz_convert(tz).dt.tz_localize(None)
    return pd.to_datetime(s, format="ISO8601")


def read_events(path, tz: str) -> pd.DataFrame:
    ev = pd.read_csv(path, usecols=["occurred_at", "latitude", "longitude", "category"])
    ev = ev.dropna(subset=["latitude", "longitude"])
    return ev.assign(t=to_local_naive(ev.occurred_at, tz))


def score_csv(events_path, forecasts_path, tz: str) -> dict:
    """The outside scorer on files: EVENTS.csv and the back-test's forecasts.csv."""
    fc = pd.read_csv(forecasts_path)
    cells = fc.drop_duplicates("cell_id")[["cell_id", "center_lat", "center_lon"]].reset_index(
        drop=True
    )
    index = pd.Series(np.arange(len(cells)), index=cells.cell_id.values)
    shifts = fc[["shift_start", "shift_end"]].drop_duplicates().reset_index(drop=True)
    shift_of = pd.Series(np.arange(len(shifts)), index=shifts.shift_start.values)
    preds = {}
    for kind, g in fc.groupby("crime_type"):
        arr = np.full((len(cells), len(shifts)), -np.inf)
        arr[
            index.reindex(g.cell_id.values).values, shift_of.reindex(g.shift_start.values).values
        ] = g.expected_count
        preds[kind] = arr
    bounds = np.column_stack(
        [to_local_naive(shifts.shift_start, tz).values, to_local_naive(shifts.shift_end, tz).values]
    )
    return score_arrays(
        read_events(events_path, tz),
        cells.center_lat.values,
        cells.center_lon.values,
        bounds,
        preds,
    )


def score_arrays(
    ev: pd.DataFrame, center_lat, center_lon, shift_bounds: np.ndarray, preds: dict
) -> dict:
    """`shift_bounds`: (shifts, 2) naive local datetime64 [start, end); `preds`: type -> (cells, shifts)."""
    cx, cy, spacing, cell_of_event = _assign(ev, np.asarray(center_lat), np.asarray(center_lon))
    n_cells = len(cx)
    order_shifts = np.argsort(shift_bounds[:, 0], kind="stable")
    out = {
        "cells": n_cells,
        "cell_spacing_m": round(spacing, 1),
        "types": {},
        "shift_day": shift_bounds[:, 0].astype("datetime64[D]"),
    }  # for the bootstrap, by day
    for kind in sorted(preds):
        sel = (ev.category == kind).to_numpy()
        et, ecell = ev.t.values[sel], cell_of_event[sel]
        names = ["model"] + [f"naive{n}" for n in NAIVE_DAYS]
        hits = {name: dict.fromkeys(COVERAGES, 0) for name in names}
        # Hits per shift as well (not in the outside scorer): what the bootstrap intervals resample.
        by_shift = {
            name: np.zeros((len(order_shifts), len(COVERAGES)), dtype=np.int64) for name in names
        }
        total = outside = 0
        for j in order_shifts:
            s0, s1 = shift_bounds[j]
            inn = (et >= s0) & (et < s1)
            counts = np.bincount(ecell[inn & (ecell >= 0)], minlength=n_cells)
            total += int(inn.sum())
            outside += int((inn & (ecell < 0)).sum())
            rankings = {"model": preds[kind][:, j]}
            past = {}
            for n in NAIVE_DAYS:
                h = (et < s0) & (et >= s0 - np.timedelta64(n, "D")) & (ecell >= 0)
                past[n] = np.bincount(ecell[h], minlength=n_cells).astype(float)
            tie = 1e-3 * past[365] / max(past[365].max(), 1) + 1e-9 * np.sin(np.arange(n_cells))
            for n in NAIVE_DAYS:
                rankings[f"naive{n}"] = past[n] + tie
            for name, sc in rankings.items():
                order = np.argsort(-sc, kind="stable")
                for i, c in enumerate(COVERAGES):
                    k = max(1, int(round(c * n_cells)))
                    hits[name][c] += int(counts[order[:k]].sum())
                    by_shift[name][j, i] = int(counts[order[:k]].sum())
        res = {"test_events": total, "outside_grid": outside, "shifts": len(order_shifts)}
        for name, hh in hits.items():
            res[name] = {
                f"pai@{int(c * 100)}%": round(hh[c] / max(total, 1) / c, 3) for c in COVERAGES
            }
        best = {}
        for c in COVERAGES:
            key = f"pai@{int(c * 100)}%"
            b = max(res[f"naive{n}"][key] for n in NAIVE_DAYS)
            best[key] = round(res["model"][key] / b, 3) if b > 0 else None
        res["model_over_best_naive"] = best
        res["hits_by_shift"] = by_shift
        out["types"][kind] = res
    return out


def ratio_intervals(scored: dict, level: float = 0.90, draws: int = 2000, seed: int = 0) -> dict:
    """Bootstrap interval of model ÷ best naive per type and coverage, resampling whole days of the
    window (a day's shifts share their incidents' causes) and picking the best naive count anew in
    every draw, as the scorer does."""
    days, day_index = np.unique(scored["shift_day"], return_inverse=True)
    rng = np.random.default_rng(seed)
    weights = np.stack(
        [
            np.bincount(rng.integers(0, len(days), len(days)), minlength=len(days))
            for _ in range(draws)
        ]
    )  # (draws, days): how often each day is drawn
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    out = {}
    for kind, res in scored["types"].items():
        per_day = {
            name: np.stack(
                [
                    np.bincount(day_index, weights=h[:, i], minlength=len(days))
                    for i in range(len(COVERAGES))
                ],
                axis=1,
            )
            for name, h in res["hits_by_shift"].items()
        }  # (days, coverages)
        drawn = {name: weights @ d for name, d in per_day.items()}  # (draws, coverages)
        best_naive = np.max([drawn[f"naive{n}"] for n in NAIVE_DAYS], axis=0)
        ratio = drawn["model"] / np.maximum(best_naive, 1)
        out[kind] = {
            f"pai@{int(c * 100)}%": tuple(
                round(float(q), 3) for q in np.quantile(ratio[:, i], [lo_q, hi_q])
            )
            for i, c in enumerate(COVERAGES)
        }
    return out


def _assign(ev, lat, lon):
    lat0, lon0 = lat.mean(), lon.mean()
    tr = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +units=m", always_xy=True
    )
    cx, cy = tr.transform(lon, lat)
    tree = cKDTree(np.column_stack([cx, cy]))
    spacing = float(np.median(tree.query(np.column_stack([cx, cy]), k=2)[0][:, 1]))
    exx, eyy = tr.transform(ev.longitude.values, ev.latitude.values)
    d, nearest = tree.query(np.column_stack([exx, eyy]))
    return cx, cy, spacing, np.where(d <= spacing * OUTSIDE_SHARE_OF_SPACING, nearest, -1)


def mean_ratios(scored: dict) -> dict:
    """Mean over types of model ÷ best naive at each coverage, and the worst type."""
    per = [t["model_over_best_naive"] for t in scored["types"].values()]
    keys = [f"pai@{int(c * 100)}%" for c in COVERAGES]
    return {
        k: {"mean": float(np.mean([p[k] for p in per])), "min": float(min(p[k] for p in per))}
        for k in keys
    }

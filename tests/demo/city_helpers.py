"""Constants and helpers of the demo city tests: the 250 m cells, counts per cell and shift, the
generator's true intensity for them. No Django."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyproj
import shapely

from demo.generator import true_expected_counts

SEED = 7
END_DATE = dt.date(2025, 11, 1)
CELL_M = 250.0
TEST_DAYS = 100
SHIFT_STARTS_H = (6, 14, 22)
NIGHT_HOURS = (22, 23, 0, 1, 2, 3, 4, 5)
EXPECTED_COLUMNS = [
    "id",
    "occurred_at",
    "occurred_to",
    "reported_at",
    "latitude",
    "longitude",
    "category",
    "offense_code",
    "premises_type",
    "officer_initiated",
]
PREMISES = {"House", "Apartment", "Commercial", "Outside", "Transit"}
TO_UTM = pyproj.Transformer.from_crs(4326, 32617, always_xy=True)
TO_WGS84 = pyproj.Transformer.from_crs(32617, 4326, always_xy=True)


def to_utm(polygon):
    return shapely.transform(polygon, lambda xy: np.column_stack(TO_UTM.transform(*xy.T)))


def cell_index(incidents, cells) -> np.ndarray:
    col, row, _, _ = cells
    x, y = TO_UTM.transform(incidents["longitude"].to_numpy(), incidents["latitude"].to_numpy())
    lookup = pd.Series(np.arange(col.size), index=pd.MultiIndex.from_arrays([col, row]))
    keys = pd.MultiIndex.from_arrays(
        [np.floor(x / CELL_M).astype(int), np.floor(y / CELL_M).astype(int)]
    )
    return lookup.reindex(keys).to_numpy()


def cell_counts(incidents, cells) -> np.ndarray:
    return np.bincount(cell_index(incidents, cells), minlength=cells[0].size)


def cell_shift_counts(incidents, cells, starts) -> np.ndarray:
    shift = (
        np.searchsorted(
            starts.as_unit("ns").asi8,
            incidents["occurred_at"]
            .dt.tz_convert("UTC")
            .dt.as_unit("ns")
            .astype("int64")
            .to_numpy(),
            side="right",
        )
        - 1
    )
    out = np.zeros((cells[0].size, starts.size))
    np.add.at(out, (cell_index(incidents, cells), shift), 1)
    return out


def oracle(city, cells, shifts, category, **options) -> np.ndarray:
    _, _, lon, lat = cells
    starts, ends = shifts
    return true_expected_counts(
        city,
        cell_lon=lon,
        cell_lat=lat,
        cell_size_m=CELL_M,
        shift_starts_utc=starts.tz_convert(None).to_numpy(),  # UTC datetime64
        shift_ends_utc=ends.tz_convert(None).to_numpy(),
        category=category,
        **options,
    )


def of_type(city, category) -> np.ndarray:
    return (city.incidents["category"] == category).to_numpy()


def in_window(city, starts, ends) -> np.ndarray:
    occurred = city.incidents["occurred_at"].dt.tz_convert("UTC")
    return ((occurred >= starts[0]) & (occurred < ends[-1])).to_numpy()


def poisson_log_score(observed, expected) -> float:
    rate = np.maximum(expected, 1e-12)
    return float(np.sum(observed * np.log(rate) - rate))

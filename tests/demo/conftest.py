"""The demo city, generated once for the demo tests (module tests share it: generation takes seconds)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import shapely

from demo.generator import DemoCity, generate_demo_city
from tests.demo.city_helpers import (
    CELL_M,
    END_DATE,
    SEED,
    SHIFT_STARTS_H,
    TEST_DAYS,
    TO_WGS84,
    to_utm,
)


@pytest.fixture(scope="session")
def timed_city() -> tuple[DemoCity, float]:
    started = time.perf_counter()
    city = generate_demo_city(SEED, end_date=END_DATE)
    return city, time.perf_counter() - started


@pytest.fixture(scope="session")
def city(timed_city) -> DemoCity:
    return timed_city[0]


@pytest.fixture(scope="session")
def cells(city):
    """250 m UTM cells that touch the boundary: (col, row, centre lon, centre lat)."""
    land = to_utm(city.boundary)
    minx, miny, maxx, maxy = land.bounds
    col, row = np.meshgrid(
        np.arange(np.floor(minx / CELL_M), np.ceil(maxx / CELL_M)),
        np.arange(np.floor(miny / CELL_M), np.ceil(maxy / CELL_M)),
    )
    col, row = col.ravel(), row.ravel()
    keep = shapely.intersects(
        land, shapely.box(col * CELL_M, row * CELL_M, (col + 1) * CELL_M, (row + 1) * CELL_M)
    )
    col, row = col[keep].astype(int), row[keep].astype(int)
    lon, lat = TO_WGS84.transform((col + 0.5) * CELL_M, (row + 0.5) * CELL_M)
    return col, row, np.asarray(lon), np.asarray(lat)


@pytest.fixture(scope="session")
def test_shifts(city):
    """The last TEST_DAYS days of 8-hour shifts as tz-aware UTC starts and ends."""
    days = pd.date_range(
        city.end.tz_localize(None) - pd.Timedelta(days=TEST_DAYS), periods=TEST_DAYS, freq="D"
    )
    wall = (days.values[:, None] + pd.to_timedelta(SHIFT_STARTS_H, unit="h").values).ravel()
    local = pd.DatetimeIndex(wall).tz_localize(city.timezone)
    return local.tz_convert("UTC"), (local + pd.Timedelta(hours=8)).tz_convert("UTC")

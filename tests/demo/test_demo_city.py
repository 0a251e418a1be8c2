"""The demo city generator: deterministic, geometrically sound, and with measurable crime structure
(hot spots, daily and seasonal cycles, near repeats). No Django."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from demo.generator import demo_shifts, demo_tactics, generate_demo_city
from tests.demo.city_helpers import (
    END_DATE,
    EXPECTED_COLUMNS,
    NIGHT_HOURS,
    PREMISES,
    SEED,
    TO_UTM,
    cell_counts,
    to_utm,
)

# --- determinism, speed, purity ---------------------------------------------------------------


def test_same_seed_gives_identical_city_and_other_seed_differs(city):
    again = generate_demo_city(SEED, end_date=END_DATE)
    pd.testing.assert_frame_equal(city.incidents, again.incidents)
    pd.testing.assert_frame_equal(city.layers["bars"], again.layers["bars"])
    assert [b.polygon.wkt for b in city.beats] == [b.polygon.wkt for b in again.beats]
    other = generate_demo_city(SEED + 1, end_date=END_DATE)
    assert len(other.incidents) != len(city.incidents) or not other.incidents.equals(city.incidents)
    assert not other.layers["bars"].equals(city.layers["bars"])


def test_generation_is_fast(timed_city):
    assert timed_city[1] < 20.0


def test_default_history_ends_at_todays_midnight():
    city = generate_demo_city(3, years=0.25)
    today = pd.Timestamp.now(tz="America/Toronto").date()
    assert city.end == pd.Timestamp(today).tz_localize("America/Toronto")
    occurred = city.incidents["occurred_at"]
    assert occurred.max() < city.end and occurred.max() > city.end - pd.Timedelta(days=1)
    assert occurred.min() >= city.start
    assert (city.incidents["reported_at"] < city.end).all()


@pytest.mark.subprocess
def test_module_imports_no_django():
    code = "import sys, demo.generator; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- geography ----------------------------------------------------------------------------------


def test_identity_and_place(city):
    assert (city.name, city.timezone, city.epsg) == ("Port Meridian", "America/Toronto", 32617)
    centre = city.boundary.centroid
    assert abs(centre.y - 43.65) < 0.05 and abs(centre.x + 79.9) < 0.05


def test_boundary_is_valid_irregular_and_about_100_km2(city, cells):
    assert city.boundary.geom_type == "Polygon" and city.boundary.is_valid
    land = to_utm(city.boundary)
    assert 80e6 < land.area < 120e6
    assert land.convex_hull.area > 1.03 * land.area  # a coastline and a river, not a rectangle
    assert 1400 < cells[0].size < 2000


def test_districts_tile_the_boundary(city):
    assert [d.code for d in city.districts] == ["D1", "D2", "D3", "D4"]
    polygons = [d.polygon for d in city.districts]
    assert all(p.geom_type == "Polygon" and p.is_valid for p in polygons)
    area = city.boundary.area
    assert shapely.union_all(polygons).symmetric_difference(city.boundary).area < 1e-8 * area
    overlaps = sum(
        a.intersection(b).area for i, a in enumerate(polygons) for b in polygons[i + 1 :]
    )
    assert overlaps < 1e-8 * area


def test_beats_tile_their_districts(city):
    codes = [b.code for b in city.beats]
    assert len(set(codes)) == len(codes)
    for district in city.districts:
        beats = [b for b in city.beats if b.district == district.code]
        assert 3 <= len(beats) <= 4
        assert all(b.code.startswith(f"{district.code}-B") and b.name for b in beats)
        assert all(b.polygon.geom_type == "Polygon" and b.polygon.is_valid for b in beats)
        union = shapely.union_all([b.polygon for b in beats])
        assert union.symmetric_difference(district.polygon).area < 1e-8 * district.polygon.area


def test_risk_terrain_layers_are_on_land(city):
    assert set(city.layers) == {"bars", "transit_stops", "schools", "shopping"}
    for layer in city.layers.values():
        assert list(layer.columns) == ["name", "latitude", "longitude"]
        assert 20 <= len(layer) <= 400
        assert shapely.contains_xy(city.boundary, layer["longitude"], layer["latitude"]).all()


# --- catalogue ------------------------------------------------------------------------------------


def test_crime_types_tactics_and_shifts(city):
    names = {t["name"] for t in city.crime_types}
    assert {"Assault", "Break and Enter", "Auto Theft", "Robbery"} <= names
    for t in city.crime_types:
        assert set(t) == {
            "code",
            "name",
            "colour",
            "severity_weight",
            "patrol_efficacy",
            "offense_codes",
            "count_officer_initiated",
        }
        assert len(t["colour"]) == 7 and t["colour"].startswith("#")
        int(t["colour"][1:], 16)
        assert t["severity_weight"] > 0 and 0 <= t["patrol_efficacy"] <= 1
        assert t["offense_codes"] and all(isinstance(c, str) for c in t["offense_codes"])
    tactics = demo_tactics()
    assert len(tactics) >= 6
    assert all(set(t["crime_types"]) <= names and t["description"] for t in tactics)
    # Conditions name a layer the city has and a crime type of the catalogue.
    assert {t["near"][0] for t in tactics if "near" in t} == {"transit_stops"}
    assert {t["recent"][0] for t in tactics if "recent" in t} <= names
    assert demo_shifts() == [
        (name, dt.time(h), dt.timedelta(hours=8))
        for name, h in (("Day", 6), ("Evening", 14), ("Night", 22))
    ]


# --- incidents: shape and cleanliness -----------------------------------------------------------


def test_incident_table_is_clean(city):
    df = city.incidents
    assert list(df.columns) == EXPECTED_COLUMNS
    assert 25_000 <= len(df) <= 45_000
    assert df["id"].is_unique and df["id"].str.fullmatch(r"PM-\d{6}").all()
    assert str(df["occurred_at"].dt.tz) == "America/Toronto"
    assert df["occurred_at"].is_monotonic_increasing
    assert not df[["occurred_at", "reported_at", "latitude", "longitude"]].isna().any().any()
    assert (
        df["reported_at"] >= df["occurred_at"].where(df["occurred_to"].isna(), df["occurred_to"])
    ).all()
    assert set(df["premises_type"]) <= PREMISES
    codes = {t["name"]: set(t["offense_codes"]) for t in city.crime_types}
    assert all(
        code in codes[cat] for cat, code in zip(df["category"], df["offense_code"], strict=True)
    )
    assert 0.005 < df["officer_initiated"].mean() < 0.08


def test_times_are_minutes_without_heaping(city):
    occurred = city.incidents["occurred_at"]
    assert (occurred.dt.second == 0).all()
    minute_shares = occurred.dt.minute.value_counts(normalize=True)
    assert minute_shares.max() < 0.03  # no rounding to :00 or :30


def test_break_ins_have_from_to_windows(city):
    df = city.incidents
    windowed = df["occurred_to"].notna()
    bne = df["category"] == "Break and Enter"
    assert 0.22 < windowed[bne].mean() < 0.38
    assert not windowed[df["category"].isin(["Assault", "Robbery"])].any()
    length = (df["occurred_to"] - df["occurred_at"])[bne & windowed]
    assert length.min() >= pd.Timedelta(minutes=1) and length.max() <= pd.Timedelta(days=2)


def test_incidents_lie_inside_the_boundary(city):
    df = city.incidents
    assert shapely.contains_xy(city.boundary, df["longitude"], df["latitude"]).all()


# --- incidents: structure -------------------------------------------------------------------------


def test_incidents_concentrate_in_hot_spots(city, cells):
    counts = cell_counts(city.incidents, cells)
    top = np.sort(counts)[::-1][: int(np.ceil(0.05 * counts.size))]
    assert counts.sum() == len(city.incidents)
    assert top.sum() / counts.sum() > 0.20


def test_time_of_day_and_week_differ_by_type(city):
    df = city.incidents
    hour = df["occurred_at"].dt.hour
    night = hour.isin(NIGHT_HOURS).groupby(df["category"]).mean()
    assert night["Assault"] > night["Break and Enter"] + 0.1
    assault = df[df["category"] == "Assault"]
    police_day = (assault["occurred_at"] - pd.Timedelta(hours=6)).dt.day_of_week
    late = assault["occurred_at"].dt.hour.isin(NIGHT_HOURS)
    weekend_nights = (late & police_day.isin([4, 5])).sum() / 2
    midweek_nights = (late & police_day.isin([0, 1, 2])).sum() / 3
    assert weekend_nights > 1.5 * midweek_nights
    bne = df[df["category"] == "Break and Enter"]["occurred_at"]
    daytime_weekday = bne.dt.hour.between(8, 17) & (bne.dt.day_of_week < 5)
    assert daytime_weekday.mean() > 0.4


def test_break_ins_repeat_near_in_space_and_time(city):
    bne = city.incidents[city.incidents["category"] == "Break and Enter"]
    x, y = TO_UTM.transform(bne["longitude"].to_numpy(), bne["latitude"].to_numpy())
    days = bne["occurred_at"].astype("int64").to_numpy() / 86_400e9
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(200.0, output_type="ndarray")

    def close_in_time(t):
        return int(np.sum(np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]) <= 7))

    rng = np.random.default_rng(0)
    shuffled = np.mean([close_in_time(rng.permutation(days)) for _ in range(5)])
    assert close_in_time(days) > 1.3 * shuffled


def test_seasons_show(city):
    df = city.incidents
    month = df["occurred_at"].dt.month
    summer, winter = month.isin([6, 7, 8]), month.isin([12, 1, 2])
    days = pd.Series(
        pd.date_range(
            city.start.tz_localize(None), city.end.tz_localize(None), freq="D", inclusive="left"
        ).month
    )
    per_day = lambda mask, months: mask.sum() / days.isin(months).sum()  # noqa: E731
    assault = df["category"] == "Assault"
    assert per_day(assault & summer, [6, 7, 8]) > 1.15 * per_day(assault & winter, [12, 1, 2])


# --- files for the backtest command ---------------------------------------------------------------


def test_events_csv_round_trips(city, tmp_path):
    path = tmp_path / "events.csv"
    city.write_events_csv(path)
    text = path.read_text().splitlines()
    assert text[0] == "id,occurred_at,latitude,longitude,category"
    assert text[1].split(",")[1][-6:] in ("-05:00", "-04:00")
    back = pd.read_csv(path)
    assert len(back) == len(city.incidents)
    occurred = pd.to_datetime(back["occurred_at"], utc=True)
    assert (
        occurred.to_numpy() == city.incidents["occurred_at"].dt.tz_convert("UTC").to_numpy()
    ).all()
    np.testing.assert_allclose(back["latitude"], city.incidents["latitude"])


def test_boundary_geojson_holds_the_districts(city, tmp_path):
    path = tmp_path / "boundary.geojson"
    city.write_boundary_geojson(path)
    collection = json.loads(path.read_text())
    assert collection["type"] == "FeatureCollection"
    assert [f["properties"] for f in collection["features"]] == [
        {"name": d.name, "code": d.code} for d in city.districts
    ]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    assert (
        shapely.union_all(shapes).symmetric_difference(city.boundary).area
        < 1e-8 * city.boundary.area
    )

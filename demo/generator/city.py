"""Builds the demo city: map, risk terrain, crime types and incidents from one seed, and writes the
events CSV and district GeoJSON that the `backtest` command reads."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter
from shapely.geometry import LineString, Polygon, mapping

from . import geography, process, streets, surfaces, terrain
from .catalogue import CRIME_TYPES, crime_type_dicts
from .oracle import Truth, TypeTruth, summed_area

CITY_NAME = "Port Meridian"
TIMEZONE = "America/Toronto"
ID_PREFIX = "PM-"
EVENTS_CSV_COLUMNS = ["id", "occurred_at", "latitude", "longitude", "category"]
STREETS_STREAM = 11  # the street network's own random stream, so it changes nothing else


@dataclass(frozen=True)
class District:
    code: str
    name: str
    polygon: Polygon  # WGS84 lon/lat


@dataclass(frozen=True)
class Beat:
    code: str
    name: str
    district: str  # district code
    polygon: Polygon  # WGS84 lon/lat


@dataclass(eq=False)
class DemoCity:
    """A synthetic jurisdiction. Incidents cover local days [start, end); `truth` holds what
    generated them (see oracle.true_expected_counts)."""

    name: str
    timezone: str
    epsg: int
    boundary: Polygon  # WGS84 lon/lat
    districts: list[District]
    beats: list[Beat]
    layers: dict[str, pd.DataFrame]  # name, latitude, longitude
    streets: list[tuple[str, LineString]]  # street centreline segments, WGS84 lon/lat
    crime_types: list[dict]
    incidents: pd.DataFrame
    start: pd.Timestamp  # local midnight of the first day
    end: pd.Timestamp  # local midnight after the last day
    truth: Truth = field(repr=False)

    def write_events_csv(self, path) -> None:
        """id,occurred_at,latitude,longitude,category with local ISO 8601 times and their offset."""
        events = self.incidents[EVENTS_CSV_COLUMNS].copy()
        stamp = events["occurred_at"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        events["occurred_at"] = stamp.str[:-2] + ":" + stamp.str[-2:]  # -0500 -> -05:00
        events.to_csv(path, index=False)

    def write_boundary_geojson(self, path) -> None:
        """A FeatureCollection of the districts with properties `name` and `code`."""
        features = [
            {
                "type": "Feature",
                "properties": {"name": d.name, "code": d.code},
                "geometry": mapping(d.polygon),
            }
            for d in self.districts
        ]
        Path(path).write_text(json.dumps({"type": "FeatureCollection", "features": features}))

    def write_streets_geojson(self, path) -> None:
        """The street centreline as a city publishes it: one LineString per segment, field `name`."""
        features = [
            {"type": "Feature", "properties": {"name": name}, "geometry": mapping(line)}
            for name, line in self.streets
        ]
        Path(path).write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def generate_demo_city(
    seed: int = 7, *, years: float = 2.25, end_date: dt.date | None = None
) -> DemoCity:
    """Port Meridian with `years` of incidents up to the local midnight that starts `end_date`
    (default today). The same seed and dates give the same city, incident for incident."""
    end_date = end_date or pd.Timestamp.now(tz=TIMEZONE).date()
    end = pd.Timestamp(end_date).tz_localize(TIMEZONE)
    start = pd.Timestamp(end_date - dt.timedelta(days=round(years * process.DAYS_PER_YEAR)))
    start = start.tz_localize(TIMEZONE)
    # Independent streams, so the terrain and each crime type do not shift when another changes.
    streams = np.random.SeedSequence(seed).spawn(1 + len(CRIME_TYPES))
    terrain_rng = np.random.default_rng(streams[0])
    type_rngs = [np.random.default_rng(s) for s in streams[1:]]

    frame = geography.make_frame()
    land = geography.make_boundary()
    raster = geography.make_raster(land)
    homes = terrain.residential_density(raster, terrain_rng)
    layers_xy = terrain.make_layers(land, raster, homes, terrain_rng)
    shared = surfaces.shared_surfaces(raster, layers_xy, homes, terrain_rng)
    grid = process.hour_grid(start, end)

    models = []
    for spec, rng in zip(CRIME_TYPES, type_rngs, strict=True):
        hotspots = surfaces.type_hotspots(raster, shared, rng)
        densities = np.stack(
            [surfaces.component_density(c, raster, shared, hotspots) for c in spec.components]
        )
        models.append((spec, rng, densities, process.hourly_rates(spec, grid)))
    workload = sum(np.tensordot(rates.sum(1), dens, axes=1) for _, _, dens, rates in models)
    districts = geography.make_districts(land)
    beats = geography.make_beats(districts, raster, workload, terrain_rng)

    incidents, truths, background = [], {}, []
    for spec, rng, densities, rates in models:
        events = process.simulate(spec, rates, densities, raster, land, grid, rng)
        recorded = process.record(spec, events, densities, raster, grid.end_seconds, rng)
        lon, lat = frame.to_lonlat(events.x, events.y)
        incidents.append(
            pd.DataFrame({**recorded, "latitude": lat, "longitude": lon, "category": spec.name})
        )
        background.append(events.generation == 0)
        by_time = np.argsort(events.t, kind="stable")
        sigma = spec.repeat_metres / raster.pixel_m
        cumulative = np.concatenate([np.zeros((rates.shape[0], 1)), rates.cumsum(1)], axis=1)
        truths[spec.name] = TypeTruth(
            spec=spec,
            sat=np.stack([summed_area(d) for d in densities]),
            sat_spread=np.stack(
                [summed_area(gaussian_filter(d, sigma, mode="constant")) for d in densities]
            ),
            cumulative=cumulative,
            event_t=events.t[by_time],
            event_x=events.x[by_time],
            event_y=events.y[by_time],
        )

    table = pd.concat(incidents, ignore_index=True)
    order = np.argsort(table["occurred"].to_numpy(), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    truth = Truth(
        frame=frame,
        pixel_m=raster.pixel_m,
        start_ns=grid.start_ns,
        types=truths,
        is_background=np.concatenate(background)[order],
    )
    return DemoCity(
        name=CITY_NAME,
        timezone=TIMEZONE,
        epsg=frame.epsg,
        boundary=frame.polygon_to_lonlat(land),
        districts=[District(c, n, frame.polygon_to_lonlat(p)) for c, n, p in districts],
        beats=[Beat(c, n, d, frame.polygon_to_lonlat(p)) for c, n, d, p in beats],
        layers={k: geography.layer_frame(frame, *v) for k, v in layers_xy.items()},
        streets=[
            (name, frame.polygon_to_lonlat(line))
            for name, line in streets.make_streets(
                land, np.random.default_rng([seed, STREETS_STREAM])
            )
        ],
        crime_types=crime_type_dicts(),
        incidents=_incident_frame(table, grid.start_ns),
        start=start,
        end=end,
        truth=truth,
    )


def _incident_frame(table: pd.DataFrame, start_ns: int) -> pd.DataFrame:
    origin = pd.Timestamp(start_ns, tz="UTC")

    def local(seconds: pd.Series) -> pd.Series:
        # Whole seconds as timedeltas keep minute times exact (float nanoseconds would not).
        return (origin + pd.to_timedelta(seconds, unit="s")).dt.tz_convert(TIMEZONE)

    return pd.DataFrame(
        {
            "id": [f"{ID_PREFIX}{i + 1:06d}" for i in range(len(table))],
            "occurred_at": local(table["occurred"]),
            "occurred_to": local(table["occurred_to"]),
            "reported_at": local(table["reported"]),
            "latitude": table["latitude"].to_numpy(),
            "longitude": table["longitude"].to_numpy(),
            "category": table["category"].astype(str).to_numpy(),
            "offense_code": table["offense_code"].astype(str).to_numpy(),
            "premises_type": table["premises_type"].astype(str).to_numpy(),
            "officer_initiated": table["officer_initiated"].astype(bool).to_numpy(),
        }
    )

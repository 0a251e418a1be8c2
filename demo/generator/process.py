"""Incidents of one crime type as a Hawkes process: an inhomogeneous Poisson background, piecewise
constant on hourly bins and 50 m pixels, plus near-repeat offspring; then what the RMS records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from .catalogue import CrimeTypeSpec
from .geography import Raster

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400
DAYS_PER_YEAR = 365.25
HOURS_PER_DAY = 24
POLICE_DAY_START = pd.Timedelta(hours=6)  # Friday's night shift runs into Saturday morning
REPORT_DELAY_SIGMA = 0.9  # log-normal spread of report delays
OFFICER_REPORT_MAX_MINUTES = 5.0  # an officer who sees it logs it at once


@dataclass(frozen=True, eq=False)
class HourGrid:
    """The simulated period as UTC hours; local calendar attributes of each hour."""

    start_ns: int  # UTC instant of the first hour, ns since the epoch
    local_hour: np.ndarray
    police_weekday: np.ndarray  # Monday = 0, of the police day (starts 06:00)
    day_of_year: np.ndarray
    years: np.ndarray  # since the start

    @property
    def n_hours(self) -> int:
        return self.local_hour.size

    @property
    def end_seconds(self) -> float:
        return float(self.n_hours * SECONDS_PER_HOUR)


@dataclass(frozen=True, eq=False)
class Events:
    """Event times in seconds since the grid start, local metres, component and generation."""

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    component: np.ndarray
    generation: np.ndarray

    @property
    def size(self) -> int:
        return self.t.size


def hour_grid(start_local: pd.Timestamp, end_local: pd.Timestamp) -> HourGrid:
    utc = pd.date_range(
        start_local.tz_convert("UTC"), end_local.tz_convert("UTC"), freq="h", inclusive="left"
    )
    local = utc.tz_convert(start_local.tz)
    police_day = local - POLICE_DAY_START
    years = np.arange(len(utc)) / (HOURS_PER_DAY * DAYS_PER_YEAR)
    return HourGrid(
        start_ns=int(utc[0].value),
        local_hour=local.hour.to_numpy(),
        police_weekday=police_day.day_of_week.to_numpy(),
        day_of_year=local.day_of_year.to_numpy(),
        years=years,
    )


def hourly_rates(spec: CrimeTypeSpec, grid: HourGrid) -> np.ndarray:
    """(components, hours): expected background incidents of each component in each hour."""
    season = 1 + spec.seasonal_amplitude * np.cos(
        2 * np.pi * (grid.day_of_year - spec.seasonal_peak_day) / DAYS_PER_YEAR
    )
    cycle = season * (1 + spec.trend_per_year) ** grid.years
    rows = []
    for c in spec.components:
        hours = np.arange(HOURS_PER_DAY) + 0.5
        daily = np.exp(c.peak_sharpness * np.cos(2 * np.pi * (hours - c.peak_hour) / HOURS_PER_DAY))
        week = np.asarray(c.weekday)
        rows.append(
            c.share
            * (daily / daily.mean())[grid.local_hour]
            * (week / week.mean())[grid.police_weekday]
            * cycle
        )
    raw = np.array(rows)
    background = (
        spec.incidents_per_year
        * (1 - spec.branching_ratio)
        * grid.n_hours
        / (HOURS_PER_DAY * DAYS_PER_YEAR)
    )
    return raw * (background / raw.sum())


def simulate(
    spec: CrimeTypeSpec,
    rates: np.ndarray,
    densities: np.ndarray,
    raster: Raster,
    boundary: Polygon,
    grid: HourGrid,
    rng: np.random.Generator,
) -> Events:
    """Background events on (hour, pixel) bins with uniform jitter inside each, then generation
    after generation of offspring; offspring past the end or off land are never observed."""
    parts = []
    for c, (rate, density) in enumerate(zip(rates, densities, strict=True)):
        hour = np.repeat(np.arange(grid.n_hours), rng.poisson(rate))
        cdf = np.cumsum(density.ravel())
        pixel = np.searchsorted(cdf, rng.random(hour.size) * cdf[-1], side="right")
        iy, ix = np.divmod(pixel, raster.nx)
        parts.append(
            Events(
                t=(hour + rng.random(hour.size)) * SECONDS_PER_HOUR,
                x=(ix + rng.random(hour.size)) * raster.pixel_m,
                y=(iy + rng.random(hour.size)) * raster.pixel_m,
                component=np.full(hour.size, c),
                generation=np.zeros(hour.size, int),
            )
        )
    parents = _concat(parts)
    generations = [parents]
    shapely.prepare(boundary)
    while parents.size:
        parent = np.repeat(np.arange(parents.size), rng.poisson(spec.branching_ratio, parents.size))
        n = parent.size
        t = parents.t[parent] + rng.exponential(spec.repeat_days * SECONDS_PER_DAY, n)
        x = parents.x[parent] + rng.normal(0.0, spec.repeat_metres, n)
        y = parents.y[parent] + rng.normal(0.0, spec.repeat_metres, n)
        keep = (t < grid.end_seconds) & shapely.contains_xy(boundary, x, y)
        parents = Events(
            t=t[keep],
            x=x[keep],
            y=y[keep],
            component=parents.component[parent][keep],
            generation=parents.generation[parent][keep] + 1,
        )
        generations.append(parents)
    return _concat(generations)


def record(
    spec: CrimeTypeSpec,
    events: Events,
    densities: np.ndarray,
    raster: Raster,
    end_seconds: float,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """What the RMS holds for each event: minute-resolution times (seconds since the grid start;
    occurred_to NaN without a window), premises, offense code and the officer-initiated flag."""
    n = events.size
    # Officers stumble on more where they patrol most: the hot spots of this type.
    type_density = np.tensordot([c.share for c in spec.components], densities, axes=1)
    iy = np.clip((events.y // raster.pixel_m).astype(int), 0, raster.ny - 1)
    ix = np.clip((events.x // raster.pixel_m).astype(int), 0, raster.nx - 1)
    pull = np.sqrt(type_density[iy, ix] / type_density[raster.inside].mean())
    p_officer = np.clip(spec.officer_initiated_share * pull / max(pull.mean(), 1e-12), 0, 1)
    officer = rng.random(n) < p_officer

    premises = np.empty(n, dtype=object)
    offense = np.empty(n, dtype=object)
    for c, comp in enumerate(spec.components):
        mine = events.component == c
        premises[mine] = _choose(comp.premises, mine.sum(), rng)
        offense[mine] = _choose(comp.offense_codes, mine.sum(), rng)

    occurred = np.floor(events.t / SECONDS_PER_MINUTE) * SECONDS_PER_MINUTE
    windowed = ~officer & (rng.random(n) < spec.window_share)
    lo, hi = np.log(spec.window_hours)
    window = np.exp(rng.uniform(lo, hi, n)) * SECONDS_PER_HOUR
    occurred_to = np.where(windowed, occurred + window, np.nan)
    delay = np.where(
        officer,
        rng.uniform(0, OFFICER_REPORT_MAX_MINUTES, n),
        rng.lognormal(np.log(spec.report_delay_minutes), REPORT_DELAY_SIGMA, n),
    )
    reported = np.where(windowed, occurred_to, occurred) + delay * SECONDS_PER_MINUTE
    # Data end at the extract; what would be known only later is reported before it instead.
    late = reported >= end_seconds
    occurred_to[late] = np.nan
    reported[late] = occurred[late] + rng.random(late.sum()) * (end_seconds - occurred[late])
    return {
        "occurred": occurred,
        "occurred_to": np.floor(occurred_to / SECONDS_PER_MINUTE) * SECONDS_PER_MINUTE,
        "reported": np.floor(reported / SECONDS_PER_MINUTE) * SECONDS_PER_MINUTE,
        "premises_type": premises,
        "offense_code": offense,
        "officer_initiated": officer,
    }


def _choose(probabilities, n, rng) -> np.ndarray:
    keys = np.array(list(probabilities), dtype=object)
    p = np.array(list(probabilities.values()), dtype=float)
    return keys[rng.choice(keys.size, size=n, p=p / p.sum())]


def _concat(parts: list[Events]) -> Events:
    return Events(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("t", "x", "y", "component", "generation")
        )
    )

"""The demo agency's crime types (with the recipe that generates each), tactics and shifts.
A crime type is a mix of components: a spatial recipe times a daily and weekly cycle of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

# Weekday multipliers, Monday first, applied to the "police day" that starts at 06:00 so that the
# early hours of Saturday count as Friday night.
FLAT_WEEK = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
NIGHTLIFE_WEEK = (0.55, 0.6, 0.8, 1.0, 1.9, 2.2, 0.95)
WORKING_WEEK = (1.15, 1.15, 1.15, 1.15, 1.1, 0.7, 0.6)
MILD_WEEKEND_WEEK = (0.95, 0.95, 0.95, 1.0, 1.1, 1.1, 1.0)


@dataclass(frozen=True)
class Component:
    """One mechanism behind a crime type, e.g. nightlife assaults versus domestic assaults."""

    share: float  # of the type's background incidents
    surface: Mapping[str, float]  # weights of the spatial surfaces named in surfaces.SURFACE_NAMES
    peak_hour: float  # local hour of the daily peak
    peak_sharpness: float  # von Mises concentration of the daily cycle: 0 flat, 3 sharp
    weekday: tuple[float, ...]  # Monday..Sunday multipliers on the police day
    premises: Mapping[str, float]  # premises type -> probability
    offense_codes: Mapping[str, float]  # RMS offense code -> probability


@dataclass(frozen=True)
class CrimeTypeSpec:
    code: str
    name: str
    colour: str
    severity_weight: float  # harm of one incident, relative to a theft from a vehicle
    patrol_efficacy: float  # share preventable by patrol presence (0-1)
    count_officer_initiated: bool
    incidents_per_year: float  # expected, near-repeat offspring included
    seasonal_amplitude: float  # relative swing of the yearly cosine
    seasonal_peak_day: int  # day of year of the seasonal maximum
    trend_per_year: float  # relative change of the background rate per year
    branching_ratio: float  # expected near-repeat offspring per incident
    repeat_days: float  # mean delay of an offspring (exponential)
    repeat_metres: float  # standard deviation of an offspring's displacement per axis (Gaussian)
    officer_initiated_share: float
    window_share: float  # share reported with an occurred from/to window
    window_hours: tuple[float, float]  # log-uniform range of window lengths
    report_delay_minutes: float  # median delay from occurrence (or window end) to the report
    components: tuple[Component, ...]

    @property
    def offense_codes(self) -> list[str]:
        return list(dict.fromkeys(code for c in self.components for code in c.offense_codes))


CRIME_TYPES: tuple[CrimeTypeSpec, ...] = (
    CrimeTypeSpec(
        code="assault",
        name="Assault",
        colour="#d62728",
        severity_weight=4.0,
        patrol_efficacy=0.5,
        count_officer_initiated=False,
        incidents_per_year=5200,
        seasonal_amplitude=0.18,
        seasonal_peak_day=200,
        trend_per_year=0.03,
        branching_ratio=0.2,
        repeat_days=2.0,
        repeat_metres=150.0,
        officer_initiated_share=0.03,
        window_share=0.0,
        window_hours=(1.0, 1.0),
        report_delay_minutes=15.0,
        components=(
            Component(
                share=0.45,
                surface={"bars": 0.75, "transit": 0.1, "hotspots": 0.15},
                peak_hour=0.5,
                peak_sharpness=2.5,
                weekday=NIGHTLIFE_WEEK,
                premises={"Outside": 0.55, "Commercial": 0.4, "Transit": 0.05},
                offense_codes={"ASLT-1": 0.7, "ASLT-2": 0.25, "ASLT-AGG": 0.05},
            ),
            Component(
                share=0.55,
                surface={"residential": 0.6, "hotspots": 0.25, "schools": 0.05, "transit": 0.1},
                peak_hour=18.5,
                peak_sharpness=1.0,
                weekday=MILD_WEEKEND_WEEK,
                premises={"House": 0.35, "Apartment": 0.35, "Outside": 0.25, "Commercial": 0.05},
                offense_codes={"ASLT-1": 0.75, "ASLT-2": 0.2, "ASLT-AGG": 0.05},
            ),
        ),
    ),
    CrimeTypeSpec(
        code="break-and-enter",
        name="Break and Enter",
        colour="#1f77b4",
        severity_weight=3.0,
        patrol_efficacy=0.3,
        count_officer_initiated=True,
        incidents_per_year=3000,
        seasonal_amplitude=0.12,
        seasonal_peak_day=15,
        trend_per_year=-0.06,
        branching_ratio=0.35,
        repeat_days=4.0,
        repeat_metres=120.0,
        officer_initiated_share=0.01,
        window_share=0.3,
        window_hours=(2.0, 48.0),
        report_delay_minutes=45.0,
        components=(
            Component(
                share=0.8,
                surface={"residential": 0.8, "hotspots": 0.2},
                peak_hour=12.0,
                peak_sharpness=1.5,
                weekday=WORKING_WEEK,
                premises={"House": 0.6, "Apartment": 0.4},
                offense_codes={"BNE-RES": 0.9, "BNE-OTH": 0.1},
            ),
            Component(
                share=0.2,
                surface={"shopping": 0.6, "bars": 0.3, "residential": 0.1},
                peak_hour=3.0,
                peak_sharpness=2.0,
                weekday=FLAT_WEEK,
                premises={"Commercial": 1.0},
                offense_codes={"BNE-COM": 1.0},
            ),
        ),
    ),
    CrimeTypeSpec(
        code="auto-theft",
        name="Auto Theft",
        colour="#ff7f0e",
        severity_weight=2.0,
        patrol_efficacy=0.4,
        count_officer_initiated=False,
        incidents_per_year=2200,
        seasonal_amplitude=0.1,
        seasonal_peak_day=320,
        trend_per_year=0.12,
        branching_ratio=0.25,
        repeat_days=3.0,
        repeat_metres=200.0,
        officer_initiated_share=0.05,
        window_share=0.3,
        window_hours=(2.0, 14.0),
        report_delay_minutes=120.0,
        components=(
            Component(
                share=0.5,
                surface={"shopping": 0.5, "transit": 0.4, "bars": 0.1},
                peak_hour=23.0,
                peak_sharpness=1.5,
                weekday=FLAT_WEEK,
                premises={"Outside": 0.9, "Commercial": 0.1},
                offense_codes={"MVT-AUTO": 0.8, "MVT-TRUCK": 0.15, "MVT-MC": 0.05},
            ),
            Component(
                share=0.5,
                surface={"residential": 0.9, "hotspots": 0.1},
                peak_hour=3.0,
                peak_sharpness=2.0,
                weekday=FLAT_WEEK,
                premises={"House": 0.85, "Apartment": 0.15},
                offense_codes={"MVT-AUTO": 0.75, "MVT-TRUCK": 0.2, "MVT-MC": 0.05},
            ),
        ),
    ),
    CrimeTypeSpec(
        code="robbery",
        name="Robbery",
        colour="#9467bd",
        severity_weight=6.0,
        patrol_efficacy=0.6,
        count_officer_initiated=True,
        incidents_per_year=1300,
        seasonal_amplitude=0.15,
        seasonal_peak_day=330,
        trend_per_year=0.0,
        branching_ratio=0.2,
        repeat_days=3.0,
        repeat_metres=250.0,
        officer_initiated_share=0.01,
        window_share=0.0,
        window_hours=(1.0, 1.0),
        report_delay_minutes=10.0,
        components=(
            Component(
                share=0.7,
                surface={"transit": 0.6, "bars": 0.2, "hotspots": 0.2},
                peak_hour=21.5,
                peak_sharpness=1.5,
                weekday=MILD_WEEKEND_WEEK,
                premises={"Transit": 0.4, "Outside": 0.6},
                offense_codes={"ROB-STREET": 0.9, "ROB-CARJACK": 0.1},
            ),
            Component(
                share=0.3,
                surface={"shopping": 0.7, "bars": 0.2, "residential": 0.1},
                peak_hour=21.0,
                peak_sharpness=1.2,
                weekday=FLAT_WEEK,
                premises={"Commercial": 1.0},
                offense_codes={"ROB-COMM": 1.0},
            ),
        ),
    ),
    CrimeTypeSpec(
        code="theft-from-vehicle",
        name="Theft from Vehicle",
        colour="#2ca02c",
        severity_weight=1.0,
        patrol_efficacy=0.5,
        count_officer_initiated=False,
        incidents_per_year=3600,
        seasonal_amplitude=0.15,
        seasonal_peak_day=210,
        trend_per_year=-0.02,
        branching_ratio=0.3,
        repeat_days=3.0,
        repeat_metres=150.0,
        officer_initiated_share=0.03,
        window_share=0.2,
        window_hours=(1.0, 12.0),
        report_delay_minutes=180.0,
        components=(
            Component(
                share=0.6,
                surface={"shopping": 0.5, "bars": 0.2, "transit": 0.3},
                peak_hour=20.0,
                peak_sharpness=1.0,
                weekday=MILD_WEEKEND_WEEK,
                premises={"Outside": 0.85, "Commercial": 0.15},
                offense_codes={"TFV-UNDER": 0.9, "TFV-OVER": 0.1},
            ),
            Component(
                share=0.4,
                surface={"residential": 0.9, "hotspots": 0.1},
                peak_hour=3.0,
                peak_sharpness=1.8,
                weekday=FLAT_WEEK,
                premises={"House": 0.7, "Apartment": 0.3},
                offense_codes={"TFV-UNDER": 0.92, "TFV-OVER": 0.08},
            ),
        ),
    ),
)

SHIFT_HOURS = 8

TACTICS: tuple[dict, ...] = (
    {
        "name": "Park and walk",
        "description": "Park the car at the box's edge and walk it for the dose, talking to people.",
        "crime_types": ["Assault", "Robbery", "Break and Enter", "Theft from Vehicle"],
    },
    {
        "name": "Business checks",
        "description": "Visit open businesses, check closed ones' doors and rear lanes.",
        "crime_types": ["Break and Enter", "Robbery"],
    },
    {
        "name": "High-visibility stationary presence",
        "description": "Park with lights on at the busiest corner of the box (bar close, transit hub).",
        "crime_types": ["Assault", "Robbery"],
    },
    {
        "name": "Community contact",
        "description": "Knock on doors around a recent break-in; advise on locks and lighting.",
        "crime_types": ["Break and Enter", "Auto Theft", "Theft from Vehicle"],
        "recent": ("Break and Enter", 14),  # only where there was a break-in in the last 14 days
    },
    {
        "name": "Vehicle checks in car parks",
        "description": "Slow drive through car parks; check plates, note unlocked or showy vehicles.",
        "crime_types": ["Auto Theft", "Theft from Vehicle"],
    },
    {
        "name": "Transit platform walk-through",
        "description": "Walk the platforms and shelters of the box's stops when a bus or train is due.",
        "crime_types": ["Robbery", "Assault"],
        "near": ("transit_stops", 150),  # only boxes with a stop within 150 m
    },
)


def demo_tactics() -> list[dict]:
    """Tactics as dicts with `name`, `description`, `crime_types` (crime type names) and optional
    conditions: `near` (risk layer, metres) and `recent` (crime type name, days)."""
    return [dict(t, crime_types=list(t["crime_types"])) for t in TACTICS]


def demo_shifts() -> list[tuple[str, dt.time, dt.timedelta]]:
    """The three 8-hour shifts of the demo agency: (name, local start time, duration)."""
    duration = dt.timedelta(hours=SHIFT_HOURS)
    return [
        ("Day", dt.time(6), duration),
        ("Evening", dt.time(14), duration),
        ("Night", dt.time(22), duration),
    ]


def crime_type_dicts() -> list[dict]:
    """The crime types as the agency configures them (no generative recipe)."""
    return [
        {
            "code": s.code,
            "name": s.name,
            "colour": s.colour,
            "severity_weight": s.severity_weight,
            "patrol_efficacy": s.patrol_efficacy,
            "offense_codes": s.offense_codes,
            "count_officer_initiated": s.count_officer_initiated,
        }
        for s in CRIME_TYPES
    ]

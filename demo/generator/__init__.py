"""Port Meridian, a synthetic but plausible jurisdiction for demos and oracle benchmarks.
Pure Python (numpy/pandas/shapely/pyproj, no Django): `seed_demo` turns a DemoCity into models."""

from .catalogue import demo_shifts, demo_tactics
from .city import Beat, DemoCity, District, generate_demo_city
from .mission_trial import MISSION_EFFECT_DEFAULT, Trial, dosed_intensity, simulate_mission_trial
from .oracle import true_expected_counts

__all__ = [
    "MISSION_EFFECT_DEFAULT",
    "Trial",
    "Beat",
    "DemoCity",
    "District",
    "demo_shifts",
    "demo_tactics",
    "dosed_intensity",
    "generate_demo_city",
    "simulate_mission_trial",
    "true_expected_counts",
]

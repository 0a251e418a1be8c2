"""Port Meridian, a synthetic but plausible jurisdiction for demos and oracle benchmarks.
Pure Python (numpy/pandas/shapely/pyproj, no Django): `seed_demo` turns a DemoCity into models."""

from .catalogue import demo_shifts, demo_tactics
from .city import Beat, DemoCity, District, generate_demo_city
from .oracle import true_expected_counts

__all__ = [
    "Beat",
    "DemoCity",
    "District",
    "demo_shifts",
    "demo_tactics",
    "generate_demo_city",
    "true_expected_counts",
]

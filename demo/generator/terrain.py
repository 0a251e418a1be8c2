"""Port Meridian's risk terrain in local metres: where people live, and the bars, transit stops,
schools and shops that the incident surfaces are built from. Deterministic for a generator."""

from __future__ import annotations

import numpy as np
import shapely
from scipy.ndimage import gaussian_filter
from shapely.geometry import LineString, Polygon

from .geography import Raster, coast_y

NEIGHBOURHOODS = 10  # residential blobs
NEIGHBOURHOOD_SPREAD_M = (700.0, 1500.0)
RESIDENTIAL_FLOOR = 0.25  # housing density everywhere on land, relative to a blob's peak
PORT_LANDS = (6500.0, 9300.0, 1300.0)  # x from, x to, metres inland: industrial, few homes
PARK = ((1500.0, 8300.0), 900.0)  # centre, radius: Meridian Forest park
DOWNTOWN = (5000.0, 2600.0)
SOFTEN_M = 150.0  # smooths the zoning edges

ENTERTAINMENT_STRIP = ((3900.0, 2350.0), (5800.0, 2750.0))
STRIP_BARS, STRIP_SPREAD_M = 90, 60.0
NIGHTLIFE_CENTRES = (((5300.0, 7700.0), 25), ((9300.0, 3800.0), 20))  # Northgate, Eastport
CENTRE_SPREAD_M = 150.0
SCATTERED_BARS = 20

TRANSIT_LINES = {
    "Main Street": [(4900.0, 2300.0), (5000.0, 5000.0), (5300.0, 8900.0)],
    "Crosstown": [(300.0, 6000.0), (4000.0, 6200.0), (8000.0, 5600.0), (11_500.0, 5900.0)],
    "Northeast": [(5000.0, 2500.0), (7500.0, 5200.0), (10_000.0, 8600.0)],
}
LAKESHORE_INLAND_M = 800.0  # the Lakeshore line runs this far north of the shore
STOP_SPACING_M, STOP_JITTER_M = 500.0, 25.0

MALLS = (
    ("Meridian Centre", (5200.0, 3000.0)),
    ("Northgate Mall", (5400.0, 8100.0)),
    ("Westbrook Mall", (1900.0, 5300.0)),
    ("Eastport Plaza", (9500.0, 4800.0)),
)
STORES_PER_MALL, MALL_SPREAD_M = (6, 11), 90.0
STRIP_STORES, STRIP_STORE_SPREAD_M = 45, 60.0

SCHOOL_CANDIDATES, SCHOOLS_MAX, SCHOOL_SPACING_M = 400, 45, 600.0

BAR_WORDS = (
    ("The Rusty", "The Golden", "Harbour", "Old", "Blue", "Salty", "Red", "Crooked"),
    ("Anchor", "Lantern", "Tap", "Gull", "Barrel", "Fox", "Compass", "Oar"),
)
SCHOOL_WORDS = (
    "Maple",
    "Lakeside",
    "St. Brigid",
    "Cedar",
    "Hillcrest",
    "Riverview",
    "Elm",
    "Northwood",
    "Queen Mary",
    "Pinegrove",
    "Sir John",
    "Meadowvale",
)
SCHOOL_KINDS = ("Public School", "Elementary School", "Secondary School", "Catholic School")


def residential_density(raster: Raster, rng: np.random.Generator) -> np.ndarray:
    """Relative number of homes per pixel: neighbourhood blobs on a floor, few in the port lands,
    the park and the downtown core."""
    px, py = raster.centres()
    land_x, land_y = px[raster.inside], py[raster.inside]
    pick = rng.choice(land_x.size, size=NEIGHBOURHOODS, replace=False)
    spread = rng.uniform(*NEIGHBOURHOOD_SPREAD_M, size=NEIGHBOURHOODS)
    peak = rng.uniform(0.5, 1.2, size=NEIGHBOURHOODS)
    homes = np.full(px.shape, RESIDENTIAL_FLOOR)
    for cx, cy, s, a in zip(land_x[pick], land_y[pick], spread, peak, strict=True):
        homes += a * np.exp(-((px - cx) ** 2 + (py - cy) ** 2) / (2 * s * s))
    x_from, x_to, inland = PORT_LANDS
    port = (px > x_from) & (px < x_to) & (py < coast_y(px) + inland)
    park = np.hypot(px - PARK[0][0], py - PARK[0][1]) < PARK[1]
    core = np.hypot(px - DOWNTOWN[0], py - DOWNTOWN[1]) < 500
    homes *= np.where(port, 0.15, 1.0) * np.where(park, 0.05, 1.0) * np.where(core, 0.5, 1.0)
    return gaussian_filter(homes, SOFTEN_M / raster.pixel_m) * raster.inside


def make_layers(boundary: Polygon, raster: Raster, homes: np.ndarray, rng: np.random.Generator):
    """{layer: (names, x, y)} for bars, transit_stops, schools and shopping, all on land."""
    layers = {
        "bars": _bars(raster, homes, rng),
        "transit_stops": _transit_stops(rng),
        "schools": _schools(raster, homes, rng),
        "shopping": _shopping(rng),
    }
    shapely.prepare(boundary)
    out = {}
    for name, (names, x, y) in layers.items():
        on_land = shapely.contains_xy(boundary, x, y)
        out[name] = (
            [n for n, keep in zip(names, on_land, strict=True) if keep],
            x[on_land],
            y[on_land],
        )
    return out


def _bars(raster, homes, rng):
    (ax, ay), (bx, by) = ENTERTAINMENT_STRIP
    t = rng.random(STRIP_BARS)
    length = np.hypot(bx - ax, by - ay)
    off = rng.normal(0, STRIP_SPREAD_M, STRIP_BARS)
    xs = [ax + t * (bx - ax) - off * (by - ay) / length]
    ys = [ay + t * (by - ay) + off * (bx - ax) / length]
    for (cx, cy), n in NIGHTLIFE_CENTRES:
        xs.append(rng.normal(cx, CENTRE_SPREAD_M, n))
        ys.append(rng.normal(cy, CENTRE_SPREAD_M, n))
    sx, sy = _sample_pixels(raster, homes, SCATTERED_BARS, rng)
    x, y = np.concatenate(xs + [sx]), np.concatenate(ys + [sy])
    first, second = BAR_WORDS
    names = [
        f"{first[i]} {second[j]}"
        for i, j in zip(
            rng.integers(len(first), size=x.size),
            rng.integers(len(second), size=x.size),
            strict=True,
        )
    ]
    return names, x, y


def _transit_stops(rng):
    shore_x = np.linspace(300.0, 11_600.0, 12)
    lines = dict(
        TRANSIT_LINES,
        Lakeshore=list(zip(shore_x, coast_y(shore_x) + LAKESHORE_INLAND_M, strict=True)),
    )
    names, xs, ys = [], [], []
    for line_name, waypoints in lines.items():
        line = LineString(waypoints)
        points = shapely.line_interpolate_point(line, np.arange(0.0, line.length, STOP_SPACING_M))
        xy = shapely.get_coordinates(points) + rng.normal(0, STOP_JITTER_M, (len(points), 2))
        names += [f"{line_name} stop {i + 1}" for i in range(len(points))]
        xs.append(xy[:, 0])
        ys.append(xy[:, 1])
    return names, np.concatenate(xs), np.concatenate(ys)


def _schools(raster, homes, rng):
    """Schools where people live, no two closer than SCHOOL_SPACING_M (greedy thinning)."""
    cx, cy = _sample_pixels(raster, homes, SCHOOL_CANDIDATES, rng)
    kept: list[int] = []
    for i in range(cx.size):
        if len(kept) == SCHOOLS_MAX:
            break
        if not kept or np.min(np.hypot(cx[kept] - cx[i], cy[kept] - cy[i])) >= SCHOOL_SPACING_M:
            kept.append(i)
    names = [
        f"{SCHOOL_WORDS[rng.integers(len(SCHOOL_WORDS))]} "
        f"{SCHOOL_KINDS[rng.integers(len(SCHOOL_KINDS))]}"
        for _ in kept
    ]
    return names, cx[kept], cy[kept]


def _shopping(rng):
    names, xs, ys = [], [], []
    for mall, (mx, my) in MALLS:
        n = int(rng.integers(*STORES_PER_MALL))
        names += [f"{mall} unit {i + 1}" for i in range(n)]
        xs.append(rng.normal(mx, MALL_SPREAD_M, n))
        ys.append(rng.normal(my, MALL_SPREAD_M, n))
    corridors = [LineString(TRANSIT_LINES[k]) for k in ("Main Street", "Crosstown")]
    pick = rng.integers(len(corridors), size=STRIP_STORES)
    for k, (corridor, street) in enumerate(
        zip(corridors, ("Main Street", "Crosstown"), strict=True)
    ):
        n = int(np.sum(pick == k))
        at = shapely.line_interpolate_point(corridor, rng.random(n), normalized=True)
        xy = shapely.get_coordinates(at) + rng.normal(0, STRIP_STORE_SPREAD_M, (n, 2))
        names += [f"{street} plaza store {i + 1}" for i in range(n)]
        xs.append(xy[:, 0])
        ys.append(xy[:, 1])
    return names, np.concatenate(xs), np.concatenate(ys)


def _sample_pixels(raster, weights, n, rng):
    """n points drawn with probability proportional to `weights`, uniform within their pixel."""
    p = (weights * raster.inside).ravel()
    idx = rng.choice(p.size, size=n, p=p / p.sum())
    iy, ix = np.divmod(idx, raster.nx)
    return ((ix + rng.random(n)) * raster.pixel_m, (iy + rng.random(n)) * raster.pixel_m)

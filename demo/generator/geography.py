"""Port Meridian's map in local metres: the coastline-and-river boundary, districts, beats and the
50 m raster the incidents are generated on; projected to lon/lat only at the edges."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import MultiPoint, Polygon

WGS84_EPSG = 4326
UTM_EPSG = 32617  # UTM zone 17N holds longitudes -84..-78
CENTRE_LON, CENTRE_LAT = -79.9, 43.65
WIDTH_M, HEIGHT_M = 13_000.0, 9_600.0  # local frame; the land inside is about 100 km²
OUTLINE_STEP_M = 100.0  # vertex spacing of the coastline and the river
PIXEL_M = 50.0  # the fine raster the incidents are generated on

# District seeds (local metres): the Voronoi cells of these, clipped to the land, are the districts.
DISTRICT_SEEDS = (
    ("D1", "North", (6000.0, 7600.0)),
    ("D2", "East", (9800.0, 4300.0)),
    ("D3", "Harbour", (5600.0, 3000.0)),
    ("D4", "West", (2200.0, 4500.0)),
)
# Beat names per district, north to south; busy districts get more (and so smaller) beats.
BEAT_NAMES = {
    "D1": ("Northgate", "Highfield", "Pinecrest", "Quarry Hill"),
    "D2": ("Eastport", "Millrace", "Foundry"),
    "D3": ("Kingsmere", "Old Town", "Lakeview", "Dockside"),
    "D4": ("Westbrook", "Ashgrove", "Cedarvale"),
}
KMEANS_ITERATIONS = 25


@dataclass(frozen=True)
class Frame:
    """Local metres (x east, y north) = UTM minus a fixed origin."""

    origin_e: float
    origin_n: float
    epsg: int = UTM_EPSG

    def to_lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = _transformer(self.epsg, WGS84_EPSG).transform(
            np.asarray(x, float) + self.origin_e, np.asarray(y, float) + self.origin_n
        )
        return np.asarray(lon), np.asarray(lat)

    def from_lonlat(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        e, n = _transformer(WGS84_EPSG, self.epsg).transform(
            np.asarray(lon, float), np.asarray(lat, float)
        )
        return np.asarray(e) - self.origin_e, np.asarray(n) - self.origin_n

    def polygon_to_lonlat(self, polygon: Polygon) -> Polygon:
        return shapely.transform(polygon, lambda xy: np.column_stack(self.to_lonlat(*xy.T)))


@dataclass(frozen=True, eq=False)
class Raster:
    """Square pixels of `pixel_m` from local (0, 0); `inside` marks pixels wholly inside the land."""

    pixel_m: float
    nx: int
    ny: int
    inside: np.ndarray  # (ny, nx) bool

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        xs = (np.arange(self.nx) + 0.5) * self.pixel_m
        ys = (np.arange(self.ny) + 0.5) * self.pixel_m
        return np.meshgrid(xs, ys)

    def histogram(self, x: np.ndarray, y: np.ndarray, weights=None) -> np.ndarray:
        image, _, _ = np.histogram2d(
            y,
            x,
            bins=(self.ny, self.nx),
            weights=weights,
            range=((0, self.ny * self.pixel_m), (0, self.nx * self.pixel_m)),
        )
        return image


def make_frame() -> Frame:
    e, n = _transformer(WGS84_EPSG, UTM_EPSG).transform(CENTRE_LON, CENTRE_LAT)
    return Frame(origin_e=round(e - WIDTH_M / 2, -2), origin_n=round(n - HEIGHT_M / 2, -2))


def make_boundary() -> Polygon:
    """Land between Lake Meridian (south, with a harbour bay and a headland) and the river (east);
    straight survey lines west and north, with a jog where the old township ended."""
    xs = np.arange(0.0, WIDTH_M + OUTLINE_STEP_M, OUTLINE_STEP_M)
    ys = np.arange(0.0, HEIGHT_M + OUTLINE_STEP_M, OUTLINE_STEP_M)
    north_jog_x, north_y, jog_y = 6000.0, HEIGHT_M - 200, HEIGHT_M - 600
    land = Polygon([(0, north_y), *zip(xs, coast_y(xs), strict=True), (WIDTH_M, north_y)])
    west_of_river = Polygon([(0, 0), *zip(river_x(ys), ys, strict=True), (0, HEIGHT_M)])
    township = Polygon(
        [
            (0, 0),
            (WIDTH_M, 0),
            (WIDTH_M, jog_y),
            (north_jog_x, jog_y),
            (north_jog_x, north_y),
            (0, north_y),
        ]
    )
    # Short edges everywhere: a long straight UTM edge bows by decimetres once in lon/lat.
    return _largest_polygon(land.intersection(west_of_river).intersection(township)).segmentize(
        OUTLINE_STEP_M
    )


def coast_y(x: np.ndarray) -> np.ndarray:
    """Northing of the lake shore at easting x: two swells, the harbour bay and the headland."""
    return (
        1100
        + 350 * np.sin(2 * np.pi * x / 4700 + 0.6)
        + 120 * np.sin(2 * np.pi * x / 1300)
        + 700 * np.exp(-(((x - 4800) / 650) ** 2))
        - 450 * np.exp(-(((x - 8600) / 500) ** 2))
    )


def river_x(y: np.ndarray) -> np.ndarray:
    """Easting of the river bank at northing y (two meanders)."""
    return 12_000 + 350 * np.sin(2 * np.pi * y / 2600) + 120 * np.sin(2 * np.pi * y / 900)


def make_raster(boundary: Polygon) -> Raster:
    minx, miny, maxx, maxy = boundary.bounds
    nx, ny = int(np.ceil(maxx / PIXEL_M)), int(np.ceil(maxy / PIXEL_M))
    x0 = np.arange(nx) * PIXEL_M
    y0 = np.arange(ny) * PIXEL_M
    gx, gy = np.meshgrid(x0, y0)
    shapely.prepare(boundary)
    # Only pixels wholly on land carry background risk, so jittered points never fall in the lake.
    inside = shapely.contains(boundary, shapely.box(gx, gy, gx + PIXEL_M, gy + PIXEL_M))
    return Raster(pixel_m=PIXEL_M, nx=nx, ny=ny, inside=inside)


def make_districts(boundary: Polygon) -> list[tuple[str, str, Polygon]]:
    seeds = np.array([s for _, _, s in DISTRICT_SEEDS])
    polygons = tile(boundary, seeds)
    return [
        (code, name, poly) for (code, name, _), poly in zip(DISTRICT_SEEDS, polygons, strict=True)
    ]


def make_beats(districts, raster: Raster, workload: np.ndarray, rng: np.random.Generator):
    """Beats by weighted k-means of each district's pixels, so busy areas get smaller beats."""
    px, py = raster.centres()
    px, py, w = px[raster.inside], py[raster.inside], np.sqrt(workload[raster.inside])
    beats = []
    for code, _, polygon in districts:
        mine = shapely.contains_xy(polygon, px, py)
        pts, wts = np.column_stack([px[mine], py[mine]]), w[mine]
        names = BEAT_NAMES[code]
        k = len(names)
        centres = pts[rng.choice(len(pts), size=k, replace=False, p=wts / wts.sum())]
        for _ in range(KMEANS_ITERATIONS):
            label = np.argmin(((pts[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
            mass = np.bincount(label, weights=wts, minlength=k)
            for axis in range(2):
                sums = np.bincount(label, weights=wts * pts[:, axis], minlength=k)
                centres[:, axis] = np.where(
                    mass > 0, sums / np.maximum(mass, 1e-12), centres[:, axis]
                )
        centres = centres[np.argsort(-centres[:, 1], kind="stable")]
        for i, poly in enumerate(tile(polygon, centres)):
            beats.append((f"{code}-B{i + 1}", names[i], code, poly))
    return beats


def tile(region: Polygon, seeds: np.ndarray) -> list[Polygon]:
    """Voronoi cells of `seeds` clipped to `region`; stray slivers join the neighbour they touch
    most, so every tile is one valid polygon and the tiles cover the region exactly."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=region, ordered=True)
    parts = [cell.segmentize(OUTLINE_STEP_M).intersection(region) for cell in cells.geoms]
    tiles = [_largest_polygon(p) for p in parts]
    for i, (part, keep) in enumerate(zip(parts, tiles, strict=True)):
        for sliver in getattr(part, "geoms", [part]):
            if sliver.equals(keep) or sliver.area == 0:
                continue
            shared = [t.boundary.intersection(sliver.boundary).length for t in tiles]
            shared[i] = -1.0  # cut off from its own tile, so it cannot rejoin it
            j = int(np.argmax(shared))
            tiles[j] = _largest_polygon(shapely.union(tiles[j], sliver))
    return tiles


def layer_frame(frame: Frame, names, x, y) -> pd.DataFrame:
    lon, lat = frame.to_lonlat(x, y)
    return pd.DataFrame({"name": list(names), "latitude": lat, "longitude": lon})


@lru_cache(maxsize=4)
def _transformer(src: int, dst: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _largest_polygon(geom) -> Polygon:
    polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
    return max(polys, key=lambda g: g.area)
